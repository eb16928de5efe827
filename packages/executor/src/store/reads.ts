import type { InngestEvent, Memo } from "../types";
import type { Db } from "./transaction";

/** Reads: a run as the worker calls the SDK with it, and runs as Inngest's REST API shows them. */

/** What a call to the SDK needs to know about its run. */
export type RunContext = {
  id: string;
  status: string;
  stack: string[];
  requestVersion: number;
  disableImmediateExecution: boolean;
  url: string;
  maxAttempts: number;
  functionId: string;
  event: InngestEvent;
  /** The memo of every finished step, keyed by hashed step id. */
  steps: Record<string, Memo>;
};

export async function loadRun(db: Db, runId: string): Promise<RunContext | null> {
  const { rows } = await db.query<RunContext>(
    `SELECT r.id, r.status, r.stack, r."requestVersion", r."disableImmediateExecution", f.url, f."maxAttempts", f.id AS "functionId",
            json_build_object('id', e.id, 'name', e.name, 'data', e.data, 'ts', e.ts) AS event,
            (SELECT coalesce(json_object_agg(s."stepId", s.memo), '{}'::json) FROM executor_step s
              WHERE s."runId" = r.id AND s.status IN ('completed', 'failed')) AS steps
       FROM executor_run r JOIN executor_function f ON f.id = r."functionId" JOIN executor_event e ON e.id = r."eventId"
      WHERE r.id = $1`,
    [runId],
  );
  const run = rows[0];
  if (run) run.event.ts = Number(run.event.ts);
  return run ?? null;
}

export type RunRow = {
  id: string;
  functionId: string;
  eventId: string;
  status: string;
  output: unknown;
  error: unknown;
  startedAt: Date;
  endedAt: Date | null;
};

const RUN_COLUMNS = `id, "functionId", "eventId", status, output, error, "startedAt", "endedAt"`;

export async function runsOfEvent(db: Db, eventId: string): Promise<RunRow[]> {
  return (await db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM executor_run WHERE "eventId" = $1 ORDER BY "startedAt"`, [eventId])).rows;
}

export async function runById(db: Db, runId: string): Promise<RunRow | null> {
  return (await db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM executor_run WHERE id = $1`, [runId])).rows[0] ?? null;
}

/** The event that started the run (a one-element batch), or none for an unknown run. */
export async function runTriggerEvents(db: Db, runId: string): Promise<unknown[]> {
  const { rows } = await db.query<{ event: unknown }>(
    `SELECT json_build_object('id', e.id, 'name', e.name, 'data', e.data, 'ts', e.ts) AS event
       FROM executor_run r JOIN executor_event e ON e.id = r."eventId" WHERE r.id = $1`,
    [runId],
  );
  return rows.map((r) => r.event);
}

/** The memos of the run's finished steps, keyed by step id. */
export async function runMemos(db: Db, runId: string): Promise<Record<string, unknown>> {
  const { rows } = await db.query<{ stepId: string; memo: unknown }>(
    `SELECT "stepId", memo FROM executor_step WHERE "runId" = $1 AND status IN ('completed', 'failed')`,
    [runId],
  );
  return Object.fromEntries(rows.map((r) => [r.stepId, r.memo]));
}

/** The queue as a whole, for the executor's /metrics: the same on every executor of one database. */
export type QueueState = { activeRuns: number; dueJobs: number; leasedJobs: number; lagSeconds: number };

export async function queueState(db: Db): Promise<QueueState> {
  // A job is due when its time has come and nobody holds a live lease on it; the oldest due job's age
  // is how far the executors are behind (0 when they keep up).
  const { rows } = await db.query<{ runs: number; due: number; leased: number; lag: number | null }>(
    `SELECT (SELECT count(*)::int FROM executor_run WHERE status = 'running') AS runs,
            count(*) FILTER (WHERE "runAt" <= (now() AT TIME ZONE 'UTC')
                               AND ("leasedBy" IS NULL OR "leaseExpiresAt" < (now() AT TIME ZONE 'UTC')))::int AS due,
            count(*) FILTER (WHERE "leasedBy" IS NOT NULL AND "leaseExpiresAt" >= (now() AT TIME ZONE 'UTC'))::int AS leased,
            EXTRACT(EPOCH FROM (now() AT TIME ZONE 'UTC') - min("runAt") FILTER (
              WHERE "runAt" <= (now() AT TIME ZONE 'UTC') AND ("leasedBy" IS NULL OR "leaseExpiresAt" < (now() AT TIME ZONE 'UTC'))
            ))::float8 AS lag
       FROM executor_job`,
  );
  const row = rows[0];
  return { activeRuns: row?.runs ?? 0, dueJobs: row?.due ?? 0, leasedJobs: row?.leased ?? 0, lagSeconds: Math.max(0, row?.lag ?? 0) };
}

export type StepRow = {
  stepId: string;
  name: string;
  op: string;
  status: string;
  attempts: number;
  error: unknown;
  outputSize: number;
  startedAt: Date;
  endedAt: Date | null;
};

/** A run's steps in the order they were recorded (this executor's extension of the REST API: GET /v1/runs/:id/steps). */
export async function runSteps(db: Db, runId: string): Promise<StepRow[]> {
  return (
    await db.query<StepRow>(
      `SELECT "stepId", name, op, status::text AS status, attempts, error, "outputSize", "startedAt", "endedAt"
         FROM executor_step WHERE "runId" = $1 ORDER BY id`,
      [runId],
    )
  ).rows;
}
