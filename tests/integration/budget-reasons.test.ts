import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endRun, openCycleSession, runCycle } from "~/server/loop";
import { getSpendReport } from "~/server/spend/report";
import { db } from "~/server/db/client";
import { createTestProvider } from "../factories/provider";
import { createAgentWithRun } from "../factories/run";
import { createTestTeam } from "../factories/team";
import { startFakeOpenAI, type FakeOpenAI } from "../fixtures/fake-openai";

/**
 * Issue 22, defect 3: an agent that stops for budget far below 100 % spent (the next call's worst case
 * did not fit in what was left) says why in words with the amounts, written so small amounts keep their
 * digits, on the agent (statusReason), in its status_change event, and in the budget report, which
 * shows no forecast for an agent that has ended.
 */
let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.setResponder(() => ({ kind: "tool_calls", calls: [{ name: "finish", arguments: { result: "done" } }] }));
});
afterAll(async () => fake?.stop());

describe("an agent stopped by its budget", () => {
  it("records and shows why in words, with amounts a $0.001 budget can be read in, and no forecast", async () => {
    const owner = await createTestTeam();
    const provider = await createTestProvider(owner.team.id, { baseUrl: fake.baseURL });
    // gpt-4o-mini: a model call's worst case (1,024 output tokens and the prompt) is about $0.0007.
    const { agent, ids, agentRunId, step } = await createAgentWithRun(owner, {
      name: "Tiny budget",
      provider: provider.id,
      model: "gpt-4o-mini",
      budgetUsd: 0.001,
      executorRunId: "tiny-budget-run",
    });
    // 40 % spent: $0.0006 is left, less than the next call's worst case.
    await db.agent.update({ where: { id: agent.id }, data: { spentUsd: "0.0004" } });

    const result = await runCycle({ ...step(1), nextFollows: false }, openCycleSession());
    expect(result.decision).toMatchObject({ kind: "stop", status: "budget_exhausted" });
    if (result.decision.kind !== "stop") throw new Error("expected a stop");
    const reason = result.decision.reason;
    expect(reason).toMatch(/^The next model call could cost up to \$0\.000\d{1,2}; \$0\.0006 is left of the \$0\.001 limit/);
    expect(reason).not.toContain("$0.00 ");
    expect(fake.requests.filter((r) => r.path === "/v1/chat/completions")).toHaveLength(0);

    // The run's end (what the loop function does with a stop) records the reason on the agent and its event.
    await endRun({ ...ids, agentRunId, cycle: 1, status: result.decision.status, reason });
    const row = await db.agent.findUniqueOrThrow({ where: { id: agent.id }, select: { status: true, statusReason: true } });
    expect(row).toEqual({ status: "budget_exhausted", statusReason: reason });
    const change = await db.agentEvent.findFirstOrThrow({ where: { ...ids, type: "status_change" }, select: { payload: true } });
    expect(change.payload).toMatchObject({ to: "budget_exhausted", reason });
    const budgetEvent = await db.agentEvent.findFirstOrThrow({ where: { ...ids, type: "budget" }, select: { payload: true } });
    expect(budgetEvent.payload).toMatchObject({ reason: "money", message: reason });

    // The budget report: no forecast for an ended agent, the reason instead.
    const report = await getSpendReport(ids);
    expect(report.forecast).toMatchObject({ state: "ended", endedReason: reason, reachesLimitAt: null });
  });

  it("words a token refusal with the tokens left", async () => {
    const owner = await createTestTeam();
    const provider = await createTestProvider(owner.team.id, { baseUrl: fake.baseURL });
    const { step } = await createAgentWithRun(owner, {
      name: "Few tokens",
      provider: provider.id,
      model: "gpt-4o-mini",
      budgetTokens: 500,
      executorRunId: "few-tokens-run",
    });
    const result = await runCycle({ ...step(1), nextFollows: false }, openCycleSession());
    expect(result.decision).toMatchObject({ kind: "stop", status: "budget_exhausted" });
    if (result.decision.kind !== "stop") throw new Error("expected a stop");
    expect(result.decision.reason).toMatch(
      /^The next model call could use up to [\d,]+ tokens; 500 tokens are left of the limit of 500 tokens\./,
    );
  });

  it("shows a forecast while the agent has not ended", async () => {
    const owner = await createTestTeam();
    const { ids } = await createAgentWithRun(owner, { name: "Running", budgetUsd: 1, executorRunId: "running-run" });
    const report = await getSpendReport(ids);
    expect(report.forecast.state).toBe("no_recent_spend");
  });
});
