import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateExecutorSchema } from "@longhaul/executor/store";
import { applyMigrations, MIGRATIONS_DIR, readMigrations } from "~/server/db/migrate";
import { renderSchemaAsSql } from "~/scripts/lib/schema-engine";

const databaseUrl = process.env.DATABASE_URL!;
const SCHEMA_PATH = path.resolve(import.meta.dirname, "../../prisma/schema.prisma");
// Bookkeeping tables, each of its own migrator: Prisma's (the app's) and the executor package's.
const BOOKKEEPING = ["_prisma_migrations", "executor_schema_migration"];
// Indexes Prisma cannot model, written by hand in migrations; each must exist after all migrations.
const HAND_WRITTEN_INDEXES = [
  "memory_embedding_hnsw_idx",
  "spend_entry_reserved_createdAt_idx",
  "memory_pinned_agentId_idx",
  "memory_pending_createdAt_idx",
];

let client: pg.Client;
beforeAll(async () => {
  client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
});
afterAll(async () => {
  await client.end();
});

type Catalog = Map<string, string>;

/** Everything Prisma models in one schema, as comparable "kind:name -> definition" entries. */
async function readCatalog(schema: string): Promise<Catalog> {
  const catalog: Catalog = new Map();
  const strip = (text: string) =>
    text.replaceAll(`"${schema}".`, "").replaceAll(`${schema}.`, "").replaceAll('"public".', "").replaceAll("public.", "");
  const columns = await client.query<{ table: string; column: string; type: string; notnull: boolean; default: string | null }>(
    `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
            pg_get_expr(d.adbin, d.adrelid) AS default
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid AND c.relkind = 'r'
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = $1 AND a.attnum > 0 AND NOT a.attisdropped AND c.relname <> ALL($2)`,
    [schema, BOOKKEEPING],
  );
  for (const c of columns.rows)
    catalog.set(`column:${c.table}.${c.column}`, strip(`${c.type} ${c.notnull ? "NOT NULL" : "NULL"} DEFAULT ${c.default ?? "-"}`));
  const indexes = await client.query<{ name: string; def: string }>(
    `SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = $1 AND tablename <> ALL($2)`,
    [schema, BOOKKEEPING],
  );
  for (const i of indexes.rows) catalog.set(`index:${i.name}`, strip(i.def));
  const constraints = await client.query<{ table: string; name: string; def: string }>(
    `SELECT c.relname AS table, k.conname AS name, pg_get_constraintdef(k.oid) AS def
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname <> ALL($2) AND k.contype IN ('p', 'f', 'u', 'c')`,
    [schema, BOOKKEEPING],
  );
  for (const k of constraints.rows) catalog.set(`constraint:${k.table}.${k.name}`, strip(k.def));
  const enums = await client.query<{ name: string; labels: string[] }>(
    `SELECT t.typname AS name, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS labels
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = $1 GROUP BY t.typname`,
    [schema],
  );
  for (const e of enums.rows) catalog.set(`enum:${e.name}`, e.labels.join(","));
  return catalog;
}

/** Applies Prisma's rendering of `schemaPath` to a scratch schema and lists how the migrated database differs. */
async function driftAgainst(schemaPath: string): Promise<string[]> {
  const scratch = `drift_${Math.random().toString(36).slice(2, 10)}`;
  const sql = (await renderSchemaAsSql(schemaPath)).replace('CREATE SCHEMA IF NOT EXISTS "public";', "");
  await client.query(`CREATE SCHEMA ${scratch}`);
  try {
    await client.query(`SET search_path TO ${scratch}, public`);
    await client.query(sql);
    await client.query("SET search_path TO public");
    const migrated = await readCatalog("public");
    const expected = await readCatalog(scratch);
    for (const name of HAND_WRITTEN_INDEXES) migrated.delete(`index:${name}`);
    const differences: string[] = [];
    for (const [key, def] of expected) {
      if (!migrated.has(key)) differences.push(`missing from migrations: ${key} (${def})`);
      else if (migrated.get(key) !== def) differences.push(`differs: ${key}\n  migrations: ${migrated.get(key)}\n  schema:     ${def}`);
    }
    for (const [key, def] of migrated) if (!expected.has(key)) differences.push(`not in schema.prisma: ${key} (${def})`);
    return differences.sort();
  } finally {
    await client.query("SET search_path TO public");
    await client.query(`DROP SCHEMA ${scratch} CASCADE`);
  }
}

describe("migrations", () => {
  it("are all applied, finished, with Prisma's checksums", async () => {
    const files = await readMigrations();
    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows.map((r) => r.migration_name)).toEqual(files.map((f) => f.name));
    for (const [i, row] of rows.entries()) {
      expect(row.checksum).toBe(files[i]!.checksum);
      expect(row.finished_at).not.toBeNull();
    }
  });

  it("create the pgvector extension and the HNSW cosine index on memory embeddings", async () => {
    const ext = await client.query(`SELECT extversion FROM pg_extension WHERE extname = 'vector'`);
    expect(ext.rowCount).toBe(1);
    const { rows } = await client.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'memory'`,
    );
    const hnsw = rows.find((r) => r.indexname === "memory_embedding_hnsw_idx");
    expect(hnsw?.indexdef).toMatch(/USING hnsw \(embedding vector_cosine_ops\)/);
    const type = await client.query<{ t: string }>(
      `SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = 'memory'::regclass AND attname = 'embedding'`,
    );
    expect(type.rows[0]!.t).toBe("vector(1536)");
  });

  it("match schema.prisma exactly (no drift)", async () => {
    expect(await driftAgainst(SCHEMA_PATH)).toEqual([]);
  });

  it("made the executor's tables exactly as the executor package's own migrations make them", async () => {
    // The app's migrations created the executor's tables before the package had migrations of its own;
    // the package's first migration adopts them, so the two must agree to the last index and default.
    const scratch = `executor_${Math.random().toString(36).slice(2, 10)}`;
    await client.query(`CREATE SCHEMA ${scratch}`);
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1, options: `-c search_path=${scratch}` });
    try {
      expect(await migrateExecutorSchema(pool)).toEqual(["0001_tables.sql"]);
      expect(await migrateExecutorSchema(pool)).toEqual([]);
      const executorOnly = (catalog: Catalog) =>
        [...catalog].filter(([key]) => /^(column|index|constraint):executor_|^enum:Executor/.test(key)).sort();
      const own = executorOnly(await readCatalog(scratch));
      expect(own.length).toBeGreaterThan(60);
      expect(own).toEqual(executorOnly(await readCatalog("public")));
    } finally {
      await pool.end();
      await client.query(`DROP SCHEMA ${scratch} CASCADE`);
    }
  });

  it("the executor's first migration adopts the tables the app's migrations made", async () => {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    try {
      const before = await readCatalog("public");
      await migrateExecutorSchema(pool);
      const { rows } = await client.query<{ name: string }>("SELECT name FROM executor_schema_migration");
      expect(rows.map((r) => r.name)).toEqual(["0001_tables.sql"]);
      expect(await readCatalog("public")).toEqual(before);
    } finally {
      await pool.end();
    }
  });

  it("drift detection notices a schema change that has no migration", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "longhaul-drift-"));
    const changed = (await readFile(SCHEMA_PATH, "utf8"))
      .replace("model Fact {", "model Fact {\n  unmigrated String?")
      .replace("  @@unique([agentId, key])", "  @@unique([agentId, key])\n  @@index([source])");
    const changedPath = path.join(dir, "schema.prisma");
    await writeFile(changedPath, changed);
    const differences = await driftAgainst(changedPath);
    expect(differences).toEqual([
      expect.stringContaining("missing from migrations: column:fact.unmigrated"),
      expect.stringContaining("missing from migrations: index:fact_source_idx"),
    ]);
  });

  it("re-running applies nothing", async () => {
    expect(await applyMigrations(databaseUrl)).toEqual([]);
  });

  it("refuses a migration that was edited after it was applied", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "longhaul-migrations-"));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    const [first] = await readMigrations(dir);
    await writeFile(path.join(dir, first!.name, "migration.sql"), first!.sql + "\n-- edited\n");
    await expect(applyMigrations(databaseUrl, { dir })).rejects.toThrow(`Migration ${first!.name} was changed after it was applied`);
  });

  it("rolls back a failing migration completely and records nothing", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "longhaul-migrations-"));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    const { mkdir } = await import("node:fs/promises");
    await mkdir(path.join(dir, "29991231000000_broken"));
    await writeFile(path.join(dir, "29991231000000_broken", "migration.sql"), "CREATE TABLE half_done (x int);\nSELECT 1/0;\n");
    await expect(applyMigrations(databaseUrl, { dir })).rejects.toThrow(/Migration 29991231000000_broken failed: division by zero/);
    const table = await client.query<{ t: string | null }>(`SELECT to_regclass('public.half_done') AS t`);
    expect(table.rows[0]!.t).toBeNull();
    const row = await client.query(`SELECT 1 FROM "_prisma_migrations" WHERE migration_name = '29991231000000_broken'`);
    expect(row.rowCount).toBe(0);
  });
});
