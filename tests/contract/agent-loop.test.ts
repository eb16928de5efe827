import { describe, expect, it } from "vitest";
import type { AgentSettingsInput } from "~/shared/agent-input";
import type { ToolName } from "~/shared/tool-catalog";
import { db } from "~/server/db/client";
import type { AgentStatus } from "~/server/db/generated/enums";
import { agentInput } from "../factories/agent";
import { addTestMember, createTestTeam } from "../factories/team";
import { toolCall, withContractApp, type AgentScript } from "../fixtures/contract-app";
import type { ScriptedUsage } from "../fixtures/fake-openai";

/**
 * The agent loop end to end: the app's real Inngest functions served by the SDK, the project's
 * executor, PostgreSQL, and the real openai SDK talking to a local OpenAI-compatible server.
 */
const app = withContractApp();
const tool = toolCall;
// $0.015 per reply: 100k prompt tokens of gpt-4o-mini.
const PRICEY: ScriptedUsage = { prompt_tokens: 100_000, completion_tokens: 0 };

type ToolSetting = { name: ToolName; enabled: boolean; approval: "never" | "always" | "first_time" };
const TOOLS = (overrides: Partial<Record<string, ToolSetting["approval"]>> = {}): ToolSetting[] =>
  (["update_world_state", "remember", "search_memory", "send_message", "ask_human", "finish"] as const).map((name) => ({
    name,
    enabled: true,
    approval: overrides[name] ?? "never",
  }));

const newAgent = (name: string, script: AgentScript, overrides: Partial<AgentSettingsInput> = {}, tools = TOOLS()) =>
  app.scriptedAgent(name, script, { cooldownSeconds: 1, tools, ...overrides });

async function waitForStatus(agentId: string, statuses: AgentStatus[], timeoutMs = 40_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const agent = await db.agent.findUniqueOrThrow({
      where: { id: agentId },
      select: { status: true, cycleCount: true, statusReason: true },
    });
    if (statuses.includes(agent.status)) return agent;
    if (Date.now() > deadline) throw new Error(`agent stayed ${agent.status} (cycle ${agent.cycleCount}): ${agent.statusReason ?? ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const eventTypes = async (agentId: string) =>
  (await db.agentEvent.findMany({ where: { agentId }, orderBy: { seq: "asc" }, select: { type: true } })).map((e) => e.type);

describe("agent loop", () => {
  it("runs think-act cycles to finish: events, world state, memory, outbox, spend", async () => {
    const ids = await newAgent("Happy path", (cycle) =>
      cycle === 1
        ? tool("update_world_state", { set: { plan: "check pages" } })
        : cycle === 2
          ? tool("send_message", { subject: "Found it", body: "Prices rose." })
          : cycle === 3
            ? tool("remember", { content: "Prices rose in November." })
            : tool("finish", { result: "Reported the price change." }),
    );
    await app.control.startAgent(ids);
    const agent = await waitForStatus(ids.agentId, ["completed", "failed", "stuck", "budget_exhausted"]);
    expect(agent).toMatchObject({ status: "completed", cycleCount: 4, statusReason: "Reported the price change." });
    expect(await eventTypes(ids.agentId)).toEqual([
      ...["thought", "tool_call", "tool_result"],
      ...["thought", "tool_call", "tool_result"],
      ...["thought", "tool_call", "tool_result"],
      ...["thought", "tool_call", "tool_result"],
      "status_change",
    ]);
    const row = await db.agent.findUniqueOrThrow({
      where: { id: ids.agentId },
      select: { worldState: true, spentUsd: true, tokensUsed: true },
    });
    expect(row.worldState).toEqual({ plan: "check pages" });
    expect(await db.outboxMessage.count({ where: { agentId: ids.agentId } })).toBe(1);
    expect(await db.memory.count({ where: { agentId: ids.agentId, kind: { not: "episode" } } })).toBe(1);
    // One episode per cycle, linked to its result event, for recall in later cycles.
    const episodes = await db.memory.findMany({
      where: { agentId: ids.agentId, kind: "episode" },
      orderBy: { sourceEventSeq: "asc" },
      select: { content: true, sourceEventSeq: true },
    });
    expect(episodes.map((e) => e.content.split("(")[0])).toEqual([
      "Cycle 1: update_world_state",
      "Cycle 2: send_message",
      "Cycle 3: remember",
      "Cycle 4: finish",
    ]);
    expect(episodes.map((e) => e.sourceEventSeq)).toEqual([3, 6, 9, 12]);
    const spend = await db.spendEntry.findMany({ where: { agentId: ids.agentId }, select: { state: true, eventId: true } });
    expect(spend).toHaveLength(4);
    expect(spend.every((s) => s.state === "committed" && s.eventId !== null)).toBe(true);
    expect(Number(row.spentUsd)).toBeGreaterThan(0);
    const calls = app.fake.requests.filter((r) => JSON.stringify(r.body).includes("Happy path"));
    expect(calls).toHaveLength(4);
    // The model was called with the team's own key, decrypted only for the call.
    expect(calls.every((r) => r.headers.authorization === `Bearer sk-${ids.teamId}`)).toBe(true);
  });

  it("holds risky actions for approval: approved runs, rejected does not", async () => {
    let sends = 0;
    const ids = await newAgent(
      "Careful sender",
      (cycle) => (cycle <= 2 ? tool("send_message", { subject: `Update ${++sends}`, body: "Draft." }) : tool("finish", { result: "done" })),
      {},
      TOOLS({ send_message: "always" }),
    );
    await app.control.startAgent(ids);
    await waitForStatus(ids.agentId, ["waiting_approval"]);
    const first = await db.approval.findFirstOrThrow({
      where: { agentId: ids.agentId, status: "pending" },
      select: { id: true, toolName: true },
    });
    expect(first.toolName).toBe("send_message");
    await app.control.decideApproval({ teamId: ids.teamId, userId: ids.userId, approvalId: first.id, decision: "approved" });
    await expect
      .poll(() => db.approval.count({ where: { agentId: ids.agentId, status: "pending", NOT: { id: first.id } } }), { timeout: 20_000 })
      .toBe(1);
    const second = await db.approval.findFirstOrThrow({ where: { agentId: ids.agentId, status: "pending" }, select: { id: true } });
    await app.control.decideApproval({
      teamId: ids.teamId,
      userId: ids.userId,
      approvalId: second.id,
      decision: "rejected",
      comment: "Not now.",
    });
    await waitForStatus(ids.agentId, ["completed"]);
    expect(await db.outboxMessage.count({ where: { agentId: ids.agentId } })).toBe(1);
    const results = await db.agentEvent.findMany({
      where: { agentId: ids.agentId, type: "tool_result" },
      orderBy: { seq: "asc" },
      select: { payload: true },
    });
    expect(results.map((r) => (r.payload as { status: string }).status)).toEqual(["succeeded", "rejected", "succeeded"]);
    await expect(
      app.control.decideApproval({ teamId: ids.teamId, userId: ids.userId, approvalId: second.id, decision: "approved" }),
    ).rejects.toThrow("This approval was already rejected.");
  });

  it("applies the timeout policy when nobody answers", async () => {
    const ids = await newAgent(
      "Unanswered",
      (cycle) => (cycle === 1 ? tool("send_message", { subject: "Ping", body: "Anyone?" }) : tool("finish", { result: "gave up" })),
      {},
      TOOLS({ send_message: "always" }),
    );
    await db.agent.update({ where: { id: ids.agentId }, data: { approvalTimeoutSeconds: 1, approvalTimeoutPolicy: "reject" } });
    await app.control.startAgent(ids);
    await waitForStatus(ids.agentId, ["completed"]);
    const approval = await db.approval.findFirstOrThrow({ where: { agentId: ids.agentId }, select: { status: true, comment: true } });
    expect(approval).toEqual({ status: "expired", comment: 'No answer in time: policy "reject".' });
    expect(await db.outboxMessage.count({ where: { agentId: ids.agentId } })).toBe(0);
  });

  it("never starts a model call that could cross the hard budget", async () => {
    const ids = await newAgent("Broke", () => tool("finish", { result: "never reached" }), { budgetUsd: 0.000001 });
    const before = app.fake.requests.length;
    await app.control.startAgent(ids);
    const agent = await waitForStatus(ids.agentId, ["budget_exhausted"]);
    expect(agent.statusReason).toMatch(/^The next model call could cost up to \$0\.\d+; \$0\.000001 is left of the \$0\.000001 limit/);
    expect(app.fake.requests.length).toBe(before);
    expect(await db.spendEntry.count({ where: { agentId: ids.agentId } })).toBe(0);
    // Raising the budget resumes a budget-exhausted agent from where it stopped.
    const owner = await db.member.findFirstOrThrow({ where: { teamId: ids.teamId, role: "owner" }, select: { userId: true } });
    await expect(app.control.raiseBudget({ ...ids, userId: owner.userId, raise: { budgetTokens: 10 } })).rejects.toThrow(
      /This agent has no token limit, so there is nothing to raise/,
    );
    const raised = await app.control.raiseBudget({ ...ids, userId: owner.userId, raise: { budgetUsd: "5" } });
    expect(raised).toEqual({ resumed: true, approvedHold: false, applied: ["budgetUsd"], notApplied: {} });
    const done = await waitForStatus(ids.agentId, ["completed"]);
    expect(done.statusReason).toBe("never reached");
  });

  it("rolls over into a new run every cyclesPerRun cycles and keeps its place", async () => {
    const ids = await newAgent("Long haul", (cycle) =>
      cycle < 5 ? tool("update_world_state", { set: { cycle } }) : tool("finish", { result: "five" }),
    );
    await db.agent.update({ where: { id: ids.agentId }, data: { cyclesPerRun: 2 } });
    await app.control.startAgent(ids);
    await waitForStatus(ids.agentId, ["completed"]);
    const runs = await db.agentRun.findMany({
      where: { agentId: ids.agentId },
      orderBy: { startedAt: "asc" },
      select: { startCycle: true, endCycle: true },
    });
    expect(runs).toEqual([
      { startCycle: 1, endCycle: 2 },
      { startCycle: 3, endCycle: 4 },
      { startCycle: 5, endCycle: 5 },
    ]);
    const row = await db.agent.findUniqueOrThrow({ where: { id: ids.agentId }, select: { worldState: true, cycleCount: true } });
    expect(row).toEqual({ worldState: { cycle: 4 }, cycleCount: 5 });
  });

  it("pauses at a safe point and resumes from its checkpoint", async () => {
    const ids = await newAgent("Pausable", (cycle) =>
      cycle < 6 ? tool("update_world_state", { set: { cycle } }) : tool("finish", { result: "resumed fine" }),
    );
    await app.control.startAgent(ids);
    await expect
      .poll(async () => (await db.agent.findUniqueOrThrow({ where: { id: ids.agentId } })).cycleCount, { timeout: 20_000 })
      .toBeGreaterThanOrEqual(2);
    await app.control.pauseAgent(ids);
    await new Promise((r) => setTimeout(r, 2500));
    const paused = await db.agent.findUniqueOrThrow({ where: { id: ids.agentId }, select: { status: true, cycleCount: true } });
    expect(paused.status).toBe("paused");
    await new Promise((r) => setTimeout(r, 1500));
    expect((await db.agent.findUniqueOrThrow({ where: { id: ids.agentId } })).cycleCount).toBe(paused.cycleCount);
    await app.control.startAgent(ids);
    const done = await waitForStatus(ids.agentId, ["completed"]);
    expect(done.cycleCount).toBe(6);
  });

  it("pauses an agent with no cooldown (no sleep for the cancellation to land on) at its next think", async () => {
    const ids = await newAgent(
      "Straight on",
      (cycle) => (cycle < 8 ? { ...tool("update_world_state", { set: { cycle } }), delayMs: 150 } : tool("finish", { result: "done" })),
      { cooldownSeconds: 0 },
    );
    await app.control.startAgent(ids);
    await expect
      .poll(async () => (await db.agent.findUniqueOrThrow({ where: { id: ids.agentId } })).cycleCount, { timeout: 20_000 })
      .toBeGreaterThanOrEqual(2);
    await app.control.pauseAgent(ids);
    await new Promise((r) => setTimeout(r, 1500));
    const paused = await db.agent.findUniqueOrThrow({ where: { id: ids.agentId }, select: { status: true, cycleCount: true } });
    expect(paused.status).toBe("paused");
    expect(paused.cycleCount).toBeLessThan(8);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await db.agent.findUniqueOrThrow({ where: { id: ids.agentId } })).cycleCount).toBe(paused.cycleCount);
    // No cycle was thought after the pause: one thought per cycle, none beyond the counted ones.
    const thoughts = await db.agentEvent.count({ where: { agentId: ids.agentId, type: "thought" } });
    expect(thoughts).toBeLessThanOrEqual(paused.cycleCount + 1);
    await app.control.startAgent(ids);
    const done = await waitForStatus(ids.agentId, ["completed"]);
    expect(done.cycleCount).toBe(8);
    expect(await db.agentEvent.count({ where: { agentId: ids.agentId, type: "thought" } })).toBe(8);
  });

  it("remembers through the loop: an episode per cycle, embedded through the team's embedder, recalled with its score", async () => {
    const ids = await newAgent(
      "Rememberer",
      (cycle) =>
        cycle < 14 ? tool("update_world_state", { set: { [`product${cycle}`]: 100 + cycle } }) : tool("finish", { result: "remembered" }),
      { cooldownSeconds: 0 },
    );
    const agent = await db.agent.findUniqueOrThrow({ where: { id: ids.agentId }, select: { provider: true } });
    await db.team.update({
      where: { id: ids.teamId },
      data: { embeddingProviderId: agent.provider, embeddingModel: "text-embedding-3-small" },
    });
    const embeddingsBefore = app.fake.requests.filter((r) => r.path === "/v1/embeddings").length;
    await app.control.startAgent(ids);
    await waitForStatus(ids.agentId, ["completed"]);
    const episodes = await db.memory.findMany({
      where: { agentId: ids.agentId, kind: "episode" },
      orderBy: { sourceEventSeq: "asc" },
      select: { content: true, embedder: true, sourceEventSeq: true },
    });
    expect(episodes).toHaveLength(14);
    expect(episodes[0]!.content).toMatch(/^Cycle 1: update_world_state\(/);
    // Each think embedded the previous cycles' pending episodes together with its query: one request per cycle.
    const calls = app.fake.requests.filter((r) => r.path === "/v1/embeddings").slice(embeddingsBefore);
    expect(calls).toHaveLength(14);
    expect(calls.every((c) => c.headers.authorization === `Bearer sk-${ids.teamId}`)).toBe(true);
    expect(episodes.slice(0, 13).every((e) => e.embedder === "openai:text-embedding-3-small")).toBe(true);
    const spend = await db.spendEntry.findMany({ where: { agentId: ids.agentId, kind: "embedding" }, select: { state: true } });
    expect(spend).toHaveLength(14);
    expect(spend.every((s) => s.state === "committed")).toBe(true);
    // Cycles 1-5 left the prompt's recent window (folded into the summary before cycle 12): cycle 14
    // recalls their episodes, and its thought says which and why.
    const thought = await db.agentEvent.findFirstOrThrow({
      where: { agentId: ids.agentId, type: "thought", cycle: 14 },
      select: { payload: true },
    });
    const payload = thought.payload as {
      memory: { embedder: string; scoring: { weights: Record<string, number> } };
      recalled: { id: string; score: number; components: Record<string, number> }[];
    };
    expect(payload.memory).toMatchObject({ embedder: "openai:text-embedding-3-small", scoring: { weights: { similarity: 1 } } });
    expect(payload.recalled.length).toBeGreaterThan(0);
    const recalledEpisodes = await db.memory.findMany({
      where: { id: { in: payload.recalled.map((m) => m.id) } },
      select: { sourceEventSeq: true },
    });
    const firstOfCycle6 = await db.agentEvent.findFirstOrThrow({
      where: { agentId: ids.agentId, cycle: 6 },
      orderBy: { seq: "asc" },
      select: { seq: true },
    });
    expect(recalledEpisodes.every((m) => m.sourceEventSeq !== null && m.sourceEventSeq < firstOfCycle6.seq)).toBe(true);
    for (const m of payload.recalled) {
      expect(Object.keys(m.components).sort()).toEqual(["frequency", "importance", "recency", "similarity"]);
      expect(m.score).toBeGreaterThan(0);
    }
  });

  it("runs 20 cycles without losing its place, checkpointing every 10", async () => {
    const ids = await newAgent("Twenty", (cycle) =>
      cycle < 20 ? tool("update_world_state", { set: { cycle } }) : tool("finish", { result: "twenty" }),
    );
    await db.agent.update({ where: { id: ids.agentId }, data: { cooldownSeconds: 0 } });
    await app.control.startAgent(ids);
    const agent = await waitForStatus(ids.agentId, ["completed"], 60_000);
    expect(agent.cycleCount).toBe(20);
    const events = await db.agentEvent.findMany({
      where: { agentId: ids.agentId },
      orderBy: { seq: "asc" },
      select: { seq: true, cycle: true, type: true },
    });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    // Exactly one thought, call and result per cycle: nothing lost, nothing duplicated.
    for (let cycle = 1; cycle <= 20; cycle++) {
      expect(events.filter((e) => e.cycle === cycle && e.type !== "status_change" && e.type !== "summary").map((e) => e.type)).toEqual([
        "thought",
        "tool_call",
        "tool_result",
      ]);
    }
    // Each fold on a real model asked for a summary (docs/decisions/032); this fake answers "no script",
    // too short to be one, so each kept its digest lines and said why.
    const folds = await db.agentEvent.findMany({
      where: { agentId: ids.agentId, type: "summary" },
      orderBy: { seq: "asc" },
      select: { cycle: true, payload: true },
    });
    expect(folds.map((f) => [f.cycle, (f.payload as { by: string }).by])).toEqual([
      [12, "rules"],
      [17, "rules"],
    ]);
    const snapshots = await db.snapshot.findMany({ where: { agentId: ids.agentId }, orderBy: { cycle: "asc" }, select: { cycle: true } });
    expect(snapshots.map((s) => s.cycle)).toEqual([10, 20]);
    // Cycles older than the recent window were folded into the rolling summary, five at a time
    // (before cycles 12 and 17 thought), so cycle 20 saw cycles 11-19 in full.
    const last = await db.agentEvent.findFirstOrThrow({
      where: { agentId: ids.agentId, type: "thought", cycle: 20 },
      select: { payload: true },
    });
    expect((last.payload as { context: { summaryThroughCycle: number; recentCycles: number } }).context).toMatchObject({
      summaryThroughCycle: 10,
      recentCycles: 9,
    });
    const row = await db.agent.findUniqueOrThrow({ where: { id: ids.agentId }, select: { summary: true } });
    expect(row.summary.split("\n").map((l) => l.split(":")[0])).toEqual(Array.from({ length: 10 }, (_, i) => `c${i + 1}`));
  });

  it("stays waiting for a question's answer, also after a pause and resume", async () => {
    const ids = await newAgent("Patient", (cycle) =>
      cycle < 4
        ? tool("update_world_state", { set: { cycle } })
        : cycle === 4
          ? tool("ask_human", { question: "Go on?" })
          : tool("finish", { result: "ok" }),
    );
    await app.control.startAgent(ids);
    await waitForStatus(ids.agentId, ["waiting_approval"]);
    await new Promise((r) => setTimeout(r, 4000));
    const agent = await db.agent.findUniqueOrThrow({ where: { id: ids.agentId }, select: { status: true, cycleCount: true } });
    expect(agent).toEqual({ status: "waiting_approval", cycleCount: 3 });
    // Paused and resumed while the question is open: a new run finds the open question and waits again, shown as such.
    await app.control.pauseAgent(ids);
    await waitForStatus(ids.agentId, ["paused"]);
    await app.control.startAgent(ids);
    await waitForStatus(ids.agentId, ["waiting_approval"]);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await db.agent.findUniqueOrThrow({ where: { id: ids.agentId }, select: { status: true, cycleCount: true } })).toEqual({
      status: "waiting_approval",
      cycleCount: 3,
    });
    expect(await db.agentEvent.count({ where: { agentId: ids.agentId, type: "tool_call", cycle: 4 } })).toBe(1);
  });

  it("asks a person and uses the answer", async () => {
    const ids = await newAgent("Curious", (cycle) =>
      cycle === 1 ? tool("ask_human", { question: "Which region first?" }) : tool("finish", { result: "asked" }),
    );
    await app.control.startAgent(ids);
    await waitForStatus(ids.agentId, ["waiting_approval"]);
    const question = await db.approval.findFirstOrThrow({
      where: { agentId: ids.agentId, status: "pending" },
      select: { id: true, kind: true },
    });
    expect(question.kind).toBe("question");
    await expect(
      app.control.decideApproval({ teamId: ids.teamId, userId: ids.userId, approvalId: question.id, decision: "approved" }),
    ).rejects.toThrow("Write an answer to the agent's question.");
    await app.control.decideApproval({
      teamId: ids.teamId,
      userId: ids.userId,
      approvalId: question.id,
      decision: "approved",
      answer: "Europe",
    });
    await waitForStatus(ids.agentId, ["completed"]);
    const result = await db.agentEvent.findFirstOrThrow({
      where: { agentId: ids.agentId, type: "tool_result", cycle: 1 },
      select: { payload: true },
    });
    expect(result.payload).toMatchObject({ name: "ask_human", status: "succeeded", result: { answer: "Europe" } });
  });

  it("stops with a reason, cancelling pending approvals", async () => {
    const ids = await newAgent(
      "Stoppable",
      () => tool("send_message", { subject: "Hold", body: "please" }),
      {},
      TOOLS({ send_message: "always" }),
    );
    await app.control.startAgent(ids);
    await waitForStatus(ids.agentId, ["waiting_approval"]);
    await app.control.stopAgent({ ...ids, reason: "Campaign cancelled." });
    const agent = await waitForStatus(ids.agentId, ["stopped"]);
    expect(agent.statusReason).toBe("Campaign cancelled.");
    expect(await db.approval.count({ where: { agentId: ids.agentId, status: "cancelled" } })).toBe(1);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await db.agent.findUniqueOrThrow({ where: { id: ids.agentId } })).status).toBe("stopped");
    expect(await db.outboxMessage.count({ where: { agentId: ids.agentId } })).toBe(0);
  });

  it("is controlled through tRPC with team roles: viewers watch, members steer, other teams see nothing", async () => {
    const owner = await createTestTeam();
    const agent = await owner.caller.agent.create(
      agentInput({ name: "Via tRPC", tools: TOOLS({ send_message: "always" }), cooldownSeconds: 1 }),
    );
    app.scripts.set("Via tRPC", () => tool("send_message", { subject: "s", body: "b" }));
    const viewer = await addTestMember(owner.team.id, "viewer");
    const stranger = await createTestTeam();
    await expect(viewer.caller.agent.start({ id: agent.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(stranger.caller.agent.start({ id: agent.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await owner.caller.agent.start({ id: agent.id });
    await expect(owner.caller.agent.start({ id: agent.id })).rejects.toMatchObject({ code: "CONFLICT" });
    await waitForStatus(agent.id, ["waiting_approval"]);
    const [pending] = await viewer.caller.approval.listPending();
    expect(pending).toMatchObject({ agentId: agent.id, toolName: "send_message", agent: { name: "Via tRPC" } });
    expect(await stranger.caller.approval.listPending()).toEqual([]);
    await expect(viewer.caller.approval.decide({ approvalId: pending!.id, decision: "approved" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(stranger.caller.approval.decide({ approvalId: pending!.id, decision: "approved" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await owner.caller.agent.stop({ id: agent.id, reason: "Enough." });
    await waitForStatus(agent.id, ["stopped"]);
    expect(await db.auditLog.count({ where: { targetId: agent.id, action: { in: ["agent.start", "agent.stop"] } } })).toBe(2);
  });

  it("holds a stuck agent repeating the same call until a person lets it continue", async () => {
    const ids = await newAgent("Repeater", (cycle) =>
      cycle <= 3 ? tool("search_memory", { query: "the same thing" }) : tool("finish", { result: "unstuck" }),
    );
    await app.control.startAgent(ids);
    const agent = await waitForStatus(ids.agentId, ["stuck"]);
    expect(agent.cycleCount).toBe(3);
    expect(agent.statusReason).toContain("search_memory");
    const hold = await db.approval.findFirstOrThrow({
      where: { agentId: ids.agentId, kind: "stuck" },
      select: { id: true, status: true, cycle: true },
    });
    expect(hold).toMatchObject({ status: "pending", cycle: 4 });
    // Resuming is refused while the decision is pending; answering it is the way on.
    await expect(app.control.startAgent(ids)).rejects.toThrow(/pending approval/);
    await app.control.decideApproval({ teamId: ids.teamId, userId: ids.userId, approvalId: hold.id, decision: "approved" });
    const done = await waitForStatus(ids.agentId, ["completed"]);
    expect(done).toMatchObject({ cycleCount: 4, statusReason: "unstuck" });
    const decided = await db.agentEvent.findFirstOrThrow({
      where: { agentId: ids.agentId, type: "approval_decided" },
      select: { payload: true },
    });
    expect(decided.payload).toMatchObject({ kind: "stuck", status: "approved" });
  });

  it("holds an agent that learns nothing new for M cycles; a person stops it", async () => {
    // Different questions each cycle, the same empty answer: no repeat, but no new information either.
    const words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf"];
    const ids = await newAgent("Going nowhere", (cycle) => tool("search_memory", { query: words[cycle % words.length] }));
    await db.agent.update({ where: { id: ids.agentId }, data: { stuckNoProgressCycles: 3 } });
    await app.control.startAgent(ids);
    const agent = await waitForStatus(ids.agentId, ["stuck"]);
    // Cycle 1's empty answer is new; cycles 2-4 repeat it; the hold comes before cycle 5 thinks.
    expect(agent.cycleCount).toBe(4);
    expect(agent.statusReason).toMatch(/learned nothing new for 3 cycles/);
    const results = await db.agentEvent.findMany({
      where: { agentId: ids.agentId, type: "tool_result" },
      orderBy: { seq: "asc" },
      select: { payload: true },
    });
    expect(results.map((r) => (r.payload as { isNew: boolean }).isNew)).toEqual([true, false, false, false]);
    const hold = await db.approval.findFirstOrThrow({
      where: { agentId: ids.agentId, kind: "stuck", status: "pending" },
      select: { id: true },
    });
    await app.control.decideApproval({
      teamId: ids.teamId,
      userId: ids.userId,
      approvalId: hold.id,
      decision: "rejected",
      comment: "Not worth it.",
    });
    const stopped = await waitForStatus(ids.agentId, ["stopped"]);
    expect(stopped).toMatchObject({ cycleCount: 4, statusReason: "Stopped by a person after getting stuck. Not worth it." });
  });

  it("asks at the soft budget limit; raising the budget lets it go on", async () => {
    // Each reply costs $0.015; the soft limit is 50% of $0.05, crossed after two cycles.
    const ids = await newAgent(
      "Spender",
      (cycle) =>
        cycle <= 3 ? tool("update_world_state", { set: { cycle } }, PRICEY) : tool("finish", { result: "within budget" }, PRICEY),
      { budgetUsd: 0.05, softLimitPercent: 50 },
    );
    const admin = await addTestMember(ids.teamId, "admin");
    const member = await addTestMember(ids.teamId, "member");
    await app.control.startAgent(ids);
    const held = await waitForStatus(ids.agentId, ["waiting_approval"]);
    expect(held.cycleCount).toBe(2);
    expect(held.statusReason).toMatch(/past the 50% soft limit/);
    const requestsWhileHeld = app.fake.requests.length;
    const hold = await db.approval.findFirstOrThrow({
      where: { agentId: ids.agentId, kind: "budget" },
      select: { id: true, status: true, context: true },
    });
    expect(hold).toMatchObject({ status: "pending", context: { budgetUsd: "0.05", softLimitPercent: 50 } });

    // Raising needs the budget:raise permission (admin); a member is refused, with nothing changed.
    await expect(member.caller.agent.raiseBudget({ id: ids.agentId, budgetUsd: "1" })).rejects.toThrow(/admin role/);
    await expect(admin.caller.agent.raiseBudget({ id: ids.agentId, budgetUsd: "0.01" })).rejects.toThrow(
      /Enter more than the current \$0\.05\./,
    );
    await admin.caller.agent.raiseBudget({ id: ids.agentId, budgetUsd: "1" });
    const done = await waitForStatus(ids.agentId, ["completed"]);
    expect(done.cycleCount).toBe(4);
    expect(app.fake.requests.length).toBeGreaterThan(requestsWhileHeld);
    const decided = await db.approval.findUniqueOrThrow({ where: { id: hold.id }, select: { status: true, decidedById: true } });
    expect(decided).toEqual({ status: "approved", decidedById: admin.user.id });
    expect(await db.auditLog.count({ where: { targetId: ids.agentId, action: "budget.raise" } })).toBe(1);
    const row = await db.agent.findUniqueOrThrow({ where: { id: ids.agentId }, select: { budgetUsd: true } });
    expect(row.budgetUsd?.toString()).toBe("1");
  });

  it("at the soft limit, a rejection stops the agent and unanswered holds pause it", async () => {
    const script = () => tool("update_world_state", { set: { at: Date.now() } }, PRICEY);
    const rejected = await newAgent("Frugal", script, { budgetUsd: 0.05, softLimitPercent: 20 });
    await app.control.startAgent(rejected);
    await waitForStatus(rejected.agentId, ["waiting_approval"]);
    const hold = await db.approval.findFirstOrThrow({ where: { agentId: rejected.agentId, kind: "budget" }, select: { id: true } });
    await app.control.decideApproval({ teamId: rejected.teamId, userId: rejected.userId, approvalId: hold.id, decision: "rejected" });
    const stopped = await waitForStatus(rejected.agentId, ["stopped"]);
    expect(stopped).toMatchObject({ cycleCount: 1, statusReason: "Stopped at the soft budget limit by a person." });

    const unanswered = await newAgent("Unattended", script, { budgetUsd: 0.05, softLimitPercent: 20 });
    await db.agent.update({ where: { id: unanswered.agentId }, data: { approvalTimeoutSeconds: 1 } });
    await app.control.startAgent(unanswered);
    const paused = await waitForStatus(unanswered.agentId, ["paused"]);
    expect(paused.statusReason).toMatch(/nobody answered in time/);
    expect(await db.approval.findFirstOrThrow({ where: { agentId: unanswered.agentId }, select: { status: true } })).toEqual({
      status: "expired",
    });
  });

  it("survives model errors and malformed replies: recorded as events, the loop goes on", async () => {
    const ids = await newAgent("Flaky model", (cycle) =>
      cycle === 1
        ? { kind: "malformed", body: "<html>bad gateway</html>" }
        : cycle === 2
          ? { kind: "error", status: 500 }
          : cycle === 3
            ? { kind: "tool_calls", calls: [{ name: "send_message", arguments: "{not json" }] }
            : tool("finish", { result: "recovered" }),
    );
    await app.control.startAgent(ids);
    await waitForStatus(ids.agentId, ["completed"]);
    const errors = await db.agentEvent.findMany({
      where: { agentId: ids.agentId, type: "error" },
      orderBy: { seq: "asc" },
      select: { payload: true },
    });
    expect(errors.map((e) => (e.payload as { kind: string }).kind)).toEqual(["malformed", "server", "invalid-tool-call"]);
    // Failed calls cost nothing: their reservations were released.
    expect(await db.spendEntry.count({ where: { agentId: ids.agentId, state: "reserved" } })).toBe(0);
  });
});
