import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { QueueState } from "./store";

/**
 * The executor process's own counters, served at its GET /metrics. Steps are counted where they are
 * stored (a worker's reply or an SDK checkpoint), so rate(longhaul_executor_steps_total[1m]) is the
 * steps per second of this executor; Prometheus sums the executors. A step counted in a transaction
 * that then rolls back (its lease was lost) is counted once more when it runs again: an overcount
 * bounded by lease losses, which are rare. The queue's gauges (active runs, due and leased jobs, lag)
 * are read from the database at each scrape: every executor of one database reports the same numbers
 * (aggregate them with max(), not sum()).
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

const queueGauge = (name: string, help: string) => new Gauge({ name, help, registers: [executorRegistry] });
const activeRuns = queueGauge("longhaul_executor_runs_active", "Function runs in progress (database-wide).");
const dueJobs = queueGauge("longhaul_executor_jobs_due", "Jobs due and not leased by any executor (database-wide).");
const leasedJobs = queueGauge("longhaul_executor_jobs_leased", "Jobs leased by an executor, in flight (database-wide).");
const queueLag = queueGauge(
  "longhaul_executor_queue_lag_seconds",
  "Age of the oldest due, unleased job; 0 when the queue keeps up (database-wide).",
);

export function setQueueGauges(state: QueueState) {
  activeRuns.set(state.activeRuns);
  dueJobs.set(state.dueJobs);
  leasedJobs.set(state.leasedJobs);
  queueLag.set(state.lagSeconds);
}
