import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { inngest } from "~/inngest/client";
import { agentRunRequested, agentWakeRequested } from "~/inngest/events";
import type { AgentStatus } from "~/server/db/generated/enums";
import { db } from "~/server/db/client";
import { findDueSchedules, fireSchedule, lastFiringWithin, scheduleDeliveryId } from "~/server/triggers/fire-schedules";
import { agentInput } from "../factories/agent";
import { createTestTeam } from "../factories/team";

let send: ReturnType<typeof vi.fn>;
beforeEach(() => {
  send = vi.fn().mockResolvedValue({ ids: [] });
  vi.spyOn(inngest, "send").mockImplementation(send as never);
});
afterEach(() => vi.restoreAllMocks());

async function scheduledAgent(cron: string, timezone: string, status: AgentStatus = "idle") {
  const owner = await createTestTeam();
  const agent = await owner.caller.agent.create(agentInput());
  await db.agent.update({
    where: { id: agent.id },
    data: { scheduleCron: cron, scheduleTimezone: timezone, status, createdAt: new Date("2026-01-01T00:00:00Z") },
  });
  return { agentId: agent.id, teamId: owner.team.id };
}

describe("schedule firing times", () => {
  it("reads the cron expression in the agent's time zone, across zones and daylight saving", () => {
    const at = (iso: string) => new Date(iso);
    // 9:00 in New York is 14:00 UTC in November (EST) and 13:00 UTC in July (EDT).
    expect(lastFiringWithin("0 9 * * *", "America/New_York", at("2026-11-27T14:00:30Z"))?.toISOString()).toBe("2026-11-27T14:00:00.000Z");
    expect(lastFiringWithin("0 9 * * *", "America/New_York", at("2026-07-01T13:01:00Z"))?.toISOString()).toBe("2026-07-01T13:00:00.000Z");
    // The same expression in Berlin fired at 08:00 UTC: long out of the window at 14:00.
    expect(lastFiringWithin("0 9 * * *", "Europe/Berlin", at("2026-11-27T14:00:30Z"))).toBeNull();
    expect(lastFiringWithin("0 9 * * *", "Europe/Berlin", at("2026-11-27T08:04:00Z"))?.toISOString()).toBe("2026-11-27T08:00:00.000Z");
    // Half-hour zones, and a firing exactly now counts.
    expect(lastFiringWithin("0 9 * * *", "Asia/Kolkata", at("2026-11-27T03:30:00Z"))?.toISOString()).toBe("2026-11-27T03:30:00.000Z");
    // Only the latest firing in the window; an unreadable schedule never fires.
    expect(lastFiringWithin("* * * * *", "UTC", at("2026-11-27T10:03:20Z"))?.toISOString()).toBe("2026-11-27T10:03:00.000Z");
    expect(lastFiringWithin("not a cron", "UTC", at("2026-11-27T10:03:20Z"))).toBeNull();
  });
});

describe("the scheduler", () => {
  it("finds a due agent, starts it with a schedule trigger event, and delivers each firing once", async () => {
    const { agentId, teamId } = await scheduledAgent("30 9 * * *", "Europe/Paris");
    const now = new Date("2026-11-27T08:31:00Z"); // 9:30 in Paris
    const due = (await findDueSchedules({ now })).filter((d) => d.agentId === agentId);
    expect(due).toEqual([{ agentId, teamId, scheduledAt: "2026-11-27T08:30:00.000Z", cron: "30 9 * * *", timezone: "Europe/Paris" }]);
    expect(await fireSchedule(due[0]!)).toEqual({ deliveryId: `schedule:${agentId}:2026-11-27T08:30:00.000Z`, action: "started" });
    expect(send).toHaveBeenCalledWith(
      expect.objectContaining({ name: agentRunRequested.name, data: { agentId, teamId, reason: "schedule" } }),
    );
    const events = await db.agentEvent.findMany({ where: { agentId, type: "trigger" } });
    expect(events.map((e) => e.payload)).toEqual([
      expect.objectContaining({
        source: "schedule",
        scheduledAt: "2026-11-27T08:30:00.000Z",
        cron: "30 9 * * *",
        timezone: "Europe/Paris",
      }),
    ]);
    // The next tick (still within the look-back) finds nothing; firing again anyway is a duplicate.
    expect((await findDueSchedules({ now: new Date("2026-11-27T08:32:00Z") })).filter((d) => d.agentId === agentId)).toEqual([]);
    expect((await fireSchedule(due[0]!)).action).toBe("duplicate");
    expect(await db.agentEvent.count({ where: { agentId, type: "trigger" } })).toBe(1);
    expect(send).toHaveBeenCalledTimes(1);
    // Not due outside the window, nor before the agent existed.
    expect((await findDueSchedules({ now: new Date("2026-11-27T08:40:00Z") })).filter((d) => d.agentId === agentId)).toEqual([]);
    await db.agent.update({ where: { id: agentId }, data: { createdAt: new Date("2026-11-28T08:31:00Z") } });
    expect((await findDueSchedules({ now: new Date("2026-11-28T08:31:00Z") })).filter((d) => d.agentId === agentId)).toEqual([]);
  });

  it("wakes a sleeping agent", async () => {
    const { agentId } = await scheduledAgent("0 * * * *", "UTC", "sleeping");
    const [due] = (await findDueSchedules({ now: new Date("2026-11-27T11:00:10Z") })).filter((d) => d.agentId === agentId);
    expect((await fireSchedule(due!)).action).toBe("woken");
    expect(send).toHaveBeenCalledWith(expect.objectContaining({ name: agentWakeRequested.name }));
  });

  it("does not wake paused or stopped agents: the firing is recorded as skipped, with no event; archived agents are not considered", async () => {
    for (const status of ["paused", "stopped"] as const) {
      const { agentId } = await scheduledAgent("0 * * * *", "UTC", status);
      const [due] = (await findDueSchedules({ now: new Date("2026-11-27T12:00:10Z") })).filter((d) => d.agentId === agentId);
      expect((await fireSchedule(due!)).action).toBe("skipped");
      const delivery = await db.triggerDelivery.findFirstOrThrow({ where: { agentId } });
      expect(delivery).toMatchObject({ source: "schedule", deliveryId: scheduleDeliveryId(agentId, "2026-11-27T12:00:00Z") });
      expect(delivery.payload).toMatchObject({ skipped: status });
      expect(await db.agentEvent.count({ where: { agentId, type: "trigger" } })).toBe(0);
      expect((await db.agent.findUniqueOrThrow({ where: { id: agentId } })).status).toBe(status);
      // Recorded, so the next tick does not try again.
      expect((await findDueSchedules({ now: new Date("2026-11-27T12:01:10Z") })).filter((d) => d.agentId === agentId)).toEqual([]);
    }
    const archived = await scheduledAgent("0 * * * *", "UTC", "archived");
    expect((await findDueSchedules({ now: new Date("2026-11-27T12:00:10Z") })).filter((d) => d.agentId === archived.agentId)).toEqual([]);
    expect(send).not.toHaveBeenCalled();
  });
});
