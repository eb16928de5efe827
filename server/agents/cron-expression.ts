import "server-only";
import { CronExpressionParser } from "cron-parser";
import { AppError } from "../errors";

/**
 * An agent's schedule: a cron expression read in the agent's time zone. The form checks its shape;
 * this parses it for real, so "61 * * * *" or "* * 31 2 *" get a message next to the field. The
 * trigger that wakes scheduled agents belongs to the operations work (issue 8); this is where the
 * next time is computed for both.
 */
export function nextScheduledAt(cron: string, timezone: string, after: Date = new Date()): Date {
  try {
    return CronExpressionParser.parse(cron, { currentDate: after, tz: timezone, strict: false }).next().toDate();
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/\.$/, "") : "it could not be read";
    const message = `That schedule is not a valid cron expression (${detail}). Example: 0 9 * * 1-5 is 9:00 on weekdays.`;
    throw new AppError("BAD_REQUEST", message, { fieldErrors: { scheduleCron: [message] } });
  }
}

/** Throws the field error for an invalid schedule; an absent schedule is valid. */
export function assertValidSchedule(cron: string | undefined | null, timezone: string) {
  if (cron) nextScheduledAt(cron, timezone);
}
