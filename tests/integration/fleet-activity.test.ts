import { describe, expect, it } from "vitest";
import { db } from "~/server/db/client";
import { listTeamCycles, listTeamRuns } from "~/server/fleet/activity";
import { agentInput } from "../factories/agent";
import { appendTestEvents } from "../factories/events";
import { createTestTeam } from "../factories/team";

const ago = (ms: number) => new Date(Date.now() - ms);
const HOUR = 3_600_000;

/**
 * The team's activity list (issue 22, fleet views): every cycle and run of every agent, searchable by
 * agent, tool, outcome, error text and time, with latency and cost; one team's list never shows another's.
 */
describe("the team's activity", () => {
  async function fleet() {
    const { caller, team } = await createTestTeam();
    const scout = await caller.agent.create(agentInput({ name: "Price scout", budgetUsd: "5" }));
    const writer = await caller.agent.create(agentInput({ name: "Report writer", budgetUsd: "5" }));
    const run = await db.agentRun.create({
      data: {
        agentId: scout.id,
        teamId: team.id,
        status: "failed",
        startCycle: 1,
        reason: "The tool server kept failing.",
        startedAt: ago(3 * HOUR),
        endedAt: ago(2 * HOUR),
      },
    });
    const later = await db.agentRun.create({
      data: { agentId: writer.id, teamId: team.id, status: "running", startCycle: 1, startedAt: ago(HOUR) },
    });
    const s = { agentId: scout.id, teamId: team.id };
    const w = { agentId: writer.id, teamId: team.id };
    await appendTestEvents(s, [
      // Cycle 1: a model call of 800 ms at T-3h, its tool call and result 1.2 s later: succeeded.
      {
        runId: run.id,
        cycle: 1,
        type: "thought",
        payload: { content: "Look." },
        durationMs: 800,
        tokensIn: 1000,
        tokensOut: 50,
        costUsd: "0.0021",
        at: new Date(Date.now() - 3 * HOUR),
      },
      {
        runId: run.id,
        cycle: 1,
        type: "tool_call",
        payload: { name: "http_get", arguments: "{}" },
        at: new Date(Date.now() - 3 * HOUR + 1000),
      },
      {
        runId: run.id,
        cycle: 1,
        type: "tool_result",
        payload: { name: "http_get", status: "succeeded" },
        costUsd: "0.01",
        at: new Date(Date.now() - 3 * HOUR + 1200),
      },
      // Cycle 2: the tool call failed.
      {
        runId: run.id,
        cycle: 2,
        type: "thought",
        payload: {},
        durationMs: 500,
        tokensIn: 900,
        tokensOut: 40,
        costUsd: "0.0018",
        at: ago(2.5 * HOUR),
      },
      { runId: run.id, cycle: 2, type: "tool_call", payload: { name: "mcp__prices__lookup" }, at: ago(2.5 * HOUR - 100) },
      {
        runId: run.id,
        cycle: 2,
        type: "tool_result",
        payload: { name: "mcp__prices__lookup", status: "failed", error: "Upstream answered HTTP 502 Bad Gateway" },
        at: ago(2.5 * HOUR - 200),
      },
      // A person paused it: not part of any cycle's work.
      { cycle: 2, type: "status_change", payload: { change: "paused", by: "someone" }, at: ago(2 * HOUR) },
      // Two days ago: outside the default 24-hour window.
      { cycle: 0, type: "trigger", payload: {}, at: ago(49 * HOUR) },
    ]);
    // Cycle 1 of the writer: waiting for a person; cycle 2 under way (the agent counted 0 cycles).
    await appendTestEvents(w, [
      { runId: later.id, cycle: 1, type: "thought", payload: {}, durationMs: 300, at: ago(50 * 60_000) },
      { runId: later.id, cycle: 1, type: "tool_call", payload: { name: "send_email" }, at: ago(50 * 60_000 - 50) },
      { runId: later.id, cycle: 1, type: "approval_requested", payload: { tool: "send_email" }, at: ago(50 * 60_000 - 60) },
    ]);
    await db.agent.update({ where: { id: scout.id }, data: { cycleCount: 2 } });
    await db.agent.update({ where: { id: writer.id }, data: { cycleCount: 1 } });
    await appendTestEvents(w, [{ runId: later.id, cycle: 2, type: "thought", payload: {}, durationMs: 100, at: ago(10 * 60_000) }]);
    // An old cycle of the scout, 40 hours ago, and one 10 days ago.
    await appendTestEvents(s, [
      { cycle: 3, type: "error", payload: { stage: "think", message: "The model endpoint timed out after 60 s." }, at: ago(40 * HOUR) },
      { cycle: 4, type: "thought", payload: {}, at: ago(10 * 24 * HOUR) },
    ]);
    return { caller, team, scout, writer, run, later };
  }

  it("lists each cycle once, newest first, with its outcome, tools, error, latency, tokens and cost", async () => {
    const { team, scout, writer, run } = await fleet();
    const page = await listTeamCycles({ teamId: team.id });
    expect(page.items.map((c) => [c.agentName, c.cycle, c.outcome])).toEqual([
      ["Report writer", 2, "unfinished"],
      ["Report writer", 1, "waiting"],
      ["Price scout", 2, "failed"],
      ["Price scout", 1, "succeeded"],
    ]);
    const first = page.items.find((c) => c.agentId === scout.id && c.cycle === 1)!;
    expect(first.runId).toBe(run.id);
    expect(first.tools).toEqual(["http_get"]);
    expect(first.error).toBeNull();
    // From the start of the 800 ms model call to the result 1.2 s after the thought was written.
    expect(first.latencyMs).toBeGreaterThanOrEqual(1990);
    expect(first.latencyMs).toBeLessThanOrEqual(2010);
    expect(first.modelMs).toBe(800);
    expect(first.tokens).toBe(1050);
    expect(Number(first.costUsd)).toBeCloseTo(0.0121, 8);
    const failed = page.items.find((c) => c.agentId === scout.id && c.cycle === 2)!;
    expect(failed.error).toBe("Upstream answered HTTP 502 Bad Gateway");
    // The person's pause an hour later does not stretch the cycle.
    expect(failed.latencyMs).toBeLessThan(1000);
    expect(page.items.find((c) => c.agentId === writer.id && c.cycle === 1)!.tools).toEqual(["send_email"]);
    expect(page.nextCursor).toBeNull();
  });

  it("searches by agent, tool, outcome, error text and time window", async () => {
    const { team, writer } = await fleet();
    const list = async (args: Omit<Parameters<typeof listTeamCycles>[0], "teamId">) =>
      (await listTeamCycles({ teamId: team.id, ...args })).items.map((c) => `${c.agentName} ${c.cycle}`);
    expect(await list({ filter: { agent: "writer" } })).toEqual(["Report writer 2", "Report writer 1"]);
    expect(await list({ filter: { agentId: writer.id }, outcome: "waiting" })).toEqual(["Report writer 1"]);
    expect(await list({ filter: { tool: "PRICES" } })).toEqual(["Price scout 2"]);
    expect(await list({ filter: { error: "bad gateway" } })).toEqual(["Price scout 2"]);
    expect(await list({ outcome: "failed" })).toEqual(["Price scout 2"]);
    expect(await list({ filter: { window: "1h" } })).toEqual(["Report writer 2", "Report writer 1"]);
    expect(await list({ filter: { window: "7d" }, outcome: "failed" })).toEqual(["Price scout 2", "Price scout 3"]);
    expect(await list({ filter: { window: "7d", error: "timed out" } })).toEqual(["Price scout 3"]);
    expect(await list({ filter: { window: "all" } })).toHaveLength(6);
    // Pattern characters are taken literally.
    expect(await list({ filter: { tool: "%" } })).toEqual([]);
    expect(await list({ filter: { tool: "mcp__" } })).toEqual(["Price scout 2"]);
  });

  it("pages with a cursor without skipping or repeating, and refuses a cursor it did not write", async () => {
    const { team } = await fleet();
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await listTeamCycles({ teamId: team.id, filter: { window: "all" }, cursor, limit: 2 });
      seen.push(...page.items.map((c) => `${c.agentName} ${c.cycle}`));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(["Report writer 2", "Report writer 1", "Price scout 2", "Price scout 1", "Price scout 3", "Price scout 4"]);
    await expect(listTeamCycles({ teamId: team.id, cursor: "not-a-cursor" })).rejects.toThrow(/page of the cycles list is not valid/);
  });

  it("lists runs with their cycles, failures, latency, tokens and cost, searchable the same way", async () => {
    const { team, run, later } = await fleet();
    const page = await listTeamRuns({ teamId: team.id });
    expect(page.items.map((r) => [r.id, r.agentName, r.status])).toEqual([
      [later.id, "Report writer", "running"],
      [run.id, "Price scout", "failed"],
    ]);
    const failed = page.items[1]!;
    expect(failed).toMatchObject({ cycles: 2, failedCycles: 1, tokens: 1990, reason: "The tool server kept failing." });
    expect(failed.latencyMs).toBeGreaterThanOrEqual(HOUR - 1000);
    expect(failed.latencyMs).toBeLessThanOrEqual(HOUR + 1000);
    expect(Number(failed.costUsd)).toBeCloseTo(0.0139, 8);
    expect(page.items[0]!.latencyMs).toBeNull();
    const ids = async (args: Omit<Parameters<typeof listTeamRuns>[0], "teamId">) =>
      (await listTeamRuns({ teamId: team.id, ...args })).items.map((r) => r.id);
    expect(await ids({ status: "failed" })).toEqual([run.id]);
    expect(await ids({ filter: { tool: "send_email" } })).toEqual([later.id]);
    expect(await ids({ filter: { error: "502" } })).toEqual([run.id]);
    expect(await ids({ filter: { error: "kept failing" } })).toEqual([run.id]);
    expect(await ids({ filter: { agent: "scout" } })).toEqual([run.id]);
    // The failed run ended 2 hours ago: outside the last hour; the running one is in every window.
    expect(await ids({ filter: { window: "1h" } })).toEqual([later.id]);
    const first = await listTeamRuns({ teamId: team.id, limit: 1 });
    expect(first.items.map((r) => r.id)).toEqual([later.id]);
    const second = await listTeamRuns({ teamId: team.id, limit: 1, cursor: first.nextCursor! });
    expect(second.items.map((r) => r.id)).toEqual([run.id]);
    expect(second.nextCursor).toBeNull();
  });

  it("is scoped to the caller's team, through tRPC too, and says what is wrong with bad filters", async () => {
    const { caller } = await fleet();
    const other = await createTestTeam();
    expect((await other.caller.fleet.cycles({ window: "all" })).items).toEqual([]);
    expect((await other.caller.fleet.runs({ window: "all" })).items).toEqual([]);
    expect((await caller.fleet.cycles({ window: "all" })).items).toHaveLength(6);
    await expect(caller.fleet.cycles({ window: "2w" as never })).rejects.toThrow(/Choose a time window: 1h, 24h, 7d, 30d, all/);
    await expect(caller.fleet.runs({ status: "sleeping" as never })).rejects.toThrow(/Choose a run status/);
    await expect(caller.fleet.cycles({ limit: 500 })).rejects.toThrow(/at most 200 rows/);
  });
});
