import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";

import { inTransaction, ingestEvents, normalizeEvent, registerApp } from "../../src/store";

/**
 * The executor takes row locks in one order everywhere (docs/decisions/005): a run's waits, then its
 * jobs, then the run's row. Before, cancelling a run from an event locked the run and then its jobs,
 * while a checkpoint holds its job and then appends to the run: the two deadlocked (PostgreSQL
 * aborted one after deadlock_timeout), seen once in an end-to-end run.
 */
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
afterAll(() => pool.end());

describe("executor lock order", () => {
  it("lets a run be cancelled while a checkpoint holds its job: the cancel waits, neither fails", async () => {
    const tag = randomUUID().slice(0, 8);
    await registerApp(pool, {
      url: `http://127.0.0.1:9/api/inngest?${tag}`,
      appName: `locks-${tag}`,
      functions: [
        {
          id: `locks-${tag}-fn`,
          triggers: [{ event: `locks-${tag}/run` }],
          steps: { step: { id: "step", name: "step", runtime: { type: "http", url: `http://127.0.0.1:9/api/inngest?${tag}` } } },
          cancel: [{ event: `locks-${tag}/cancel`, if: "async.data.id == event.data.id" }],
        },
      ],
    });
    await inTransaction(pool, (client) => ingestEvents(client, [normalizeEvent({ name: `locks-${tag}/run`, data: { id: 1 } }, 0)]));
    const {
      rows: [run],
    } = await pool.query<{ id: string; jobs: number }>(
      `SELECT r.id, (SELECT count(*)::int FROM executor_job j WHERE j."runId" = r.id) AS jobs
         FROM executor_run r JOIN executor_function f ON f.id = r."functionId" WHERE f.name = $1 OR f.id LIKE $2`,
      [`locks-${tag}-fn`, `%locks-${tag}-fn`],
    );
    expect(run?.jobs).toBe(1);

    // A checkpoint's order: its job's row, then (after a while) the run's row.
    const checkpoint = await pool.connect();
    let cancelled: Promise<unknown> | null = null;
    try {
      await checkpoint.query("BEGIN");
      await checkpoint.query(`SELECT 1 FROM executor_job WHERE "runId" = $1 FOR UPDATE`, [run!.id]);
      // Meanwhile the cancel event arrives.
      cancelled = inTransaction(pool, (client) =>
        ingestEvents(client, [normalizeEvent({ name: `locks-${tag}/cancel`, data: { id: 1 } }, 0)]),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      await checkpoint.query(`UPDATE executor_run SET "updatedAt" = now() WHERE id = $1`, [run!.id]);
      await checkpoint.query("COMMIT");
    } catch (error) {
      await checkpoint.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      checkpoint.release();
    }
    await cancelled;
    const after = await pool.query<{ status: string; jobs: number }>(
      `SELECT status, (SELECT count(*)::int FROM executor_job WHERE "runId" = $1) AS jobs FROM executor_run WHERE id = $1`,
      [run!.id],
    );
    expect(after.rows[0]).toEqual({ status: "cancelled", jobs: 0 });
  });
});
