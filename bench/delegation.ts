/**
 * `npm run bench` (delegation part, issue 23): what a delegation round trip adds to a parent's loop.
 *
 *   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npm run bench:delegation
 *
 * Through everything production runs: the app's Inngest functions served by inngest/node `serve`, the
 * project's executor (in this process, on BENCH_EXECUTOR_PORT, default 19520), PostgreSQL, and the real
 * openai SDK talking to tests/fixtures/fake-openai.ts with zero latency. Several parents (cooldown 0,
 * one after another) each delegate BENCH_DELEGATION_PER_PARENT times to one child with `wait: true`;
 * every delegate cycle is followed by two ordinary cycles (update_world_state), which give the
 * parent's own cycle-to-cycle gap for comparison. A child works BENCH_DELEGATION_CHILD_CYCLES cycles
 * (update_world_state, then finish). Times are taken where the fake model receives and answers requests:
 *
 * (a) call → child's first cycle: from the fake's answer that holds the parent's `delegate` call (and
 *     from that call's tool_call event) to the child's first model request;
 * (b) child's finish → parent's next cycle: from the fake's answer that holds the child's `finish` call
 *     (and from its tool_result event) to the parent's next model request.
 *
 * A fresh database is created on that server and dropped afterwards. Results: bench/results/delegation.md/.json.
 */
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import type { InngestFunction } from "inngest";
import { serve } from "inngest/node";
import pg from "pg";
import { applyMigrations } from "../server/db/migrate";
import { executorOptionsFromEnv, startExecutor } from "@longhaul/executor";
import { agentAndCycleOf, startFakeOpenAI, type ScriptedReply } from "../tests/fixtures/fake-openai";
import { appBenchDatabase, machineFacts, ms, percentile } from "./lib";

const PARENTS = Number(process.env.BENCH_DELEGATION_PARENTS ?? 6);
const PER_PARENT = Number(process.env.BENCH_DELEGATION_PER_PARENT ?? 6);
const CHILD_CYCLES = Number(process.env.BENCH_DELEGATION_CHILD_CYCLES ?? 2);
/** Another child length writes its own results (delegation-child-cycles-N.md/.json) beside the default run's. */
const RESULT_NAME = CHILD_CYCLES === 2 ? "delegation" : `delegation-child-cycles-${CHILD_CYCLES}`;
const EXECUTOR_PORT = Number(process.env.BENCH_EXECUTOR_PORT ?? 19_520);
const TIMEOUT_MS = Number(process.env.BENCH_DELEGATION_TIMEOUT_S ?? 600) * 1000;
/** Each delegation takes a block of three parent cycles: delegate, then two ordinary cycles. */
const BLOCK = 3;
const LAST_CYCLE = BLOCK * PER_PARENT + 3;
const log = (line: string) => console.log(`[bench:delegation] ${line}`);
if (!(CHILD_CYCLES >= 0)) throw new Error("BENCH_DELEGATION_CHILD_CYCLES: 0 or more.");
if (PER_PARENT > 50) throw new Error("BENCH_DELEGATION_PER_PARENT: a parent may start at most 50 children in all.");

const database = await appBenchDatabase(log, "needs a PostgreSQL server");
process.env.INNGEST_DEV = `http://127.0.0.1:${EXECUTOR_PORT}`;
process.env.OPENAI_API_KEY = "test-key";
process.env.LONGHAUL_PRIVATE_MODEL_HOSTS = "127.0.0.1,localhost";
process.env.MODEL_MAX_RETRIES = "0";
process.env.MODEL_TIMEOUT_MS = "60000";
delete process.env.INNGEST_SIGNING_KEY;
delete process.env.INNGEST_EVENT_KEY;

/** Wall-clock milliseconds with sub-millisecond resolution (comparable with the database's timestamps). */
const now = () => performance.timeOrigin + performance.now();
const isDelegateCycle = (cycle: number) => cycle >= BLOCK && cycle < BLOCK * (PER_PARENT + 1) && cycle % BLOCK === 0;
type Seen = { arrived: Map<number, number>; answered: Map<number, number> };
const seen = new Map<string, Seen>();
const seenOf = (name: string) => {
  let s = seen.get(name);
  if (!s) seen.set(name, (s = { arrived: new Map(), answered: new Map() }));
  return s;
};
const call = (name: string, args: unknown): ScriptedReply => ({
  kind: "tool_calls",
  calls: [{ name, arguments: args }],
  content: `Using ${name}.`,
});

function parentReply(cycle: number): ScriptedReply {
  if (cycle >= LAST_CYCLE) return call("finish", { result: `Delegated ${PER_PARENT} times.` });
  if (isDelegateCycle(cycle))
    return call("delegate", {
      tasks: [
        {
          name: "reader",
          goal: `Read source ${cycle} and report its numbers.`,
          tools: ["update_world_state"],
          // BENCH_DELEGATION_CHILD_CYCLES=0: a carve too small for one call, so the child ends at its first think.
          ...(CHILD_CYCLES === 0 ? { budgetUsd: 0.00000001 } : {}),
        },
      ],
      wait: true,
    });
  return call("update_world_state", { set: { cycle } });
}
const childReply = (cycle: number): ScriptedReply =>
  cycle >= CHILD_CYCLES
    ? call("finish", { result: `Source read in ${cycle} cycles: 42.` })
    : call("update_world_state", { set: { cycle } });

const results: Record<string, unknown> = {};
const startedAt = new Date();
const wallStart = performance.now();
let cleanup: (() => Promise<void>) | null = null;
try {
  await applyMigrations(database.url);
  const { db } = await import("../server/db/client");
  const { closeDatabasePool } = await import("../server/db/raw");
  const { inngest } = await import("../inngest/client");
  const { functions } = await import("../inngest");
  const control = await import("../server/agents/control");
  const { createAgent } = await import("../server/agents/agents");

  const fake = await startFakeOpenAI({ latencyMs: 0 });
  const app = http.createServer(serve({ client: inngest, functions: functions as InngestFunction.Any[] }));
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  const executor = await startExecutor({
    ...executorOptionsFromEnv({}),
    databaseUrl: database.url,
    host: "127.0.0.1",
    port: EXECUTOR_PORT,
    sdkUrls: [],
    syncIntervalMs: 0,
  });
  const sync = await fetch(`http://127.0.0.1:${(app.address() as AddressInfo).port}/api/inngest`, { method: "PUT" });
  if (!sync.ok) throw new Error(`sync failed: ${sync.status} ${await sync.text()}`);
  cleanup = async () => {
    app.closeAllConnections();
    await new Promise<void>((resolve) => app.close(() => resolve()));
    await executor.stop();
    await fake.stop();
    await db.$disconnect();
    await closeDatabasePool();
  };

  fake.setResponder((body) => {
    // Summary calls (no tools) are not a cycle's request.
    if (!body.tools?.length) return { kind: "message", content: "The agent delegated reading to children." };
    const arrived = now();
    const { agent, cycle } = agentAndCycleOf(body);
    const s = seenOf(agent);
    if (!s.arrived.has(cycle)) s.arrived.set(cycle, arrived);
    const reply = agent.includes(" › ") ? childReply(cycle) : parentReply(cycle);
    s.answered.set(cycle, now());
    return reply;
  });

  const userId = `bench-${randomBytes(6).toString("hex")}`;
  const teamId = `bench-team-${randomBytes(6).toString("hex")}`;
  await db.user.create({ data: { id: userId, name: "Bench", email: `${userId}@example.test` } });
  await db.team.create({ data: { id: teamId, name: "Bench", slug: teamId } });
  const provider = await db.modelProvider.create({ data: { teamId, name: "fake", baseUrl: fake.baseURL }, select: { id: true } });
  const tools = ["update_world_state", "delegate", "finish"].map((name) => ({ name, enabled: true, approval: "never" as const }));

  const measure = new pg.Client({ connectionString: database.url });
  measure.on("error", () => {});
  await measure.connect();
  const loadBefore = os.loadavg();
  const parents: { id: string; name: string }[] = [];
  for (let p = 1; p <= PARENTS; p++) {
    const name = `Delegation bench ${p}`;
    const agent = await createAgent({
      teamId,
      userId,
      input: {
        name,
        goal: "Have children read sources and report their numbers.",
        instructions: "Delegate one source at a time and wait for the result.",
        provider: provider.id,
        model: "gpt-4o-mini",
        budgetUsd: 100,
        cooldownSeconds: 1,
        tools,
      },
    });
    // No cooldown: cycles go straight on, in one SDK request, and the children inherit it.
    await db.agent.update({ where: { id: agent.id }, data: { cooldownSeconds: 0 } });
    parents.push({ id: agent.id, name });
    const started = performance.now();
    await control.startAgent({ agentId: agent.id, teamId, userId });
    for (;;) {
      const row = (
        await measure.query<{ status: string; statusReason: string | null; cycleCount: number }>(
          `SELECT status::text, "statusReason", "cycleCount" FROM agent WHERE id = $1`,
          [agent.id],
        )
      ).rows[0]!;
      if (row.status === "completed") break;
      if (!["running", "sleeping", "idle"].includes(row.status))
        throw new Error(`${name} stopped at cycle ${row.cycleCount}: ${row.status} (${row.statusReason ?? ""})`);
      if (performance.now() - started > TIMEOUT_MS) throw new Error(`${name} timed out at cycle ${row.cycleCount}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    log(`${name}: ${LAST_CYCLE} cycles, ${PER_PARENT} delegations in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const loadAfter = os.loadavg();

  // ---------------------------------------------------------------------------------------------
  // Samples: the fake's times, and the events' and the executor's timestamps for the same moments.
  // ---------------------------------------------------------------------------------------------
  const epoch = async (sql: string, params: unknown[]) =>
    new Map((await measure.query<{ k: string; at: number }>(sql, params)).rows.map((r) => [r.k, Number(r.at)]));
  type Sample = {
    parent: string;
    cycle: number;
    child: string;
    childStatus: string;
    a: number;
    aFromEvent: number;
    childWork: number;
    b: number;
    bFromEvent: number;
    parentGap: number;
    /** (a) split where the child's agent/run.requested reached the executor; (b) where its agent/child.finished did. */
    aSend: number;
    aStart: number;
    bSend: number;
    bResume: number;
    eventBeforeWaitMs: number | null;
    recheck: boolean;
  };
  const samples: Sample[] = [];
  const ordinaryGaps: number[] = [];
  for (const parent of parents) {
    const ps = seen.get(parent.name)!;
    for (let c = 1; c < LAST_CYCLE; c++) {
      if (!isDelegateCycle(c) && ps.arrived.has(c + 1)) ordinaryGaps.push(ps.arrived.get(c + 1)! - ps.arrived.get(c)!);
    }
    const callAt = await epoch(
      `SELECT cycle::text AS k, extract(epoch FROM "createdAt") * 1000 AS at FROM agent_event
        WHERE "agentId" = $1 AND type = 'tool_call' AND payload->>'name' = 'delegate'`,
      [parent.id],
    );
    // The child's finish (its tool_result), or for a child that never called the model its last status change (its end).
    const children = await measure.query<{ id: string; name: string; status: string; parentCycle: number; finishAt: number }>(
      `SELECT a.id, a.name, a.status::text, a."parentCycle",
              extract(epoch FROM (SELECT e."createdAt" FROM agent_event e WHERE e."agentId" = a.id
                 AND ${CHILD_CYCLES === 0 ? "e.type = 'status_change'" : "e.type = 'tool_result' AND e.payload->>'name' = 'finish'"}
               ORDER BY e.seq DESC LIMIT 1)) * 1000 AS "finishAt"
         FROM agent a WHERE a."parentId" = $1`,
      [parent.id],
    );
    // The executor's side of each wait: when the parent's wait step was registered, and when the child's
    // agent/child.finished event was received (times in UTC, without time zone).
    const waits = await epoch(
      `SELECT s.name AS k, extract(epoch FROM s."startedAt" AT TIME ZONE 'UTC') * 1000 AS at
         FROM executor_step s JOIN executor_run r ON r.id = s."runId" JOIN executor_event ev ON ev.id = r."eventId"
        WHERE ev.data->>'agentId' = $1 AND s.name LIKE 'child-%'`,
      [parent.id],
    );
    const finished = await epoch(
      `SELECT data->>'childId' AS k, extract(epoch FROM "receivedAt" AT TIME ZONE 'UTC') * 1000 AS at
         FROM executor_event WHERE name = 'agent/child.finished' AND data->>'parentId' = $1`,
      [parent.id],
    );
    const requested = await epoch(
      `SELECT data->>'agentId' AS k, extract(epoch FROM "receivedAt" AT TIME ZONE 'UTC') * 1000 AS at
         FROM executor_event WHERE name = 'agent/run.requested' AND data->>'reason' = 'delegated'`,
      [],
    );
    for (const child of children.rows) {
      const c = child.parentCycle;
      const cs = seen.get(child.name);
      if (!cs && CHILD_CYCLES > 0) throw new Error(`the fake never heard from ${child.name}`);
      const delegateAnswered = ps.answered.get(c)!;
      // A child that never calls the model (CHILD_CYCLES=0) starts and finishes at its end event.
      const childFirst = cs?.arrived.get(1) ?? Number(child.finishAt);
      const finishAnswered = cs?.answered.get(CHILD_CYCLES) ?? Number(child.finishAt);
      const parentNext = ps.arrived.get(c + 1)!;
      const waitAt = waits.get(`child-${c}-0`);
      const eventAt = finished.get(child.id);
      const requestedAt = requested.get(child.id)!;
      if (eventAt === undefined) throw new Error(`no agent/child.finished for ${child.name}`);
      samples.push({
        parent: parent.name,
        cycle: c,
        child: child.name,
        childStatus: child.status,
        a: childFirst - delegateAnswered,
        aFromEvent: childFirst - callAt.get(String(c))!,
        childWork: finishAnswered - childFirst,
        b: parentNext - finishAnswered,
        bFromEvent: parentNext - Number(child.finishAt),
        parentGap: parentNext - ps.arrived.get(c)!,
        aSend: requestedAt - delegateAnswered,
        aStart: childFirst - requestedAt,
        bSend: eventAt - finishAnswered,
        bResume: parentNext - eventAt,
        eventBeforeWaitMs: waitAt !== undefined ? waitAt - eventAt : null,
        recheck: waits.has(`child-${c}-0-recheck`),
      });
    }
  }
  const stats = (values: number[]) => ({
    n: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    max: Math.max(...values),
  });
  const pick = (f: (s: Sample) => number, only?: (s: Sample) => boolean) => stats(samples.filter(only ?? (() => true)).map(f));
  const rechecked = samples.filter((s) => s.recheck);
  const heard = (s: Sample) => !s.recheck;
  const metrics = {
    a: pick((s) => s.a),
    aFromEvent: pick((s) => s.aFromEvent),
    b: pick((s) => s.b),
    bFromEvent: pick((s) => s.bFromEvent),
    bHeard: rechecked.length < samples.length ? pick((s) => s.b, heard) : null,
    bRechecked:
      rechecked.length > 0
        ? pick(
            (s) => s.b,
            (s) => s.recheck,
          )
        : null,
    aSend: pick((s) => s.aSend),
    aStart: pick((s) => s.aStart),
    bSend: pick((s) => s.bSend),
    bResume: pick((s) => s.bResume),
    overhead: pick((s) => s.a + s.b),
    waitLead: pick(
      (s) => -s.eventBeforeWaitMs!,
      (s) => s.eventBeforeWaitMs !== null,
    ),
    childWork: pick((s) => s.childWork),
    parentGap: pick((s) => s.parentGap),
    ordinaryGap: stats(ordinaryGaps),
  };
  Object.assign(results, { metrics, samples, rechecks: rechecked.length, loadBefore, loadAfter });
  for (const [k, v] of Object.entries(metrics)) if (v) log(`${k}: p50 ${ms(v.p50)} p95 ${ms(v.p95)} max ${ms(v.max)} (n ${v.n})`);
  log(`waits that missed the child's event and found it by the recheck: ${rechecked.length} of ${samples.length}`);
  await measure.end();
} finally {
  if (cleanup) await cleanup().catch(() => {});
  // BENCH_KEEP_DATABASE=1 leaves it for a look; drop it by hand afterwards.
  if (process.env.BENCH_KEEP_DATABASE === "1") log(`kept database ${database.name ?? database.url}`);
  else await database.cleanup().catch(() => {});
}

// -------------------------------------------------------------------------------------------------
// The report.
// -------------------------------------------------------------------------------------------------
type Stat = { n: number; p50: number; p95: number; max: number };
const m = results.metrics as Record<string, Stat | null>;
const samples = results.samples as { eventBeforeWaitMs: number | null; recheck: boolean }[];
const machine = machineFacts();
const [loadBefore, loadAfter] = [results.loadBefore as number[], results.loadAfter as number[]];
const command = "BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npm run bench:delegation";
const row = (label: string, s: Stat | null | undefined) =>
  s ? [`| ${label} | ${s.n} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.max)} |`] : [];
const statuses = Object.entries(
  (results.samples as { childStatus: string }[]).reduce<Record<string, number>>(
    (n, x) => ({ ...n, [x.childStatus]: (n[x.childStatus] ?? 0) + 1 }),
    {},
  ),
)
  .map(([status, n]) => `${n} ${status}`)
  .join(", ");
const childFirst = CHILD_CYCLES === 0 ? "child's end" : "child's first model request";
const childFinish = CHILD_CYCLES === 0 ? "child's end (its last status_change event)" : "fake answers the child's finish call";
const rows = [
  ...row(`(a) fake answers the parent's delegate call → ${childFirst}`, m.a),
  ...row(`(a) parent's delegate tool_call event (createdAt) → ${childFirst}`, m.aFromEvent),
  ...row("&nbsp;&nbsp;of which: delegate answered → the child's `agent/run.requested` received by the executor", m.aSend),
  ...row(`&nbsp;&nbsp;of which: that event → the ${childFirst}`, m.aStart),
  ...row(`(b) ${childFinish} → parent's next model request`, m.b),
  ...(CHILD_CYCLES === 0 ? [] : row("(b) child's finish tool_result event (createdAt) → parent's next model request", m.bFromEvent)),
  ...row(
    `&nbsp;&nbsp;of which: ${CHILD_CYCLES === 0 ? "its end" : "finish answered"} → the child's \`agent/child.finished\` received by the executor`,
    m.bSend,
  ),
  ...row("&nbsp;&nbsp;of which: that event → the parent's next model request", m.bResume),
  ...(m.bRechecked
    ? [
        ...row("(b), waits that heard the child's event", m.bHeard),
        ...row("(b), waits that missed it and found it by the 5 s recheck", m.bRechecked),
      ]
    : []),
  ...row("**(a) + (b)**: what a delegation adds around the child's own work", m.overhead),
  ...row("the parent's wait step registered → the child's `agent/child.finished` received (negative: the event came first)", m.waitLead),
  ...(CHILD_CYCLES === 0 ? [] : row("the child's own work (its first request → its finish answered)", m.childWork)),
  ...row("the parent's request holding the delegate call → its next request", m.parentGap),
  ...row("**for comparison**: the same parents' ordinary cycle-to-cycle gap (request → next request)", m.ordinaryGap),
];
const raced = samples.filter((s) => s.eventBeforeWaitMs !== null && s.eventBeforeWaitMs > 0).length;
const report = `# Delegation benchmark (issue 23)

Measured ${startedAt.toISOString()} on ${machine.line}; database: ${database.label}.
Everything in one Node process: the project's executor (production defaults, on port ${EXECUTOR_PORT}), the app's Inngest
functions served by inngest/node \`serve\`, and the real \`openai\` SDK against \`tests/fixtures/fake-openai.ts\` with zero latency.
Load average (1 min) ${loadBefore[0]!.toFixed(1)} before and ${loadAfter[0]!.toFixed(1)} after, on ${machine.cpuCount} CPUs${
  loadBefore[0]! > machine.cpuCount / 2 || loadAfter[0]! > machine.cpuCount / 2
    ? " — **the machine was loaded** (other work ran in parallel), so tails are wider than on an idle machine"
    : ""
}.

Rerun: \`${command}\`
(\`BENCH_DELEGATION_PARENTS\` (${PARENTS}), \`BENCH_DELEGATION_PER_PARENT\` (${PER_PARENT}), \`BENCH_DELEGATION_CHILD_CYCLES\` (${CHILD_CYCLES}),
\`BENCH_EXECUTOR_PORT\` (${EXECUTOR_PORT}).)

${PARENTS} parents, one after another, cooldown 0, each ${LAST_CYCLE} cycles: every third cycle a \`delegate\` call with one task and
\`wait: true\` (${PER_PARENT} each, ${m.a!.n} delegations in all), the others \`update_world_state\`, then \`finish\`. ${
  CHILD_CYCLES === 0
    ? "Each child is carved $0.00000001, too little for one call: it ends at its first think without a model request (the fastest a child can end, the worst case for a wait that begins late)"
    : `Each child works ${CHILD_CYCLES} cycle${CHILD_CYCLES === 1 ? "" : "s"} (${CHILD_CYCLES > 1 ? "update_world_state, then " : ""}finish), cooldown 0 as its parent`
}. Children ended: ${statuses}.

## Delegation round trip

| interval | n | p50 | p95 | max |
| --- | --- | --- | --- | --- |
${rows.join("\n")}

Waits that missed the child's \`agent/child.finished\` event (it reached the executor before the parent's wait was registered)
and only went on after the recheck: **${results.rechecks as number} of ${samples.length}**; the executor received the event before the
wait step was registered in ${raced} of ${samples.length} delegations.

## Reading it

- A delegation round trip adds ${ms(m.overhead!.p50)} at p50 (${ms(m.overhead!.p95)} at p95) around the child's own work, about
  ${(m.overhead!.p50 / m.ordinaryGap!.p50).toFixed(1)} of the parent's ordinary cycles (${ms(m.ordinaryGap!.p50)}). It is two hand-overs through the
  executor, each a sent event and a new SDK request: the child's run starting (its \`agent/run.requested\`, its begin-run step,
  its first think) and the parent's run resuming after its wait (\`agent/child.finished\`, the replay of the run's memoized steps,
  the collect step, the next think). Where a cycle of a cooldown-0 run goes straight on inside one SDK request, each hand-over
  costs what a new request costs (compare the agent-loop benchmark's cycles with a cooldown).
- ${
  (results.rechecks as number) === 0
    ? `The wait begins in time: the parent's wait step was registered ${ms(m.waitLead!.p50)} (p50) before the child's end reached the
  executor, and no wait needed the 5 s recheck`
    : `**${results.rechecks as number} of ${samples.length} waits missed the child's event** (registered too late) and went on only after the 5 s recheck`
} (inngest/functions/agent-run.ts \`waitOrRecheck\`). A child needs at least one
  new SDK request, its think and its end step before it can end, while the parent registers its wait as soon as its
  checkpointed step is reported; the recheck is the net for a child that ends within that margin.

How: the fake model keeps, per agent and cycle, when a request arrived and when its reply was handed back (the reply is
written at once: zero latency). Event times are the rows' \`createdAt\` (millisecond resolution; an event inserted inside a
longer transaction can carry that transaction's start). The executor's side comes from \`executor_step\` (the wait step
\`child-<cycle>-0\` and its \`-recheck\`) and \`executor_event\` (the child's \`agent/child.finished\`).
`;
const outDir = path.join(import.meta.dirname, "results");
await writeFile(path.join(outDir, `${RESULT_NAME}.md`), report);
await writeFile(
  path.join(outDir, `${RESULT_NAME}.json`),
  JSON.stringify(
    {
      date: startedAt.toISOString(),
      command,
      machine: { cpuCount: machine.cpuCount, cpuModel: machine.cpuModel, memoryGiB: machine.memoryGiB, node: machine.node },
      database: { label: database.label, serverVersion: database.serverVersion },
      executorPort: EXECUTOR_PORT,
      parents: PARENTS,
      perParent: PER_PARENT,
      childCycles: CHILD_CYCLES,
      totalSeconds: (performance.now() - wallStart) / 1000,
      ...results,
    },
    null,
    2,
  ),
);
log(`wrote bench/results/${RESULT_NAME}.md in ${((performance.now() - wallStart) / 1000).toFixed(0)} s`);
process.exit(0);
