/**
 * The one command that runs Longhaul: `npm start` (production build, built on first run or when
 * the sources changed) or `npm run dev` (Next's dev server).
 *
 * Without DATABASE_URL it starts the embedded PostgreSQL (PGlite + pgvector over the wire protocol)
 * with data under .data/, applies migrations and serves the app on http://127.0.0.1:3000.
 * The app is Next.js behind scripts/serve.ts (production build, or Next's dev server with --dev).
 * Ctrl-C (SIGINT) or SIGTERM stops the app first, then closes the database cleanly.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { executorOptionsFromEnv, startExecutor } from "@longhaul/executor";
import { startTracing } from "../server/operations/tracing";
import { prepareDatabase, ROOT } from "./lib/database";
import { loadBundledExecutorKeys } from "./lib/inngest-keys";

const isDev = process.argv.includes("--dev");
const log = (line: string) => console.log(`[longhaul] ${line}`);

process.env.NEXT_TELEMETRY_DISABLED = "1";

const { stop: stopDatabase, env } = await prepareDatabase({ log }).catch((error: Error) => {
  console.error(`[longhaul] Could not prepare the database: ${error.message}`);
  process.exit(1);
});

const nextBin = path.join(ROOT, "node_modules", "next", "dist", "bin", "next");

/** A fingerprint of everything that goes into the production build. */
function sourceFingerprint(): string {
  const hash = createHash("sha256");
  const visit = (entry: string) => {
    const full = path.join(ROOT, entry);
    if (!existsSync(full)) return;
    const stat = statSync(full);
    if (stat.isDirectory()) {
      for (const child of readdirSync(full).sort()) visit(path.join(entry, child));
    } else {
      hash.update(`${entry}:${stat.size}:${stat.mtimeMs}\n`);
    }
  };
  for (const entry of [
    "app",
    "components",
    "server",
    "inngest",
    "proxy.ts",
    "instrumentation.ts",
    "next.config.js",
    "package-lock.json",
    "postcss.config.mjs",
  ])
    visit(entry);
  return hash.digest("hex");
}

/** Asynchronous: the embedded database is served from this process's event loop. */
function runNext(args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [nextBin, ...args], { cwd: ROOT, stdio: "inherit", env: process.env });
    child.on("exit", (code) => resolve(code));
  });
}

async function buildIfNeeded() {
  const stampFile = path.join(ROOT, ".next", "longhaul-build-fingerprint");
  const fingerprint = sourceFingerprint();
  if (existsSync(path.join(ROOT, ".next", "BUILD_ID")) && existsSync(stampFile) && readFileSync(stampFile, "utf8") === fingerprint) return;
  log("Building the app (first start, or the sources changed); this takes a minute or two ...");
  if ((await runNext(["build"])) !== 0) {
    console.error("[longhaul] The build failed; see the messages above.");
    return false;
  }
  writeFileSync(stampFile, fingerprint);
  return true;
}

if (!isDev && (await buildIfNeeded()) === false) {
  await stopDatabase();
  process.exit(1);
}

// The bundled executor (a drop-in for `inngest-cli dev`) runs in this process, beside the embedded
// database, unless the app is pointed at another Inngest server (INNGEST_DEV or a signing key).
const appInngestUrl = `http://127.0.0.1:${env.PORT}/api/inngest`;
const useBundledExecutor = !process.env.INNGEST_DEV && !process.env.INNGEST_SIGNING_KEY;
// The bundled executor's step spans (the app process traces its own runs, from instrumentation.ts).
if (useBundledExecutor) startTracing({ serviceName: "longhaul-executor", endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT });
// Signed mode with the bundled executor too (docs/decisions/017): it signs every call to the app and
// the app's SDK runs in cloud mode, so a request to /api/inngest that the executor did not sign runs nothing.
const keys = useBundledExecutor ? await loadBundledExecutorKeys({ dataDir: path.resolve(ROOT, env.LONGHAUL_DATA_DIR), log }) : null;
const executor = keys
  ? await startExecutor({
      ...executorOptionsFromEnv(),
      databaseUrl: env.DATABASE_URL,
      host: "127.0.0.1",
      port: Number(process.env.EXECUTOR_PORT || 8288),
      sdkUrls: [appInngestUrl],
      signingKey: keys.signingKey,
      signingKeyFallback: undefined,
      eventKey: keys.eventKey,
    })
  : null;
if (executor && keys) {
  // What the app's Inngest SDK reads: cloud mode (INNGEST_DEV=0), the shared keys, and the executor as
  // its server for both the API and events (the more specific base URLs would win over INNGEST_BASE_URL).
  Object.assign(process.env, {
    INNGEST_DEV: "0",
    INNGEST_SIGNING_KEY: keys.signingKey,
    INNGEST_EVENT_KEY: keys.eventKey,
    INNGEST_BASE_URL: executor.url,
    INNGEST_API_BASE_URL: executor.url,
    INNGEST_EVENT_API_BASE_URL: executor.url,
    // The app registers itself at the address the executor calls (never at one taken from a request's Host).
    INNGEST_SERVE_ORIGIN: new URL(appInngestUrl).origin,
  });
  delete process.env.INNGEST_SIGNING_KEY_FALLBACK;
  log(`Executor listening on ${executor.url} (signed mode); it syncs ${appInngestUrl}.`);
}

// Next behind Longhaul's HTTP front (scripts/serve.ts): it decides each request's client address,
// so a client cannot pick its own X-Forwarded-For (docs/decisions/020). Same HOST and PORT as before.
const serveArgs = ["--conditions=react-server", "--import", "tsx", path.join(ROOT, "scripts", "serve.ts"), ...(isDev ? ["--dev"] : [])];
const app: ChildProcess = spawn(process.execPath, serveArgs, { cwd: ROOT, stdio: "inherit", env: process.env });
log(`Longhaul is starting on ${env.APP_URL} (Ctrl-C to stop).`);

let isShuttingDown = false;

// Register the app's functions with the executor as soon as the app answers.
if (executor) {
  void (async () => {
    for (let i = 0; i < 60 && !isShuttingDown; i++) {
      const [result] = await executor.sync();
      if (result?.ok) return log("Functions synced with the executor.");
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
}

async function shutdown(signal: NodeJS.Signals) {
  if (isShuttingDown) return;
  isShuttingDown = true;
  log(`${signal} received: stopping the app, then the database ...`);
  if (app.exitCode === null && app.signalCode === null) {
    app.kill("SIGTERM");
    const timer = setTimeout(() => app.kill("SIGKILL"), 10_000);
    await new Promise((resolve) => app.once("exit", resolve));
    clearTimeout(timer);
  }
  await executor?.stop();
  await stopDatabase();
  log("Stopped cleanly.");
  process.exit(0);
}

process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
app.on("exit", (code, signal) => {
  if (isShuttingDown) return;
  log(`The app exited (${signal ?? `code ${code}`}); stopping the database.`);
  void (executor?.stop() ?? Promise.resolve()).then(stopDatabase).then(() => process.exit(code ?? 1));
});
