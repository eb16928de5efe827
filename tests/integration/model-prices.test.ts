import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { inngest } from "~/inngest/client";
import { db } from "~/server/db/client";
import { beginRun, openCycleSession, think } from "~/server/loop";
import { agentInput } from "../factories/agent";
import { createTestProvider } from "../factories/provider";
import { addTestMember, createTestTeam } from "../factories/team";
import { startFakeOpenAI, type FakeOpenAI } from "../fixtures/fake-openai";

/**
 * Prices per provider and model: a model priced nowhere (not by the team, not in the instance's table)
 * cannot start; a team's price is what the loop charges, over the instance's; a price agents depend on
 * cannot be taken away.
 */
let fake: FakeOpenAI;
const sent: unknown[] = [];
beforeAll(async () => {
  fake = await startFakeOpenAI();
  vi.spyOn(inngest, "send").mockImplementation(async (payload) => {
    sent.push(payload);
    return { ids: ["captured"] };
  });
});
afterAll(async () => {
  vi.restoreAllMocks();
  await fake?.stop();
});

describe("model prices", () => {
  it("an agent on an unpriced model cannot start until a price is set, or the model is marked free", async () => {
    const owner = await createTestTeam();
    const provider = await owner.caller.provider.create({ name: "Local Ollama", kind: "ollama", baseUrl: "http://localhost:11434/v1" });
    const agent = await owner.caller.agent.create(agentInput({ provider: provider.id, model: "llama3.1:8b" }));
    await expect(owner.caller.agent.start({ id: agent.id })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("llama3.1:8b has no price on Local Ollama"),
    });
    expect(await db.agent.findUniqueOrThrow({ where: { id: agent.id }, select: { status: true } })).toEqual({ status: "idle" });

    const listed = await owner.caller.provider.setPrice({ id: provider.id, model: "llama3.1:8b", inputPerMillion: 0, outputPerMillion: 0 });
    expect(listed.prices).toEqual([expect.objectContaining({ model: "llama3.1:8b", isFree: true })]);
    await owner.caller.agent.start({ id: agent.id });
    expect(await db.agent.findUniqueOrThrow({ where: { id: agent.id }, select: { status: true } })).toEqual({ status: "running" });

    // A model the instance's table knows starts without a team price; the simulator needs none.
    const known = await owner.caller.agent.create(agentInput({ provider: provider.id, model: "gpt-4o-mini" }));
    await owner.caller.agent.start({ id: known.id });
    const simulated = await owner.caller.agent.create(agentInput());
    await owner.caller.agent.start({ id: simulated.id });
    expect(await db.auditLog.count({ where: { teamId: owner.team.id, action: "price.set" } })).toBe(1);
  });

  it("a run asked for another way (a schedule, a webhook, a recovery) does not run an unpriced model either: the agent is paused with the reason", async () => {
    const { caller, team } = await createTestTeam();
    const provider = await createTestProvider(team.id, { baseUrl: fake.baseURL, name: "Local box" });
    const agent = await caller.agent.create(agentInput({ provider: provider.id, model: "local-13b" }));
    // What a trigger delivery does to an idle agent before it asks for a run.
    await db.agent.update({ where: { id: agent.id }, data: { status: "running" } });
    const plan = await beginRun({ agentId: agent.id, teamId: team.id, executorRunId: `unpriced-${agent.id}`, reason: "webhook" });
    expect(plan).toEqual({ shouldRun: false, reason: expect.stringContaining("local-13b has no price on Local box") });
    expect(await db.agent.findUniqueOrThrow({ where: { id: agent.id }, select: { status: true, statusReason: true } })).toEqual({
      status: "paused",
      statusReason: expect.stringContaining("local-13b has no price"),
    });
    expect(await db.agentRun.count({ where: { agentId: agent.id } })).toBe(0);
    const event = await db.agentEvent.findFirstOrThrow({ where: { agentId: agent.id, type: "status_change" }, select: { payload: true } });
    expect(event.payload).toMatchObject({ to: "paused", reason: expect.stringContaining("has no price") });
  });

  it("editing an agent that may run without a person's start to an unpriced model is refused at the model field; one only a person starts may be moved", async () => {
    const { caller, team } = await createTestTeam();
    const provider = await createTestProvider(team.id, { baseUrl: fake.baseURL, name: "Edit box" });
    await caller.provider.setPrice({ id: provider.id, model: "priced-7b", inputPerMillion: 1, outputPerMillion: 2 });
    const settings = agentInput({ provider: provider.id, model: "priced-7b" });
    const agent = await caller.agent.create(settings);
    await caller.agent.start({ id: agent.id });
    const edit = async (model: string) => {
      const { version } = await caller.agent.settings({ id: agent.id });
      return caller.agent.update({ ...settings, model, id: agent.id, version });
    };
    const refusal = "unpriced-13b has no price on Edit box: set its price per million tokens on the providers page (or mark it free)";
    const refused = await edit("unpriced-13b").catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: "CONFLICT", message: expect.stringContaining(refusal) });
    expect((refused as { cause?: { fieldErrors?: unknown } }).cause?.fieldErrors).toEqual({
      model: [expect.stringContaining(refusal)],
    });
    expect(await db.agent.findUniqueOrThrow({ where: { id: agent.id }, select: { model: true } })).toEqual({ model: "priced-7b" });
    // Held for a decision that continues the run, or idle with a schedule: refused as well.
    for (const [status, scheduleCron] of [
      ["stuck", undefined],
      ["idle", "0 9 * * 1"],
    ] as const) {
      await db.agent.update({ where: { id: agent.id }, data: { status, scheduleCron: scheduleCron ?? null } });
      const { version } = await caller.agent.settings({ id: agent.id });
      await expect(caller.agent.update({ ...settings, scheduleCron, model: "unpriced-13b", id: agent.id, version })).rejects.toThrow(
        refusal,
      );
    }
    // Other edits of the running agent go through; so does a priced model.
    await db.agent.update({ where: { id: agent.id }, data: { status: "running", scheduleCron: null } });
    expect((await edit("gpt-4o-mini")).changed).toEqual(["model"]);
    // Stopped, only a person's start runs it again, and that start checks the price: the edit is allowed.
    await caller.agent.stop({ id: agent.id, reason: "moving it to a local model" });
    expect((await edit("unpriced-13b")).changed).toEqual(["model"]);
    await expect(caller.agent.start({ id: agent.id })).rejects.toThrow(refusal);
  });

  it("the loop charges the team's price for the provider's model, over the instance's", async () => {
    const { caller, team } = await createTestTeam();
    const provider = await createTestProvider(team.id, { baseUrl: fake.baseURL });
    // The instance's table says $0.15 / $0.60; this team pays $1,000 / $2,000 per million on this provider.
    await caller.provider.setPrice({ id: provider.id, model: "gpt-4o-mini", inputPerMillion: 1000, outputPerMillion: 2000 });
    const agent = await caller.agent.create(agentInput({ provider: provider.id, model: "gpt-4o-mini", budgetUsd: 100 }));
    fake.script({
      kind: "tool_calls",
      calls: [{ name: "finish", arguments: { result: "done" } }],
      usage: { prompt_tokens: 1000, completion_tokens: 500 },
    });
    const ids = { agentId: agent.id, teamId: team.id };
    const plan = await beginRun({ ...ids, executorRunId: `priced-${agent.id}`, reason: "test" });
    if (!plan.shouldRun) throw new Error(plan.reason);
    expect((await think({ ...ids, agentRunId: plan.agentRunId, cycle: 1 }, openCycleSession())).kind).toBe("act");
    const spend = await db.spendEntry.findFirstOrThrow({ where: { ...ids, kind: "model", state: "committed" }, select: { costUsd: true } });
    // 1,000 × $1,000/M + 500 × $2,000/M = $1 + $1.
    expect(spend.costUsd.toString()).toBe("2");
    const thought = await db.agentEvent.findFirstOrThrow({ where: { ...ids, type: "thought" }, select: { payload: true } });
    expect(thought.payload).toMatchObject({ isKnownModelPrice: true });
  });

  it("a price agents depend on cannot be deleted; one the instance also knows can; admins only; per field messages", async () => {
    const owner = await createTestTeam();
    const provider = await owner.caller.provider.create({ name: "vLLM box", baseUrl: "http://localhost:8000/v1" });
    await owner.caller.provider.setPrice({ id: provider.id, model: "qwen2.5-72b", inputPerMillion: 0.4, outputPerMillion: 1.2 });
    await owner.caller.provider.setPrice({ id: provider.id, model: "gpt-4o", inputPerMillion: 2, outputPerMillion: 8 });
    await owner.caller.agent.create(agentInput({ name: "Qwen reader", provider: provider.id, model: "qwen2.5-72b" }));
    await expect(owner.caller.provider.deletePrice({ id: provider.id, model: "qwen2.5-72b" })).rejects.toThrow(
      'Agents use qwen2.5-72b ("Qwen reader") and it has no other price',
    );
    expect((await owner.caller.provider.deletePrice({ id: provider.id, model: "gpt-4o" })).prices.map((p) => p.model)).toEqual([
      "qwen2.5-72b",
    ]);

    await expect(owner.caller.provider.setPrice({ id: provider.id, model: "x", inputPerMillion: -1, outputPerMillion: 0 })).rejects.toThrow(
      "A price cannot be negative.",
    );
    const viewer = await addTestMember(owner.team.id, "viewer");
    expect((await viewer.caller.provider.prices({ id: provider.id })).prices).toHaveLength(1);
    await expect(
      viewer.caller.provider.setPrice({ id: provider.id, model: "x", inputPerMillion: 1, outputPerMillion: 1 }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const stranger = await createTestTeam();
    await expect(stranger.caller.provider.prices({ id: provider.id })).rejects.toThrow("That provider was not found");
  });
});
