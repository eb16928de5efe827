import { describe, expect, it } from "vitest";
import { endRun, openCycleSession, runCycle } from "~/server/loop";
import { listCycles } from "~/server/agents/timeline";
import { db } from "~/server/db/client";
import { createAgentWithRun } from "../factories/run";
import { createTestTeam } from "../factories/team";

/**
 * Issue 22: an agent stopped by its cycle limit. The cycle after the last one allowed never runs, so
 * nothing is written under its number: the end is the last cycle's (numbered with it, as a person's
 * pause or stop is numbered with the last finished cycle), and the timeline has no "Cycle 3 … not
 * finished" row for a cycle that never ran.
 */
describe("the cycle limit", () => {
  it("ends the agent after its last allowed cycle without writing anything under the next cycle's number", async () => {
    const owner = await createTestTeam();
    const { agent, ids, agentRunId, step } = await createAgentWithRun(owner, {
      name: "Two cycles",
      budgetCycles: 2,
      cooldownSeconds: 0,
      executorRunId: `cycle-limit-${crypto.randomUUID()}`,
    });
    const session = openCycleSession();
    for (const cycle of [1, 2]) {
      const ran = await runCycle({ ...step(cycle), nextFollows: true }, session);
      expect(ran.decision.kind).not.toBe("stop");
    }
    const third = await runCycle({ ...step(3), nextFollows: false }, session);
    expect(third.decision).toEqual({ kind: "stop", status: "completed", reason: "The cycle limit of 2 is reached." });
    // What the loop function does with a stop: the run ends with the cycle it was on.
    await endRun({ ...step(3), status: "completed", reason: "The cycle limit of 2 is reached." });
    // A retried end step changes nothing.
    await endRun({ ...ids, agentRunId, cycle: 3, status: "completed", reason: "The cycle limit of 2 is reached." });

    const row = await db.agent.findUniqueOrThrow({
      where: { id: agent.id },
      select: { status: true, statusReason: true, cycleCount: true },
    });
    expect(row).toEqual({ status: "completed", statusReason: "The cycle limit of 2 is reached.", cycleCount: 2 });
    expect(await db.agentEvent.count({ where: { ...ids, cycle: 3 } })).toBe(0);
    expect(await db.cycleTrace.count({ where: { ...ids, cycle: 3 } })).toBe(0);
    expect(await db.spendEntry.count({ where: { ...ids, state: "reserved" } })).toBe(0);
    const ends = await db.agentEvent.findMany({ where: { ...ids, type: "status_change" }, select: { cycle: true, payload: true } });
    expect(ends).toEqual([
      { cycle: 2, payload: { from: expect.any(String), to: "completed", reason: "The cycle limit of 2 is reached." } },
    ]);

    const page = await listCycles({ ...ids });
    expect(page.cycles.map((c) => c.cycle)).toEqual([2, 1]);
    expect(page.cycles[0]!.events.at(-1)).toMatchObject({ type: "status_change", payload: { to: "completed" } });
  });
});
