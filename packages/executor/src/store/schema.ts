import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type pg from "pg";
import { isConnectionError } from "./transaction";

/**
 * The executor's own tables come from its own migrations (packages/executor/migrations/*.sql, applied
 * in name order, each once, each in its own transaction), so it runs beside any app on any PostgreSQL
 * database. What was applied is kept in `executor_schema_migration`. The first migration adopts the
 * tables Longhaul's app migrations created before the executor had its own (every object it makes is
 * skipped when it exists); a later change to the executor's tables is a new file here, never an app migration.
 */
export const EXECUTOR_MIGRATIONS_DIR = path.resolve(import.meta.dirname, "../../migrations");
// Held while migrating, so executors starting together apply each migration once.
const MIGRATION_LOCK = 0x6c68_6578; // "lhex"

/**
 * Applies the pending migrations. A database that cannot be reached yet (starting, restarting) is
 * waited for, up to `waitMs`, as the worker waits for it later: an executor started before its database
 * comes up, or during a restart, starts once it is there instead of exiting.
 */
export async function migrateExecutorSchema(
  pool: pg.Pool,
  { dir = EXECUTOR_MIGRATIONS_DIR, waitMs = 60_000, onWait }: { dir?: string; waitMs?: number; onWait?: (error: Error) => void } = {},
): Promise<string[]> {
  const deadline = Date.now() + waitMs;
  for (let delay = 250; ; delay = Math.min(delay * 2, 5_000)) {
    try {
      return await migrateOnce(pool, dir);
    } catch (error) {
      if (!isConnectionError(error) || Date.now() + delay > deadline) throw error;
      onWait?.(error as Error);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

async function migrateOnce(pool: pg.Pool, dir: string): Promise<string[]> {
  const files = (await readdir(dir)).filter((name) => name.endsWith(".sql")).sort();
  const client = await pool.connect();
  // A connection that dies while held (a database restart) reports it through the failing query.
  const ignore = () => {};
  client.on("error", ignore);
  const applied: string[] = [];
  let failure: unknown = null;
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS executor_schema_migration (
      name TEXT PRIMARY KEY,
      "appliedAt" TIMESTAMP(3) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
    )`);
    const { rows } = await client.query<{ name: string }>("SELECT name FROM executor_schema_migration");
    const done = new Set(rows.map((r) => r.name));
    const unknown = [...done].filter((name) => !files.includes(name));
    if (unknown.length > 0)
      throw new Error(
        `The database has executor migrations ${unknown.join(", ")} applied that this executor does not know: is it from a newer version?`,
      );
    for (const name of files) {
      if (done.has(name)) continue;
      const sql = await readFile(path.join(dir, name), "utf8");
      try {
        await client.query("BEGIN");
        await client.query(sql);
        await client.query("INSERT INTO executor_schema_migration (name) VALUES ($1)", [name]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw new Error(`Executor migration ${name} failed: ${(error as Error).message}`, { cause: error });
      }
      applied.push(name);
    }
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(ignore);
    client.off("error", ignore);
    // A broken connection is destroyed, not handed back to the pool.
    client.release(isConnectionError(failure) ? (failure as Error) : undefined);
  }
  return applied;
}
