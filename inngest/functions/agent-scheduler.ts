import { inngest } from "../client";
import { restartStalledDeliveries } from "~/server/channels/deliveries";
import { findDueSchedules, fireSchedule } from "~/server/triggers/fire-schedules";

/**
 * Every minute: find the agents whose schedule fired (in their own time zones) and deliver each
 * firing once (server/triggers/fire-schedules.ts); then start channel deliveries again that stalled. The body only orchestrates; the clock is read inside
 * the first step. One step per due agent, so one agent's failure retries alone.
 */
export const agentScheduler = inngest.createFunction(
  {
    id: "agent-scheduler",
    retries: 2,
    // One tick at a time: a slow tick and the next one would otherwise find the same firings.
    concurrency: [{ limit: 1 }],
    triggers: [{ cron: "* * * * *" }],
  },
  async ({ step }) => {
    const due = await step.run("find-due", () => findDueSchedules());
    const fired: { deliveryId: string; action: string }[] = [];
    for (const schedule of due) fired.push(await step.run(`fire-${schedule.agentId}`, () => fireSchedule(schedule)));
    // Channel deliveries whose event was lost or whose run ended unfinished (server/channels/deliveries.ts).
    const restarted = await step.run("restart-stalled-deliveries", () => restartStalledDeliveries());
    return { fired: fired.length, restartedDeliveries: restarted };
  },
);
