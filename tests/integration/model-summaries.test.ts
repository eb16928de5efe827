import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { appendEvent } from "~/server/agents/events";
import { db } from "~/server/db/client";
import { assembleContext } from "~/server/loop/context";
import { appendToSummary } from "~/server/loop/digest";
import { memorySummarizer, SUMMARY_OUTPUT_TOKENS } from "~/server/loop/summarize";
import type { SummaryEventPayload } from "~/server/loop/summary-fold";
import { consolidateMemories } from "~/server/memory/consolidate";
import { writeMemory } from "~/server/memory/memories";
import { costOf } from "~/server/spend/price-table";
import { agentInput } from "../factories/agent";
import { createTestProvider } from "../factories/provider";
import { createTestTeam } from "../factories/team";
import { startFakeOpenAI, type FakeOpenAI } from "../fixtures/fake-openai";

/**
 * Model-written summaries (docs/decisions/032), against the fake OpenAI-compatible server over HTTP:
 * cycles leaving the recent window of an agent on a real model are folded by rule at once, then
 * rewritten by the summarizer, charged like any model call, kept as a `summary` event that a person
 * can undo; a failed, empty, slow or unaffordable call keeps the digest lines and says why; the team
 * may choose another provider and model; the simulator folds by rule with no call; consolidation's
 * summary memories are written by the model too.
 */
let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => fake?.stop());
beforeEach(() => fake.reset());

const MODEL_SUMMARY = "The agent fetched example.com pages 1 to 6; every fetch succeeded and page 3 said prices rose.";

async function agentOnFake(overrides: Parameters<typeof agentInput>[0] = {}) {
  const { caller, team, user } = await createTestTeam();
  const provider = await createTestProvider(team.id, { baseUrl: fake.baseURL });
  // The provider's own timeout bounds a summary call (a hanging server is given up on after 1 s).
  await db.modelProvider.update({ where: { id: provider.id }, data: { timeoutMs: 1000 } });
  const agent = await caller.agent.create(agentInput({ provider: provider.id, model: "gpt-4o-mini", ...overrides }));
  return { caller, team, user, providerId: provider.id, ids: { agentId: agent.id, teamId: team.id } };
}

/** `cycles` complete cycles (thought, call, result), the agent's counter moved on. */
async function writeCycles(ids: { agentId: string; teamId: string }, cycles: number) {
  for (let cycle = 1; cycle <= cycles; cycle++) {
    await appendEvent({ ...ids, cycle, type: "thought", payload: { content: `Checking page ${cycle} for price changes.` } });
    await appendEvent({
      ...ids,
      cycle,
      type: "tool_call",
      payload: { name: "http_get", arguments: `{"url":"https://example.com/${cycle}"}` },
    });
    await appendEvent({ ...ids, cycle, type: "tool_result", payload: { name: "http_get", status: "succeeded", result: `page ${cycle}` } });
  }
  await db.agent.update({ where: { id: ids.agentId }, data: { cycleCount: cycles } });
}

/** The prompt of cycle 13: cycles 1-6 have left the recent window (6 cycles) and are folded; waits for every write. */
const foldAtCycle13 = (ids: { agentId: string; teamId: string }) =>
  assembleContext({ ...ids, cycle: 13, model: "gpt-4o-mini", reservedTokens: 2000 });

async function foldState(ids: { agentId: string; teamId: string }) {
  const agent = await db.agent.findUniqueOrThrow({
    where: { id: ids.agentId },
    select: { summary: true, summaryThroughCycle: true, spentUsd: true, tokensUsed: true },
  });
  const events = await db.agentEvent.findMany({
    where: { ...ids, type: "summary" },
    orderBy: { seq: "asc" },
    select: { seq: true, cycle: true, payload: true, costUsd: true, tokensIn: true, tokensOut: true },
  });
  const spend = await db.spendEntry.findMany({
    where: { ...ids, kind: "summary" },
    select: { state: true, model: true, costUsd: true, tokensIn: true, tokensOut: true, eventId: true },
  });
  return { agent, events: events.map((e) => ({ ...e, payload: e.payload as unknown as SummaryEventPayload })), spend };
}

const chatRequests = () => fake.requests.filter((r) => r.path === "/v1/chat/completions");

describe("folding with a model", () => {
  it("writes the model's summary, charges it as a summary call, keeps the previous summary as an event, and undo restores the digest", async () => {
    const { caller, ids } = await agentOnFake();
    await writeCycles(ids, 12);
    await db.agent.update({ where: { id: ids.agentId }, data: { summary: "c0: started" } });
    fake.setResponder(() => ({ kind: "message", content: MODEL_SUMMARY, usage: { prompt_tokens: 1000, completion_tokens: 100 } }));

    const { messages } = await foldAtCycle13(ids);
    // The prompt of this cycle used the digest at once (the model's text replaces it for the next one).
    expect(JSON.stringify(messages)).toContain("c1: http_get");

    const request = chatRequests();
    expect(request).toHaveLength(1);
    const body = request[0]!.body as { model: string; max_completion_tokens: number; tools?: unknown; messages: { content: string }[] };
    expect(body.model).toBe("gpt-4o-mini");
    expect(body.max_completion_tokens).toBe(SUMMARY_OUTPUT_TOKENS);
    expect(body).not.toHaveProperty("tools");
    const asked = body.messages.map((m) => m.content).join("\n");
    expect(asked).toContain("c0: started");
    expect(asked).toContain("c6: http_get");
    expect(asked).toContain("Checking page 6 for price changes.");
    expect(asked).not.toContain("c7:");

    const { agent, events, spend } = await foldState(ids);
    expect(agent.summary).toBe(MODEL_SUMMARY);
    expect(agent.summaryThroughCycle).toBe(6);
    const price = costOf("gpt-4o-mini", { inputTokens: 1000, outputTokens: 100 }).costUsd;
    expect(price).toBe("0.00021000");
    expect(spend).toHaveLength(1);
    expect(spend[0]).toMatchObject({ state: "committed", model: "gpt-4o-mini", tokensIn: 1000, tokensOut: 100 });
    expect(spend[0]!.costUsd.toFixed(8)).toBe(price);
    expect(agent.spentUsd.toFixed(8)).toBe(price);
    expect(agent.tokensUsed).toBe(1100n);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(spend[0]!.eventId).not.toBeNull();
    expect(event!.cycle).toBe(13);
    expect(event!.costUsd.toFixed(8)).toBe(price);
    expect(event!.payload).toMatchObject({
      stage: "fold",
      by: "model",
      fromCycle: 1,
      throughCycle: 6,
      previous: "c0: started",
      next: MODEL_SUMMARY,
      model: "gpt-4o-mini",
    });
    expect(event!.payload.lines).toHaveLength(6);
    // The event is for people: the next prompt does not show it among the recent events.
    const next = await assembleContext({ ...ids, cycle: 14, model: "gpt-4o-mini", reservedTokens: 2000 });
    const prompt = JSON.stringify(next.messages);
    expect(prompt).toContain(MODEL_SUMMARY);
    expect(prompt).not.toContain("summary: {");

    const restored = await caller.agent.restoreSummary({ id: ids.agentId, seq: event!.seq });
    const digest = appendToSummary("c0: started", event!.payload.lines!);
    expect(restored.summary).toBe(digest);
    const after = await foldState(ids);
    expect(after.agent).toMatchObject({ summary: digest, summaryThroughCycle: 6 });
    expect(after.events.at(-1)!.payload).toMatchObject({
      stage: "restore",
      restoresSeq: event!.seq,
      previous: MODEL_SUMMARY,
      next: digest,
    });
    const audit = await db.auditLog.findFirst({ where: { teamId: ids.teamId, action: "agent.summary_restore", targetId: ids.agentId } });
    expect(audit?.metadata).toMatchObject({ restoresSeq: event!.seq, throughCycle: 6 });
    await expect(caller.agent.restoreSummary({ id: ids.agentId, seq: event!.seq })).rejects.toThrow("already undone");
  });

  it("undoes only the newest model-written summary: one a later fold built on is refused with the reason", async () => {
    const { caller, ids } = await agentOnFake();
    await writeCycles(ids, 17);
    fake.setResponder(() => ({ kind: "message", content: MODEL_SUMMARY }));
    await foldAtCycle13(ids);
    fake.setResponder(() => ({ kind: "message", content: `${MODEL_SUMMARY} Pages 7 to 11 as well.` }));
    await assembleContext({ ...ids, cycle: 18, model: "gpt-4o-mini", reservedTokens: 2000 });
    const { agent, events } = await foldState(ids);
    expect(agent).toMatchObject({ summary: `${MODEL_SUMMARY} Pages 7 to 11 as well.`, summaryThroughCycle: 11 });
    expect(events.map((e) => [e.payload.by, e.payload.fromCycle, e.payload.throughCycle])).toEqual([
      ["model", 1, 6],
      ["model", 7, 11],
    ]);
    // The second fold asked the model with the first one's summary as the summary so far.
    expect(JSON.stringify(chatRequests()[1]!.body)).toContain(MODEL_SUMMARY);
    await expect(caller.agent.restoreSummary({ id: ids.agentId, seq: events[0]!.seq })).rejects.toThrow(
      "The summary has moved on since (it now covers cycles through 11): only the newest model-written summary can be undone.",
    );
    await caller.agent.restoreSummary({ id: ids.agentId, seq: events[1]!.seq });
    expect((await foldState(ids)).agent.summary).toBe(appendToSummary(MODEL_SUMMARY, events[1]!.payload.lines!));
  });

  it("follows the provider's compatibility: a server that answers only streamed requests and reports no usage", async () => {
    const { caller, team } = await createTestTeam();
    const provider = await createTestProvider(team.id, { baseUrl: fake.baseURL, compat: { streaming: "required", usage: "counted" } });
    const agent = await caller.agent.create(agentInput({ provider: provider.id, model: "gpt-4o-mini" }));
    const ids = { agentId: agent.id, teamId: team.id };
    fake.setBehaviour({ streaming: "required", usage: false });
    fake.setResponder(() => ({ kind: "message", content: MODEL_SUMMARY }));
    await writeCycles(ids, 12);
    await foldAtCycle13(ids);
    expect(chatRequests()[0]!.body).toMatchObject({ stream: true });
    const { agent: after, spend } = await foldState(ids);
    expect(after.summary).toBe(MODEL_SUMMARY);
    // Charged by the loop's own count.
    expect(spend[0]!.state).toBe("committed");
    expect(spend[0]!.tokensIn).toBeGreaterThan(100);
    expect(spend[0]!.tokensOut).toBeGreaterThan(10);
  });

  it.each([
    ["a server error", () => ({ kind: "error" as const, status: 500 as const }), "The summary call failed (server)", false],
    ["a body that is not JSON", () => ({ kind: "malformed" as const, body: "<html>oops" }), "The summary call failed (malformed)", false],
    ["an empty answer", () => ({ kind: "message" as const, content: "  " }), "empty or too short", true],
    ["no answer in time", () => ({ kind: "hang" as const, ms: 3_000 }), "The summary call failed (timeout)", false],
  ])(
    "keeps the digest lines on %s and says why in the event",
    async (_name, reply, reason, isCharged) => {
      const { ids } = await agentOnFake();
      await writeCycles(ids, 12);
      fake.setResponder(reply);
      await foldAtCycle13(ids);
      const { agent, events, spend } = await foldState(ids);
      expect(chatRequests().length).toBeGreaterThanOrEqual(1);
      expect(agent.summaryThroughCycle).toBe(6);
      expect(agent.summary).toBe(events[0]!.payload.next);
      expect(agent.summary.split("\n")).toEqual(events[0]!.payload.lines);
      expect(events).toHaveLength(1);
      expect(events[0]!.payload).toMatchObject({ stage: "fold", by: "rules", model: "gpt-4o-mini" });
      expect(events[0]!.payload.reason).toContain(reason);
      // A call that failed is released; one that answered uselessly was made, and is charged.
      expect(spend.map((s) => s.state)).toEqual([isCharged ? "committed" : "released"]);
    },
    15_000,
  );

  it("uses the team's summarizer: another provider and model, priced, chosen by an admin", async () => {
    const { caller, team, ids } = await agentOnFake();
    const other = await createTestProvider(team.id, { baseUrl: fake.baseURL, name: "cheap" });
    await expect(caller.provider.setSummarizer({ providerId: other.id, model: "tiny-summarizer" })).rejects.toThrow(
      "tiny-summarizer has no price on cheap",
    );
    await caller.provider.setPrice({ id: other.id, model: "tiny-summarizer", inputPerMillion: 0.05, outputPerMillion: 0.1 });
    expect(await caller.provider.setSummarizer({ providerId: other.id, model: "tiny-summarizer" })).toEqual({
      providerId: other.id,
      providerName: "cheap",
      model: "tiny-summarizer",
    });
    expect(await caller.provider.summarizer()).toMatchObject({ model: "tiny-summarizer" });
    await writeCycles(ids, 12);
    fake.setResponder(() => ({ kind: "message", content: MODEL_SUMMARY, usage: { prompt_tokens: 2000, completion_tokens: 200 } }));
    await foldAtCycle13(ids);
    expect((chatRequests()[0]!.body as { model: string }).model).toBe("tiny-summarizer");
    const { agent, spend, events } = await foldState(ids);
    expect(agent.summary).toBe(MODEL_SUMMARY);
    expect(events[0]!.payload).toMatchObject({ by: "model", model: "tiny-summarizer", providerId: other.id });
    // 2,000 × $0.05 + 200 × $0.10 per million.
    expect(spend.map((s) => [s.model, s.costUsd.toFixed(8)])).toEqual([["tiny-summarizer", "0.00012000"]]);
    const audit = await db.auditLog.findFirst({
      where: { teamId: team.id, action: "provider.summarizer_set" },
      select: { metadata: true },
    });
    expect(audit?.metadata).toMatchObject({ providerId: other.id, model: "tiny-summarizer" });
    // Back to each agent's own model.
    expect(await caller.provider.setSummarizer({ providerId: null })).toEqual({ providerId: null, providerName: null, model: null });
  });

  it("does not call the model when the budget cannot hold the call's worst case, and keeps the digest", async () => {
    const { ids } = await agentOnFake();
    await writeCycles(ids, 12);
    // The summary's worst case (its prompt and 800 output tokens at gpt-4o-mini's price) is about $0.0006.
    await db.agent.update({ where: { id: ids.agentId }, data: { budgetUsd: "0.0002" } });
    fake.setResponder(() => ({ kind: "message", content: MODEL_SUMMARY }));
    await foldAtCycle13(ids);
    const { agent, events, spend } = await foldState(ids);
    expect(chatRequests()).toHaveLength(0);
    expect(agent.summaryThroughCycle).toBe(6);
    expect(agent.summary).toContain("c6: http_get");
    expect(agent.spentUsd.toString()).toBe("0");
    expect(spend).toHaveLength(0);
    expect(events[0]!.payload).toMatchObject({ by: "rules" });
    expect(events[0]!.payload.reason).toContain("The budget refused the summary call");
  });

  it("the simulator folds by rule with no model call and no summary event", async () => {
    const { caller, team } = await createTestTeam();
    const agent = await caller.agent.create(agentInput());
    const ids = { agentId: agent.id, teamId: team.id };
    await writeCycles(ids, 12);
    await foldAtCycle13(ids);
    const { agent: after, events, spend } = await foldState(ids);
    expect(fake.requests).toHaveLength(0);
    expect(after.summaryThroughCycle).toBe(6);
    expect(after.summary.split("\n")).toHaveLength(6);
    expect(after.summary).toMatch(/^c1: http_get/);
    expect(events).toHaveLength(0);
    expect(spend).toHaveLength(0);
  });
});

describe("consolidating memories with a model", () => {
  it("writes each chunk's summary memory with the agent's model, charged as a summary call; the simulator concatenates", async () => {
    const { ids } = await agentOnFake();
    await db.agent.update({ where: { id: ids.agentId }, data: { memorySettings: { cap: 100 } } });
    for (let i = 0; i < 110; i++)
      await writeMemory({ ...ids, kind: "episode", content: `Cycle ${i}: page ${i} unchanged`, importance: 0.1 });
    fake.setResponder(() => ({
      kind: "message",
      content: "Pages 0 to 20 were checked and none had changed.",
      usage: { prompt_tokens: 300, completion_tokens: 20 },
    }));
    const result = await consolidateMemories({ ...ids, summarize: memorySummarizer({ ...ids, cycle: 20 }) });
    expect(result.summaries).toBe(1);
    const summary = await db.memory.findFirstOrThrow({ where: { ...ids, kind: "summary" }, select: { content: true, metadata: true } });
    expect(summary.content).toBe("Pages 0 to 20 were checked and none had changed.");
    expect(summary.metadata).toMatchObject({ writtenBy: "model", model: "gpt-4o-mini" });
    const asked = JSON.stringify(chatRequests()[0]!.body);
    expect(asked).toContain("Cycle 0: page 0 unchanged");
    const spend = await db.spendEntry.findMany({ where: { ...ids, kind: "summary" }, select: { state: true, tokensIn: true } });
    expect(spend).toEqual([{ state: "committed", tokensIn: 300 }]);

    // The simulator's agent: the same pass lists the memories, with no call.
    const { caller, team } = await createTestTeam();
    const sim = await caller.agent.create(agentInput());
    const simIds = { agentId: sim.id, teamId: team.id };
    await db.agent.update({ where: { id: sim.id }, data: { memorySettings: { cap: 100 } } });
    for (let i = 0; i < 110; i++)
      await writeMemory({ ...simIds, kind: "episode", content: `Cycle ${i}: page ${i} unchanged`, importance: 0.1 });
    const calls = fake.requests.length;
    await consolidateMemories({ ...simIds, summarize: memorySummarizer({ ...simIds, cycle: 20 }) });
    expect(fake.requests.length).toBe(calls);
    const listed = await db.memory.findFirstOrThrow({ where: { ...simIds, kind: "summary" }, select: { content: true, metadata: true } });
    expect(listed.content).toMatch(/^Summary of \d+ earlier memories/);
    expect(listed.metadata).not.toHaveProperty("writtenBy");
  });

  it("has the model write at most 4 chunks a pass, all at once; the rest wait for the next pass", async () => {
    const { ids } = await agentOnFake();
    await db.agent.update({ where: { id: ids.agentId }, data: { memorySettings: { cap: 100 } } });
    for (let i = 0; i < 220; i++)
      await writeMemory({ ...ids, kind: "episode", content: `Cycle ${i}: page ${i} unchanged`, importance: 0.1 });
    let inFlight = 0;
    let most = 0;
    fake.setResponder(async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 200));
      inFlight--;
      return { kind: "message", content: "Twenty-five pages were checked and none had changed." };
    });
    const result = await consolidateMemories({ ...ids, summarize: memorySummarizer({ ...ids, cycle: 20 }) });
    // 130 over 90 % of the cap would make 6 chunks; the model writes 4 of them (100 memories), in parallel.
    expect(result).toMatchObject({ consolidated: 100, summaries: 4 });
    expect(chatRequests()).toHaveLength(4);
    expect(most).toBe(4);
  });

  it("falls back to the listed memories when the model fails, saying why", async () => {
    const { ids } = await agentOnFake();
    await db.agent.update({ where: { id: ids.agentId }, data: { memorySettings: { cap: 100 } } });
    for (let i = 0; i < 110; i++)
      await writeMemory({ ...ids, kind: "episode", content: `Cycle ${i}: page ${i} unchanged`, importance: 0.1 });
    fake.setResponder(() => ({ kind: "error", status: 500 }));
    await consolidateMemories({ ...ids, summarize: memorySummarizer({ ...ids, cycle: 20 }) });
    const summary = await db.memory.findFirstOrThrow({ where: { ...ids, kind: "summary" }, select: { content: true, metadata: true } });
    expect(summary.content).toMatch(/^Summary of \d+ earlier memories/);
    expect(summary.metadata).toMatchObject({ writtenBy: "rules", model: "gpt-4o-mini" });
    expect((summary.metadata as { reason: string }).reason).toContain("The summary call failed (server)");
  });
});
