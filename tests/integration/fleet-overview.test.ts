import { describe, expect, it } from "vitest";
import { db } from "~/server/db/client";
import { getTeamOverview } from "~/server/fleet/overview";
import { agentInput } from "../factories/agent";
import { appendTestEvents } from "../factories/events";
import { createTestTeam } from "../factories/team";

/** The team overview (issue 22, fleet views): what needs a person first, statuses, cycles and spend. */
describe("a team's overview", () => {
  it("lists the agents that need a person most urgent first, and counts cycles, failures and spend inside the team only", async () => {
    const { caller, team } = await createTestTeam();
    const make = async (name: string, data: Parameters<typeof db.agent.update>[0]["data"]) => {
      const agent = await caller.agent.create(agentInput({ name, budgetUsd: "1" }));
      await db.agent.update({ where: { id: agent.id }, data });
      return agent.id;
    };
    const quiet = await make("Quiet", { status: "sleeping", spentUsd: "0.10" });
    const near = await make("Near the limit", { status: "sleeping", spentUsd: "0.85" });
    const waiting = await make("Waiting", { status: "waiting_approval" });
    const failed = await make("Failed", { status: "failed", statusReason: "The model provider refused the API key." });
    const stuck = await make("Stuck", { status: "stuck" });
    const broke = await make("Broke", { status: "budget_exhausted", spentUsd: "1" });
    const ids = { agentId: quiet, teamId: team.id };
    await appendTestEvents(ids, [
      { cycle: 1, type: "thought", payload: {} },
      { cycle: 1, type: "tool_result", payload: { name: "http_get", status: "succeeded" } },
      { cycle: 2, type: "thought", payload: {} },
      { cycle: 2, type: "tool_result", payload: { name: "http_get", status: "failed", error: "HTTP 500" } },
      { cycle: 3, type: "thought", payload: {} },
      { cycle: 3, type: "error", payload: { stage: "think", message: "timeout" } },
      { cycle: 4, type: "thought", payload: {}, at: new Date(Date.now() - 2 * 86_400_000) },
    ]);
    const today = new Date(new Date().toISOString().slice(0, 10));
    // Spend entries roll up into agent_spend_day (a trigger); yesterday's day is written directly.
    await db.agentSpendDay.create({
      data: { agentId: near, teamId: team.id, day: new Date(today.getTime() - 86_400_000), costUsd: "0.05" },
    });
    await db.spendEntry.createMany({
      data: [
        { agentId: near, teamId: team.id, kind: "model", model: "gpt-4o-mini", costUsd: "0.85", tokensIn: 1000, tokensOut: 100 },
        { agentId: quiet, teamId: team.id, kind: "tool", costUsd: "0.10" },
      ],
    });
    // Another team's failing agent is not part of this overview.
    const other = await createTestTeam();
    const theirs = await other.caller.agent.create(agentInput({ name: "Theirs", budgetUsd: "1" }));
    await db.agent.update({ where: { id: theirs.id }, data: { status: "failed" } });

    const overview = await getTeamOverview({ teamId: team.id, days: 14 });
    expect(overview.attention.map((a) => [a.id, a.reason])).toEqual([
      [failed, "failed"],
      [stuck, "stuck"],
      [waiting, "waiting"],
      [broke, "budget_exhausted"],
      [near, "near_budget"],
    ]);
    expect(overview.attention[0]!.statusReason).toBe("The model provider refused the API key.");
    expect(Object.fromEntries(overview.statusCounts.map((s) => [s.status, s.count]))).toEqual({
      sleeping: 2,
      waiting_approval: 1,
      failed: 1,
      stuck: 1,
      budget_exhausted: 1,
    });
    // The last 24 hours: 3 cycles (the 4th is 2 days old), 2 of them failed (a failed tool result, an error).
    expect(overview.last24h).toEqual({ cycles: 3, failed: 2, errorRate: 2 / 3 });
    expect(overview.spendPerDay.map((d) => Number(d.costUsd))).toEqual([0.05, 0.95]);
    expect(overview.spendPerModel.map((m) => [m.model, Number(m.costUsd)])).toEqual([
      ["gpt-4o-mini", 0.85],
      ["tools", 0.1],
    ]);
    expect(overview.spendPerAgent.map((a) => a.name)).toEqual(["Near the limit", "Quiet"]);
    // Through tRPC, for a viewer too; another team sees none of it.
    const theirOverview = await other.caller.fleet.overview({});
    expect(theirOverview.attention.map((a) => a.id)).toEqual([theirs.id]);
  });
});
