import { CronExpressionParser } from "cron-parser";

/**
 * Inngest cron strings: five fields (or six with seconds), optionally prefixed with "TZ=<zone> ".
 * Returns the next fire time strictly after `after`.
 */
export function nextCronTime(cron: string, after: Date = new Date()): Date {
  const match = /^TZ=(\S+)\s+(.*)$/.exec(cron.trim());
  const tz = match?.[1] ?? "UTC";
  const expression = match?.[2] ?? cron.trim();
  return CronExpressionParser.parse(expression, { currentDate: after, tz }).next().toDate();
}

/** Validates a cron string at sync time; returns a message for the warning, or null when fine. */
export function checkCron(cron: string): string | null {
  try {
    nextCronTime(cron);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}
