/**
 * `npm run bench` (load part): many agents on one machine, next to bare PostgreSQL doing the minimum
 * work of a cycle in the same run.
 *
 *   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx --conditions=react-server bench/load.ts
 *
 * 1. Baseline: BENCH_LOAD_AGENTS concurrent loops, each "cycle" one transaction with an INSERT into an
 *    event table and an UPDATE of the loop's agent row, over a pg.Pool of BENCH_LOAD_BASELINE_POOL
 *    connections (a server does not take 1,000 connections; the product's pools are bounded too).
 * 2. Active: BENCH_LOAD_AGENTS agents started through server/agents/control.ts startAgent, served by the
 *    app's Inngest functions (inngest/node `serve`) and the project's executor (production defaults unless
 *    BENCH_LOAD_EXECUTOR_CONCURRENCY / BENCH_LOAD_EXECUTOR_POOL are set), all in this process, the model
 *    being tests/fixtures/fake-openai.ts at zero latency. Cooldown BENCH_LOAD_COOLDOWN_S (default 1 s:
 *    every cycle ends in a wait, so every agent gets turns; with 0 a run's 50 cycles go in one SDK request
 *    and only `concurrency` agents move at a time). Measured over BENCH_LOAD_SECONDS after a warm-up:
 *    cycles/s, queue lag (the executor's oldest due, unleased job, sampled each second), connections
 *    (pg_stat_activity by application_name), memory and CPU of the process.
 * 3. Sleeping: one real agent with a one-hour cooldown is run until it waits; its executor rows (run,
 *    steps, wait, timeout job) and its agent row are copied with SQL to BENCH_LOAD_SLEEPERS, then the
 *    executor's CPU and the database's commits are measured over BENCH_LOAD_IDLE_SECONDS.
 *
 * Results: bench/results/load.md and load.json.
 */
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import type { InngestFunction } from "inngest";
import { serve } from "inngest/node";
import type { ChatCompletionCreateParams } from "openai/resources/chat/completions";
import pg from "pg";
import { applyMigrations } from "../server/db/migrate";
import { executorOptionsFromEnv, startExecutor, type RunningExecutor } from "@longhaul/executor";
import { startFakeOpenAI, type ScriptedReply } from "../tests/fixtures/fake-openai";
import { appBenchDatabase, machineFacts, percentile } from "./lib";

const AGENTS = Number(process.env.BENCH_LOAD_AGENTS ?? 1_000);
const SLEEPERS = Number(process.env.BENCH_LOAD_SLEEPERS ?? 100_000);
const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 60);
const WARMUP_SECONDS = Number(process.env.BENCH_LOAD_WARMUP_SECONDS ?? 15);
/** 60 s by default: the watchdog's cron (every minute) then runs once inside the window. */
const IDLE_SECONDS = Number(process.env.BENCH_LOAD_IDLE_SECONDS ?? 60);
const COOLDOWN_S = Number(process.env.BENCH_LOAD_COOLDOWN_S ?? 1);
const BASELINE_POOL = Number(process.env.BENCH_LOAD_BASELINE_POOL ?? 20);
const EXECUTOR_PORT = Number(process.env.BENCH_EXECUTOR_PORT ?? 19_510);
/** Results go to bench/results/<BENCH_LOAD_OUT>.md and .json (a variant run need not overwrite the default one). */
const OUT = process.env.BENCH_LOAD_OUT ?? "load";
const log = (line: string) => console.log(`[bench:load] ${new Date().toISOString().slice(11, 19)} ${line}`);
const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (bytes: number) => bytes / 2 ** 20;

const database = await appBenchDatabase(log, "needs a PostgreSQL server");
const withAppName = (url: string, name: string) => {
  const u = new URL(url);
  u.searchParams.set("application_name", name);
  return u.toString();
};
// The app's pool and the executor's pool show up apart in pg_stat_activity.
process.env.DATABASE_URL = withAppName(database.url, "longhaul-app");
process.env.INNGEST_DEV = `http://127.0.0.1:${EXECUTOR_PORT}`;
process.env.OPENAI_API_KEY = "test-key";
// The fake model listens on 127.0.0.1; the outbound guard lets model calls reach it (docs/decisions/019).
process.env.LONGHAUL_PRIVATE_MODEL_HOSTS = "127.0.0.1,localhost";
process.env.MODEL_MAX_RETRIES = "0";
process.env.MODEL_TIMEOUT_MS = "120000";
delete process.env.INNGEST_SIGNING_KEY;
delete process.env.INNGEST_EVENT_KEY;

/**
 * Statements sent, by the connection's application_name (the app's Prisma pool, the executor's pool, the
 * benchmark's own), counted on the client: what the database is asked to do while agents sleep.
 */
const statements: Record<string, number> = {};
{
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: { connectionParameters?: { application_name?: string } }, ...args: unknown[]) {
    const name = this.connectionParameters?.application_name ?? "(none)";
    statements[name] = (statements[name] ?? 0) + 1;
    return original.apply(this, args);
  };
}

/** Runs `fn` over `items` with at most `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

type Sample = {
  lagSeconds: number;
  dueJobs: number;
  connections: Record<string, number>;
  rssMiB: number;
  heapMiB: number;
};

const results: Record<string, unknown> = {};
const startedAt = new Date();
const loadBefore = os.loadavg();
const measure = new pg.Client({ connectionString: withAppName(database.url, "bench-measure") });
measure.on("error", () => {});

/** Connections to this database by application_name and state (the benchmark's own one left out). */
async function connections() {
  const { rows } = await measure.query<{ app: string; state: string; n: number }>(
    `SELECT coalesce(nullif(application_name, ''), '(none)') AS app, coalesce(state, '?') AS state, count(*)::int AS n
       FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() GROUP BY 1, 2`,
  );
  const out: Record<string, number> = {};
  for (const r of rows) {
    out[`${r.app} ${r.state}`] = r.n;
    out[`${r.app} total`] = (out[`${r.app} total`] ?? 0) + r.n;
    out.total = (out.total ?? 0) + r.n;
  }
  return out;
}
const commits = async () =>
  (await measure.query<{ n: number }>(`SELECT xact_commit::float8 AS n FROM pg_stat_database WHERE datname = current_database()`)).rows[0]!
    .n;
const summarizeConnections = (samples: Sample[]) => {
  const keys = [...new Set(samples.flatMap((s) => Object.keys(s.connections)))].sort();
  return Object.fromEntries(
    keys.map((k) => {
      const values = samples.map((s) => s.connections[k] ?? 0);
      return [k, { p50: percentile(values, 50), max: Math.max(...values) }];
    }),
  );
};

let stopStack: (() => Promise<void>) | null = null;
let disconnectApp: (() => Promise<void>) | null = null;
try {
  await applyMigrations(database.url);
  await measure.connect();

  // -----------------------------------------------------------------------------------------------
  // 1. Baseline: bare PostgreSQL, one INSERT + one UPDATE per cycle in a transaction.
  // -----------------------------------------------------------------------------------------------
  {
    await measure.query(`CREATE TABLE bench_agent (id int PRIMARY KEY, cycles int NOT NULL DEFAULT 0, "updatedAt" timestamptz)`);
    await measure.query(
      `CREATE TABLE bench_event (id bigserial PRIMARY KEY, "agentId" int NOT NULL, cycle int NOT NULL, payload jsonb NOT NULL, "createdAt" timestamptz NOT NULL DEFAULT now())`,
    );
    await measure.query(`CREATE INDEX ON bench_event ("agentId", cycle)`);
    await measure.query(`INSERT INTO bench_agent (id) SELECT generate_series(1, $1::int)`, [AGENTS]);
    const pool = new pg.Pool({ connectionString: withAppName(database.url, "bench-baseline"), max: BASELINE_POOL });
    let cycles = 0;
    let running = true;
    const payload = JSON.stringify({
      content: "Thinking about the next product to check.".repeat(4),
      call: { name: "update_world_state" },
    });
    const t0 = performance.now();
    const loops = Array.from({ length: AGENTS }, async (_, i) => {
      let cycle = 0;
      while (running) {
        const client = await pool.connect();
        try {
          await client.query("BEGIN");
          await client.query(`INSERT INTO bench_event ("agentId", cycle, payload) VALUES ($1, $2, $3)`, [i + 1, ++cycle, payload]);
          await client.query(`UPDATE bench_agent SET cycles = cycles + 1, "updatedAt" = now() WHERE id = $1`, [i + 1]);
          await client.query("COMMIT");
        } finally {
          client.release();
        }
        cycles++;
      }
    });
    const baselineSeconds = Math.min(SECONDS, 30);
    const connectionSamples: Sample[] = [];
    while (performance.now() - t0 < baselineSeconds * 1000) {
      await sleep(1000);
      connectionSamples.push({ lagSeconds: 0, dueJobs: 0, connections: await connections(), rssMiB: 0, heapMiB: 0 });
    }
    running = false;
    await Promise.all(loops);
    const seconds = (performance.now() - t0) / 1000;
    await pool.end();
    results.baseline = {
      clients: AGENTS,
      poolSize: BASELINE_POOL,
      seconds,
      cycles,
      cyclesPerSecond: cycles / seconds,
      connections: summarizeConnections(connectionSamples),
    };
    log(`baseline: ${fmt(cycles / seconds)} cycles/s (${AGENTS} loops over ${BASELINE_POOL} connections, ${seconds.toFixed(0)} s)`);
  }

  const { db } = await import("../server/db/client");
  const { closeDatabasePool } = await import("../server/db/raw");
  disconnectApp = async () => {
    await db.$disconnect();
    await closeDatabasePool();
  };
  const { inngest } = await import("../inngest/client");
  const { functions } = await import("../inngest");
  const control = await import("../server/agents/control");
  const { createAgent } = await import("../server/agents/agents");

  // -----------------------------------------------------------------------------------------------
  // The stack: executor + the app's functions + the fake model, in this process.
  // -----------------------------------------------------------------------------------------------
  const defaults = executorOptionsFromEnv({});
  const executorOptions = {
    ...defaults,
    databaseUrl: withAppName(database.url, "longhaul-executor"),
    host: "127.0.0.1",
    port: EXECUTOR_PORT,
    sdkUrls: [],
    syncIntervalMs: 0,
    poolSize: Number(process.env.BENCH_LOAD_EXECUTOR_POOL ?? defaults.poolSize),
    worker: { ...defaults.worker, concurrency: Number(process.env.BENCH_LOAD_EXECUTOR_CONCURRENCY ?? defaults.worker.concurrency) },
  };
  let executor: RunningExecutor = await startExecutor(executorOptions);
  const fake = await startFakeOpenAI({ latencyMs: 0 });
  const app = http.createServer(serve({ client: inngest, functions: functions as InngestFunction.Any[] }));
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  const sync = await fetch(`http://127.0.0.1:${(app.address() as AddressInfo).port}/api/inngest`, { method: "PUT" });
  if (!sync.ok) throw new Error(`sync failed: ${sync.status} ${await sync.text()}`);
  stopStack = async () => {
    app.closeAllConnections();
    await new Promise<void>((resolve) => app.close(() => resolve()));
    await executor.stop({ graceMs: 1000 });
    await fake.stop();
  };

  /** A fixed mix of tools that never needs an approval and keeps making progress (so no stuck holds). */
  fake.setResponder((body: ChatCompletionCreateParams): ScriptedReply => {
    const text = body.messages.map((m) => (typeof m.content === "string" ? m.content : "")).join("\n");
    const cycle = Number(/Cycle (\d+)\./.exec(text)?.[1] ?? 0);
    const item = cycle % 37;
    const call = (name: string, args: unknown): ScriptedReply => ({
      kind: "tool_calls",
      calls: [{ name, arguments: args }],
      content: `Cycle ${cycle}: I will use ${name} for product ${item}.`,
    });
    switch (cycle % 3) {
      case 1:
        return call("update_world_state", { set: { product: item, checkedAt: cycle, price: 100 + (cycle % 13) } });
      case 2:
        return call("remember", { content: `Product ${item} cost ${100 + (cycle % 13)} USD at cycle ${cycle}.`, importance: 0.4 });
      default:
        return call("update_world_state", { set: { lastReportCycle: cycle }, remove: ["draft"] });
    }
  });

  const userId = `bench-${randomBytes(6).toString("hex")}`;
  const teamId = `bench-team-${randomBytes(6).toString("hex")}`;
  await db.user.create({ data: { id: userId, name: "Bench", email: `${userId}@example.test` } });
  await db.team.create({ data: { id: teamId, name: "Bench", slug: teamId } });
  const provider = await db.modelProvider.create({ data: { teamId, name: "fake", baseUrl: fake.baseURL }, select: { id: true } });
  const tools = (["update_world_state", "remember", "search_memory", "send_message", "finish"] as const).map((name) => ({
    name,
    enabled: true,
    approval: "never" as const,
  }));
  const newAgent = async (name: string) =>
    (
      await createAgent({
        teamId,
        userId,
        input: {
          name,
          goal: "Watch the prices of 37 products, remember changes and report them to the team.",
          instructions: "Check one product per cycle. Report a change as soon as you see it.",
          provider: provider.id,
          model: "gpt-4o-mini",
          budgetUsd: 1,
          cooldownSeconds: 1,
          tools,
        },
      })
    ).id;

  // -----------------------------------------------------------------------------------------------
  // 2. Active agents.
  // -----------------------------------------------------------------------------------------------
  log(`creating ${AGENTS} agents`);
  const agentIds: string[] = [];
  await eachLimited(
    Array.from({ length: AGENTS }, (_, i) => i),
    10,
    async (i) => {
      agentIds.push(await newAgent(`Load ${i + 1}`));
    },
  );
  // No budget (so no soft-limit holds) and the chosen cooldown.
  await db.agent.updateMany({
    where: { id: { in: agentIds } },
    data: { cooldownSeconds: COOLDOWN_S, cyclesPerRun: 50, budgetUsd: null, budgetTokens: null, budgetCycles: null },
  });
  const cycleTotal = async () =>
    (await measure.query<{ n: number }>(`SELECT coalesce(sum("cycleCount"), 0)::float8 AS n FROM agent WHERE "teamId" = $1`, [teamId]))
      .rows[0]!.n;
  const statusCounts = async () =>
    Object.fromEntries(
      (
        await measure.query<{ status: string; n: number }>(
          `SELECT status::text AS status, count(*)::int AS n FROM agent WHERE "teamId" = $1 GROUP BY 1 ORDER BY 1`,
          [teamId],
        )
      ).rows.map((r) => [r.status, r.n]),
    );
  /** The executor's queue as server/operations/metrics.ts reads it. */
  const queue = async () =>
    (
      await measure.query<{ due: number; lag: number | null }>(
        `SELECT count(*) FILTER (WHERE "runAt" <= (now() AT TIME ZONE 'UTC') AND ("leasedBy" IS NULL OR "leaseExpiresAt" < (now() AT TIME ZONE 'UTC')))::int AS due,
                EXTRACT(EPOCH FROM (now() AT TIME ZONE 'UTC') - min("runAt") FILTER (
                  WHERE "runAt" <= (now() AT TIME ZONE 'UTC') AND ("leasedBy" IS NULL OR "leaseExpiresAt" < (now() AT TIME ZONE 'UTC'))))::float8 AS lag
           FROM executor_job`,
      )
    ).rows[0]!;
  const sample = async (): Promise<Sample> => {
    const q = await queue();
    const memory = process.memoryUsage();
    return {
      lagSeconds: Math.max(0, q.lag ?? 0),
      dueJobs: q.due,
      connections: await connections(),
      rssMiB: mib(memory.rss),
      heapMiB: mib(memory.heapUsed),
    };
  };

  log(`starting ${AGENTS} agents (cooldown ${COOLDOWN_S} s)`);
  const tStart = performance.now();
  await eachLimited(agentIds, 20, async (agentId) => {
    await control.startAgent({ agentId, teamId, userId });
  });
  const startSeconds = (performance.now() - tStart) / 1000;
  log(`started in ${startSeconds.toFixed(1)} s; warming up ${WARMUP_SECONDS} s`);
  await sleep(WARMUP_SECONDS * 1000);

  const samples: Sample[] = [];
  const cycles0 = await cycleTotal();
  const commits0 = await commits();
  const cpu0 = process.cpuUsage();
  const sdk0 = executor.worker.sdkCalls;
  const w0 = performance.now();
  const perSecond: number[] = [];
  let last = cycles0;
  while (performance.now() - w0 < SECONDS * 1000) {
    await sleep(1000);
    samples.push(await sample());
    const now = await cycleTotal();
    perSecond.push(now - last);
    last = now;
    if (samples.length % 10 === 0) {
      const s = samples.at(-1)!;
      log(
        `  ${samples.length} s: ${fmt(perSecond.slice(-10).reduce((a, b) => a + b, 0) / 10, 1)} cycles/s, lag ${s.lagSeconds.toFixed(2)} s, ${s.dueJobs} due, ${s.connections.total} conns, RSS ${fmt(s.rssMiB)} MiB`,
      );
    }
  }
  const windowSeconds = (performance.now() - w0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cycles1 = await cycleTotal();
  await sleep(1100);
  const activeCommits = (await commits()) - commits0;
  const lags = samples.map((s) => s.lagSeconds);
  const statuses = await statusCounts();
  const cyclingAgents = (
    await measure.query<{ n: number }>(`SELECT count(*)::int AS n FROM agent WHERE "teamId" = $1 AND "cycleCount" > 0`, [teamId])
  ).rows[0]!.n;
  results.active = {
    agents: AGENTS,
    cooldownSeconds: COOLDOWN_S,
    executorConcurrency: executorOptions.worker.concurrency,
    executorPoolSize: executorOptions.poolSize,
    startSeconds,
    warmupSeconds: WARMUP_SECONDS,
    windowSeconds,
    cycles: cycles1 - cycles0,
    cyclesPerSecond: (cycles1 - cycles0) / windowSeconds,
    cyclesPerSecondBySecond: { p5: percentile(perSecond, 5), p50: percentile(perSecond, 50), p95: percentile(perSecond, 95) },
    agentsThatCycled: cyclingAgents,
    statusesAtEnd: statuses,
    queueLagSeconds: { p50: percentile(lags, 50), p95: percentile(lags, 95), max: Math.max(...lags) },
    dueJobs: {
      p50: percentile(
        samples.map((s) => s.dueJobs),
        50,
      ),
      max: Math.max(...samples.map((s) => s.dueJobs)),
    },
    connections: summarizeConnections(samples),
    rssMiB: {
      p50: percentile(
        samples.map((s) => s.rssMiB),
        50,
      ),
      max: Math.max(...samples.map((s) => s.rssMiB)),
    },
    heapMiB: {
      p50: percentile(
        samples.map((s) => s.heapMiB),
        50,
      ),
      max: Math.max(...samples.map((s) => s.heapMiB)),
    },
    cpuPercentOfOneCore: ((cpu.user + cpu.system) / 1000 / (windowSeconds * 1000)) * 100,
    commitsPerSecond: activeCommits / windowSeconds,
    sdkRequests: executor.worker.sdkCalls - sdk0,
    loadAverage1mAfter: os.loadavg()[0],
  };
  const a = results.active as { cyclesPerSecond: number; queueLagSeconds: { p95: number } };
  log(
    `active: ${fmt(a.cyclesPerSecond, 1)} cycles/s, queue lag p95 ${a.queueLagSeconds.p95.toFixed(2)} s; statuses ${JSON.stringify(statuses)}`,
  );

  // Stop the active agents the quick way (the product's stop is one call an agent): the executor
  // first, then their rows, so that the idle measurement sees only sleepers.
  await executor.stop({ graceMs: 2000 });
  await measure.query(`DELETE FROM executor_job`);
  await measure.query(`DELETE FROM executor_wait`);
  await measure.query(`UPDATE executor_run SET status = 'cancelled', "endedAt" = now() WHERE status = 'running'`);
  await measure.query(`UPDATE agent_run SET status = 'cancelled', "endedAt" = now() WHERE status = 'running'`);
  await measure.query(`UPDATE agent SET status = 'stopped', "statusReason" = 'load benchmark' WHERE "teamId" = $1`, [teamId]);
  executor = await startExecutor(executorOptions);

  // -----------------------------------------------------------------------------------------------
  // 3. Sleeping agents: one real one, copied.
  // -----------------------------------------------------------------------------------------------
  const templateId = await newAgent("Sleeper template");
  await db.agent.update({ where: { id: templateId }, data: { cooldownSeconds: 3600, budgetUsd: null } });
  await control.startAgent({ agentId: templateId, teamId, userId });
  let templateRun: string | null = null;
  for (let i = 0; i < 300 && !templateRun; i++) {
    await sleep(200);
    const r = await measure.query<{ runId: string }>(
      `SELECT j."runId" FROM executor_job j JOIN executor_run r ON r.id = j."runId"
        WHERE r.status = 'running' AND j."runAt" > (now() AT TIME ZONE 'UTC') + interval '30 minutes' LIMIT 1`,
    );
    templateRun = r.rows[0]?.runId ?? null;
  }
  if (!templateRun) throw new Error("the template agent never went to sleep");
  const template = await measure.query<{ jobs: string[]; waits: number; steps: number; status: string }>(
    `SELECT (SELECT array_agg(kind) FROM executor_job WHERE "runId" = $1) AS jobs,
            (SELECT count(*)::int FROM executor_wait WHERE "runId" = $1) AS waits,
            (SELECT count(*)::int FROM executor_step WHERE "runId" = $1) AS steps,
            (SELECT status::text FROM agent WHERE id = $2) AS status`,
    [templateRun, templateId],
  );
  log(`template run ${templateRun}: ${JSON.stringify(template.rows[0])}; copying to ${fmt(SLEEPERS)}`);
  const tSeed = performance.now();
  for (let done = 1; done < SLEEPERS; done += 10_000) {
    const n = Math.min(10_000, SLEEPERS - done);
    // Copies keep every column of the template's rows except ids, names (unique a team) and the goal (short,
    // so its trigram index costs less to fill).
    await measure.query("BEGIN");
    await measure.query(
      `CREATE TEMP TABLE IF NOT EXISTS copy_ids (i int PRIMARY KEY, run text NOT NULL, agent text NOT NULL) ON COMMIT DELETE ROWS`,
    );
    await measure.query(
      `INSERT INTO copy_ids SELECT i, 'bench-sleeper-run-' || i, gen_random_uuid()::text FROM generate_series($1::int, $2::int) AS i`,
      [done, done + n - 1],
    );
    await measure.query(
      `INSERT INTO agent SELECT (jsonb_populate_record(null::agent, to_jsonb(a) || jsonb_build_object('id', c.agent, 'name', 'Sleeper ' || c.i, 'goal', 'Sleep.'))).*
         FROM agent a, copy_ids c WHERE a.id = $1`,
      [templateId],
    );
    // The agent's claim on its run (agent_run, status running): without it the watchdog restarts the copy.
    await measure.query(
      `INSERT INTO agent_run SELECT (jsonb_populate_record(null::agent_run, to_jsonb(ar) ||
              jsonb_build_object('id', gen_random_uuid(), 'agentId', c.agent, 'executorRunId', c.run))).*
         FROM agent_run ar, copy_ids c WHERE ar."executorRunId" = $1`,
      [templateRun],
    );
    await measure.query(
      `INSERT INTO executor_run SELECT (jsonb_populate_record(null::executor_run, to_jsonb(r) || jsonb_build_object('id', c.run))).*
         FROM executor_run r, copy_ids c WHERE r.id = $1`,
      [templateRun],
    );
    for (const table of ["executor_step", "executor_wait", "executor_job"]) {
      await measure.query(
        `INSERT INTO ${table} SELECT (jsonb_populate_record(null::${table},
                to_jsonb(s) || jsonb_build_object('id', nextval(pg_get_serial_sequence('${table}', 'id')), 'runId', c.run))).*
           FROM ${table} s, copy_ids c WHERE s."runId" = $1`,
        [templateRun],
      );
    }
    await measure.query("COMMIT");
    log(`  ${fmt(done + n)} copied (${((performance.now() - tSeed) / 1000).toFixed(1)} s)`);
  }
  const seedSeconds = (performance.now() - tSeed) / 1000;
  await measure.query("VACUUM ANALYZE agent, executor_run, executor_step, executor_wait, executor_job");
  const counted = (
    await measure.query<{ agents: number; runs: number; jobs: number; waits: number }>(
      `SELECT (SELECT count(*)::int FROM agent WHERE status = 'sleeping') AS agents,
              (SELECT count(*)::int FROM executor_run WHERE status = 'running') AS runs,
              (SELECT count(*)::int FROM executor_job) AS jobs,
              (SELECT count(*)::int FROM executor_wait) AS waits`,
    )
  ).rows[0]!;
  log(`seeded in ${seedSeconds.toFixed(1)} s: ${JSON.stringify(counted)}; settling 5 s, then ${IDLE_SECONDS} s idle`);
  await sleep(5000);
  const idleCommits0 = await commits();
  const idleStatements0 = { ...statements };
  const idleCpu0 = process.cpuUsage();
  const jobs0 = executor.worker.sdkCalls;
  const i0 = performance.now();
  const idleSamples: Sample[] = [];
  while (performance.now() - i0 < IDLE_SECONDS * 1000) {
    await sleep(1000);
    const memory = process.memoryUsage();
    idleSamples.push({
      lagSeconds: 0,
      dueJobs: 0,
      connections: await connections(),
      rssMiB: mib(memory.rss),
      heapMiB: mib(memory.heapUsed),
    });
  }
  const idleSeconds = (performance.now() - i0) / 1000;
  const idleCpu = process.cpuUsage(idleCpu0);
  const idleStatementsPerSecond = Object.fromEntries(
    Object.entries(statements).map(([name, n]) => [name, (n - (idleStatements0[name] ?? 0)) / ((performance.now() - i0) / 1000)]),
  );
  await sleep(1100);
  // The benchmark's own sampling (one connections query a second, plus this one) is in the count: subtracted.
  const idleCommits = (await commits()) - idleCommits0 - idleSamples.length - 1;
  const sizes = await measure.query<{ table: string; rows: number; bytes: number }>(
    `SELECT relname AS table, n_live_tup::int AS rows, pg_total_relation_size(relid)::float8 AS bytes FROM pg_stat_user_tables
      WHERE relname IN ('agent', 'executor_run', 'executor_step', 'executor_wait', 'executor_job') ORDER BY relname`,
  );
  results.sleeping = {
    agents: SLEEPERS,
    template: template.rows[0],
    seedSeconds,
    rows: counted,
    idleSeconds,
    cpuPercentOfOneCore: ((idleCpu.user + idleCpu.system) / 1000 / (idleSeconds * 1000)) * 100,
    databaseCommitsPerSecond: idleCommits / idleSeconds,
    statementsPerSecond: idleStatementsPerSecond,
    sdkRequests: executor.worker.sdkCalls - jobs0,
    connections: summarizeConnections(idleSamples),
    rssMiB: Math.max(...idleSamples.map((s) => s.rssMiB)),
    tables: sizes.rows,
  };
  const s = results.sleeping as { cpuPercentOfOneCore: number; databaseCommitsPerSecond: number };
  log(`sleeping: CPU ${s.cpuPercentOfOneCore.toFixed(2)} % of one core, ${s.databaseCommitsPerSecond.toFixed(2)} commits/s`);
} finally {
  if (stopStack) await stopStack().catch(() => {});
  // The app's connections end before the database is dropped (otherwise it logs each one as lost).
  if (disconnectApp) await disconnectApp().catch(() => {});
  await measure.end().catch(() => {});
  await database.cleanup();
}

// -------------------------------------------------------------------------------------------------
// Report.
// -------------------------------------------------------------------------------------------------
type Conns = Record<string, { p50: number; max: number }>;
const baseline = results.baseline as {
  clients: number;
  poolSize: number;
  seconds: number;
  cycles: number;
  cyclesPerSecond: number;
  connections: Conns;
};
const active = results.active as {
  agents: number;
  cooldownSeconds: number;
  executorConcurrency: number;
  executorPoolSize: number;
  startSeconds: number;
  warmupSeconds: number;
  windowSeconds: number;
  cycles: number;
  cyclesPerSecond: number;
  cyclesPerSecondBySecond: { p5: number; p50: number; p95: number };
  agentsThatCycled: number;
  statusesAtEnd: Record<string, number>;
  queueLagSeconds: { p50: number; p95: number; max: number };
  dueJobs: { p50: number; max: number };
  connections: Conns;
  rssMiB: { p50: number; max: number };
  heapMiB: { p50: number; max: number };
  cpuPercentOfOneCore: number;
  commitsPerSecond: number;
  sdkRequests: number;
  loadAverage1mAfter: number;
};
const sleeping = results.sleeping as {
  agents: number;
  template: { jobs: string[]; waits: number; steps: number; status: string };
  seedSeconds: number;
  rows: { agents: number; runs: number; jobs: number; waits: number };
  idleSeconds: number;
  cpuPercentOfOneCore: number;
  databaseCommitsPerSecond: number;
  statementsPerSecond: Record<string, number>;
  sdkRequests: number;
  connections: Conns;
  rssMiB: number;
  tables: { table: string; rows: number; bytes: number }[];
};
const machine = machineFacts();
const command = "BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx --conditions=react-server bench/load.ts";
const connLine = (c: Conns) =>
  Object.entries(c)
    .filter(([k]) => k.endsWith(" total") || k === "total")
    .map(([k, v]) => `${k.replace(" total", "")} p50 ${v.p50}, max ${v.max}`)
    .join("; ");
const fraction = active.cyclesPerSecond / baseline.cyclesPerSecond;
const idleMet = sleeping.cpuPercentOfOneCore < 1;
const lagMet = active.queueLagSeconds.p95 <= 1;
const report = `# Load benchmark

Measured ${startedAt.toISOString()} on ${machine.line}; database: ${database.label} (same machine).
Load average (1/5/15 min) before: ${loadBefore.map((l) => l.toFixed(2)).join(" / ")}; after the active window: ${active.loadAverage1mAfter.toFixed(2)} (1 min).
Everything in one Node process: the project's executor, the app's Inngest functions (inngest/node \`serve\`), the fake
OpenAI server (zero latency) and this script's sampling; PostgreSQL on the same ${machine.cpuCount} CPUs.

Rerun: \`${command}\` (also part of \`npm run bench\`). Sizes: \`BENCH_LOAD_AGENTS\` (${fmt(AGENTS)}), \`BENCH_LOAD_SLEEPERS\` (${fmt(SLEEPERS)}),
\`BENCH_LOAD_SECONDS\` (${SECONDS}), \`BENCH_LOAD_WARMUP_SECONDS\` (${WARMUP_SECONDS}), \`BENCH_LOAD_IDLE_SECONDS\` (${IDLE_SECONDS}),
\`BENCH_LOAD_COOLDOWN_S\` (${COOLDOWN_S}), \`BENCH_LOAD_BASELINE_POOL\` (${BASELINE_POOL}), \`BENCH_LOAD_EXECUTOR_CONCURRENCY\` (${active.executorConcurrency}),
\`BENCH_LOAD_EXECUTOR_POOL\` (${active.executorPoolSize}); values in brackets are this run's.

## Summary

| measure | result | target | met? |
| --- | --- | --- | --- |
| ${fmt(active.agents)} active agents, cooldown ${active.cooldownSeconds} s: cycles/s over ${active.windowSeconds.toFixed(0)} s | **${fmt(active.cyclesPerSecond, 1)}** (per second p5 ${active.cyclesPerSecondBySecond.p5}, p50 ${active.cyclesPerSecondBySecond.p50}, p95 ${active.cyclesPerSecondBySecond.p95}); ${fmt(active.agentsThatCycled)} of ${fmt(active.agents)} agents had cycled | report | — |
| bare PostgreSQL, ${fmt(baseline.clients)} loops over ${baseline.poolSize} connections, INSERT + UPDATE + COMMIT per cycle | **${fmt(baseline.cyclesPerSecond, 0)}** cycles/s | baseline | — |
| product ÷ baseline | **${(fraction * 100).toFixed(2)} %** | report | — |
| queue lag (oldest due, unleased executor job), sampled each second | p50 ${active.queueLagSeconds.p50.toFixed(2)} s, **p95 ${active.queueLagSeconds.p95.toFixed(2)} s**, max ${active.queueLagSeconds.max.toFixed(2)} s (due jobs p50 ${active.dueJobs.p50}, max ${active.dueJobs.max}) | ≈ 0 (≤ 1 s taken as met) | ${lagMet ? "yes" : "**no**"} |
| database connections while active | ${connLine(active.connections)} | bounded | yes (pools) |
| memory of the process while active | RSS p50 ${fmt(active.rssMiB.p50)} MiB, max ${fmt(active.rssMiB.max)} MiB; heap p50 ${fmt(active.heapMiB.p50)} MiB | report | — |
| CPU of the process while active | ${active.cpuPercentOfOneCore.toFixed(0)} % of one core (executor + app + fake model + sampling) | report | — |
| database commits/s while active | ${fmt(active.commitsPerSecond, 0)} (${(active.commitsPerSecond / Math.max(active.cyclesPerSecond, 1e-9)).toFixed(1)} a cycle) | report | — |
| ${fmt(sleeping.agents)} sleeping agents: idle CPU of the executor process over ${sleeping.idleSeconds.toFixed(0)} s | **${sleeping.cpuPercentOfOneCore.toFixed(2)} % of one core** | about zero (< 1 % taken as met) | ${idleMet ? "yes" : "**no**"} |
| the same: database commits/s (the benchmark's own sampling subtracted) | ${sleeping.databaseCommitsPerSecond.toFixed(2)}; statements/s sent by ${Object.entries(
  sleeping.statementsPerSecond,
)
  .map(([k, v]) => `${k} ${v.toFixed(2)}`)
  .join(", ")} | about zero | ${sleeping.databaseCommitsPerSecond < 5 ? "yes" : "**no**"} |

## Details

Active: agents created with \`createAgent\` and started with \`startAgent\` (20 at a time; all ${fmt(active.agents)} started in
${active.startSeconds.toFixed(1)} s), then ${active.warmupSeconds} s of warm-up before the window. Budget off, 50 cycles a run, tools
that need no approval; the model answers at once with a fixed rotation of \`update_world_state\` / \`remember\` calls. Cycles are
the change of \`sum(agent.cycleCount)\`. Statuses at the end of the window: ${Object.entries(active.statusesAtEnd)
  .map(([k, v]) => `${k} ${fmt(v)}`)
  .join(", ")}. SDK requests in the window: ${fmt(active.sdkRequests)}.
Executor: concurrency ${active.executorConcurrency} SDK requests in flight, pool ${active.executorPoolSize} connections (production defaults
unless overridden above); the app's Prisma pool is \`DATABASE_POOL_SIZE\`'s default.
Cooldown ${active.cooldownSeconds} s${active.cooldownSeconds > 0 ? `: each cycle ends in a wait of that length (a \`waitForEvent\` with a timeout job), so every agent needs the executor again each cycle, which is what makes all ${fmt(active.agents)} agents active at once rather than ${active.executorConcurrency} at a time` : ": a run's cycles follow one another in one SDK request, so only as many agents move as the executor has request slots"}.

Connections by application and state while active (p50 / max of 1-second samples):

| application state | p50 | max |
| --- | --- | --- |
${Object.entries(active.connections)
  .map(([k, v]) => `| ${k} | ${v.p50} | ${v.max} |`)
  .join("\n")}

Baseline connections: ${connLine(baseline.connections)}. The baseline is the floor of a cycle's database work (one event row,
one agent-row update, one commit), not the product's work: a product cycle commits ${(active.commitsPerSecond / Math.max(active.cyclesPerSecond, 1e-9)).toFixed(1)} transactions and makes
HTTP calls between executor, app and model.

Sleeping: one real agent with a cooldown of 3,600 s ran one cycle and waited (its run holds ${sleeping.template.steps} step rows,
${sleeping.template.waits} wait row and the jobs ${JSON.stringify(sleeping.template.jobs)}; agent status ${sleeping.template.status}); its agent row and
executor rows were copied with SQL (new ids, everything else equal, due in about an hour) to ${fmt(sleeping.agents)} in ${sleeping.seedSeconds.toFixed(0)} s —
seeding 100,000 real runs through the SDK would take longer than the benchmark. Rows: ${fmt(sleeping.rows.agents)} sleeping agents,
${fmt(sleeping.rows.runs)} running executor runs, ${fmt(sleeping.rows.waits)} waits, ${fmt(sleeping.rows.jobs)} jobs. Then a fresh executor with the same options
polled its queue for ${sleeping.idleSeconds.toFixed(0)} s: ${fmt(sleeping.sdkRequests)} SDK requests, RSS ${fmt(sleeping.rssMiB)} MiB, connections ${connLine(sleeping.connections)}.
The CPU figure is the whole process (executor, the idle app and fake model, and the one-a-second sampling).

| table | rows | size |
| --- | --- | --- |
${sleeping.tables.map((t) => `| ${t.table} | ${fmt(t.rows)} | ${fmt(mib(t.bytes), 1)} MiB |`).join("\n")}

## What this says

- Throughput: ${fmt(active.agents)} agents made ${fmt(active.cyclesPerSecond, 1)} cycles/s, ${(fraction * 100).toFixed(2)} % of what bare PostgreSQL does with the
  minimum writes of a cycle on the same machine.${active.cooldownSeconds > 0 ? ` With a ${active.cooldownSeconds} s cooldown the ceiling from the agents' side is ${fmt(active.agents / active.cooldownSeconds)} cycles/s; ` : " "}queue lag p95
  ${active.queueLagSeconds.p95.toFixed(2)} s ${lagMet ? "means the executor kept up" : "means the executor did not keep up: due jobs waited for a request slot"}.
- Idle: ${fmt(sleeping.agents)} sleeping agents cost ${sleeping.cpuPercentOfOneCore.toFixed(2)} % of one core and ${sleeping.databaseCommitsPerSecond.toFixed(2)} commits/s — ${idleMet ? "met" : "not met"}.
`;

const outDir = path.join(import.meta.dirname, "results");
await writeFile(path.join(outDir, `${OUT}.md`), report);
await writeFile(
  path.join(outDir, `${OUT}.json`),
  JSON.stringify(
    {
      date: startedAt.toISOString(),
      command,
      machine: { cpuCount: machine.cpuCount, cpuModel: machine.cpuModel, memoryGiB: machine.memoryGiB, node: machine.node },
      loadAverageBefore: loadBefore,
      database: { label: database.label, serverVersion: database.serverVersion },
      sizes: {
        agents: AGENTS,
        sleepers: SLEEPERS,
        seconds: SECONDS,
        warmupSeconds: WARMUP_SECONDS,
        idleSeconds: IDLE_SECONDS,
        cooldownSeconds: COOLDOWN_S,
      },
      ...results,
    },
    null,
    2,
  ),
);
log(`wrote bench/results/${OUT}.md`);
process.exit(0);
