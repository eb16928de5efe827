import type pg from "pg";
import { checkCron, nextCronTime } from "../cron";
import { logger } from "../log";
import type { FunctionConfig, RegisterBody } from "../types";
import { inTransaction, type Db } from "./transaction";

// Options Inngest supports that this executor does not implement yet: warned about at sync.
const UNSUPPORTED_OPTIONS = ["throttle", "rateLimit", "debounce", "batchEvents", "priority", "timeouts", "singleton"];

export function concurrencyOf(fn: FunctionConfig): { limit: number; key?: string; scope?: string } | null {
  const value = Array.isArray(fn.concurrency) ? fn.concurrency[0] : fn.concurrency;
  return value && typeof value.limit === "number" && value.limit > 0 ? value : null;
}

export function unsupportedOptionWarnings(fn: FunctionConfig): string[] {
  const warnings: string[] = [];
  for (const option of UNSUPPORTED_OPTIONS) {
    if (fn[option] !== undefined && fn[option] !== null) {
      warnings.push(`Function ${fn.id}: option "${option}" is not implemented by the Longhaul executor and is ignored.`);
    }
  }
  for (const trigger of fn.triggers ?? []) {
    const problem = trigger.cron ? checkCron(trigger.cron) : null;
    if (problem) warnings.push(`Function ${fn.id}: cron "${trigger.cron}" cannot be parsed (${problem}); it will not fire.`);
  }
  if ((fn.cancel ?? []).some((c) => c.timeout)) {
    warnings.push(
      `Function ${fn.id}: cancelOn "timeout" is not implemented by the Longhaul executor; cancellation stays armed for the whole run.`,
    );
  }
  const concurrency = concurrencyOf(fn);
  if (Array.isArray(fn.concurrency) && fn.concurrency.length > 1) {
    warnings.push(`Function ${fn.id}: only the first of ${fn.concurrency.length} concurrency limits is enforced by the Longhaul executor.`);
  }
  if (concurrency?.scope && concurrency.scope !== "fn") {
    warnings.push(`Function ${fn.id}: concurrency scope "${concurrency.scope}" is enforced per function by the Longhaul executor.`);
  }
  return warnings;
}

/** Stores an app's function configs (the body of POST /fn/register); archives functions it no longer has. */
export async function registerApp(pool: pg.Pool, body: RegisterBody) {
  const warnings: string[] = [];
  await inTransaction(pool, async (client) => {
    await client.query(
      `INSERT INTO executor_app (id, url, "sdkVersion", framework, "lastSyncedAt", "updatedAt")
       VALUES ($1, $2, $3, $4, now(), now())
       ON CONFLICT (id) DO UPDATE SET url = $2, "sdkVersion" = $3, framework = $4, "lastSyncedAt" = now(), "updatedAt" = now()`,
      [body.appName, body.url, body.sdk ?? null, body.framework ?? null],
    );
    for (const fn of body.functions) {
      const step = Object.values(fn.steps ?? {})[0];
      if (!step) throw new Error(`Function ${fn.id} has no step runtime URL.`);
      const maxAttempts = (step.retries?.attempts ?? 3) + 1;
      const fnWarnings = unsupportedOptionWarnings(fn);
      warnings.push(...fnWarnings);
      await client.query(
        `INSERT INTO executor_function (id, "appId", name, url, triggers, config, "maxAttempts", warnings, "isArchived", "updatedAt")
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, false, now())
         ON CONFLICT (id) DO UPDATE SET "appId" = $2, name = $3, url = $4, triggers = $5, config = $6, "maxAttempts" = $7,
           warnings = $8, "isArchived" = false, "updatedAt" = now()`,
        [
          fn.id,
          body.appName,
          fn.name ?? fn.id,
          step.runtime.url,
          JSON.stringify(fn.triggers ?? []),
          JSON.stringify(fn),
          maxAttempts,
          JSON.stringify(fnWarnings),
        ],
      );
    }
    await client.query(`UPDATE executor_function SET "isArchived" = true, "updatedAt" = now() WHERE "appId" = $1 AND NOT (id = ANY($2))`, [
      body.appName,
      body.functions.map((f) => f.id),
    ]);
    // Cron schedules: keep the next fire time of unchanged schedules, add new ones, drop the rest.
    await client.query(
      `DELETE FROM executor_cron c USING executor_function f WHERE f.id = c."functionId" AND f."appId" = $1 AND f."isArchived"`,
      [body.appName],
    );
    for (const fn of body.functions) {
      const crons = (fn.triggers ?? []).map((t) => t.cron).filter((c): c is string => typeof c === "string" && checkCron(c) === null);
      await client.query(`DELETE FROM executor_cron WHERE "functionId" = $1 AND NOT (cron = ANY($2))`, [fn.id, crons]);
      for (const cron of crons) {
        await client.query(
          `INSERT INTO executor_cron ("functionId", cron, "nextRunAt") VALUES ($1, $2, ($3::timestamptz AT TIME ZONE 'UTC')) ON CONFLICT DO NOTHING`,
          [fn.id, cron, nextCronTime(cron).toISOString()],
        );
      }
    }
  });
  for (const warning of warnings) logger.warn({ app: body.appName }, warning);
  return { warnings };
}

/** A function as runs are started from it. */
export type FunctionRow = { id: string; config: FunctionConfig; triggers: { event?: string; expression?: string }[] };

/** The functions events may trigger or cancel: every one not archived. */
export async function activeFunctions(client: Db): Promise<FunctionRow[]> {
  return (await client.query<FunctionRow>(`SELECT id, config, triggers FROM executor_function WHERE NOT "isArchived"`)).rows;
}

/** One function, unless it is archived or unknown (the target of step.invoke). */
export async function activeFunction(client: Db, id: string): Promise<FunctionRow | null> {
  const { rows } = await client.query<FunctionRow>(
    `SELECT id, config, triggers FROM executor_function WHERE id = $1 AND NOT "isArchived"`,
    [id],
  );
  return rows[0] ?? null;
}
