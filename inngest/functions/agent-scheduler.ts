import { inngest } from "../client";
import { findDueSchedules, fireSchedule } from "~/server/triggers/fire-schedules";

/**
 * Every minute: find the agents whose schedule fired (in their own time zones) and deliver each
 * firing once (server/triggers/fire-schedules.ts). The body only orchestrates; the clock is read inside
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
    return { fired: fired.length };
  },
);
