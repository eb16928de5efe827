import { DEFAULT_WORKER_OPTIONS, startExecutor, type ExecutorOptions } from "./executor";
import type { WorkerOptions } from "./worker";

/**
 * An in-process executor for tests, on the database at DATABASE_URL (with the executor's tables), with
 * test-friendly timings (fast polls and backoff); `worker` and the other options override the defaults.
 */
export function startTestExecutor({
  worker,
  ...options
}: Partial<Omit<ExecutorOptions, "worker">> & { worker?: Partial<WorkerOptions> } = {}) {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error("startTestExecutor needs DATABASE_URL (a database with the executor's tables).");
  return startExecutor({
    databaseUrl,
    host: "127.0.0.1",
    port: 0,
    sdkUrls: [],
    syncIntervalMs: 0,
    poolSize: 5,
    ...options,
    worker: { ...DEFAULT_WORKER_OPTIONS, backoffBaseMs: 50, backoffMaxMs: 2000, idlePollMs: 50, ...worker },
  });
}
