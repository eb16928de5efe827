import { z } from "zod";
import { DEFAULT_WORKER_OPTIONS, type ExecutorOptions } from "./executor";
import { isValidSigningKey } from "./signing";

/**
 * The executor's tunables. It runs as its own process without the app's secrets, so it has its own
 * small schema rather than server/env.ts; a malformed value stops it with the variable's name.
 */
const signingKey = z.string().refine(isValidSigningKey, {
  message: "must be a signing key such as signkey-prod-<64 hex characters> (e.g. `echo signkey-prod-$(openssl rand -hex 32)`)",
});

const schema = z.object({
  EXECUTOR_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(DEFAULT_WORKER_OPTIONS.concurrency),
  EXECUTOR_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  EXECUTOR_LEASE_MS: z.coerce.number().int().min(1000).default(DEFAULT_WORKER_OPTIONS.leaseMs),
  EXECUTOR_BACKOFF_BASE_MS: z.coerce.number().int().min(1).default(DEFAULT_WORKER_OPTIONS.backoffBaseMs),
  EXECUTOR_SYNC_INTERVAL_MS: z.coerce.number().int().min(0).default(60_000),
  EXECUTOR_CHECKPOINTING: z.enum(["true", "false"], { message: 'must be "true" or "false"' }).default("true"),
  // On SIGTERM, how long calls in flight may take before their jobs are released to other executors.
  EXECUTOR_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(20_000),
  // OpenTelemetry traces of executor steps go to this OTLP/HTTP collector; unset, tracing is off.
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ message: "must be an absolute URL such as http://127.0.0.1:4318" }).optional(),
  // Signed mode (docs/decisions/017): the same names the Inngest SDK reads, so app and executor share one setting.
  INNGEST_SIGNING_KEY: signingKey.optional(),
  INNGEST_SIGNING_KEY_FALLBACK: signingKey.optional(),
  INNGEST_EVENT_KEY: z.string().min(16, { message: "must be at least 16 characters long, e.g. `openssl rand -hex 32`" }).optional(),
});

export function executorOptionsFromEnv(
  env: Record<string, string | undefined> = process.env,
): Omit<ExecutorOptions, "databaseUrl" | "port" | "host" | "sdkUrls"> {
  // An empty variable counts as unset, as in server/env.ts.
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== "")));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid executor configuration:\n${lines.join("\n")}`);
  }
  const c = parsed.data;
  if (c.INNGEST_SIGNING_KEY_FALLBACK && !c.INNGEST_SIGNING_KEY)
    throw new Error("Invalid executor configuration:\n  INNGEST_SIGNING_KEY_FALLBACK: is only used together with INNGEST_SIGNING_KEY");
  return {
    signingKey: c.INNGEST_SIGNING_KEY,
    signingKeyFallback: c.INNGEST_SIGNING_KEY_FALLBACK,
    eventKey: c.INNGEST_EVENT_KEY,
    poolSize: c.EXECUTOR_POOL_SIZE,
    syncIntervalMs: c.EXECUTOR_SYNC_INTERVAL_MS,
    worker: {
      ...DEFAULT_WORKER_OPTIONS,
      concurrency: c.EXECUTOR_CONCURRENCY,
      leaseMs: c.EXECUTOR_LEASE_MS,
      backoffBaseMs: c.EXECUTOR_BACKOFF_BASE_MS,
      shutdownGraceMs: c.EXECUTOR_SHUTDOWN_GRACE_MS,
      checkpointing: c.EXECUTOR_CHECKPOINTING === "true",
    },
  };
}

/** The OTLP/HTTP collector for the executor's traces, or undefined (tracing off). */
export function tracingEndpointFromEnv(env: Record<string, string | undefined> = process.env): string | undefined {
  const parsed = schema.shape.OTEL_EXPORTER_OTLP_ENDPOINT.safeParse(env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined);
  if (!parsed.success)
    throw new Error(`Invalid executor configuration:\n  OTEL_EXPORTER_OTLP_ENDPOINT: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** Every variable the executor reads (the README's executor table is checked against it). */
export { schema as executorEnvSchema };
