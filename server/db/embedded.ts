import { mkdir } from "node:fs/promises";
import net from "node:net";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { vector } from "@electric-sql/pglite-pgvector";
import { PgliteWireServer } from "./pglite-wire-server";

/**
 * The embedded default database: PGlite (PostgreSQL compiled to Wasm) with pgvector, served over the
 * Postgres wire protocol on a local port (server/db/pglite-wire-server.ts) so every process connects through the same DATABASE_URL
 * code path as with a real PostgreSQL. Data lives in `dataDir` and survives restarts and SIGKILL.
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
  const db = await PGlite.create(dataDir ?? "memory://", { extensions: { vector, pg_trgm } });
  await db.exec("CREATE EXTENSION IF NOT EXISTS vector");
  const server = new PgliteWireServer(db);
  const actualPort = await server.listen(await findFreePort(port, host), host);
  let stopped = false;
  return {
    url: `postgresql://postgres:postgres@${host}:${actualPort}/postgres?sslmode=disable`,
    port: actualPort,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.close();
      await db.close();
    },
  };
}
