import { mkdtemp, readFile, stat } from "node:fs/promises";
import net from "node:net";
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

function withCredentials(url: string, user: string, password: string) {
  const copy = new URL(url);
  copy.username = user;
  copy.password = password;
  return copy.toString();
}

async function connectError(url: string): Promise<{ code?: string; message: string } | null> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.end();
    return null;
  } catch (error) {
    await client.end().catch(() => {});
    return error as { code?: string; message: string };
  }
}

/** Backend messages a raw client gets after a startup message and a query that skips authentication. */
function queryWithoutAuthenticating(port: number): Promise<{ type: string; text: string }[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const params = Buffer.from("user\0postgres\0database\0postgres\0\0");
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8 + params.length, 0);
    startup.writeInt32BE(196608, 4);
    const sql = Buffer.from("SELECT 'the secret' AS leaked\0");
    const query = Buffer.alloc(5);
    query.write("Q", 0);
    query.writeInt32BE(4 + sql.length, 1);
    let received = Buffer.alloc(0);
    socket.on("connect", () => socket.write(Buffer.concat([startup, params, query, sql])));
    socket.on("data", (chunk) => (received = Buffer.concat([received, chunk])));
    socket.on("error", reject);
    const timer = setTimeout(() => socket.destroy(), 5000);
    socket.on("close", () => {
      clearTimeout(timer);
      const messages: { type: string; text: string }[] = [];
      for (let at = 0; at + 5 <= received.length;) {
        const length = received.readInt32BE(at + 1);
        messages.push({ type: String.fromCharCode(received[at]!), text: received.subarray(at + 5, at + 1 + length).toString("latin1") });
        at += 1 + length;
      }
      resolve(messages);
    });
  });
}

describe("embedded database: password (docs/decisions/021)", () => {
  it("refuses a wrong or missing password and a wrong user; the right password works", async () => {
    const dataDir = path.join(await mkdtemp(path.join(tmpdir(), "longhaul-embedded-auth-")), "pglite");
    const embedded = await startEmbeddedPostgres({ dataDir, port: 0 });
    try {
      const password = decodeURIComponent(new URL(embedded.url).password);
      expect(await query<{ ok: number }>(embedded.url, "SELECT 1 AS ok")).toEqual([{ ok: 1 }]);

      const wrongPassword = await connectError(withCredentials(embedded.url, "postgres", "postgres"));
      expect(wrongPassword).toMatchObject({ code: "28P01", message: 'password authentication failed for user "postgres"' });
      const wrongUser = await connectError(withCredentials(embedded.url, "alice", password));
      expect(wrongUser).toMatchObject({ code: "28P01", message: 'password authentication failed for user "alice"' });
      // `pg` refuses to answer the server's SCRAM challenge without a password.
      const noPassword = await connectError(withCredentials(embedded.url, "postgres", ""));
      expect(noPassword?.message).toMatch(/password/);

      // A client that skips authentication gets the challenge and then a FATAL error, never an answer.
      const messages = await queryWithoutAuthenticating(embedded.port);
      expect(messages.map((m) => m.type)).toEqual(["R", "E"]);
      expect(messages[1]!.text).toContain("C08P01");
      expect(messages.some((m) => m.text.includes("the secret"))).toBe(false);
      expect(password).toMatch(/^[0-9a-f]{64}$/);

      // Those attempts left the server healthy for the rightful client.
      expect(await query<{ ok: number }>(embedded.url, "SELECT 2 AS ok")).toEqual([{ ok: 2 }]);
    } finally {
      await embedded.stop();
    }
  });

  it("generates the password once into the data folder (mode 0600) and reuses it on the next start", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "longhaul-embedded-auth-"));
    const dataDir = path.join(root, "pglite");
    const first = await startEmbeddedPostgres({ dataDir, port: 0 });
    const passwordFile = path.join(root, "pglite-password");
    let firstPassword: string;
    try {
      firstPassword = decodeURIComponent(new URL(first.url).password);
      expect((await readFile(passwordFile, "utf8")).trim()).toBe(firstPassword);
      expect((await stat(passwordFile)).mode & 0o777).toBe(0o600);
    } finally {
      await first.stop();
    }
    const second = await startEmbeddedPostgres({ dataDir, port: 0 });
    try {
      expect(decodeURIComponent(new URL(second.url).password)).toBe(firstPassword);
      expect(await query<{ ok: number }>(withCredentials(second.url, "postgres", firstPassword), "SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
    } finally {
      await second.stop();
    }
    // An in-memory database gets a fresh password of its own.
    const inMemory = await startEmbeddedPostgres({ dataDir: null, port: 0 });
    try {
      expect(decodeURIComponent(new URL(inMemory.url).password)).not.toBe(firstPassword);
      expect(await connectError(withCredentials(inMemory.url, "postgres", firstPassword))).toMatchObject({ code: "28P01" });
    } finally {
      await inMemory.stop();
    }
  });
});

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
