import type pg from "pg";
import { nextCronTime } from "../cron";
import { evaluateKey, matches } from "../expressions";
import { newId } from "../ids";
import type { FunctionConfig, InngestEvent } from "../types";
import { activeFunctions, concurrencyOf, type FunctionRow } from "./apps";
import type { NormalizedEvent } from "./events";
import { enqueueJob } from "./jobs";
import { completeStep } from "./steps";
import { resumeMatchingWaits } from "./waits";

/**
 * Runs (executor_run): started by events, crons and invokes, ended once, with their jobs and waits.
 * Events are stored here too, because storing one starts, resumes and cancels runs in its transaction.
 */

/**
 * Stores events and, in the same transaction, starts the runs they trigger, resumes the waits they
 * match and cancels the runs they cancel. An event whose `id` was seen before is not processed again.
 */
export async function ingestEvents(client: pg.PoolClient, events: NormalizedEvent[]): Promise<string[]> {
  const ids: string[] = [];
  const functions = await activeFunctions(client);
  for (const incoming of events) {
    const id = newId();
    const inserted = await client.query<{ id: string }>(
      `INSERT INTO executor_event (id, name, data, "user", ts, "idempotencyKey") VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT ("idempotencyKey") DO NOTHING RETURNING id`,
      [
        id,
        incoming.name,
        JSON.stringify(incoming.data),
        incoming.user === undefined ? null : JSON.stringify(incoming.user),
        incoming.ts,
        incoming.idempotencyKey,
      ],
    );
    if (inserted.rowCount === 0) {
      const existing = await client.query<{ id: string }>(`SELECT id FROM executor_event WHERE "idempotencyKey" = $1`, [
        incoming.idempotencyKey,
      ]);
      ids.push(existing.rows[0]!.id);
      continue;
    }
    const event: InngestEvent = {
      id,
      name: incoming.name,
      data: incoming.data,
      ts: incoming.ts,
      ...(incoming.user ? { user: incoming.user } : {}),
    };
    ids.push(id);
    await cancelMatchingRuns(client, functions, event);
    await resumeMatchingWaits(client, event);
    for (const fn of functions) {
      const triggered = fn.triggers.some((t) => t.event === event.name && matches(t.expression, { event }));
      if (triggered) await startRun(client, fn, event);
    }
  }
  return ids;
}

export async function startRun(client: pg.PoolClient, fn: FunctionRow, event: InngestEvent, invoker?: { runId: string; stepId: string }) {
  let idempotencyKey: string | null = null;
  if (fn.config.idempotency) {
    idempotencyKey = evaluateKey(fn.config.idempotency, { event });
    if (idempotencyKey !== null) {
      // One run per key per 24 hours, as in Inngest; the advisory lock makes the check-then-insert atomic.
      await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`${fn.id}:${idempotencyKey}`]);
      const seen = await client.query(
        `SELECT 1 FROM executor_run WHERE "functionId" = $1 AND "idempotencyKey" = $2 AND "startedAt" > now() - interval '24 hours' LIMIT 1`,
        [fn.id, idempotencyKey],
      );
      if (seen.rowCount) return null;
    }
  }
  const runId = newId();
  const concurrency = concurrencyOf(fn.config);
  // Steps in flight are limited per key, as in Inngest; an unevaluable key falls back to the function-wide limit.
  const concurrencyKey = concurrency ? `${fn.id}:${concurrency.key ? (evaluateKey(concurrency.key, { event }) ?? "") : ""}` : null;
  await client.query(
    `INSERT INTO executor_run (id, "functionId", "eventId", "idempotencyKey", "invokerRunId", "invokerStepId", "concurrencyKey", "concurrencyLimit")
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [runId, fn.id, event.id, idempotencyKey, invoker?.runId ?? null, invoker?.stepId ?? null, concurrencyKey, concurrency?.limit ?? null],
  );
  await enqueueJob(client, runId, "discover", "step");
  return runId;
}

async function cancelMatchingRuns(client: pg.PoolClient, functions: FunctionRow[], event: InngestEvent) {
  for (const fn of functions) {
    const cancels = (fn.config.cancel ?? []).filter((c) => c.event === event.name);
    if (cancels.length === 0) continue;
    const running = await client.query<{ id: string; trigger: InngestEvent }>(
      `SELECT r.id, json_build_object('id', e.id, 'name', e.name, 'data', e.data, 'ts', e.ts) AS trigger
         FROM executor_run r JOIN executor_event e ON e.id = r."eventId"
        WHERE r."functionId" = $1 AND r.status = 'running' ORDER BY r.id`,
      [fn.id],
    );
    for (const run of running.rows) {
      if (cancels.some((c) => matches(c.if, { event: run.trigger, async: event }))) {
        await finishRun(client, run.id, "cancelled", {
          output: null,
          error: { name: "Cancelled", message: `Cancelled by event ${event.name} (${event.id})` },
        });
      }
    }
  }
}

/** Ends a run: status, output or error, and no jobs or waits left behind. Resumes an invoking parent. */
export async function finishRun(
  client: pg.PoolClient,
  runId: string,
  status: "completed" | "failed" | "cancelled",
  { output, error }: { output: unknown; error: unknown },
) {
  // One lock order everywhere (docs/decisions/005): a run's waits, then its jobs, then the run's row, as
  // the worker, a checkpoint and wait matching take them (job, then run). Taking the run first here
  // deadlocked with a checkpoint arriving while an event cancelled its run.
  await client.query(
    `SELECT (SELECT count(*) FROM (SELECT 1 FROM executor_wait WHERE "runId" = $1 ORDER BY id FOR UPDATE) w) AS waits,
            (SELECT count(*) FROM (SELECT 1 FROM executor_job WHERE "runId" = $1 ORDER BY id FOR UPDATE) j) AS jobs`,
    [runId],
  );
  const updated = await client.query<{ invokerRunId: string | null; invokerStepId: string | null; functionId: string; eventId: string }>(
    `UPDATE executor_run SET status = $2, output = $3, error = $4, "endedAt" = now(), "updatedAt" = now()
      WHERE id = $1 AND status = 'running' RETURNING "invokerRunId", "invokerStepId", "functionId", "eventId"`,
    [
      runId,
      status,
      output === undefined ? null : JSON.stringify(output),
      error === undefined || error === null ? null : JSON.stringify(error),
    ],
  );
  await client.query(`DELETE FROM executor_job WHERE "runId" = $1`, [runId]);
  await client.query(`DELETE FROM executor_wait WHERE "runId" = $1`, [runId]);
  const run = updated.rows[0];
  if (!run) return;
  // Resume the invoking run, unless its invoke already timed out (the step is no longer "invoking").
  const invoking =
    run.invokerRunId && run.invokerStepId
      ? await client.query(`SELECT 1 FROM executor_step WHERE "runId" = $1 AND "stepId" = $2 AND status = 'invoking'`, [
          run.invokerRunId,
          run.invokerStepId,
        ])
      : null;
  if (run.invokerRunId && run.invokerStepId && invoking?.rowCount) {
    await client.query(`DELETE FROM executor_job WHERE "runId" = $1 AND kind = 'invoke-timeout' AND "stepId" = $2`, [
      run.invokerRunId,
      run.invokerStepId,
    ]);
    const memo =
      status === "completed" ? { data: output ?? null } : { error: error ?? { name: "Error", message: `Invoked run ${status}` } };
    await completeStep(client, run.invokerRunId, run.invokerStepId, memo, status === "completed" ? "completed" : "failed", {
      op: "InvokeFunction",
    });
    await enqueueJob(client, run.invokerRunId, "discover", "step");
  }
  if (status === "failed") {
    const trigger = await client.query<{ event: InngestEvent }>(
      `SELECT json_build_object('id', id, 'name', name, 'data', data, 'ts', ts) AS event FROM executor_event WHERE id = $1`,
      [run.eventId],
    );
    await ingestEvents(client, [
      {
        name: "inngest/function.failed",
        data: { function_id: run.functionId, run_id: runId, error, event: trigger.rows[0]?.event },
        ts: Date.now(),
        idempotencyKey: `failed:${runId}`,
      },
    ]);
  }
}

/**
 * Fires every cron schedule that is due, once across all executors (rows claimed with SKIP LOCKED):
 * an `inngest/scheduled.timer` event and a run of the function. Missed ticks (the executor was down)
 * are not replayed; the schedule resumes from now, as in Inngest.
 */
export async function fireDueCrons(client: pg.PoolClient): Promise<number> {
  const due = await client.query<{
    functionId: string;
    cron: string;
    config: FunctionConfig;
    triggers: FunctionRow["triggers"];
    nextRunAt: Date;
  }>(
    `SELECT c."functionId", c.cron, c."nextRunAt", f.config, f.triggers FROM executor_cron c JOIN executor_function f ON f.id = c."functionId"
      WHERE c."nextRunAt" <= (now() AT TIME ZONE 'UTC') AND NOT f."isArchived"
      ORDER BY c."nextRunAt" LIMIT 100 FOR UPDATE OF c SKIP LOCKED`,
  );
  for (const row of due.rows) {
    await client.query(
      `UPDATE executor_cron SET "nextRunAt" = ($3::timestamptz AT TIME ZONE 'UTC'), "updatedAt" = now() WHERE "functionId" = $1 AND cron = $2`,
      [row.functionId, row.cron, nextCronTime(row.cron).toISOString()],
    );
    const event = await insertInternalEvent(client, "inngest/scheduled.timer", {
      cron: row.cron,
      scheduledAt: new Date(row.nextRunAt).toISOString(),
      fireAt: new Date(row.nextRunAt).toISOString(),
    });
    await startRun(client, { id: row.functionId, config: row.config, triggers: row.triggers }, event);
  }
  return due.rowCount ?? 0;
}

/** Stores an event the executor itself emits (cron ticks, invocations): no trigger matching, no dedupe. */
export async function insertInternalEvent(client: pg.PoolClient, name: string, data: Record<string, unknown>): Promise<InngestEvent> {
  const event: InngestEvent = { id: newId(), name, data, ts: Date.now() };
  await client.query(`INSERT INTO executor_event (id, name, data, ts) VALUES ($1, $2, $3, $4)`, [
    event.id,
    event.name,
    JSON.stringify(data),
    event.ts,
  ]);
  return event;
}

/** The request version the SDK answered with: the next call sends it back. */
export async function recordRequestVersion(client: pg.PoolClient, runId: string, version: number) {
  await client.query(`UPDATE executor_run SET "requestVersion" = $2, "updatedAt" = now() WHERE id = $1`, [runId, version]);
}

/** Immediate execution stays off while a group of parallel steps runs (the SDK would run a sibling inline twice). */
export async function setImmediateExecutionDisabled(client: pg.PoolClient, runId: string, isDisabled: boolean) {
  await client.query(`UPDATE executor_run SET "disableImmediateExecution" = $2 WHERE id = $1`, [runId, isDisabled]);
}
