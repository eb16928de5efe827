import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "~/server/db/embedded";
import { applyMigrations, readMigrations } from "~/server/db/migrate";

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe("embedded database (PGlite + pgvector over the wire protocol)", () => {
  it("keeps data across a clean restart, with migrations and vector search working", async () => {
    const dataDir = path.join(await mkdtemp(path.join(tmpdir(), "longhaul-embedded-")), "pglite");
    const first = await startEmbeddedPostgres({ dataDir, port: 0 });
    try {
      expect(await applyMigrations(first.url)).toHaveLength((await readMigrations()).length);
      await query(first.url, `INSERT INTO team (id, name, slug) VALUES ('t1', 'Team', 'team-1')`);
      await query(
        first.url,
        `INSERT INTO agent (id, "teamId", name, goal, model, "updatedAt") VALUES (gen_random_uuid(), 't1', 'Survivor', 'Outlive a restart.', 'simulator-1', now())`,
      );
    } finally {
      await first.stop();
    }

    const second = await startEmbeddedPostgres({ dataDir, port: 0 });
    try {
      expect(await applyMigrations(second.url)).toEqual([]);
      const agents = await query<{ name: string }>(second.url, `SELECT name FROM agent`);
      expect(agents).toEqual([{ name: "Survivor" }]);
      const vec = "[" + Array.from({ length: 1536 }, (_, i) => (i === 0 ? 1 : 0)).join(",") + "]";
      const rows = await query<{ d: number }>(second.url, `SELECT $1::vector(1536) <=> $1::vector(1536) AS d`, [vec]);
      expect(rows[0]!.d).toBe(0);
    } finally {
      await second.stop();
    }
  });
});
