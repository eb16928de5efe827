/**
 * `npm test`: unit, integration and end-to-end tests against a fresh database.
 *
 * - With TEST_DATABASE_URL (a PostgreSQL server with pgvector, e.g. postgresql://postgres@127.0.0.1:5432/postgres)
 *   a new database is created for this run and dropped afterwards.
 * - Without it, an in-memory embedded PGlite + pgvector is started, so contributors without PostgreSQL
 *   can still run everything.
 * End-to-end tests need Chromium (CHROMIUM_PATH or /usr/bin/chromium); when none is found they fail
 * with instructions rather than being skipped.
 *
 *   npm test                      # everything
 *   npm test -- --only unit       # or integration, e2e (several --only may be given)
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres } from "../server/db/embedded";
import { applyMigrations } from "../server/db/migrate";
import { ROOT } from "./lib/database";

const SUITES = ["unit", "integration", "contract", "e2e"] as const;
type Suite = (typeof SUITES)[number];

function parseArgs(argv: string[]) {
  const only: Suite[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--only") {
      const suite = argv[++i] as Suite;
      if (!SUITES.includes(suite)) {
        console.error(`Unknown suite "${suite}": use one of ${SUITES.join(", ")}.`);
        process.exit(2);
      }
      only.push(suite);
    } else rest.push(argv[i]!);
  }
  return { suites: only.length > 0 ? only : [...SUITES], rest };
}

const { suites, rest } = parseArgs(process.argv.slice(2));
const log = (line: string) => console.log(`[test] ${line}`);

function findChromium(): string | null {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(Boolean) as string[];
  return candidates.find((c) => existsSync(c)) ?? null;
}

if (suites.includes("e2e") && !findChromium()) {
  console.error(
    "[test] End-to-end tests need Chromium and none was found (looked at CHROMIUM_PATH, /usr/bin/chromium).\n" +
      "       Install it with `sudo apt-get install -y chromium` (Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium or Chrome binary.\n" +
      "       To run the other suites only: npm test -- --only unit --only integration",
  );
  process.exit(1);
}

async function createDatabase(): Promise<{ url: string; cleanup: () => Promise<void> }> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    log("TEST_DATABASE_URL is not set: using an in-memory embedded PGlite + pgvector.");
    const embedded = await startEmbeddedPostgres({ dataDir: null, port: 0 });
    return { url: embedded.url, cleanup: embedded.stop };
  }
  const name = `longhaul_test_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  log(`Created database ${name} on ${url.host}.`);
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  await client.query("CREATE EXTENSION IF NOT EXISTS vector");
  await client.end();
  return {
    url: url.toString(),
    cleanup: async () => {
      const admin2 = new pg.Client({ connectionString: serverUrl });
      await admin2.connect();
      await admin2.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin2.end();
      log(`Dropped database ${name}.`);
    },
  };
}

// Asynchronous on purpose: the embedded database is served from this process's event loop.
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  log(`$ ${path.relative(ROOT, command) || command} ${args.join(" ")}`);
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: "inherit", env });
    child.on("error", (error) => {
      console.error(`[test] could not start ${command}: ${error.message}`);
      resolve(false);
    });
    child.on("exit", (code) => resolve(code === 0));
  });
}

// Unit tests touch no database; everything else gets a fresh one.
const database = suites.every((s) => s === "unit")
  ? { url: "postgresql://unused@127.0.0.1/unused", cleanup: async () => {} }
  : await createDatabase();
// Hibernation's cold segments (docs/decisions/016) go to a directory of this run, not the checkout's .data.
const coldStorageDir = process.env.COLD_STORAGE_DIR ?? mkdtempSync(path.join(os.tmpdir(), "longhaul-cold-"));
let ok = true;
try {
  if (suites.some((s) => s !== "unit")) log(`Applied ${(await applyMigrations(database.url)).length} migrations.`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: database.url,
    BETTER_AUTH_SECRET: process.env.BETTER_AUTH_SECRET ?? randomBytes(32).toString("hex"),
    NODE_ENV: "test",
    NEXT_TELEMETRY_DISABLED: "1",
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
    COLD_STORAGE_DIR: coldStorageDir,
    // The fake OpenAI-compatible server (tests/fixtures/fake-openai.ts) listens on 127.0.0.1: model and
    // embedding calls may reach it. Tools may not (LONGHAUL_PRIVATE_TOOL_HOSTS stays unset), and the guard's
    // own tests build their policies explicitly (docs/decisions/019).
    LONGHAUL_PRIVATE_MODEL_HOSTS: process.env.LONGHAUL_PRIVATE_MODEL_HOSTS ?? "127.0.0.1,localhost",
    // Tests create many accounts through sign-up; the sign-up policy's own tests set theirs.
    LONGHAUL_SIGNUP: process.env.LONGHAUL_SIGNUP ?? "open",
    // Integration files run in parallel on PostgreSQL; the embedded PGlite has one session, served from
    // this process, so they take turns there.
    TEST_WORKERS: process.env.TEST_WORKERS ?? (process.env.TEST_DATABASE_URL ? "" : "1"),
  };
  const bin = (name: string) => path.join(ROOT, "node_modules", ".bin", name);
  const vitestSuites = suites.filter((s) => s !== "e2e");
  // One suite at a time: they share the database, and the contract suite restarts PostgreSQL. Inside the
  // integration suite, files run in parallel, then the few that cannot in a project of their own
  // (vitest.config.ts orders the two).
  const projectsOf = (suite: Suite) => (suite === "integration" ? ["integration", "integration-serial"] : [suite]);
  for (const suite of vitestSuites) {
    const projects = projectsOf(suite).flatMap((project) => ["--project", project]);
    ok = (await run(bin("vitest"), ["run", ...projects, ...rest], env)) && ok;
  }
  if (ok && suites.includes("e2e")) {
    // PORT lets two checkouts run their browser tests side by side (the executor takes PORT + 1).
    const port = process.env.PORT ?? "3100";
    const e2eEnv: NodeJS.ProcessEnv = {
      ...env,
      NODE_ENV: "production",
      APP_URL: `http://127.0.0.1:${port}`,
      PORT: port,
      CHROMIUM_PATH: findChromium()!,
    };
    ok = await run(process.execPath, [path.join(ROOT, "node_modules", "next", "dist", "bin", "next"), "build"], e2eEnv);
    if (ok) ok = await run(bin("playwright"), ["test", ...rest], e2eEnv);
  }
} catch (error) {
  console.error(error);
  ok = false;
} finally {
  await database.cleanup().catch((error: Error) => console.error(`[test] cleanup failed: ${error.message}`));
  if (!process.env.COLD_STORAGE_DIR) rmSync(coldStorageDir, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
