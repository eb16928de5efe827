import { describe, expect, it } from "vitest";
import { appendToSummary, assembleContext, digestCycle, draftContext, foldIntoSummary } from "~/server/loop/context";
import { appendEvent, loadContext } from "~/server/agents/events";
import { randomUUID } from "node:crypto";
import { readThinkState } from "~/server/loop/sql";
import { db } from "~/server/db/client";
import { direct } from "~/server/db/raw";
import { readRecallInputs, writeMemory } from "~/server/memory/memories";
import { agentInput } from "../factories/agent";
import { createTestTeam } from "../factories/team";

async function newAgent(overrides: Parameters<typeof agentInput>[0] = {}) {
  const { caller, team } = await createTestTeam();
  const agent = await caller.agent.create(agentInput(overrides));
  return { agentId: agent.id, teamId: team.id };
}

/** Writes `cycles` complete cycles (call + result) and moves the agent's cycle counter on. */
async function writeCycles(ids: { agentId: string; teamId: string }, cycles: number, resultText = (c: number) => `page ${c}`) {
  for (let cycle = 1; cycle <= cycles; cycle++) {
    await appendEvent({
      ...ids,
      cycle,
      type: "tool_call",
      payload: { name: "http_get", arguments: `{"url":"https://example.com/${cycle}"}` },
    });
    await appendEvent({
      ...ids,
      cycle,
      type: "tool_result",
      payload: { name: "http_get", status: "succeeded", result: resultText(cycle) },
    });
  }
  await db.agent.update({ where: { id: ids.agentId }, data: { cycleCount: cycles } });
}

const userText = (messages: { role: string; content?: unknown }[]) => {
  const content = messages.find((m) => m.role === "user")?.content;
  return typeof content === "string" ? content : "";
};

describe("rolling summary", () => {
  it("digests a cycle into one line and merges the oldest lines when the summary grows too long", () => {
    const line = digestCycle(7, [
      { type: "tool_call", payload: { name: "send_message", arguments: '{"subject":"Hi"}' } },
      { type: "tool_result", payload: { name: "send_message", status: "succeeded", result: { messageId: "m1" } } },
    ]);
    expect(line).toBe('c7: send_message({"subject":"Hi"}) → succeeded: {"messageId":"m1"}');
    const lines = Array.from({ length: 40 }, (_, i) => `c${i + 1}: ${i % 2 ? "remember" : "http_get"}(x) → succeeded: ok`);
    const summary = appendToSummary("", lines, 400);
    expect(summary.length).toBeLessThanOrEqual(400);
    const [first, ...rest] = summary.split("\n");
    // The merged line keeps the range and the tool counts of what it replaced; the newest lines stay whole.
    expect(first).toMatch(/^earlier c1-c\d+: http_get×\d+ remember×\d+$/);
    expect(rest.at(-1)).toBe("c40: remember(x) → succeeded: ok");
    const merged = /^earlier c1-c(\d+): http_get×(\d+) remember×(\d+)$/.exec(first!)!;
    expect(Number(merged[2]) + Number(merged[3])).toBe(Number(merged[1]));
  });

  it("folds cycles into the summary once, in order, behind a cursor", async () => {
    const ids = await newAgent();
    await writeCycles(ids, 30);
    expect(await foldIntoSummary({ ...ids, throughCycle: 20 })).toBe(20);
    expect(await foldIntoSummary({ ...ids, throughCycle: 20 })).toBe(20);
    const agent = await db.agent.findUniqueOrThrow({ where: { id: ids.agentId }, select: { summary: true, summaryThroughCycle: true } });
    expect(agent.summaryThroughCycle).toBe(20);
    expect(agent.summary.split("\n").map((l) => l.split(":")[0])).toEqual(Array.from({ length: 20 }, (_, i) => `c${i + 1}`));
  });
});

describe("context assembly", () => {
  it("keeps the last cycles in full and folds older ones into the summary as the history grows", async () => {
    const ids = await newAgent({ model: "gpt-4o-mini" });
    await writeCycles(ids, 40);
    const { messages, stats } = await assembleContext({ ...ids, cycle: 41, model: "gpt-4o-mini", reservedTokens: 2000 });
    expect(stats).toMatchObject({ summaryThroughCycle: 34, recentCycles: 6, foldedEarly: 0, truncated: false });
    const text = userText(messages);
    expect(text).toContain("c34: http_get");
    expect(text).toContain("cycle 40 tool_result");
    expect(text).not.toContain("cycle 34 tool_result");
  });

  it("folds from the events the loop read, using the new summary at once and writing it meanwhile, as a fold from the database would", async () => {
    const [ids, twin] = [await newAgent({ model: "gpt-4o-mini" }), await newAgent({ model: "gpt-4o-mini" })];
    await writeCycles(ids, 12);
    await writeCycles(twin, 12);
    const loaded = await loadContext(ids);
    expect(loaded.agent.summaryThroughCycle).toBe(0);
    const draft = await draftContext({
      ...ids,
      cycle: 13,
      model: "gpt-4o-mini",
      reservedTokens: 2000,
      read: { loaded, recallInputs: await readRecallInputs(ids) },
    });
    const { messages, stats, summaryWritten } = await draft.complete();
    // Cycles 1-6 left the recent window (cycle 13 keeps 7-12 in full).
    expect(stats).toMatchObject({ summaryThroughCycle: 6, recentCycles: 6 });
    const text = userText(messages);
    expect(text).toContain("c6: http_get");
    expect(text).not.toContain("cycle 6 tool_result");
    expect(text).toContain("cycle 7 tool_result");
    await summaryWritten;
    expect(await foldIntoSummary({ ...twin, throughCycle: 6 })).toBe(6);
    const [written, fromDatabase] = await Promise.all(
      [ids, twin].map((a) =>
        db.agent.findUniqueOrThrow({ where: { id: a.agentId }, select: { summary: true, summaryThroughCycle: true } }),
      ),
    );
    expect(written).toEqual({ summary: fromDatabase!.summary.replaceAll(twin.agentId, ids.agentId), summaryThroughCycle: 6 });
    expect(written!.summary.split("\n")).toHaveLength(6);
  });

  it("gives the loop an upper bound of the prompt before recall, which the prompt with the longest memories stays under", async () => {
    const ids = await newAgent({ model: "gpt-4o-mini" });
    await writeCycles(ids, 4);
    for (let i = 0; i < 8; i++)
      await writeMemory({
        ...ids,
        kind: "reflection",
        content: `Page ${i} of example.com lists prices; ${"the prices went up again. ".repeat(30)}`,
      });
    await writeMemory({ ...ids, kind: "fact", content: "Pinned: report every price change.", importance: 1 });
    await db.memory.updateMany({ where: { agentId: ids.agentId, kind: "fact" }, data: { isPinned: true } });
    const state = await readThinkState(direct, { ...ids, agentRunId: randomUUID(), cycle: 5 });
    const draft = await draftContext({
      ...ids,
      cycle: 5,
      model: "gpt-4o-mini",
      reservedTokens: 2000,
      read: { loaded: { agent: state.agent!, events: state.events }, recallInputs: state.recallInputs },
    });
    const bounds = [draft.promptTokensAtMost];
    const { stats, recalled } = await draft.complete();
    expect(recalled.recalled).toHaveLength(5);
    expect(recalled.pinned).toHaveLength(1);
    expect(bounds).toHaveLength(1);
    // Five recalled memories cut at 400 characters are the most recall can add: the bound holds, and is not far off.
    expect(bounds[0]).toBeGreaterThanOrEqual(stats.promptTokens);
    expect(bounds[0]! - stats.promptTokens).toBeLessThan(50);
  });

  it("shows the model what an earlier thought said and called, not the loop's bookkeeping about it", async () => {
    const ids = await newAgent({ model: "gpt-4o-mini" });
    await appendEvent({
      ...ids,
      cycle: 1,
      type: "thought",
      payload: {
        content: "Checking page 1 first.",
        call: { name: "http_get", arguments: '{"url":"https://example.com/1"}' },
        toolCalls: ["http_get"],
        model: "gpt-4o-mini",
        memory: { embedder: "offline:hash-v1", scoring: { weights: { similarity: 1 } } },
        recalled: [{ id: "m1", score: 0.9 }],
        context: { promptTokens: 1234 },
      },
    });
    const { messages } = await assembleContext({ ...ids, cycle: 2, model: "gpt-4o-mini", reservedTokens: 2000 });
    const line = userText(messages)
      .split("\n")
      .find((l) => l.includes("cycle 1 thought"));
    expect(line).toBe(
      '#1 cycle 1 thought: {"call":{"name":"http_get","arguments":"{\\"url\\":\\"https://example.com/1\\"}"},"content":"Checking page 1 first.","toolCalls":["http_get"]}',
    );
  });

  it("folds recent cycles early when the prompt would not fit the model's window, never the newest", async () => {
    // An unknown model gets an 8,192-token window; reserving most of it leaves little room.
    const ids = await newAgent();
    await writeCycles(ids, 10, (c) => `${"x".repeat(1500)} result of cycle ${c}`);
    const { messages, stats } = await assembleContext({ ...ids, cycle: 11, model: "local-llama", reservedTokens: 7_400 });
    expect(stats.contextWindow).toBe(8_192);
    expect(stats.foldedEarly).toBeGreaterThan(0);
    expect(stats.promptTokens).toBeLessThanOrEqual(8_192 - 7_400);
    const text = userText(messages);
    expect(text).toContain("cycle 10 tool_result");
    // Nothing vanished: every folded cycle is a line of the summary.
    const agent = await db.agent.findUniqueOrThrow({ where: { id: ids.agentId }, select: { summary: true, summaryThroughCycle: true } });
    expect(agent.summary.split("\n")).toHaveLength(agent.summaryThroughCycle);
    expect(agent.summaryThroughCycle).toBeGreaterThan(4);
  });

  it("shortens an oversized world state in the prompt rather than failing, and says so", async () => {
    const ids = await newAgent();
    await db.agent.update({ where: { id: ids.agentId }, data: { worldState: { notes: "y".repeat(60_000) } } });
    await writeCycles(ids, 2);
    const { messages, stats } = await assembleContext({ ...ids, cycle: 3, model: "local-llama", reservedTokens: 2_000 });
    expect(stats.truncated).toBe(true);
    expect(userText(messages).length).toBeLessThan(30_000);
    expect(userText(messages)).toContain("cycle 2 tool_result");
  });

  it("shows pinned memories, recalls the best-scoring others (not those about events already in the prompt), and counts recalls", async () => {
    const ids = await newAgent({ goal: "Track competitor pricing for the spring launch" });
    await writeCycles(ids, 3);
    const pinned = await writeMemory({ ...ids, kind: "fact", content: "The launch date is March 3." });
    await db.memory.update({ where: { id: pinned.id }, data: { isPinned: true } });
    const matching = await writeMemory({ ...ids, kind: "fact", content: "Competitor pricing page moved to /plans." });
    const inPrompt = await writeMemory({ ...ids, kind: "episode", content: "Cycle 3: competitor pricing fetched", sourceEventSeq: 6 });
    const unrelated = await writeMemory({ ...ids, kind: "fact", content: "Unrelated note about lunch." });
    const { recalled, messages } = await assembleContext({ ...ids, cycle: 4, model: "gpt-4o-mini", reservedTokens: 2000 });
    expect(recalled.embedderId).toBe("offline:hash-v1");
    expect(recalled.pinned.map((m) => m.id)).toEqual([pinned.id]);
    // Same weights for both, written at the same time: the one sharing words with the goal ranks first.
    expect(recalled.recalled.map((m) => m.id)).toEqual([matching.id, unrelated.id]);
    expect(recalled.recalled[0]!.components.similarity).toBeGreaterThan(recalled.recalled[1]!.components.similarity);
    expect(userText(messages)).toContain("Pinned memories:\n- (fact) The launch date is March 3.");
    expect(userText(messages)).toContain("Competitor pricing page moved to /plans.");
    expect(recalled.recalled.map((m) => m.id)).not.toContain(inPrompt.id);
    const counts = await db.memory.findMany({ where: { agentId: ids.agentId, recallCount: { gt: 0 } }, select: { id: true } });
    expect(counts.map((c) => c.id).sort()).toEqual([pinned.id, matching.id, unrelated.id].sort());
    // Every memory was embedded in the one batch before the recall.
    expect(await db.memory.count({ where: { agentId: ids.agentId, embedder: "pending" } })).toBe(0);
  });
});
