import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { beginRun, openCycleSession, think } from "~/server/loop";
import { db } from "~/server/db/client";
import { agentInput } from "../factories/agent";
import { createTestProvider } from "../factories/provider";
import { createTestTeam } from "../factories/team";
import { startFakeOpenAI, type FakeOpenAI } from "../fixtures/fake-openai";

/**
 * The agent loop follows its provider's compatibility (found by Test connection): a server that takes
 * only max_tokens, rejects the tools field and reports no usage still runs an agent's cycle, the call's
 * tokens are counted and the thought says so; a server that keeps to no output cap is reserved for the
 * long worst case.
 */
let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => fake?.stop());
beforeEach(() => fake.reset());

async function agentOn(compat: Parameters<typeof createTestProvider>[1]["compat"], budgetUsd: number) {
  const { caller, team } = await createTestTeam();
  const provider = await createTestProvider(team.id, { baseUrl: fake.baseURL, compat });
  const agent = await caller.agent.create(agentInput({ provider: provider.id, model: "gpt-4o-mini", budgetUsd }));
  const ids = { agentId: agent.id, teamId: team.id };
  const plan = await beginRun({ ...ids, executorRunId: `compat-${agent.id}`, reason: "test" });
  if (!plan.shouldRun) throw new Error(plan.reason);
  return { ids, agentRunId: plan.agentRunId };
}

describe("the loop on an endpoint unlike OpenAI's", () => {
  it("describes tools in the prompt, reads the call from text, sends max_tokens and counts usage itself", async () => {
    fake.setBehaviour({ tools: "rejected", usage: false, outputCap: "max_tokens" });
    fake.setResponder(() => ({
      kind: "message",
      content: 'Nothing changed today.\n<tool_call>{"name": "finish", "arguments": {"result": "prices unchanged"}}</tool_call>',
    }));
    const { ids, agentRunId } = await agentOn({ tools: "text", usage: "counted", outputCap: "max_tokens" }, 5);
    const decision = await think({ ...ids, agentRunId, cycle: 1 }, openCycleSession());
    expect(decision.kind).toBe("act");
    const sent = fake.requests.find((r) => r.path === "/v1/chat/completions")!.body as Record<string, unknown>;
    expect(sent).not.toHaveProperty("tools");
    expect(sent).toHaveProperty("max_tokens", 1024);
    expect(sent).not.toHaveProperty("max_completion_tokens");
    const thought = await db.agentEvent.findFirstOrThrow({
      where: { ...ids, type: "thought" },
      select: { payload: true, tokensIn: true, tokensOut: true },
    });
    expect(thought.payload).toMatchObject({ content: "Nothing changed today.", call: { name: "finish" }, usageCounted: true });
    expect(thought.tokensIn).toBeGreaterThan(100);
    expect(thought.tokensOut).toBeGreaterThan(10);
    const spend = await db.spendEntry.findFirstOrThrow({ where: { ...ids, kind: "model" }, select: { state: true, tokensIn: true } });
    expect(spend).toMatchObject({ state: "committed", tokensIn: thought.tokensIn });
  });

  it("a server that keeps to no output cap is reserved for 16,384 output tokens: a budget that fits 1,024 does not fit it", async () => {
    fake.setResponder(() => ({ kind: "tool_calls", calls: [{ name: "finish", arguments: { result: "done" } }] }));
    // gpt-4o-mini: $0.60 per million output tokens: 1,024 cost about $0.0006; 16,384 about $0.0098.
    const capped = await agentOn({}, 0.005);
    expect((await think({ ...capped.ids, agentRunId: capped.agentRunId, cycle: 1 }, openCycleSession())).kind).toBe("act");
    const uncapped = await agentOn({ outputCap: "none" }, 0.005);
    const calls = fake.requests.length;
    expect(await think({ ...uncapped.ids, agentRunId: uncapped.agentRunId, cycle: 1 }, openCycleSession())).toMatchObject({
      kind: "stop",
      status: "budget_exhausted",
    });
    expect(fake.requests.length).toBe(calls);
  });
});

describe("the agent's reply limit and context window", () => {
  it("are settings: validated, stored, shown for editing, and what the model call asks for", async () => {
    const { caller, team } = await createTestTeam();
    const provider = await createTestProvider(team.id, { baseUrl: fake.baseURL });
    await expect(caller.agent.create(agentInput({ provider: provider.id, model: "local", maxOutputTokens: 8 }))).rejects.toThrow(
      "The reply limit must be at least 16 tokens.",
    );
    await expect(caller.agent.create(agentInput({ provider: provider.id, model: "local", contextWindow: 100 }))).rejects.toThrow(
      "The context window must be at least 1,024 tokens.",
    );
    const agent = await caller.agent.create(
      agentInput({ provider: provider.id, model: "gpt-4o-mini", maxOutputTokens: 300, contextWindow: 4096 }),
    );
    expect((await caller.agent.settings({ id: agent.id })).settings).toMatchObject({ maxOutputTokens: 300, contextWindow: "4096" });
    fake.setResponder(() => ({ kind: "tool_calls", calls: [{ name: "finish", arguments: { result: "done" } }] }));
    const ids = { agentId: agent.id, teamId: team.id };
    const plan = await beginRun({ ...ids, executorRunId: `window-${agent.id}`, reason: "test" });
    if (!plan.shouldRun) throw new Error(plan.reason);
    await think({ ...ids, agentRunId: plan.agentRunId, cycle: 1 }, openCycleSession());
    expect(fake.requests.at(-1)!.body).toMatchObject({ max_completion_tokens: 300 });
    const thought = await db.agentEvent.findFirstOrThrow({ where: { ...ids, type: "thought" }, select: { payload: true } });
    // The prompt was planned for the agent's 4,096-token window, not gpt-4o-mini's known 128,000.
    expect(thought.payload).toMatchObject({ context: { contextWindow: 4096 } });
  });
});
