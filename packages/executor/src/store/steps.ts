import { stepsStored } from "../metrics";
import type { Memo } from "../types";
import type { Db } from "./transaction";

/** Steps (executor_step): a finished step's memo, or a step still sleeping, waiting or invoking. */

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

/** A step that has begun but not finished (a sleep, a wait, an invoke), stored once. */
export async function insertPendingStep(
  client: Db,
  step: { runId: string; stepId: string; name: string; op: string; status: "sleeping" | "waiting" | "invoking" },
) {
  await client.query(
    `INSERT INTO executor_step ("runId", "stepId", name, op, status) VALUES ($1, $2, $3, $4, $5) ON CONFLICT ("runId", "stepId") DO NOTHING`,
    [step.runId, step.stepId, step.name, step.op, step.status],
  );
}

/** Whether the step still waits for an invoked run, its row locked until the transaction ends (the invoke's timeout). */
export async function lockInvokingStep(client: Db, runId: string, stepId: string): Promise<boolean> {
  const pending = await client.query(
    `SELECT id FROM executor_step WHERE "runId" = $1 AND "stepId" = $2 AND status = 'invoking' FOR UPDATE`,
    [runId, stepId],
  );
  return (pending.rowCount ?? 0) > 0;
}
