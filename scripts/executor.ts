/**
 * `npm run executor -- -u http://127.0.0.1:3000/api/inngest [-u ...] [-p 8288]`
 *
 * The Longhaul executor as its own process: a drop-in for `inngest-cli dev` that keeps all state in
 * PostgreSQL (DATABASE_URL, or the embedded database when unset). Flags follow inngest-cli dev:
 *   -u, --sdk-url <url>   an app's serve URL to sync (repeatable)
 *   -p, --port <port>     port to listen on (default 8288)
 *       --host <host>     address to bind (default 127.0.0.1)
 * With INNGEST_SIGNING_KEY (and INNGEST_EVENT_KEY) it runs in signed mode: give the app the same keys,
 * INNGEST_BASE_URL=<this executor> and INNGEST_DEV=0 (docs/decisions/017). Without, dev mode.
 * SIGINT/SIGTERM stop taking work, finish the calls in flight (releasing to other executors those still
 * running after EXECUTOR_SHUTDOWN_GRACE_MS), then exit.
 */
import { parseArgs } from "node:util";
import { executorOptionsFromEnv, startExecutor, tracingEndpointFromEnv } from "@longhaul/executor";
import { startTracing, stopTracing } from "../server/operations/tracing";
import { prepareExecutorDatabase } from "./lib/database";

const { values } = parseArgs({
  options: {
    "sdk-url": { type: "string", short: "u", multiple: true, default: [] },
    port: { type: "string", short: "p", default: "8288" },
    host: { type: "string", default: "127.0.0.1" },
  },
  strict: true,
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a port number, got "${values.port}".`);
  process.exit(2);
}
for (const url of values["sdk-url"]) {
  try {
    new URL(url);
  } catch {
    console.error(`--sdk-url must be a URL such as http://127.0.0.1:3000/api/inngest, got "${url}".`);
    process.exit(2);
  }
}

startTracing({ serviceName: "longhaul-executor", endpoint: tracingEndpointFromEnv() });
const database = await prepareExecutorDatabase({ log: (line) => console.log(`[executor] ${line}`) });
const executor = await startExecutor({
  ...executorOptionsFromEnv(),
  databaseUrl: database.url,
  port,
  host: values.host,
  sdkUrls: values["sdk-url"],
});

let isStopping = false;
async function stop(signal: string) {
  if (isStopping) return;
  isStopping = true;
  console.log(`[executor] ${signal}: finishing in-flight steps (jobs still running after the grace period go to other executors) ...`);
  await executor.stop();
  await database.stop();
  await stopTracing();
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
