/**
 * `npm run bench` (dashboard part): what the dashboard's two hot reads cost with a long history and a
 * big team, measured through the tRPC procedures the pages call (server-side caller, so without HTTP).
 *
 *   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres node --conditions=react-server --import tsx bench/dashboard.ts
 *
 * - `agent.timeline` (the agent page's first page: the newest 20 cycles) for an agent with 100,000
 *   events (33,334 cycles of thought, tool call and result).
 * - `agent.list` (the agents list's first page, 50 rows, each sort) for a team with 10,000 agents.
 * Targets (issue 6): p95 ≤ 50 ms for both. Results: bench/results/dashboard.md.
 */
import { randomBytes } from "node:crypto";
import os from "node:os";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { applyMigrations } from "../server/db/migrate";
import { appBenchDatabase, machineFacts, ms, percentile } from "./lib";

const EVENTS = Number(process.env.BENCH_DASHBOARD_EVENTS ?? 100_000);
const AGENTS = Number(process.env.BENCH_DASHBOARD_AGENTS ?? 10_000);
const SAMPLES = Number(process.env.BENCH_DASHBOARD_SAMPLES ?? 300);
const log = (line: string) => console.log(`[bench:dashboard] ${line}`);

const database = await appBenchDatabase(log, "needs a PostgreSQL server");

const started = new Date();
const results: Record<string, unknown> = {};
try {
  await applyMigrations(database.url);
  const seed = new pg.Client({ connectionString: database.url });
  seed.on("error", () => {}); // the scratch database is dropped at the end, ending this connection
  await seed.connect();
  const { createCaller } = await import("../server/api/root");
  const { db } = await import("../server/db/client");

  const userId = `bench-${randomBytes(6).toString("hex")}`;
  const teamId = `bench-team-${randomBytes(6).toString("hex")}`;
  await seed.query(
    `INSERT INTO "user" (id, name, email, "emailVerified", "createdAt", "updatedAt") VALUES ($1, 'Bench', $2, true, now(), now())`,
    [userId, `${userId}@example.test`],
  );
  await seed.query(`INSERT INTO team (id, name, slug, "createdAt") VALUES ($1, 'Bench', $1, now())`, [teamId]);

  // A team of AGENTS agents with varied names, statuses, spend and activity.
  const t0 = performance.now();
  await seed.query(
    `INSERT INTO agent (id, "teamId", name, goal, model, status, "budgetUsd", "spentUsd", "cycleCount", "lastActiveAt", "createdAt", "updatedAt")
     SELECT gen_random_uuid(), $1, 'Agent ' || i || ' ' || md5(i::text), 'Watch thing ' || i || ' and report changes.', 'gpt-4o-mini',
            (ARRAY['idle','running','sleeping','paused','completed','waiting_approval']::"AgentStatus"[])[1 + i % 6],
            10, (i % 997) / 100.0, i % 500, now() - (i || ' minutes')::interval, now() - (i || ' seconds')::interval, now()
       FROM generate_series(1, $2::int) AS i`,
    [teamId, AGENTS],
  );
  // One agent with EVENTS events: per cycle a thought (with a realistic payload), a tool call and a result.
  const agentId = (
    await seed.query<{ id: string }>(
      `INSERT INTO agent (id, "teamId", name, goal, model, status, "cycleCount", "lastEventSeq", "eventCount", "updatedAt")
       VALUES (gen_random_uuid(), $1, 'Long history', 'A long-running agent.', 'gpt-4o-mini', 'sleeping', $2, $3, $3, now()) RETURNING id`,
      [teamId, Math.ceil(EVENTS / 3), EVENTS],
    )
  ).rows[0]!.id;
  await seed.query(
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
    [agentId, teamId, EVENTS],
  );
  await seed.query("ANALYZE");
  const seedSeconds = (performance.now() - t0) / 1000;
  log(`seeded ${AGENTS.toLocaleString("en-US")} agents and ${EVENTS.toLocaleString("en-US")} events in ${seedSeconds.toFixed(1)} s`);
  await seed.end();

  // A caller as the team's owner would have (the same procedures, middleware and team scoping).
  await db.member.create({ data: { id: randomBytes(12).toString("hex"), teamId, userId, role: "owner" } });
  const ctx = {
    db,
    headers: new Headers(),
    user: { id: userId, name: "Bench", email: `${userId}@example.test` },
    sessionId: "bench",
    activeTeamId: teamId,
  };
  const caller = createCaller(ctx);

  async function time(label: string, fn: () => Promise<unknown>) {
    for (let i = 0; i < 20; i++) await fn();
    const samples: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const s = performance.now();
      await fn();
      samples.push(performance.now() - s);
    }
    const r = { p50: percentile(samples, 50), p95: percentile(samples, 95), p99: percentile(samples, 99), n: SAMPLES };
    log(`${label}: p50 ${ms(r.p50)} p95 ${ms(r.p95)}`);
    return r;
  }
  const timeline = await caller.agent.timeline({ id: agentId });
  results.timelinePage = { cycles: timeline.cycles.length, events: timeline.cycles.reduce((n, c) => n + c.events.length, 0) };
  results.timeline = await time("agent.timeline first page", () => caller.agent.timeline({ id: agentId }));
  results.timelineDeep = await time("agent.timeline page at cycle 100", () => caller.agent.timeline({ id: agentId, cursor: 100 }));
  const list: Record<string, unknown> = {};
  for (const sort of ["lastActive", "name", "created", "spend"] as const) {
    list[sort] = await time(`agent.list sort=${sort}`, () => caller.agent.list({ sort, limit: 50 }));
  }
  list.search = await time("agent.list search", () => caller.agent.list({ search: "Agent 42", limit: 50 }));
  list.status = await time("agent.list status=paused", () => caller.agent.list({ status: "paused", limit: 50 }));
  results.list = list;
  results.seedSeconds = seedSeconds;
} catch (error) {
  console.error(error);
  await database.cleanup();
  process.exit(1);
} finally {
  await database.cleanup();
}

type R = { p50: number; p95: number; p99: number; n: number };
const row = (label: string, r: R) => `| ${label} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} | ${r.p95 <= 50 ? "met" : "missed"} |`;
const list = results.list as Record<string, R>;
const page = results.timelinePage as { cycles: number; events: number };
const md = `# Dashboard benchmark

Measured ${started.toISOString()} on ${machineFacts().line}; database: ${database.label}.
Load average (1 min) at the end: ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs (other work on the machine shows there).

Rerun: \`BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres node --conditions=react-server --import tsx bench/dashboard.ts\`
(\`BENCH_DASHBOARD_EVENTS\`, \`BENCH_DASHBOARD_AGENTS\`, \`BENCH_DASHBOARD_SAMPLES\`). Through the tRPC procedures the pages call
(server-side caller: team membership middleware, zod input, team-scoped queries; no HTTP), ${SAMPLES} calls each after 20 warm-up
calls, one at a time. Seeding ${EVENTS.toLocaleString("en-US")} events and ${AGENTS.toLocaleString("en-US")} agents with SQL took ${(results.seedSeconds as number).toFixed(1)} s.

Target (issue 6): p95 ≤ 50 ms for the timeline's first page at 100,000 events and for the agents list of a 10,000-agent team.

| read | p50 | p95 | p99 | target |
| --- | --- | --- | --- | --- |
${row(`agent.timeline, first page (${page.cycles} cycles, ${page.events} events), agent with ${EVENTS.toLocaleString("en-US")} events`, results.timeline as R)}
${row("agent.timeline, the page before cycle 100", results.timelineDeep as R)}
${row(`agent.list, first 50 of ${AGENTS.toLocaleString("en-US")}, by last activity`, list.lastActive!)}
${row("agent.list, by name", list.name!)}
${row("agent.list, newest first", list.created!)}
${row("agent.list, by spend", list.spend!)}
${row("agent.list, search “Agent 42”", list.search!)}
${row("agent.list, status paused", list.status!)}

Not measured here: the browser side (rendering, "usable within 1 s", smooth scrolling); the timeline renders the newest 20
cycles and loads older ones a page at a time, and is not virtualized yet.
`;
const dir = path.join(import.meta.dirname, "results");
await writeFile(path.join(dir, "dashboard.md"), md);
await writeFile(path.join(dir, "dashboard.json"), JSON.stringify({ measuredAt: started, machine: machineFacts(), ...results }, null, 2));
log("wrote bench/results/dashboard.md");
process.exit(0);
