import "server-only";
import { Counter, Registry, collectDefaultMetrics } from "prom-client";

/**
 * Counters that only this process can see (what it did since it started), as opposed to the
 * database-derived numbers in metrics.ts. Prometheus scrapes each process and sums: rate() over a
 * counter survives restarts. Kept free of database imports so model.ts can count its calls.
 * One registry per process: Next's dev server re-evaluates modules, so it lives on globalThis.
 */
type ProcessMetrics = { registry: Registry; modelCalls: Counter<"endpoint" | "outcome"> };

const holder = globalThis as typeof globalThis & { longhaulProcessMetrics?: ProcessMetrics };

function createProcessMetrics(): ProcessMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "longhaul_app_" });
  const modelCalls = new Counter({
    name: "longhaul_model_calls_total",
    help: "Model calls made by this process, by endpoint kind and outcome (ok, or the error kind).",
    labelNames: ["endpoint", "outcome"] as const,
    registers: [registry],
  });
  return { registry, modelCalls };
}

export const processMetrics = (holder.longhaulProcessMetrics ??= createProcessMetrics());
