import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type pg from "pg";

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

export async function migrateExecutorSchema(pool: pg.Pool, { dir = EXECUTOR_MIGRATIONS_DIR } = {}): Promise<string[]> {
  const files = (await readdir(dir)).filter((name) => name.endsWith(".sql")).sort();
  const client = await pool.connect();
  const applied: string[] = [];
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
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
  return applied;
}
