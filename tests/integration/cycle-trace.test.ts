import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { beginRun, openCycleSession, runCycle } from "~/server/loop";
import { db } from "~/server/db/client";
import { getCycleTrace } from "~/server/traces/read";
import { agentInput } from "../factories/agent";
import { createTestProvider } from "../factories/provider";
import { createTestTeam } from "../factories/team";
import { startFakeOpenAI, type FakeOpenAI, type ScriptedReply } from "../fixtures/fake-openai";

/**
 * A cycle's trace (issue 22, docs/decisions/038), through the real loop on the real openai SDK against
 * the fake OpenAI-compatible server: the spans it times, the messages rebuilt from what was stored
 * (compared with what the server received), the reply, and what a part that did not change costs.
 */
let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => fake?.stop());
beforeEach(() => fake.reset());

async function agentRunning(replies: ScriptedReply[]) {
  const { caller, team } = await createTestTeam();
  const provider = await createTestProvider(team.id, { baseUrl: fake.baseURL });
  const agent = await caller.agent.create(
    agentInput({ provider: provider.id, model: "gpt-4o-mini", budgetUsd: 5, instructions: "Keep notes short." }),
  );
  const ids = { agentId: agent.id, teamId: team.id };
  const plan = await beginRun({ ...ids, executorRunId: `trace-${agent.id}`, reason: "test" });
  if (!plan.shouldRun) throw new Error(plan.reason);
  let call = 0;
  fake.setResponder(() => replies[Math.min(call++, replies.length - 1)]!);
  const session = openCycleSession();
  const cycle = (n: number) => runCycle({ ...ids, agentRunId: plan.agentRunId, cycle: n, nextFollows: false }, session);
  return { ids, team, caller, cycle };
}

const chatRequests = () => fake.requests.filter((r) => r.path === "/v1/chat/completions");

describe("a cycle's trace", () => {
  it("times every part of the cycle and rebuilds the exact messages the model was sent", async () => {
    const { ids, cycle } = await agentRunning([
      { kind: "tool_calls", calls: [{ name: "update_world_state", arguments: { set: { city: "Lyon", visits: 1 } } }] },
      { kind: "tool_calls", calls: [{ name: "remember", arguments: { content: "Lyon has two rivers.", kind: "fact", importance: 0.9 } }] },
      // Cycle 3's first attempt fails; the SDK retries it.
      { kind: "error", status: 500, message: "try again" },
      {
        kind: "tool_calls",
        calls: [{ name: "finish", arguments: { result: "done", isSuccess: true } }],
        usage: { prompt_tokens: 900, completion_tokens: 12 },
      },
    ]);
    await cycle(1);
    await cycle(2);
    await cycle(3);

    const trace = await getCycleTrace({ ...ids, cycle: 3 });
    expect(trace.source).toBe("recorded");
    const kinds = trace.spans.map((s) => s.kind);
    for (const kind of ["read", "context", "recall", "budget", "model", "tool", "write"]) expect(kinds).toContain(kind);
    const model = trace.spans.find((s) => s.kind === "model")!;
    expect(model.name).toBe("chat gpt-4o-mini");
    expect(model.attrs).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.usage.input_tokens": 900,
    });
    expect(model.tokensIn).toBe(900);
    expect(Number(model.costUsd)).toBeGreaterThan(0);
    // Two HTTP attempts (the 500, then the answer), each a child of the model call, inside it on the time axis.
    const attempts = trace.spans.filter((s) => s.kind === "attempt");
    expect(attempts).toHaveLength(2);
    for (const a of attempts) {
      expect(a.parentId).toBe(model.id);
      expect(a.offsetMs).toBeGreaterThanOrEqual(model.offsetMs);
      expect(a.offsetMs + a.ms).toBeLessThanOrEqual(model.offsetMs + model.ms + 0.2);
    }
    expect(model.ms).toBeGreaterThan(0);
    const tool = trace.spans.find((s) => s.kind === "tool")!;
    expect(tool.attrs).toMatchObject({ "gen_ai.tool.name": "finish", "longhaul.tool.status": "succeeded" });
    expect(tool.offsetMs).toBeGreaterThanOrEqual(model.offsetMs + model.ms - 0.2);

    // The messages, rebuilt from what was stored, are the ones the server received for cycle 3.
    const sent = chatRequests().at(-1)!.body as { messages: { role: string; content: string }[] };
    expect(trace.prompt!.messages).toEqual(sent.messages.map((m) => ({ role: m.role, content: m.content })));
    expect(trace.prompt!.isExact).toBe(true);
    expect(trace.prompt!.parts.worldState).toContain("Lyon");
    expect(trace.prompt!.parts.toolSchemas.length).toBeGreaterThan(2);
    expect(trace.prompt!.parts.system).toContain("Keep notes short.");
    expect(trace.reply).toMatchObject({
      toolCalls: [{ name: "finish" }],
      inputTokens: 900,
      outputTokens: 12,
      finishReason: "tool_calls",
      attempts: 2,
    });
  });

  it("stores a part that did not change once: the instructions and tool schemas of ten cycles are one blob each", async () => {
    // Different calls each cycle (the same call three times over would be held as stuck).
    const { ids, cycle } = await agentRunning(
      Array.from({ length: 10 }, (_, i) => ({
        kind: "tool_calls" as const,
        calls: [{ name: "search_memory", arguments: { query: `rivers ${i}` } }],
      })),
    );
    for (let n = 1; n <= 10; n++) await cycle(n);
    const traces = await db.cycleTrace.findMany({ where: ids, select: { cycle: true, prompt: true }, orderBy: { cycle: "asc" } });
    expect(traces).toHaveLength(10);
    const prompts = traces.map((t) => t.prompt as { system: string; tools: string; world: string });
    expect(new Set(prompts.map((p) => p.system)).size).toBe(1);
    expect(new Set(prompts.map((p) => p.tools)).size).toBe(1);
    const blobs = await db.traceBlob.count({ where: ids });
    // Per cycle at most the summary's and a memory's blob are new; far fewer than the 10 × 5 parts named.
    expect(blobs).toBeLessThan(25);
    for (const n of [1, 5, 10]) expect((await getCycleTrace({ ...ids, cycle: n })).prompt!.isExact).toBe(true);
  });

  it("says so when the events a prompt showed are gone, and falls back to the events' durations without a recorded trace", async () => {
    const { ids, cycle } = await agentRunning([{ kind: "tool_calls", calls: [{ name: "search_memory", arguments: { query: "rivers" } }] }]);
    await cycle(1);
    await cycle(2);
    await db.agentEvent.deleteMany({ where: { ...ids, cycle: 1 } });
    const gone = await getCycleTrace({ ...ids, cycle: 2 });
    expect(gone.prompt!.isExact).toBe(false);
    expect(gone.prompt!.note).toMatch(/no longer in the database/);

    await db.cycleTrace.deleteMany({ where: { ...ids, cycle: 2 } });
    const fromEvents = await getCycleTrace({ ...ids, cycle: 2 });
    expect(fromEvents.source).toBe("events");
    expect(fromEvents.prompt).toBeNull();
    expect(fromEvents.spans.map((s) => s.kind)).toEqual(["model", "tool"]);
  });

  it("is read inside the caller's team only", async () => {
    const { ids, cycle } = await agentRunning([{ kind: "tool_calls", calls: [{ name: "finish", arguments: { result: "done" } }] }]);
    await cycle(1);
    await expect(getCycleTrace({ ...ids, cycle: 7 })).rejects.toThrow("Cycle 7 has nothing recorded");
    const other = await createTestTeam();
    await expect(getCycleTrace({ agentId: ids.agentId, teamId: other.team.id, cycle: 1 })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(other.caller.trace.cycle({ agentId: ids.agentId, cycle: 1 })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
