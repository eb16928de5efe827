import type pg from "pg";
import { inTransaction, type Db } from "./transaction";

/**
 * The job queue (executor_job): what is due, for which run and step. A worker leases due jobs with
 * FOR UPDATE SKIP LOCKED, renews its leases while it works, and deletes a job in the transaction that
 * stores what came of it; a dead worker's lease expires and another worker takes the job.
 */
export type JobKind = "discover" | "run-step" | "wake" | "wait-timeout" | "invoke-timeout";
export type Job = { id: string; runId: string; kind: JobKind; stepId: string; attempt: number; claimedAt?: string };
export type ClaimedJob = Job & { concurrencyKey: string | null; concurrencyLimit: number | null };

/** When a job is due: after a delay from the transaction's time, or at an instant. */
export type Due = { delayMs?: number; at?: Date };

export async function enqueueJob(
  client: Db,
  runId: string,
  kind: JobKind,
  stepId: string,
  { delayMs = 0, attempt = 0, at }: Due & { attempt?: number } = {},
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

/** Leases up to `limit` due jobs for `workerId`, never one of `exclude` (the worker's own, still in flight). */
export async function leaseDueJobs(
  pool: pg.Pool,
  { workerId, limit, leaseMs, exclude }: { workerId: string; limit: number; leaseMs: number; exclude: string[] },
): Promise<ClaimedJob[]> {
  const { rows } = await pool.query<ClaimedJob>(
    `WITH picked AS (
       SELECT id FROM executor_job
        WHERE "runAt" <= (now() AT TIME ZONE 'UTC') AND ("leasedBy" IS NULL OR "leaseExpiresAt" < (now() AT TIME ZONE 'UTC'))
          AND NOT (id = ANY($4::bigint[])) -- never this worker's own jobs still in flight
        ORDER BY "runAt" LIMIT $2 FOR UPDATE SKIP LOCKED)
     UPDATE executor_job j SET "leasedBy" = $1, "admittedAt" = NULL,
            "leaseExpiresAt" = (now() AT TIME ZONE 'UTC') + make_interval(secs => $3::double precision / 1000)
       FROM picked, executor_run r
      WHERE j.id = picked.id AND r.id = j."runId"
      RETURNING j.id::text, j."runId", j.kind, j."stepId", j.attempt, r."concurrencyKey", r."concurrencyLimit",
                to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "claimedAt"`,
    [workerId, limit, leaseMs, exclude],
  );
  return rows;
}

/**
 * Concurrency: at most `limit` SDK calls in flight per key. Admission is serialised per key by an
 * advisory lock; a job over the limit goes back to the queue for a moment (false).
 */
export async function admitJob(pool: pg.Pool, job: ClaimedJob, workerId: string): Promise<boolean> {
  return inTransaction(pool, async (client) => {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`concurrency:${job.concurrencyKey}`]);
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM executor_job j JOIN executor_run r ON r.id = j."runId"
        WHERE r."concurrencyKey" = $1 AND j."admittedAt" IS NOT NULL AND j."leaseExpiresAt" > (now() AT TIME ZONE 'UTC') AND j.id <> $2`,
      [job.concurrencyKey, job.id],
    );
    if ((rows[0]?.n ?? 0) < job.concurrencyLimit!) {
      await client.query(`UPDATE executor_job SET "admittedAt" = now() WHERE id = $1 AND "leasedBy" = $2`, [job.id, workerId]);
      return true;
    }
    await client.query(
      `UPDATE executor_job SET "leasedBy" = NULL, "leaseExpiresAt" = NULL, "runAt" = (now() AT TIME ZONE 'UTC') + interval '100 milliseconds'
        WHERE id = $1 AND "leasedBy" = $2`,
      [job.id, workerId],
    );
    return false;
  });
}

/** Milliseconds until the next job any worker could take is due (negative when one is overdue), or null when none is queued. */
export async function msUntilNextJob(pool: pg.Pool): Promise<number | null> {
  const { rows } = await pool.query<{ ms: number | null }>(
    `SELECT EXTRACT(EPOCH FROM (min("runAt") - (now() AT TIME ZONE 'UTC'))) * 1000 AS ms FROM executor_job WHERE "leasedBy" IS NULL OR "leaseExpiresAt" < (now() AT TIME ZONE 'UTC')`,
  );
  const ms = rows[0]?.ms;
  return ms === null || ms === undefined ? null : Number(ms);
}

export async function extendLeases(pool: pg.Pool, workerId: string, jobIds: string[], leaseMs: number) {
  await pool.query(
    `UPDATE executor_job SET "leaseExpiresAt" = (now() AT TIME ZONE 'UTC') + make_interval(secs => $3::double precision / 1000)
      WHERE "leasedBy" = $1 AND id = ANY($2::bigint[])`,
    [workerId, jobIds, leaseMs],
  );
}

/** Gives the worker's jobs back to the queue, due now (a shutdown past its grace period); returns how many. */
export async function releaseJobs(pool: pg.Pool, workerId: string, jobIds: string[]): Promise<number> {
  const released = await pool.query(
    `UPDATE executor_job SET "leasedBy" = NULL, "leaseExpiresAt" = NULL, "admittedAt" = NULL, "runAt" = LEAST("runAt", (now() AT TIME ZONE 'UTC'))
      WHERE "leasedBy" = $1 AND id = ANY($2::bigint[])`,
    [workerId, jobIds],
  );
  return released.rowCount ?? 0;
}

/** Deletes a job this worker holds; false when its lease was lost (another worker took it over). */
export async function deleteLeasedJob(client: pg.PoolClient, jobId: string, workerId: string): Promise<boolean> {
  const removed = await client.query(`DELETE FROM executor_job WHERE id = $1 AND "leasedBy" = $2`, [jobId, workerId]);
  return (removed.rowCount ?? 0) > 0;
}

/** Turns a held wake job into the call that discovers the run's next step; false when its lease was lost. */
export async function turnIntoDiscovery(client: pg.PoolClient, jobId: string, workerId: string): Promise<boolean> {
  const held = await client.query(
    `UPDATE executor_job SET kind = 'discover', "stepId" = 'step', attempt = 0 WHERE id = $1 AND "leasedBy" = $2`,
    [jobId, workerId],
  );
  return (held.rowCount ?? 0) > 0;
}

/** Whether a step of the run is queued or stored already (a planned step is enqueued once). */
export async function isStepKnown(client: pg.PoolClient, runId: string, stepId: string): Promise<boolean> {
  const exists = await client.query(
    `SELECT 1 FROM executor_job WHERE "runId" = $1 AND "stepId" = $2 UNION ALL SELECT 1 FROM executor_step WHERE "runId" = $1 AND "stepId" = $2`,
    [runId, stepId],
  );
  return (exists.rowCount ?? 0) > 0;
}

/** Whether a parallel sibling of the run is still queued or running, with the run's row locked (the last sibling continues the run). */
export async function hasRunningSiblings(client: pg.PoolClient, runId: string): Promise<boolean> {
  await client.query(`SELECT 1 FROM executor_run WHERE id = $1 FOR UPDATE`, [runId]);
  const siblings = await client.query(`SELECT 1 FROM executor_job WHERE "runId" = $1 AND kind = 'run-step' LIMIT 1`, [runId]);
  return (siblings.rowCount ?? 0) > 0;
}
