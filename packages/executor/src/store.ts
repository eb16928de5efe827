import type pg from "pg";
import { logger } from "./log";
import { checkCron, nextCronTime } from "./cron";
import { evaluateKey, matches } from "./expressions";
import { newId } from "./ids";
import { stepsStored } from "./metrics";
import type { FunctionConfig, IncomingEvent, InngestEvent, Memo, RegisterBody } from "./types";

/**
 * The executor's durable state, all in PostgreSQL. Every function here takes a client that may be
 * inside a transaction, so the caller decides what commits together (a step's result and the next
 * job always do). Times are computed by the database (sessions run in UTC).
 */
export type Db = pg.Pool | pg.PoolClient;

// Options Inngest supports that this executor does not implement yet: warned about at sync.
const UNSUPPORTED_OPTIONS = ["throttle", "rateLimit", "debounce", "batchEvents", "priority", "timeouts", "singleton"];

const ignore = () => {};

export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A connection that dies while checked out (a database restart) emits "error"; the failed query
  // already reports it, and the broken client is destroyed below instead of going back to the pool.
  client.on("error", ignore);
  let failure: unknown = null;
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    failure = error;
    await client.query("ROLLBACK").catch(ignore);
    throw error;
  } finally {
    client.off("error", ignore);
    client.release(isConnectionError(failure) ? (failure as Error) : undefined);
  }
}

/** Errors after which a connection must not be reused: it is gone or being shut down. */
function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code ?? "";
  return code.startsWith("57P") || code.startsWith("08") || /Connection terminated|ECONNRESET|ECONNREFUSED|EPIPE/.test(error.message);
}

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

export class BadEventError extends Error {}

/** Validates one incoming event; names the problem so the sender can fix it. */
export function normalizeEvent(raw: IncomingEvent, index: number): Omit<InngestEvent, "id"> & { idempotencyKey: string | null } {
  if (typeof raw !== "object" || raw === null) throw new BadEventError(`Event ${index} is not a JSON object.`);
  if (typeof raw.name !== "string" || raw.name.trim() === "") throw new BadEventError(`Event ${index} has no "name".`);
  if (raw.name.startsWith("inngest/") && raw.name !== "inngest/function.failed" && raw.name !== "inngest/function.invoked") {
    throw new BadEventError(`Event ${index}: names starting with "inngest/" are reserved.`);
  }
  const data = raw.data ?? {};
  if (typeof data !== "object" || Array.isArray(data))
    throw new BadEventError(`Event ${index} ("${raw.name}"): "data" must be a JSON object.`);
  if (raw.id !== undefined && raw.id !== null && (typeof raw.id !== "string" || raw.id.length > 256)) {
    throw new BadEventError(`Event ${index} ("${raw.name}"): "id" must be a string of at most 256 characters.`);
  }
  const ts = typeof raw.ts === "number" && Number.isFinite(raw.ts) ? raw.ts : Date.now();
  return { name: raw.name, data, ts, user: raw.user, idempotencyKey: typeof raw.id === "string" ? raw.id : null };
}

type FunctionRow = { id: string; config: FunctionConfig; triggers: { event?: string; expression?: string }[] };

/**
 * Stores events and, in the same transaction, starts the runs they trigger, resumes the waits they
 * match and cancels the runs they cancel. An event whose `id` was seen before is not processed again.
 */
export async function ingestEvents(client: pg.PoolClient, events: ReturnType<typeof normalizeEvent>[]): Promise<string[]> {
  const ids: string[] = [];
  const functions = (await client.query<FunctionRow>(`SELECT id, config, triggers FROM executor_function WHERE NOT "isArchived"`)).rows;
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

export async function enqueueJob(
  client: Db,
  runId: string,
  kind: string,
  stepId: string,
  { delayMs = 0, attempt = 0, at }: { delayMs?: number; attempt?: number; at?: Date } = {},
) {
  if (at) {
    await client.query(
      `INSERT INTO executor_job ("runId", kind, "stepId", attempt, "runAt") VALUES ($1, $2, $3, $4, ($5::timestamptz AT TIME ZONE 'UTC'))`,
      [runId, kind, stepId, attempt, at.toISOString()],
    );
  } else {
    await client.query(
      `INSERT INTO executor_job ("runId", kind, "stepId", attempt, "runAt") VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::double precision / 1000))`,
      [runId, kind, stepId, attempt, delayMs],
    );
  }
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

/**
 * Registering a wait and receiving an event must not pass each other unseen (each transaction unable to
 * see the other's uncommitted row): receivers take this lock shared, a new wait takes it exclusively.
 */
export async function lockWaitsFor(client: pg.PoolClient, eventName: string, mode: "shared" | "exclusive") {
  const fn = mode === "shared" ? "pg_advisory_xact_lock_shared" : "pg_advisory_xact_lock";
  await client.query(`SELECT ${fn}(hashtext('executor-wait:' || $1))`, [eventName]);
}

async function resumeMatchingWaits(client: pg.PoolClient, event: InngestEvent) {
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
    await client.query(`DELETE FROM executor_wait WHERE id = $1`, [wait.id]);
    await client.query(`DELETE FROM executor_job WHERE "runId" = $1 AND kind = 'wait-timeout' AND "stepId" = $2`, [
      wait.runId,
      wait.stepId,
    ]);
    await completeStep(client, wait.runId, wait.stepId, event, "completed");
    await enqueueJob(client, wait.runId, "discover", "step");
  }
}

/** A step finishes once: a repeated report (a retried checkpoint, a late invoke result) changes nothing. */
const FINISH_ONCE = `ON CONFLICT ("runId", "stepId") DO UPDATE SET status = EXCLUDED.status, memo = EXCLUDED.memo, error = EXCLUDED.error,
      "outputSize" = EXCLUDED."outputSize", "endedAt" = now(), attempts = GREATEST(executor_step.attempts, EXCLUDED.attempts)
    WHERE executor_step.status NOT IN ('completed', 'failed')`;

/**
 * A finished step and its place on the run's stack, as one statement's CTEs (one round trip on every
 * step): `source` yields the step's row, $1–$9 being run id, step id, name, op, status, attempts,
 * memo, error and output size. A step finishes once: a repeated report (a retried checkpoint, a late
 * invoke result) changes nothing, and the stack only grows when the step was stored.
 */
const storeStepCtes = (source: string) => `
  stored AS (
    INSERT INTO executor_step ("runId", "stepId", name, op, status, attempts, memo, error, "outputSize", "endedAt")
    ${source}
    ${FINISH_ONCE}
    RETURNING id
  ), appended AS (
    UPDATE executor_run SET stack = stack || to_jsonb($2::text), "updatedAt" = now() WHERE id = $1 AND EXISTS (SELECT 1 FROM stored)
  )`;

function stepParams(
  runId: string,
  stepId: string,
  memo: Memo,
  status: "completed" | "failed",
  details?: { name?: string; op?: string; attempts?: number },
) {
  const json = JSON.stringify(memo);
  const error = status === "failed" && memo && typeof memo === "object" && "error" in memo ? JSON.stringify(memo.error) : null;
  return [
    runId,
    stepId,
    details?.name ?? stepId,
    details?.op ?? "StepRun",
    status,
    details?.attempts ?? 1,
    json,
    error,
    Buffer.byteLength(json),
  ];
}

/** Stores a step's memo, marks it finished and appends it to the run's stack (completion order). */
export async function completeStep(
  client: Db,
  runId: string,
  stepId: string,
  memo: Memo,
  status: "completed" | "failed",
  details?: { name?: string; op?: string; attempts?: number },
) {
  const stored = await client.query(
    `WITH ${storeStepCtes("VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())")} SELECT id FROM stored`,
    stepParams(runId, stepId, memo, status, details),
  );
  if (stored.rowCount === 0) return false;
  stepsStored.inc({ status });
  return true;
}

/** A finished step as a checkpoint reports it. */
export type CheckpointStep = { stepId: string; memo: Memo; status: "completed" | "failed"; name: string; op: string };

/**
 * Checkpointed steps (one, or several when the SDK buffers them), stored only while the request still
 * holds its job (`leasedBy`; the job's row is locked for the statement, as the worker locks it): one
 * statement, no transaction, whatever the number of steps. They join the run's stack in the order
 * given; a step reported twice (here or earlier) is stored once. `held` is false when another worker
 * took the job over (a stale dispatch): nothing was stored then.
 */
export async function completeLeasedSteps(pool: Db, lease: { jobId: string; workerId: string }, runId: string, steps: CheckpointStep[]) {
  const seen = new Set<string>();
  const input = steps.flatMap(({ stepId, memo, status, name, op }, ord) => {
    if (seen.has(stepId)) return [];
    seen.add(stepId);
    // As stepParams: the memo whole, the error of a failed step beside it, and the memo's size.
    const error = status === "failed" && memo && typeof memo === "object" && "error" in memo ? (memo.error ?? null) : null;
    return [{ stepId, name, op, status, memo, error, outputSize: Buffer.byteLength(JSON.stringify(memo)), ord }];
  });
  const { rows } = await pool.query<{ held: boolean; completed: number; failed: number }>(
    `WITH job AS (SELECT 1 FROM executor_job WHERE id = $2 AND "runId" = $1 AND "leasedBy" = $3 FOR UPDATE),
     input AS (
       SELECT * FROM jsonb_to_recordset($4::jsonb)
         AS s("stepId" text, name text, op text, status "ExecutorStepStatus", memo jsonb, error jsonb, "outputSize" int, ord int)
     ), stored AS (
       INSERT INTO executor_step ("runId", "stepId", name, op, status, attempts, memo, error, "outputSize", "endedAt")
       SELECT $1, "stepId", name, op, status, 1, memo, error, "outputSize", now() FROM input WHERE EXISTS (SELECT 1 FROM job)
       ${FINISH_ONCE}
       RETURNING "stepId", status
     ), appended AS (
       UPDATE executor_run
          SET stack = stack || (SELECT jsonb_agg(i."stepId" ORDER BY i.ord) FROM input i JOIN stored USING ("stepId")), "updatedAt" = now()
        WHERE id = $1 AND EXISTS (SELECT 1 FROM stored)
     )
     SELECT EXISTS (SELECT 1 FROM job) AS held,
            (SELECT count(*) FROM stored WHERE status = 'completed')::int AS completed,
            (SELECT count(*) FROM stored WHERE status = 'failed')::int AS failed`,
    [runId, lease.jobId, lease.workerId, JSON.stringify(input)],
  );
  const { held, completed, failed } = rows[0]!;
  if (completed) stepsStored.inc({ status: "completed" }, completed);
  if (failed) stepsStored.inc({ status: "failed" }, failed);
  return held;
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
