/**
 * Helpers shared by the benchmarks (bench/executor.ts, bench/agent-loop.ts): a fresh database per run,
 * percentiles, and the machine facts every results file starts with.
 */
import { randomBytes } from "node:crypto";
import os from "node:os";
import pg from "pg";
import { startEmbeddedPostgres } from "../server/db/embedded";

export function percentile(values: number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export const ms = (n: number) => `${n.toFixed(2)} ms`;

export type BenchDatabase = {
  url: string;
  /** e.g. "PostgreSQL 15.20 (Debian ...) at 127.0.0.1:5432" or "embedded PGlite (in-memory)". */
  label: string;
  /** `SHOW server_version` of a real server; null for the embedded database. */
  serverVersion: string | null;
  name: string | null;
  cleanup: () => Promise<void>;
};

/**
 * A fresh database with pgvector: `CREATE DATABASE longhaul_bench_<random>` on the server named by
 * BENCH_DATABASE_URL (dropped by cleanup()), or, without it, the embedded PGlite in memory.
 */
export async function createDatabase(): Promise<BenchDatabase> {
  const serverUrl = process.env.BENCH_DATABASE_URL;
  if (!serverUrl) {
    const embedded = await startEmbeddedPostgres({ dataDir: null, port: 0 });
    return { url: embedded.url, label: "embedded PGlite (in-memory)", serverVersion: null, name: null, cleanup: embedded.stop };
  }
  const name = `longhaul_bench_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const version = (await admin.query<{ server_version: string }>("SHOW server_version")).rows[0]!.server_version;
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const c = new pg.Client({ connectionString: url.toString() });
  await c.connect();
  await c.query("CREATE EXTENSION IF NOT EXISTS vector");
  await c.end();
  return {
    url: url.toString(),
    label: `PostgreSQL ${version} at ${url.host}`,
    serverVersion: version,
    name,
    cleanup: async () => {
      const a = new pg.Client({ connectionString: serverUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/** "2 × AMD EPYC, 24 GiB, Node v20.20.2" */
export function machineFacts() {
  const cpus = os.cpus();
  return {
    cpuCount: cpus.length,
    cpuModel: cpus[0]?.model ?? "cpu",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    line: `${cpus.length} × ${cpus[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  };
}

/**
 * The start of a benchmark that runs the app's own modules against a PostgreSQL server: without
 * BENCH_DATABASE_URL it says why it is skipped and exits; otherwise it creates the scratch database
 * and sets the environment the app reads when its modules are first imported (import them after this).
 */
export async function appBenchDatabase(log: (line: string) => void, why: string): Promise<BenchDatabase> {
  if (!process.env.BENCH_DATABASE_URL) {
    log(`skipped: ${why}, e.g. BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres`);
    process.exit(0);
  }
  const database = await createDatabase();
  log(`database: ${database.label}`);
  process.env.DATABASE_URL = database.url;
  process.env.BETTER_AUTH_SECRET ??= randomBytes(32).toString("hex");
  process.env.LOG_LEVEL = "warn";
  return database;
}
