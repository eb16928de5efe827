/**
 * @longhaul/executor: a server for the Inngest protocol that keeps its state in PostgreSQL (README.md,
 * PROTOCOL.md). Sub-paths: `/signing` (keys and signatures), `/cron` (schedule checks), `/store` (the
 * durable state, for tests), `/testing` (an in-process executor with test timings).
 */
export { DEFAULT_WORKER_OPTIONS, startExecutor, type ExecutorOptions, type RunningExecutor } from "./executor";
export { executorEnvSchema, executorOptionsFromEnv, tracingEndpointFromEnv } from "./config";
export type { WorkerOptions } from "./worker";
export type { InngestEvent } from "./types";
/** The HTTP face alone (Inngest's REST API and the SDK's endpoints over a pool), without a worker: for tests and embedding. */
export { createExecutorServer, type ExecutorKeys } from "./http-server";
