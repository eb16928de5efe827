import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { db } from "~/server/db/client";
import type * as LoggerModule from "~/server/logger";
import { readDatabaseMetrics, renderDatabaseMetrics, serveMetrics } from "~/server/operations/metrics";
import { agentInput } from "../factories/agent";
import { createTestTeam } from "../factories/team";

/** Log lines written by the app's logger while a test runs (the real logger, on a capturing stream). */
const captured = vi.hoisted(() => ({ lines: [] as Record<string, unknown>[] }));
vi.mock("~/server/logger", async (importOriginal) => {
  const actual = await importOriginal<typeof LoggerModule>();
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean))
        captured.lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = actual.createLogger(sink);
  logger.level = "info";
  return { ...actual, logger };
});

// Imported after the mock so the loop logs through the capturing logger.
const { beginRun, openCycleSession, runCycle } = await import("~/server/loop");

const TOKEN = "metrics-token-0123456789abcdef";
const scrapeWith = (token: string | undefined, headers: Record<string, string> = {}) =>
  serveMetrics(new Request("http://app.test/api/metrics", { headers }), { token });
const scrape = (headers: Record<string, string> = {}) => scrapeWith(TOKEN, headers);

/** The value of one sample line (`name{labels} value`) in Prometheus text, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  for (const line of text.split("\n")) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? "").split(",").filter(Boolean).sort();
    if (have.length === wanted.length && have.every((l, i) => l === wanted[i])) return Number(match[3]);
  }
  return undefined;
}

let teamA: Awaited<ReturnType<typeof createTestTeam>>;
let teamB: Awaited<ReturnType<typeof createTestTeam>>;
let runId: string;
const jobIds: bigint[] = [];

beforeAll(async () => {
  teamA = await createTestTeam();
  teamB = await createTestTeam();
  const a1 = await teamA.caller.agent.create(agentInput());
  const a2 = await teamA.caller.agent.create(agentInput());
  const b1 = await teamB.caller.agent.create(agentInput());
  await db.agent.update({ where: { id: a2.id }, data: { status: "paused" } });
  await db.spendEntry.createMany({
    data: [
      { agentId: a1.id, teamId: teamA.team.id, kind: "model", state: "committed", costUsd: "0.25", tokensIn: 1000, tokensOut: 200 },
      { agentId: a2.id, teamId: teamA.team.id, kind: "model", state: "committed", costUsd: "0.50", tokensIn: 3000, tokensOut: 100 },
      { agentId: a1.id, teamId: teamA.team.id, kind: "tool", state: "committed", costUsd: "0.10" },
      // Reserved and released rows are not spend.
      { agentId: a1.id, teamId: teamA.team.id, kind: "model", state: "reserved", costUsd: "9" },
      { agentId: b1.id, teamId: teamB.team.id, kind: "model", state: "released", costUsd: "9" },
      { agentId: b1.id, teamId: teamB.team.id, kind: "embedding", state: "committed", costUsd: "0.015", tokensIn: 500 },
    ],
  });
  // An executor run with a job due 90 s ago that nobody has leased: the queue is 90 s behind.
  runId = `metrics-run-${Date.now()}`;
  await db.executorApp.create({ data: { id: `metrics-app-${runId}`, url: "http://app.test/api/inngest" } });
  await db.executorFunction.create({
    data: {
      id: `metrics-fn-${runId}`,
      appId: `metrics-app-${runId}`,
      name: "fn",
      url: "http://app.test/api/inngest",
      triggers: [],
      config: {},
    },
  });
  await db.executorEvent.create({ data: { id: `metrics-event-${runId}`, name: "metrics/test", data: {}, ts: BigInt(Date.now()) } });
  await db.executorRun.create({ data: { id: runId, functionId: `metrics-fn-${runId}`, eventId: `metrics-event-${runId}` } });
  const due = await db.executorJob.create({
    data: { runId, kind: "discover", stepId: "step", runAt: new Date(Date.now() - 90_000) },
    select: { id: true },
  });
  const leased = await db.executorJob.create({
    data: {
      runId,
      kind: "run-step",
      stepId: "s",
      runAt: new Date(Date.now() - 300_000),
      leasedBy: "w",
      leaseExpiresAt: new Date(Date.now() + 60_000),
    },
    select: { id: true },
  });
  jobIds.push(due.id, leased.id);
});

afterAll(async () => {
  // Leave no due job behind for other test files' executors.
  await db.executorJob.deleteMany({ where: { id: { in: jobIds } } });
  await db.executorRun.updateMany({ where: { id: runId }, data: { status: "completed" } });
});

describe("GET /api/metrics", () => {
  it("is off without METRICS_TOKEN, and answers only the right bearer token", async () => {
    expect((await scrapeWith(undefined)).status).toBe(404);
    expect((await scrapeWith(undefined, { authorization: `Bearer ${TOKEN}` })).status).toBe(404);
    expect((await scrape()).status).toBe(401);
    const wrong = await scrape({ authorization: "Bearer not-the-token" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await scrape({ authorization: TOKEN })).status).toBe(401);
    const ok = await scrape({ authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it("reports agents by status, active runs, queue lag and committed spend by team and kind, from the database", async () => {
    const text = await (await scrape({ authorization: `Bearer ${TOKEN}` })).text();
    // Other test files share the database, so counts are compared with the database, spend per team exactly.
    const agents = await db.agent.groupBy({ by: ["status"], _count: true });
    for (const { status, _count } of agents) expect(sample(text, "longhaul_agents", { status })).toBe(_count);
    expect(sample(text, "longhaul_agents", { status: "paused" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, "longhaul_agents", { status: "archived" })).toBe(agents.find((a) => a.status === "archived")?._count ?? 0);
    expect(sample(text, "longhaul_executor_runs_active")).toBe(await db.executorRun.count({ where: { status: "running" } }));
    expect(sample(text, "longhaul_agent_runs_active")).toBe(await db.agentRun.count({ where: { status: "running" } }));
    expect(sample(text, "longhaul_executor_jobs_due")).toBeGreaterThanOrEqual(1);
    expect(sample(text, "longhaul_executor_jobs_leased")).toBeGreaterThanOrEqual(1);
    // The oldest due, unleased job is ours (90 s); the leased one, older still, does not count.
    const lag = sample(text, "longhaul_executor_queue_lag_seconds")!;
    expect(lag).toBeGreaterThanOrEqual(90);
    expect(lag).toBeLessThan(200);

    const a = teamA.team.id;
    const b = teamB.team.id;
    expect(text).toContain("# TYPE longhaul_spend_usd_total counter");
    expect(sample(text, "longhaul_spend_usd_total", { team_id: a, kind: "model" })).toBeCloseTo(0.75, 10);
    expect(sample(text, "longhaul_spend_usd_total", { team_id: a, kind: "tool" })).toBeCloseTo(0.1, 10);
    expect(sample(text, "longhaul_spend_usd_total", { team_id: b, kind: "embedding" })).toBeCloseTo(0.015, 10);
    expect(sample(text, "longhaul_spend_usd_total", { team_id: b, kind: "model" })).toBeUndefined();
    expect(sample(text, "longhaul_tokens_total", { team_id: a, direction: "input" })).toBe(4000);
    expect(sample(text, "longhaul_tokens_total", { team_id: a, direction: "output" })).toBe(300);
    // No per-agent labels, and the process's own counters follow.
    expect(text).not.toMatch(/agent_id=/);
    expect(text).toContain("# TYPE longhaul_model_calls_total counter");
  });

  it("reads an empty queue as no lag", async () => {
    const metrics = await readDatabaseMetrics({ spendMaxAgeMs: 0 });
    const text = await renderDatabaseMetrics({ ...metrics, dueJobs: 0, queueLagSeconds: 0 });
    expect(sample(text, "longhaul_executor_queue_lag_seconds")).toBe(0);
  });
});

describe("cycle logs", () => {
  it("carry agentId, teamId, runId and cycle", async () => {
    const agent = await teamA.caller.agent.create(agentInput({ name: `Logged ${Date.now()}` }));
    const ids = { agentId: agent.id, teamId: teamA.team.id };
    const plan = await beginRun({ ...ids, executorRunId: `logs-${agent.id}`, reason: "test" });
    if (!plan.shouldRun) throw new Error(plan.reason);
    captured.lines.length = 0;
    const result = await runCycle({ ...ids, agentRunId: plan.agentRunId, cycle: 1, nextFollows: false }, openCycleSession());
    const line = captured.lines.find((l) => l.msg === "cycle finished");
    expect(line).toMatchObject({
      service: "longhaul",
      level: 30,
      agentId: agent.id,
      teamId: teamA.team.id,
      runId: plan.agentRunId,
      cycle: 1,
      decision: result.decision.kind,
    });
    expect(typeof line?.durationMs).toBe("number");
  });
});
