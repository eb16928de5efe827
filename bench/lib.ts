/**
 * Helpers shared by the benchmarks: a fresh database per run, percentiles, the machine facts every
 * results file starts with, and the long agent history the dashboard benchmarks seed.
 */
import { randomBytes } from "node:crypto";
import os from "node:os";
import pg from "pg";
import { startEmbeddedPostgres } from "../server/db/embedded";

export function percentile(values: number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export const ms = (n: number) => `${n.toFixed(2)} ms`;

export type BenchDatabase = {
  url: string;
  /** e.g. "PostgreSQL 15.20 (Debian ...) at 127.0.0.1:5432" or "embedded PGlite (in-memory)". */
  label: string;
  /** `SHOW server_version` of a real server; null for the embedded database. */
  serverVersion: string | null;
  name: string | null;
  cleanup: () => Promise<void>;
};

/**
 * A fresh database with pgvector: `CREATE DATABASE longhaul_bench_<random>` on the server named by
 * BENCH_DATABASE_URL (dropped by cleanup()), or, without it, the embedded PGlite in memory.
 */
export async function createDatabase(): Promise<BenchDatabase> {
  const serverUrl = process.env.BENCH_DATABASE_URL;
  if (!serverUrl) {
    const embedded = await startEmbeddedPostgres({ dataDir: null, port: 0 });
    return { url: embedded.url, label: "embedded PGlite (in-memory)", serverVersion: null, name: null, cleanup: embedded.stop };
  }
  const name = `longhaul_bench_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const version = (await admin.query<{ server_version: string }>("SHOW server_version")).rows[0]!.server_version;
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const c = new pg.Client({ connectionString: url.toString() });
  await c.connect();
  await c.query("CREATE EXTENSION IF NOT EXISTS vector");
  await c.end();
  return {
    url: url.toString(),
    label: `PostgreSQL ${version} at ${url.host}`,
    serverVersion: version,
    name,
    cleanup: async () => {
      const a = new pg.Client({ connectionString: serverUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/** "2 × AMD EPYC, 24 GiB, Node v20.20.2" */
export function machineFacts() {
  const cpus = os.cpus();
  return {
    cpuCount: cpus.length,
    cpuModel: cpus[0]?.model ?? "cpu",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    line: `${cpus.length} × ${cpus[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  };
}

/**
 * The start of a benchmark that runs the app's own modules against a PostgreSQL server: without
 * BENCH_DATABASE_URL it says why it is skipped and exits; otherwise it creates the scratch database
 * and sets the environment the app reads when its modules are first imported (import them after this).
 */
export async function appBenchDatabase(log: (line: string) => void, why: string): Promise<BenchDatabase> {
  if (!process.env.BENCH_DATABASE_URL) {
    log(`skipped: ${why}, e.g. BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres`);
    process.exit(0);
  }
  const database = await createDatabase();
  log(`database: ${database.label}`);
  process.env.DATABASE_URL = database.url;
  process.env.BETTER_AUTH_SECRET ??= randomBytes(32).toString("hex");
  process.env.LOG_LEVEL = "warn";
  return database;
}

/**
 * One agent with a long history, written with SQL in one statement: `events` events, three a cycle
 * (a thought with a realistic payload: context, a tool call and a recalled memory with its score
 * components; the tool call; its result), ten seconds apart and ending now. Returns the agent's id.
 * Used by the dashboard benchmarks (the timeline API and the agent page in a browser).
 */
export async function seedLongHistoryAgent(client: pg.Client, { teamId, events }: { teamId: string; events: number }): Promise<string> {
  const agentId = (
    await client.query<{ id: string }>(
      `INSERT INTO agent (id, "teamId", name, goal, model, status, "cycleCount", "lastEventSeq", "eventCount", "updatedAt")
       VALUES (gen_random_uuid(), $1, 'Long history', 'A long-running agent.', 'gpt-4o-mini', 'sleeping', $2, $3, $3, now()) RETURNING id`,
      [teamId, Math.ceil(events / 3), events],
    )
  ).rows[0]!.id;
  await client.query(
    `INSERT INTO agent_event ("agentId", "teamId", seq, cycle, type, payload, "tokensIn", "tokensOut", "costUsd", "durationMs", "createdAt")
     SELECT $1, $2, s, (s + 2) / 3,
            (ARRAY['thought','tool_call','tool_result']::"EventType"[])[1 + (s - 1) % 3],
            CASE (s - 1) % 3
              WHEN 0 THEN jsonb_build_object('content', 'Thinking about step ' || s, 'model', 'gpt-4o-mini',
                     'call', jsonb_build_object('name', 'update_world_state', 'arguments', '{"set":{"k":' || s || '}}'),
                     'recalled', jsonb_build_array(jsonb_build_object('id', gen_random_uuid(), 'kind', 'episode', 'score', 1.2,
                        'components', jsonb_build_object('similarity', 0.5, 'recency', 0.9, 'frequency', 0.1, 'importance', 0.5))),
                     'context', jsonb_build_object('promptTokens', 1800, 'recentCycles', 8))
              WHEN 1 THEN jsonb_build_object('stage', 'think', 'name', 'update_world_state', 'arguments', '{"set":{"k":' || s || '}}')
              ELSE jsonb_build_object('name', 'update_world_state', 'status', 'succeeded', 'result', jsonb_build_object('keys', jsonb_build_array('k')))
            END,
            CASE WHEN (s - 1) % 3 = 0 THEN 1800 ELSE 0 END, CASE WHEN (s - 1) % 3 = 0 THEN 60 ELSE 0 END,
            CASE WHEN (s - 1) % 3 = 0 THEN 0.0003 ELSE 0 END, CASE WHEN (s - 1) % 3 = 0 THEN 900 ELSE NULL END,
            now() - ((($3::int - s) * 10) || ' seconds')::interval
       FROM generate_series(1, $3::int) AS s`,
    [agentId, teamId, events],
  );
  return agentId;
}

/**
 * A team of `agents` agents with varied names, statuses, spend (with ties) and activity (every tenth
 * never ran), and their spend ledger (the trigger keeps agent_spend_day in step): the 500 most recently
 * active agents spent every hour of the last 14 days, the others three times in that window.
 */
export async function seedFleet(seed: pg.Client, { teamId, agents }: { teamId: string; agents: number }) {
  await seed.query(
    `INSERT INTO agent (id, "teamId", name, goal, model, status, "budgetUsd", "spentUsd", "cycleCount", "lastActiveAt", "heartbeatAt", "createdAt", "updatedAt")
     SELECT gen_random_uuid(), $1, 'Agent ' || i || ' ' || md5(i::text), 'Watch thing ' || i || ' and report changes.', 'gpt-4o-mini',
            (ARRAY['idle','running','sleeping','paused','completed','waiting_approval']::"AgentStatus"[])[1 + i % 6],
            10, (i % 997) / 100.0, i % 500,
            CASE WHEN i % 10 = 0 THEN NULL ELSE now() - (i || ' minutes')::interval END,
            CASE WHEN i % 10 = 0 THEN NULL ELSE now() - (i || ' minutes')::interval END,
            now() - (i || ' seconds')::interval, now()
       FROM generate_series(1, $2::int) AS i`,
    [teamId, agents],
  );
  await seed.query(
    `INSERT INTO spend_entry ("agentId", "teamId", kind, state, model, "tokensIn", "tokensOut", "costUsd", "createdAt")
     SELECT a.id, a."teamId", 'model', 'committed', 'gpt-4o-mini', 1800, 60, 0.0003, now() - (h || ' hours')::interval
       FROM (SELECT id, "teamId" FROM agent WHERE "teamId" = $1 AND "lastActiveAt" IS NOT NULL ORDER BY "lastActiveAt" DESC LIMIT 500) AS a,
            generate_series(0, 14 * 24 - 1) AS h`,
    [teamId],
  );
  await seed.query(
    `INSERT INTO spend_entry ("agentId", "teamId", kind, state, model, "tokensIn", "tokensOut", "costUsd", "createdAt")
     SELECT a.id, a."teamId", 'tool', 'committed', NULL, 0, 0, 0.01, now() - (d || ' days')::interval
       FROM (SELECT id, "teamId" FROM agent WHERE "teamId" = $1 AND "lastActiveAt" IS NOT NULL ORDER BY "lastActiveAt" DESC OFFSET 500) AS a,
            (VALUES (1), (5), (12)) AS days(d)`,
    [teamId],
  );
}

/**
 * Runs for the fleet's activity list: the long-history agent's cycles in runs of 50 (its events carry
 * their run; one tool call in 40 failed, with an error text), and one completed run for every agent
 * that was ever active, ending at its last activity.
 */
export async function seedRuns(seed: pg.Client, { teamId, agentId }: { teamId: string; agentId: string }) {
  await seed.query(
    `INSERT INTO agent_run ("agentId", "teamId", status, "startCycle", "endCycle", reason, "startedAt", "endedAt")
     SELECT $1, $2, 'completed', min(cycle), max(cycle), 'Rolled over after 50 cycles.', min("createdAt"), max("createdAt")
       FROM agent_event WHERE "agentId" = $1 GROUP BY (cycle - 1) / 50`,
    [agentId, teamId],
  );
  await seed.query(
    `UPDATE agent_event e SET "runId" = r.id FROM agent_run r
      WHERE r."agentId" = $1 AND e."agentId" = $1 AND e.cycle BETWEEN r."startCycle" AND r."endCycle"`,
    [agentId],
  );
  await seed.query(
    `UPDATE agent_event SET payload = jsonb_build_object('name', 'update_world_state', 'status', 'failed',
            'error', 'The state server answered HTTP 503 Service Unavailable.')
      WHERE "agentId" = $1 AND type = 'tool_result' AND cycle % 40 = 0`,
    [agentId],
  );
  await seed.query(
    `INSERT INTO agent_run ("agentId", "teamId", status, "startCycle", "endCycle", reason, "startedAt", "endedAt")
     SELECT id, "teamId", 'completed', 1, GREATEST("cycleCount", 1), 'Finished its goal.', "lastActiveAt" - interval '1 hour', "lastActiveAt"
       FROM agent WHERE "teamId" = $1 AND id <> $2 AND "lastActiveAt" IS NOT NULL`,
    [teamId, agentId],
  );
}

export type Latency = { p50: number; p95: number; p99: number; n: number };

/** `samples` timed calls of `fn`, one at a time, after 20 untimed warm-up calls; logs p50 and p95. */
export async function timeCalls(label: string, samples: number, fn: () => Promise<unknown>, log: (line: string) => void): Promise<Latency> {
  for (let i = 0; i < 20; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  const r = { p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99), n: samples };
  log(`${label}: p50 ${ms(r.p50)} p95 ${ms(r.p95)}`);
  return r;
}
