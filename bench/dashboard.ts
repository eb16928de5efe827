/**
 * `npm run bench` (dashboard part): what the dashboard's two hot reads cost with a long history and a
 * big team, measured through the tRPC procedures the pages call (server-side caller, so without HTTP).
 *
 *   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres node --conditions=react-server --import tsx bench/dashboard.ts
 *
 * - `agent.timeline` (the agent page's first page: the newest 20 cycles) for an agent with 100,000
 *   events (33,334 cycles of thought, tool call and result).
 * - `agent.list` (the agents list: 50 rows with their spend sparklines) for a team with 10,000 agents, a tenth
 *   of them never active and a ledger of 14 days of spend: the first page and the next one (by cursor)
 *   in each sort, a page deep among the never-active agents, a rare and a common search, a status filter.
 * Targets (issue 6): p95 ≤ 50 ms for both. Results: bench/results/dashboard.md.
 */
import { randomBytes } from "node:crypto";
import os from "node:os";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { applyMigrations } from "../server/db/migrate";
import { appBenchDatabase, machineFacts, ms, seedFleet, seedLongHistoryAgent, seedRuns, timeCalls } from "./lib";
import { seedCycleTrace } from "./cycle-trace-seed";

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

  const t0 = performance.now();
  await seedFleet(seed, { teamId, agents: AGENTS });
  // One agent with EVENTS events: per cycle a thought (with a realistic payload), a tool call and a result.
  const agentId = await seedLongHistoryAgent(seed, { teamId, events: EVENTS });
  const newestCycle = Math.ceil(EVENTS / 3);
  await seedCycleTrace(seed, { agentId, teamId, cycle: newestCycle });
  await seedRuns(seed, { teamId, agentId });
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
    apiToken: null,
  };
  const caller = createCaller(ctx);

  const time = (label: string, fn: () => Promise<unknown>) => timeCalls(label, SAMPLES, fn, log);

  const timeline = await caller.agent.timeline({ id: agentId });
  results.timelinePage = { cycles: timeline.cycles.length, events: timeline.cycles.reduce((n, c) => n + c.events.length, 0) };
  results.timeline = await time("agent.timeline first page", () => caller.agent.timeline({ id: agentId }));
  results.timelineDeep = await time("agent.timeline page at cycle 100", () => caller.agent.timeline({ id: agentId, cursor: 100 }));
  const list: Record<string, unknown> = {};
  for (const sort of ["lastActive", "name", "created", "spend"] as const) {
    const first = await caller.agent.list({ sort, limit: 50 });
    list[sort] = await time(`agent.list sort=${sort}`, () => caller.agent.list({ sort, limit: 50 }));
    list[`${sort}Next`] = await time(`agent.list sort=${sort}, second page`, () =>
      caller.agent.list({ sort, limit: 50, cursor: first.nextCursor }),
    );
  }
  // Deep in the default order, among the never-active agents (the second range of the index).
  let deep: string | null = null;
  const deepPage = Math.floor((AGENTS * 0.95) / 50);
  for (let i = 0; i < deepPage; i++) deep = (await caller.agent.list({ sort: "lastActive", limit: 50, cursor: deep })).nextCursor;
  list.lastActiveDeep = await time(`agent.list sort=lastActive, page ${deepPage + 1}`, () =>
    caller.agent.list({ sort: "lastActive", limit: 50, cursor: deep }),
  );
  results.listDeepPage = deepPage + 1;
  list.search = await time("agent.list search", () => caller.agent.list({ search: "Agent 42", limit: 50 }));
  list.searchCommon = await time("agent.list search matching all", () => caller.agent.list({ search: "report", limit: 50 }));
  list.status = await time("agent.list status=paused", () => caller.agent.list({ status: "paused", limit: 50 }));
  results.list = list;
  // The team overview (issue 22's fleet view) of the 10,000-agent team, and a cycle's trace (the newest cycle's, recorded).
  results.overview = await time("fleet.overview", () => caller.fleet.overview({}));
  results.trace = await time("trace.cycle (recorded, prompt rebuilt)", () => caller.trace.cycle({ agentId, cycle: newestCycle }));
  // The team's activity (issue 22's fleet list): the pages the Activity page asks for.
  const cyclesAll = await caller.fleet.cycles({ window: "all" });
  results.activity = {
    cycles24h: await time("fleet.cycles, last 24 h", () => caller.fleet.cycles({})),
    cyclesAll: await time("fleet.cycles, all time", () => caller.fleet.cycles({ window: "all" })),
    cyclesAllNext: await time("fleet.cycles, all time, second page", () =>
      caller.fleet.cycles({ window: "all", cursor: cyclesAll.nextCursor ?? undefined }),
    ),
    cyclesFailed7d: await time("fleet.cycles, failed, 7 days", () => caller.fleet.cycles({ window: "7d", outcome: "failed" })),
    cyclesError: await time("fleet.cycles, error text, all time", () => caller.fleet.cycles({ window: "all", error: "503" })),
    cyclesTool: await time("fleet.cycles, tool, all time", () => caller.fleet.cycles({ window: "all", tool: "world" })),
    runs24h: await time("fleet.runs, last 24 h", () => caller.fleet.runs({})),
    runsAll: await time("fleet.runs, all time", () => caller.fleet.runs({ window: "all" })),
    runsError: await time("fleet.runs, error text, all time", () => caller.fleet.runs({ window: "all", error: "503" })),
  };
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
const ACTIVITY_LABELS: Record<string, string> = {
  cycles24h: "fleet.cycles, last 24 hours (8,640 events in the window)",
  cyclesAll: `fleet.cycles, all time (${EVENTS.toLocaleString("en-US")} events grouped)`,
  cyclesAllNext: "fleet.cycles, all time, second page (cursor)",
  cyclesFailed7d: "fleet.cycles, failed only, last 7 days",
  cyclesError: "fleet.cycles, error text “503”, all time",
  cyclesTool: "fleet.cycles, tool “world”, all time",
  runs24h: "fleet.runs, last 24 hours",
  runsAll: "fleet.runs, all time",
  runsError: "fleet.runs, error text “503”, all time",
};
const activityRows = (activity: Record<string, R>) =>
  Object.entries(ACTIVITY_LABELS)
    .map(([key, label]) => {
      const r = activity[key]!;
      return `| ${label} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} | ${r.p95 <= 250 ? "yes" : "no"} |`;
    })
    .join("\n");
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
${row("agent.list, by last activity, second page (cursor)", list.lastActiveNext!)}
${row(`agent.list, by last activity, page ${results.listDeepPage as number} (never-active agents, cursor)`, list.lastActiveDeep!)}
${row("agent.list, by name", list.name!)}
${row("agent.list, by name, second page (cursor)", list.nameNext!)}
${row("agent.list, newest first", list.created!)}
${row("agent.list, newest first, second page (cursor)", list.createdNext!)}
${row("agent.list, by spend", list.spend!)}
${row("agent.list, by spend, second page (cursor)", list.spendNext!)}
${row("agent.list, search “Agent 42” (111 matches)", list.search!)}
${row(`agent.list, search “report” (all ${AGENTS.toLocaleString("en-US")} match)`, list.searchCommon!)}
${row("agent.list, status paused", list.status!)}
${row(`fleet.overview of the ${AGENTS.toLocaleString("en-US")}-agent team (needs attention, statuses, 24 h of cycles, 14 days of spend)`, results.overview as R)}
${row("trace.cycle: a recorded cycle's trace, its prompt rebuilt from blobs and events (issue 22: opened within 300 ms)", results.trace as R)}

## The team's activity (issue 22's fleet list)

Seeded for it: the long-history agent's cycles in runs of 50 (its events carry their run; one tool call in 40 failed
with an error text), and one completed run for each of the ${AGENTS.toLocaleString("en-US")} agents that was ever active. Each call
returns a page of 50 rows. The target is the browser's (the Activity page usable within 1 s, bench/results/dashboard-browser.md);
the column says whether the call leaves most of that second to the browser (p95 ≤ 250 ms).

| read | p50 | p95 | p99 | p95 ≤ 250 ms |
| --- | --- | --- | --- | --- |
${activityRows(results.activity as Record<string, R>)}

Every agent.list call returns the page's 50 rows with a 14-day spend sparkline each (one query on agent_spend_day)
and the total, counted up to 10,000 (server/agents/agent-list.ts). Seeded: a tenth of the agents never active; a
ledger with hourly spend over 14 days for the 500 most recently active agents and three entries for each other one.

Not measured here: the browser side (rendering, "usable within 1 s", smooth scrolling of the virtualized timeline):
see bench/results/dashboard-browser.md.
`;
const dir = path.join(import.meta.dirname, "results");
await writeFile(path.join(dir, "dashboard.md"), md);
await writeFile(path.join(dir, "dashboard.json"), JSON.stringify({ measuredAt: started, machine: machineFacts(), ...results }, null, 2));
log("wrote bench/results/dashboard.md");
process.exit(0);
