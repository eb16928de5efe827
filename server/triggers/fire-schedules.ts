import "server-only";
import { CronExpressionParser } from "cron-parser";
import { db } from "../db/client";
import { logger } from "../logger";
import { deliverTrigger } from "./deliver";

/**
 * Schedules: each agent's cron expression, read in its own time zone, wakes it when it fires. The
 * scheduler (inngest/functions/agent-scheduler.ts) runs every minute and looks back
 * SCHEDULE_LOOKBACK_MS, so a tick that was late or missed (a restart) still delivers; only the latest
 * firing in the window counts (an agent does not run five times to catch up). Each firing is one
 * delivery, `schedule:<agent id>:<fire time ISO>`, so overlapping ticks deliver it once.
 */
export const SCHEDULE_LOOKBACK_MS = 5 * 60_000;

export type DueSchedule = { agentId: string; teamId: string; scheduledAt: string; cron: string; timezone: string };

export function scheduleDeliveryId(agentId: string, scheduledAt: Date | string): string {
  return `schedule:${agentId}:${new Date(scheduledAt).toISOString()}`;
}

/** The latest time `cron` fired (in `timezone`) within (now - lookback, now], or null. An unreadable schedule never fires. */
export function lastFiringWithin(cron: string, timezone: string, now: Date, lookbackMs = SCHEDULE_LOOKBACK_MS): Date | null {
  let previous: Date;
  try {
    // One millisecond on, so a firing exactly at `now` counts.
    previous = CronExpressionParser.parse(cron, { currentDate: new Date(now.getTime() + 1), tz: timezone, strict: false })
      .prev()
      .toDate();
  } catch {
    return null;
  }
  return previous.getTime() > now.getTime() - lookbackMs && previous.getTime() <= now.getTime() ? previous : null;
}

/**
 * Agents whose schedule fired in the window and that have no delivery for that firing yet. Archived
 * and read-only agents are left out; firings before an agent existed do not count.
 */
export async function findDueSchedules({ now = new Date() }: { now?: Date } = {}): Promise<DueSchedule[]> {
  const agents = await db.agent.findMany({
    where: { scheduleCron: { not: null }, isReadOnly: false, status: { not: "archived" } },
    select: { id: true, teamId: true, scheduleCron: true, scheduleTimezone: true, createdAt: true },
  });
  const candidates: DueSchedule[] = [];
  for (const agent of agents) {
    const firing = lastFiringWithin(agent.scheduleCron!, agent.scheduleTimezone, now);
    if (!firing || firing < agent.createdAt) continue;
    candidates.push({
      agentId: agent.id,
      teamId: agent.teamId,
      scheduledAt: firing.toISOString(),
      cron: agent.scheduleCron!,
      timezone: agent.scheduleTimezone,
    });
  }
  if (candidates.length === 0) return [];
  const delivered = await db.triggerDelivery.findMany({
    where: { OR: candidates.map((c) => ({ agentId: c.agentId, deliveryId: scheduleDeliveryId(c.agentId, c.scheduledAt) })) },
    select: { agentId: true },
  });
  const done = new Set(delivered.map((d) => d.agentId));
  return candidates.filter((c) => !done.has(c.agentId));
}

/** Delivers one firing: a `trigger` event and a start or wake (or a skipped delivery for a paused, stopped or finished agent). */
export async function fireSchedule(due: DueSchedule) {
  const deliveryId = scheduleDeliveryId(due.agentId, due.scheduledAt);
  const details = { scheduledAt: due.scheduledAt, cron: due.cron, timezone: due.timezone };
  try {
    const outcome = await deliverTrigger({
      agentId: due.agentId,
      teamId: due.teamId,
      source: "schedule",
      deliveryId,
      stored: details,
      event: details,
    });
    const action = outcome.duplicate ? "duplicate" : outcome.action;
    logger.info({ agentId: due.agentId, deliveryId, action }, "schedule fired");
    return { deliveryId, action };
  } catch (error) {
    // Archived between the search and now: nothing to deliver.
    logger.warn({ agentId: due.agentId, deliveryId, err: error }, "schedule not delivered");
    return { deliveryId, action: "not-delivered" };
  }
}
