import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createExecutorServer } from "../../src/http-server";
import { queueState } from "../../src/store";

/**
 * The queue's gauges are the executor's (its GET /metrics), read from the database at scrape time: runs
 * in progress, jobs due and not leased, jobs in flight, and how old the oldest due job is. Other test
 * files share the database, so counts are compared with the database and the lag with our own job.
 */
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
const server = createExecutorServer({ pool, onWork: () => {}, onSyncRequest: async () => null });
const tag = randomUUID().slice(0, 8);
const runId = `metrics-run-${tag}`;
let url: string;

const sample = (text: string, name: string) => {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(" ")[1]);
};

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await pool.query(`INSERT INTO executor_app (id, url, "updatedAt") VALUES ($1, 'http://app.invalid/api/inngest', now())`, [
    `metrics-app-${tag}`,
  ]);
  await pool.query(
    `INSERT INTO executor_function (id, "appId", name, url, triggers, config, "updatedAt")
     VALUES ($1, $2, 'fn', 'http://app.invalid/api/inngest', '[]', '{}', now())`,
    [`metrics-fn-${tag}`, `metrics-app-${tag}`],
  );
  await pool.query(`INSERT INTO executor_event (id, name, data, ts) VALUES ($1, 'metrics/test', '{}', $2)`, [
    `metrics-event-${tag}`,
    Date.now(),
  ]);
  await pool.query(`INSERT INTO executor_run (id, "functionId", "eventId") VALUES ($1, $2, $3)`, [
    runId,
    `metrics-fn-${tag}`,
    `metrics-event-${tag}`,
  ]);
  // A job due 90 s ago that nobody leased (the queue is 90 s behind), and an older one in flight.
  await pool.query(
    `INSERT INTO executor_job ("runId", kind, "stepId", "runAt") VALUES ($1, 'discover', 'step', (now() AT TIME ZONE 'UTC') - interval '90 seconds')`,
    [runId],
  );
  await pool.query(
    `INSERT INTO executor_job ("runId", kind, "stepId", "runAt", "leasedBy", "leaseExpiresAt")
     VALUES ($1, 'run-step', 's', (now() AT TIME ZONE 'UTC') - interval '300 seconds', 'w', (now() AT TIME ZONE 'UTC') + interval '60 seconds')`,
    [runId],
  );
});

afterAll(async () => {
  // Leave no due job behind for other test files' executors.
  await pool.query(`DELETE FROM executor_job WHERE "runId" = $1`, [runId]);
  await pool.query(`UPDATE executor_run SET status = 'completed', "endedAt" = now() WHERE id = $1`, [runId]);
  await new Promise((resolve) => server.close(resolve));
  await pool.end();
});

describe("the executor's GET /metrics", () => {
  it("reports active runs, due and leased jobs and the queue's lag from the database", async () => {
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    const running = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM executor_run WHERE status = 'running'`)).rows[0]!.n;
    expect(sample(text, "longhaul_executor_runs_active")).toBe(running);
    expect(sample(text, "longhaul_executor_jobs_due")).toBeGreaterThanOrEqual(1);
    expect(sample(text, "longhaul_executor_jobs_leased")).toBeGreaterThanOrEqual(1);
    // The oldest due, unleased job is ours (90 s); the leased one, older still, does not count.
    const lag = sample(text, "longhaul_executor_queue_lag_seconds")!;
    expect(lag).toBeGreaterThanOrEqual(90);
    expect(lag).toBeLessThan(200);
    // The process's own numbers follow.
    expect(text).toContain("# TYPE longhaul_executor_steps_total counter");
  });

  it("reads a queue without due jobs as no lag", async () => {
    const empty = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
    try {
      const client = await empty.connect();
      try {
        // Inside a transaction that hides every job, the queue is empty.
        await client.query("BEGIN");
        await client.query("CREATE TEMP TABLE executor_job (LIKE public.executor_job) ON COMMIT DROP");
        expect(await queueState(client)).toMatchObject({ dueJobs: 0, leasedJobs: 0, lagSeconds: 0 });
        await client.query("ROLLBACK");
      } finally {
        client.release();
      }
    } finally {
      await empty.end();
    }
  });
});
