import { Counter, Registry, collectDefaultMetrics } from "prom-client";

/**
 * The executor process's own counters, served at its GET /metrics. Steps are counted where they are
 * stored (a worker's reply or an SDK checkpoint), so rate(longhaul_executor_steps_total[1m]) is the
 * steps per second of this executor; Prometheus sums the executors. A step counted in a transaction
 * that then rolls back (its lease was lost) is counted once more when it runs again: an overcount
 * bounded by lease losses, which are rare. Database-wide numbers (queue lag, active runs) are the
 * app's /api/metrics.
 */
export const executorRegistry = new Registry();
collectDefaultMetrics({ register: executorRegistry, prefix: "longhaul_executor_process_" });

export const stepsStored = new Counter({
  name: "longhaul_executor_steps_total",
  help: "Steps whose result this executor stored, by status (completed, failed).",
  labelNames: ["status"] as const,
  registers: [executorRegistry],
});

export const sdkCalls = new Counter({
  name: "longhaul_executor_sdk_calls_total",
  help: "Requests this executor made to apps' serve endpoints.",
  registers: [executorRegistry],
});

export const sdkCallSeconds = new Counter({
  name: "longhaul_executor_sdk_call_seconds_total",
  help: "Time spent waiting for apps' serve endpoints, summed.",
  registers: [executorRegistry],
});
