import { Writable } from "node:stream";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { db } from "~/server/db/client";
import type * as LoggerModule from "~/server/logger";
import { createMetricsReader, serveMetrics } from "~/server/operations/metrics";
import { agentInput } from "../factories/agent";
import { createAgentWithRun } from "../factories/run";
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
const { openCycleSession, runCycle } = await import("~/server/loop");

const TOKEN = "metrics-token-0123456789abcdef";
const scrapeWith = (token: string | undefined, headers: Record<string, string> = {}) =>
  serveMetrics(new Request("http://app.test/api/metrics", { headers }), { token, reader: createMetricsReader() });
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
});

describe("a metrics reader", () => {
  it("keeps its sum of the spend ledger for its own scrapes, for spendMaxAgeMs, and no other reader sees it", async () => {
    let clock = 1_000_000;
    const team = await createTestTeam();
    const agent = await team.caller.agent.create(agentInput());
    const spend = (costUsd: string) =>
      db.spendEntry.create({ data: { agentId: agent.id, teamId: team.team.id, kind: "embedding", state: "committed", costUsd } });
    await spend("0.015");
    const reader = createMetricsReader({ spendMaxAgeMs: 60_000, now: () => clock });
    const usdOf = async (r: ReturnType<typeof createMetricsReader>) =>
      (await r.read()).spend.find((row) => row.teamId === team.team.id && row.kind === "embedding")?.usd;
    expect(await usdOf(reader)).toBeCloseTo(0.015, 6);
    await spend("0.005");
    clock += 59_000;
    expect(await usdOf(reader)).toBeCloseTo(0.015, 6);
    expect(await usdOf(createMetricsReader())).toBeCloseTo(0.02, 6);
    clock += 1_000;
    expect(await usdOf(reader)).toBeCloseTo(0.02, 6);
  });
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

  it("reports agents by status, active runs and committed spend by team and kind, from the database", async () => {
    const text = await (await scrape({ authorization: `Bearer ${TOKEN}` })).text();
    // Other test files share the database, so counts are compared with the database, spend per team exactly.
    const agents = await db.agent.groupBy({ by: ["status"], _count: true });
    for (const { status, _count } of agents) expect(sample(text, "longhaul_agents", { status })).toBe(_count);
    expect(sample(text, "longhaul_agents", { status: "paused" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, "longhaul_agents", { status: "archived" })).toBe(agents.find((a) => a.status === "archived")?._count ?? 0);
    expect(sample(text, "longhaul_agent_runs_active")).toBe(await db.agentRun.count({ where: { status: "running" } }));
    // The queue is the executor's to report (its own GET /metrics), not the app's.
    expect(text).not.toContain("longhaul_executor_");

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
});

describe("cycle logs", () => {
  it("carry agentId, teamId, runId and cycle", async () => {
    const { agent, agentRunId, step } = await createAgentWithRun(teamA, {
      name: `Logged ${Date.now()}`,
      executorRunId: `logs-${Date.now()}`,
    });
    captured.lines.length = 0;
    const result = await runCycle({ ...step(1), nextFollows: false }, openCycleSession());
    const line = captured.lines.find((l) => l.msg === "cycle finished");
    expect(line).toMatchObject({
      service: "longhaul",
      level: 30,
      agentId: agent.id,
      teamId: teamA.team.id,
      runId: agentRunId,
      cycle: 1,
      decision: result.decision.kind,
    });
    expect(typeof line?.durationMs).toBe("number");
  });
});
