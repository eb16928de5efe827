import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { act, openCycleSession, think } from "~/server/loop";
import { registerTool } from "~/server/tools/registry";
import { db } from "~/server/db/client";
import { createTestProvider } from "../factories/provider";
import { createAgentWithRun } from "../factories/run";
import { createTestTeam } from "../factories/team";
import { startFakeOpenAI, type FakeOpenAI } from "../fixtures/fake-openai";

/** A custom priced tool, registered the way an operator would add one (one registration). */
let lookups = 0;
registerTool({
  name: "paid_lookup",
  description: "A paid data lookup: half a dollar a call.",
  input: z.object({ query: z.string() }),
  sideEffect: "read-only",
  defaultApproval: "never",
  costUsd: "0.5",
  execute: async ({ query }) => ({ answer: `result for ${query} #${++lookups}` }),
});

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.setResponder(() => ({ kind: "tool_calls", calls: [{ name: "paid_lookup", arguments: { query: "prices" } }] }));
});
afterAll(async () => fake?.stop());

describe("priced tools", () => {
  it("reserve their cost before the call, charge it with the result, and never start a call that could cross the limit", async () => {
    const owner = await createTestTeam();
    const provider = await createTestProvider(owner.team.id, { baseUrl: fake.baseURL });
    const { agent, ids, step } = await createAgentWithRun(owner, {
      name: "Buyer",
      provider: provider.id,
      model: "gpt-4o-mini",
      budgetUsd: 1,
      executorRunId: "priced-run",
    });
    await db.agent.update({ where: { id: agent.id }, data: { tools: [{ name: "paid_lookup", enabled: true, approval: "never" }] } });

    const first = await think(step(1), openCycleSession());
    if (first.kind !== "act") throw new Error(`expected an action, got ${first.kind}`);
    expect(await act({ ...step(1), callEventSeq: first.callEventSeq, approval: null, nextFollows: false }, openCycleSession())).toEqual({
      next: "continue",
    });
    // Retrying the step neither calls nor charges again.
    await act({ ...step(1), callEventSeq: first.callEventSeq, approval: null, nextFollows: false }, openCycleSession());
    expect(lookups).toBe(1);
    const result = await db.agentEvent.findFirstOrThrow({ where: { ...ids, type: "tool_result" }, select: { id: true, costUsd: true } });
    expect(result.costUsd.toString()).toBe("0.5");
    const toolSpend = await db.spendEntry.findMany({
      where: { ...ids, kind: "tool" },
      select: { state: true, costUsd: true, eventId: true, model: true },
    });
    expect(toolSpend).toHaveLength(1);
    expect(toolSpend[0]).toMatchObject({ state: "committed", eventId: result.id, model: "paid_lookup" });
    expect(toolSpend[0]!.costUsd.toString()).toBe("0.5");

    // Cycle 2: $0.5 spent plus the model's cost; another $0.5 could cross $1, so the lookup never starts.
    const second = await think(step(2), openCycleSession());
    if (second.kind !== "act") throw new Error(`expected an action, got ${second.kind}`);
    const outcome = await act({ ...step(2), callEventSeq: second.callEventSeq, approval: null, nextFollows: false }, openCycleSession());
    expect(outcome).toMatchObject({ next: "end", status: "budget_exhausted" });
    expect(lookups).toBe(1);
    expect(await db.spendEntry.count({ where: { ...ids, kind: "tool" } })).toBe(1);
    const row = await db.agent.findUniqueOrThrow({ where: { id: agent.id }, select: { spentUsd: true } });
    expect(row.spentUsd.greaterThan(0.5)).toBe(true);
    expect(row.spentUsd.lessThanOrEqualTo(1)).toBe(true);
  });
});
