import type pg from "pg";
import { matches } from "../expressions";
import type { InngestEvent } from "../types";
import { enqueueJob } from "./jobs";
import { completeStep } from "./steps";

/**
 * Waits for events (executor_wait): a run's step.waitForEvent until a matching event arrives or its
 * timeout job fires, whichever comes first; the other finds nothing left to do.
 */

/**
 * Registering a wait and receiving an event must not pass each other unseen (each transaction unable to
 * see the other's uncommitted row): receivers take this lock shared, a new wait takes it exclusively.
 */
export async function lockWaitsFor(client: pg.PoolClient, eventName: string, mode: "shared" | "exclusive") {
  const fn = mode === "shared" ? "pg_advisory_xact_lock_shared" : "pg_advisory_xact_lock";
  await client.query(`SELECT ${fn}(hashtext('executor-wait:' || $1))`, [eventName]);
}

/** Registers a run's wait (once: a repeated report changes nothing) and the job that ends it at `expiresAt`. */
export async function insertWait(
  client: pg.PoolClient,
  wait: { runId: string; stepId: string; eventName: string; expression: string | null; expiresAt: Date },
) {
  await lockWaitsFor(client, wait.eventName, "exclusive");
  await client.query(
    `INSERT INTO executor_wait ("runId", "stepId", "eventName", expression, "expiresAt") VALUES ($1, $2, $3, $4, ($5::timestamptz AT TIME ZONE 'UTC'))
     ON CONFLICT ("runId", "stepId") DO NOTHING`,
    [wait.runId, wait.stepId, wait.eventName, wait.expression, wait.expiresAt.toISOString()],
  );
  await enqueueJob(client, wait.runId, "wait-timeout", wait.stepId, { at: wait.expiresAt });
}

/** Removes a wait and its timeout job (an event resumed it). */
async function clearWait(client: pg.PoolClient, runId: string, stepId: string) {
  await client.query(`DELETE FROM executor_wait WHERE "runId" = $1 AND "stepId" = $2`, [runId, stepId]);
  await client.query(`DELETE FROM executor_job WHERE "runId" = $1 AND kind = 'wait-timeout' AND "stepId" = $2`, [runId, stepId]);
}

/** The wait's step ends with `event` as its value, and the run goes on. */
async function resumeWait(client: pg.PoolClient, runId: string, stepId: string, event: InngestEvent) {
  await clearWait(client, runId, stepId);
  await completeStep(client, runId, stepId, event, "completed");
  await enqueueJob(client, runId, "discover", "step");
}

/** A wait's timeout: its step ends with null, unless an event resumed it first (false). */
export async function timeOutWait(client: pg.PoolClient, runId: string, stepId: string): Promise<boolean> {
  const wait = await client.query(`DELETE FROM executor_wait WHERE "runId" = $1 AND "stepId" = $2`, [runId, stepId]);
  if (wait.rowCount === 0) return false;
  await completeStep(client, runId, stepId, null, "completed");
  await enqueueJob(client, runId, "discover", "step");
  return true;
}

/**
 * Resumes every live wait `event` matches (called in the transaction that stores the event). Only waits
 * registered before the event are live: a wait registered later is not matched by it, as in Inngest.
 */
export async function resumeMatchingWaits(client: pg.PoolClient, event: InngestEvent) {
  await lockWaitsFor(client, event.name, "shared");
  const waits = await client.query<{ id: string; runId: string; stepId: string; expression: string | null; trigger: InngestEvent }>(
    `SELECT w.id, w."runId", w."stepId", w.expression,
            json_build_object('id', e.id, 'name', e.name, 'data', e.data, 'ts', e.ts) AS trigger
       FROM executor_wait w JOIN executor_run r ON r.id = w."runId" JOIN executor_event e ON e.id = r."eventId"
      WHERE w."eventName" = $1 AND w."expiresAt" > (now() AT TIME ZONE 'UTC') AND r.status = 'running'
      ORDER BY w.id
      FOR UPDATE OF w SKIP LOCKED`,
    [event.name],
  );
  for (const wait of waits.rows) {
    if (!matches(wait.expression, { event: wait.trigger, async: event })) continue;
    await resumeWait(client, wait.runId, wait.stepId, event);
  }
}
