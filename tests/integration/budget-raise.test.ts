import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { TRPCError } from "@trpc/server";
import { inngest } from "~/inngest/client";
import { handlePublicApi } from "~/server/api/v1/handler";
import { db } from "~/server/db/client";
import { agentInput } from "../factories/agent";
import { createTestTeam } from "../factories/team";

/**
 * Issue 22, defect 4: a raise is judged per field. A token raise on an agent without a token limit is
 * not applied and says why, and the money raise beside it is applied (it used to refuse the whole
 * request and lose the money raise). Only when no field is valid is the request refused, with an error
 * per field. The same through the public API, which answers with `notApplied`.
 */
beforeAll(() => {
  vi.spyOn(inngest, "send").mockResolvedValue({ ids: [] });
});
afterAll(() => vi.restoreAllMocks());

async function ownerWithAgent() {
  const owner = await createTestTeam();
  const agent = await owner.caller.agent.create(agentInput({ name: "Raise me", budgetUsd: "0.001", budgetCycles: 10 }));
  return { owner, agent };
}

async function limitsOf(agentId: string) {
  const row = await db.agent.findUniqueOrThrow({
    where: { id: agentId },
    select: { budgetUsd: true, budgetTokens: true, budgetCycles: true },
  });
  return { budgetUsd: row.budgetUsd?.toFixed() ?? null, budgetTokens: row.budgetTokens, budgetCycles: row.budgetCycles };
}

describe("raising an agent's limits, field by field", () => {
  it("applies the money raise and says why the token raise was not (the agent has no token limit)", async () => {
    const { owner, agent } = await ownerWithAgent();
    const result = await owner.caller.agent.raiseBudget({ id: agent.id, budgetUsd: "0.002", budgetTokens: 5000 });
    expect(result.applied).toEqual(["budgetUsd"]);
    expect(result.notApplied).toEqual({
      budgetTokens: "This agent has no token limit, so there is nothing to raise; leave this empty.",
    });
    expect(await limitsOf(agent.id)).toEqual({ budgetUsd: "0.002", budgetTokens: null, budgetCycles: 10 });
    const audit = await db.auditLog.findFirstOrThrow({ where: { targetId: agent.id, action: "budget.raise" }, select: { metadata: true } });
    expect(audit.metadata).toMatchObject({ to: { budgetUsd: "0.002" } });
  });

  it("refuses only when no field is valid, with a message beside each field, small amounts in full", async () => {
    const { owner, agent } = await ownerWithAgent();
    const error = await owner.caller.agent
      .raiseBudget({ id: agent.id, budgetUsd: "0.0005", budgetTokens: 5000, budgetCycles: 3 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    const fieldErrors = ((error as TRPCError).cause as { fieldErrors?: Record<string, string[]> } | undefined)?.fieldErrors;
    expect(fieldErrors).toEqual({
      budgetUsd: ["Enter more than the current $0.001."],
      budgetTokens: ["This agent has no token limit, so there is nothing to raise; leave this empty."],
      budgetCycles: ["Enter more than the current 10 cycles."],
    });
    expect((error as TRPCError).message).toBe("Enter more than the current $0.001.");
    expect(await limitsOf(agent.id)).toEqual({ budgetUsd: "0.001", budgetTokens: null, budgetCycles: 10 });
  });

  it("does the same through the public API, answering with what was not applied", async () => {
    const { owner, agent } = await ownerWithAgent();
    const { token } = await owner.caller.apiToken.create({ name: "raise token", role: "admin" });
    const response = await handlePublicApi(
      new Request(`http://longhaul.test/api/v1/agents/${agent.id}/budget`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ budgetTokens: 5000, budgetCycles: 20 }),
      }),
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { id: string; notApplied: Record<string, string> };
    expect(body.id).toBe(agent.id);
    expect(body.notApplied).toEqual({ budgetTokens: "This agent has no token limit, so there is nothing to raise; leave this empty." });
    expect(await limitsOf(agent.id)).toEqual({ budgetUsd: "0.001", budgetTokens: null, budgetCycles: 20 });
  });
});
