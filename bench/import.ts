/**
 * `npm run bench` (import part): what an import of the largest allowed file does to everybody else.
 *
 *   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres node --conditions=react-server --import tsx bench/import.ts
 *
 * For each database (the embedded PGlite, started as `npm start` starts it, in another process than
 * the app; and PostgreSQL when BENCH_DATABASE_URL is set) a child process plays the app: it imports a
 * generated export (bench/import-data.ts) of the maximum allowed size through `importAgent`, while
 * the same process serves "another user": the agents list's first page of another team (50 of 200
 * agents, `listAgents`), every 20 ms, on the same connection pool. Reported: that query's latency
 * before and during the import (p50, p95, max), and the import's duration. Target (issue 17, hole 8):
 * p95 < 100 ms during the import. Two files: "mixed" (events, snapshots, spend and memories with
 * 1536-number vectors) and "events" (events only: the most rows per megabyte).
 *
 * BENCH_IMPORT_VARIANT=before writes bench/results/import-before.json instead (run on the code before
 * docs/decisions/021, see bench/results/import.md); the results file shows both when both exist.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres } from "../server/db/embedded";
import { applyMigrations } from "../server/db/migrate";
import { generateExport, type ExportShape } from "./import-data";
import { createDatabase, machineFacts, ms, percentile } from "./lib";

const SHAPES: ExportShape[] = ["mixed", "events"];
const QUERY_INTERVAL_MS = 20;
const log = (line: string) => console.log(`[bench:import] ${line}`);

type Latency = { n: number; p50: number; p95: number; max: number };
type ShapeResult = {
  shape: ExportShape;
  bytes: number;
  counts: Record<string, number>;
  importMs: number;
  before: Latency;
  during: Latency;
};
type TargetResult = { database: string; maxBytes: number; shapes: ShapeResult[] };

const stats = (samples: number[]): Latency => ({
  n: samples.length,
  p50: percentile(samples, 50),
  p95: percentile(samples, 95),
  max: Math.max(...samples),
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The app's side, in its own process: seed, then import while another team's list is read. */
async function runChild(resultFile: string) {
  const { db } = await import("../server/db/client");
  const { listAgents } = await import("../server/agents/agent-list");
  // The same benchmark runs on the code before decision 021 (which had a constant limit): both shapes of the module.
  const importModule = (await import("../server/transfer/import")) as {
    importAgent: (input: { teamId: string; userId: string; text: string }) => Promise<unknown>;
    importLimits?: () => { maxBytes: number };
    IMPORT_MAX_BYTES?: number;
  };
  const { env } = await import("../server/env");
  const maxBytes = Number(process.env.BENCH_IMPORT_BYTES ?? importModule.importLimits?.().maxBytes ?? importModule.IMPORT_MAX_BYTES);
  const seed = new pg.Client({ connectionString: env.DATABASE_URL });
  await seed.connect();
  const userId = `bench-${randomBytes(6).toString("hex")}`;
  const importer = `bench-importer-${randomBytes(4).toString("hex")}`;
  const other = `bench-other-${randomBytes(4).toString("hex")}`;
  await seed.query(
    `INSERT INTO "user" (id, name, email, "emailVerified", "createdAt", "updatedAt") VALUES ($1, 'Bench', $2, true, now(), now())`,
    [userId, `${userId}@example.test`],
  );
  for (const team of [importer, other])
    await seed.query(`INSERT INTO team (id, name, slug, "createdAt") VALUES ($1, $1, $1, now())`, [team]);
  await seed.query(
    `INSERT INTO agent (id, "teamId", name, goal, model, status, "spentUsd", "cycleCount", "lastActiveAt", "createdAt", "updatedAt")
     SELECT gen_random_uuid(), $1, 'Agent ' || i, 'Watch thing ' || i, 'gpt-4o-mini', 'sleeping', 0, i, now() - (i || ' minutes')::interval, now(), now()
       FROM generate_series(1, 200) AS i`,
    [other],
  );
  await seed.query("ANALYZE");
  await seed.end();

  const listOtherTeam = () => listAgents({ teamId: other, limit: 50 });
  const shapes: ShapeResult[] = [];
  for (const shape of SHAPES) {
    const file = generateExport({ bytes: maxBytes, shape });
    log(`${shape}: ${(file.bytes / 1024 / 1024).toFixed(1)} MB, ${JSON.stringify(file.counts)}`);
    const before: number[] = [];
    for (let i = 0; i < 120; i++) {
      const s = performance.now();
      await listOtherTeam();
      if (i >= 20) before.push(performance.now() - s);
      await sleep(QUERY_INTERVAL_MS);
    }
    const during: number[] = [];
    let isImporting = true;
    const reader = (async () => {
      while (isImporting) {
        const s = performance.now();
        await listOtherTeam();
        during.push(performance.now() - s);
        await sleep(QUERY_INTERVAL_MS);
      }
    })();
    const started = performance.now();
    await importModule.importAgent({ teamId: importer, userId, text: file.text });
    const importMs = performance.now() - started;
    isImporting = false;
    await reader;
    const result = { shape, bytes: file.bytes, counts: file.counts, importMs, before: stats(before), during: stats(during) };
    log(
      `${shape}: import ${(importMs / 1000).toFixed(1)} s; list p50 ${ms(result.during.p50)} p95 ${ms(result.during.p95)} max ${ms(result.during.max)}`,
    );
    shapes.push(result);
    // The next import starts from a quiet database, as another hour's import would.
    await sleep(2000);
  }
  await writeFile(resultFile, JSON.stringify({ maxBytes, shapes }));
  await db.$disconnect();
}

function runChildProcess(databaseUrl: string, resultFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", import.meta.filename], {
      stdio: "inherit",
      env: {
        ...process.env,
        BENCH_IMPORT_CHILD: resultFile,
        DATABASE_URL: databaseUrl,
        BETTER_AUTH_SECRET: process.env.BETTER_AUTH_SECRET ?? randomBytes(32).toString("hex"),
        LOG_LEVEL: "warn",
        NODE_ENV: "production",
      },
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`the app process exited with ${code}`))));
  });
}

async function measure(label: string, url: string): Promise<TargetResult> {
  await applyMigrations(url);
  const resultFile = path.join(await mkdtemp(path.join(os.tmpdir(), "longhaul-bench-import-")), "result.json");
  // Asynchronous: the embedded database is served from this process's event loop.
  await runChildProcess(url, resultFile);
  return { database: label, ...(JSON.parse(await readFile(resultFile, "utf8")) as Omit<TargetResult, "database">) };
}

async function runParent() {
  const startedAt = new Date();
  const targets: TargetResult[] = [];
  const embedded = await startEmbeddedPostgres({ dataDir: null, port: 0 });
  try {
    log("database: embedded PGlite (in-memory, served from this process; the app in a child process)");
    targets.push(await measure("embedded PGlite", embedded.url));
  } finally {
    await embedded.stop();
  }
  if (process.env.BENCH_DATABASE_URL) {
    const database = await createDatabase();
    try {
      log(`database: ${database.label}`);
      targets.push(await measure(database.label, database.url));
    } finally {
      await database.cleanup();
    }
  } else log("PostgreSQL skipped: set BENCH_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/postgres)");

  const dir = path.join(import.meta.dirname, "results");
  const variant = process.env.BENCH_IMPORT_VARIANT === "before" ? "before" : "after";
  const record = { measuredAt: startedAt, machine: machineFacts(), loadAverage: os.loadavg()[0], targets };
  await writeFile(path.join(dir, variant === "before" ? "import-before.json" : "import.json"), JSON.stringify(record, null, 2));
  const read = async (name: string) =>
    existsSync(path.join(dir, name)) ? (JSON.parse(await readFile(path.join(dir, name), "utf8")) as typeof record) : null;
  await writeFile(path.join(dir, "import.md"), renderMarkdown(await read("import.json"), await read("import-before.json")));
  log("wrote bench/results/import.md");
}

type Recorded = { measuredAt: Date | string; machine: { line: string }; loadAverage?: number; targets: TargetResult[] };

function table(record: Recorded) {
  const rows = record.targets.flatMap((t) =>
    t.shapes.map((s) => {
      const counts = Object.entries(s.counts)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${n.toLocaleString("en-US")} ${k}`)
        .join(", ");
      return `| ${t.database} | ${s.shape}: ${(s.bytes / 1024 / 1024).toFixed(1)} MB (${counts}) | ${(s.importMs / 1000).toFixed(1)} s | ${ms(s.before.p50)} / ${ms(s.before.p95)} | ${ms(s.during.p50)} | ${ms(s.during.p95)} | ${ms(s.during.max)} | ${s.during.n} | ${s.during.p95 < 100 ? "met" : "missed"} |`;
    }),
  );
  return [
    `Measured ${new Date(record.measuredAt).toISOString()} on ${record.machine.line}; load average (1 min) ${record.loadAverage?.toFixed(1) ?? "?"} at the end.`,
    "",
    "| database | file | import | list before: p50 / p95 | during: p50 | during: p95 | during: max | queries | p95 < 100 ms |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

function renderMarkdown(after: Recorded | null, before: Recorded | null) {
  return `# Import benchmark

Rerun: \`BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres node --conditions=react-server --import tsx bench/import.ts\`
(\`BENCH_IMPORT_BYTES\` overrides the file size; without \`BENCH_DATABASE_URL\` only the embedded database is measured).

What it measures: a child process plays the app (the same modules and connection pool as \`next start\`): it imports a
generated export of the largest allowed size (\`bench/import-data.ts\`) with \`importAgent\`, while "another user" reads the
agents list's first page of another team (\`listAgents\`, 50 of 200 agents, with sparklines and the count) every ${QUERY_INTERVAL_MS} ms
on the same pool. The embedded PGlite runs in the parent process, as \`npm start\` runs it beside the app. Latency is measured
in the app process, so it includes time the import keeps the app's event loop busy (parsing, building statements), which other
requests of that process would wait for too. Two files: **mixed** (per cycle a thought with a realistic payload, the tool call
and result, a model charge; a snapshot every 10 cycles; an episode memory with a 1536-number vector every fourth cycle) and
**events** (events, spend and snapshots only: the most rows a file of that size holds).

Target (issue 17, hole 8): the other user's p95 under 100 ms during the import.

## After (docs/decisions/021: validation first, then single-statement batches of about 10 ms, each followed by a pause as long)

${after ? table(after) : "Not measured yet."}

## Before (one transaction for the whole file)

${before ? table(before) : "Not measured."}

The "before" rows were measured on the code before decision 021 (commit d633005's \`server/transfer/import.ts\`, which wrote
everything in one transaction; with the limits of that time, 50 MB), with
\`BENCH_IMPORT_VARIANT=before BENCH_IMPORT_BYTES=<the after file's size>\`, so both import the same files.
`;
}

if (process.env.BENCH_IMPORT_CHILD) {
  await runChild(process.env.BENCH_IMPORT_CHILD);
  process.exit(0);
} else {
  await runParent();
  process.exit(0);
}
