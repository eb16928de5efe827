import "server-only";
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { vector } from "@electric-sql/pglite-pgvector";
import { PgliteWireServer } from "./pglite-wire-server";

/**
 * The embedded default database: PGlite (PostgreSQL compiled to Wasm) with pgvector, served over the
 * Postgres wire protocol on a local port (server/db/pglite-wire-server.ts) so every process connects through the same DATABASE_URL
 * code path as with a real PostgreSQL. Data lives in `dataDir` and survives restarts and SIGKILL.
 * Every connection must authenticate as user `postgres` with the password kept beside the data
 * (`embeddedPasswordFile`), generated on first start; the returned URL carries it.
 */
export type EmbeddedPostgres = { url: string; port: number; stop: () => Promise<void> };

export async function findFreePort(preferred: number, host = "127.0.0.1"): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | null>((resolve) => {
      const server = net.createServer();
      server.once("error", () => resolve(null));
      server.listen(port, host, () => {
        const address = server.address();
        server.close(() => resolve(typeof address === "object" && address ? address.port : null));
      });
    });
  return (await tryPort(preferred)) ?? (await tryPort(0))!;
}

const USER = "postgres";

/** Where the password of the database in `dataDir` is kept: beside it, e.g. `.data/pglite-password`. */
export function embeddedPasswordFile(dataDir: string) {
  return path.join(path.dirname(dataDir), `${path.basename(dataDir)}-password`);
}

/**
 * The database's password: read from its file, or generated into it on first start (mode 0600, only
 * the owner may read it). `wx` makes two processes starting at once agree on one password.
 */
export async function readOrCreatePassword(file: string): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  try {
    const password = randomBytes(32).toString("hex");
    await writeFile(file, password, { flag: "wx", mode: 0o600 });
    return password;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  const password = (await readFile(file, "utf8")).trim();
  if (password.length < 16) {
    throw new Error(`${file} holds no usable password (at least 16 characters). Delete it and start again to generate a new one.`);
  }
  return password;
}

export async function startEmbeddedPostgres({
  dataDir,
  port = 54329,
  host = "127.0.0.1",
}: {
  dataDir: string | null;
  port?: number;
  host?: string;
}): Promise<EmbeddedPostgres> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  // An in-memory database (tests, benchmarks) gets a fresh password each time.
  const password = dataDir ? await readOrCreatePassword(embeddedPasswordFile(dataDir)) : randomBytes(32).toString("hex");
  const db = await PGlite.create(dataDir ?? "memory://", { extensions: { vector, pg_trgm } });
  await db.exec("CREATE EXTENSION IF NOT EXISTS vector");
  const server = new PgliteWireServer(db, { user: USER, password });
  const actualPort = await server.listen(await findFreePort(port, host), host);
  let stopped = false;
  return {
    url: `postgresql://${USER}:${encodeURIComponent(password)}@${host}:${actualPort}/postgres?sslmode=disable`,
    port: actualPort,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.close();
      await db.close();
    },
  };
}
