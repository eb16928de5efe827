import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { startEmbeddedPostgres } from "../../server/db/embedded";
import { applyMigrations } from "../../server/db/migrate";

export const ROOT = path.resolve(import.meta.dirname, "../..");

/**
 * Defaults for running on a laptop with nothing configured: without DATABASE_URL the embedded
 * database is used, and a local auth secret is generated once and kept beside its data. With
 * DATABASE_URL set nothing is invented: BETTER_AUTH_SECRET must be given (server/env.ts says so).
 */
export async function applyLocalDefaults() {
  const dataDir = path.resolve(ROOT, process.env.LONGHAUL_DATA_DIR || ".data");
  const isEmbedded = !process.env.DATABASE_URL;
  if (isEmbedded && !process.env.BETTER_AUTH_SECRET) {
    const secretFile = path.join(dataDir, "auth-secret");
    await mkdir(dataDir, { recursive: true });
    if (!existsSync(secretFile)) await writeFile(secretFile, randomBytes(32).toString("hex"), { mode: 0o600 });
    process.env.BETTER_AUTH_SECRET = (await readFile(secretFile, "utf8")).trim();
  }
  const port = process.env.PORT || "3000";
  const host = process.env.HOST || "127.0.0.1";
  process.env.APP_URL ||= `http://${host}:${port}`;
  return { dataDir, isEmbedded };
}

/** Loads and validates the environment, exiting with the schema's message (no stack) when it is wrong. */
export async function loadEnv() {
  try {
    return (await import("../../server/env")).env;
  } catch (error) {
    if (error instanceof Error && error.message.startsWith("Invalid environment")) process.exit(1);
    throw error;
  }
}

/** Starts the embedded database when needed and applies migrations; returns the URL and how to stop. */
export async function prepareDatabase({ log }: { log: (line: string) => void }) {
  const { dataDir, isEmbedded } = await applyLocalDefaults();
  let stop = async () => {};
  if (isEmbedded) {
    const pgliteDir = path.join(dataDir, "pglite");
    log(`Starting the embedded database (PGlite + pgvector) in ${path.relative(ROOT, pgliteDir) || pgliteDir} ...`);
    const embedded = await startEmbeddedPostgres({ dataDir: pgliteDir, port: Number(process.env.EMBEDDED_DB_PORT || 54329) });
    process.env.DATABASE_URL = embedded.url;
    stop = embedded.stop;
    log(`Embedded database listening on 127.0.0.1:${embedded.port}.`);
  }
  const env = await loadEnv();
  const applied = await applyMigrations(env.DATABASE_URL, { log });
  if (applied.length === 0) log("Database schema is up to date.");
  return { url: env.DATABASE_URL, stop, isEmbedded, env };
}

/** The executor needs the database and its migrations, not the app's secrets. */
export async function prepareExecutorDatabase({ log }: { log: (line: string) => void }) {
  const dataDir = path.resolve(ROOT, process.env.LONGHAUL_DATA_DIR || ".data");
  let url = process.env.DATABASE_URL;
  let stop = async () => {};
  if (!url) {
    const embedded = await startEmbeddedPostgres({
      dataDir: path.join(dataDir, "pglite"),
      port: Number(process.env.EMBEDDED_DB_PORT || 54329),
    });
    url = embedded.url;
    stop = embedded.stop;
    log(`Embedded database listening on 127.0.0.1:${embedded.port}.`);
  }
  await applyMigrations(url, { log });
  return { url, stop };
}
