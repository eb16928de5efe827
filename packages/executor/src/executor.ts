import type { AddressInfo } from "node:net";
import pg from "pg";
import { createExecutorServer } from "./http-server";
import { logger } from "./log";
import { signatureHeader } from "./signing";
import { migrateExecutorSchema } from "./store/schema";
import { Worker, type WorkerOptions } from "./worker";

export type ExecutorOptions = {
  databaseUrl: string;
  port: number;
  host: string;
  sdkUrls: string[];
  syncIntervalMs: number;
  poolSize: number;
  worker: WorkerOptions;
  /**
   * Signed mode (docs/decisions/017): requests to the apps are signed with this key, replies must be
   * signed with it, and the SDK's calls to the executor must carry it (hashed) as a Bearer token.
   * Unset, the executor speaks Inngest's dev mode: nothing is signed or checked.
   */
  signingKey?: string;
  /** A previous key still accepted during a rotation (INNGEST_SIGNING_KEY_FALLBACK). */
  signingKeyFallback?: string;
  /** When set, events are accepted only at POST /e/<eventKey>. */
  eventKey?: string;
};

export const DEFAULT_WORKER_OPTIONS: WorkerOptions = {
  concurrency: 20,
  leaseMs: 60_000,
  backoffBaseMs: 1_000,
  backoffMaxMs: 5 * 60_000,
  idlePollMs: 1_000,
  requestTimeoutMs: 5 * 60_000,
  checkpointing: true,
};

/**
 * The Longhaul executor: a drop-in for `inngest-cli dev` that keeps all state in PostgreSQL.
 * It applies its own migrations first (src/store/schema.ts). Returns its URL and a stop() that stops taking work, finishes (or, past a deadline, releases) the
 * calls in flight and closes the pool.
 */
export async function startExecutor(options: ExecutorOptions) {
  // All executor SQL computes times in UTC (the columns are timestamp without time zone, as Prisma makes them).
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize, options: "-c TimeZone=UTC" });
  pool.on("error", (error) => logger.warn({ error: error.message }, "idle database connection failed"));
  const applied = await migrateExecutorSchema(pool, {
    onWait: (error) =>
      logger.warn({ error: error.message }, "the database is not reachable yet; waiting to apply the executor's migrations"),
  });
  if (applied.length > 0) logger.info({ applied }, "applied the executor's migrations");
  const { signingKey, signingKeyFallback, eventKey } = options;
  const worker = new Worker(pool, { ...options.worker, signingKey, signingKeyFallback });

  async function syncAll() {
    const results: { url: string; ok: boolean; error?: string }[] = [];
    for (const url of options.sdkUrls) {
      try {
        // Signed over the empty body, so that it is accepted by an app that refuses unauthenticated syncs
        // (INNGEST_ENABLE_UNAUTHED_SYNC=false).
        const headers: Record<string, string> = signingKey ? { "x-inngest-signature": signatureHeader("", signingKey) } : {};
        const response = await fetch(url, { method: "PUT", headers, signal: AbortSignal.timeout(30_000) });
        const text = await response.text();
        const ok = response.ok;
        results.push({ url, ok, ...(ok ? {} : { error: `${response.status} ${text.slice(0, 300)}` }) });
        if (!ok) logger.warn({ url, status: response.status, body: text.slice(0, 300) }, "sync failed");
      } catch (error) {
        const message = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
        results.push({ url, ok: false, error: message });
        logger.warn({ url, error: message }, "sync failed: app unreachable");
      }
    }
    return results;
  }

  const server = createExecutorServer({
    pool,
    onWork: () => worker.kick(),
    onSyncRequest: syncAll,
    keys: { signingKey, signingKeyFallback, eventKey },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  const address = server.address() as AddressInfo;
  const url = `http://${options.host}:${address.port}`;
  worker.start();
  logger.info({ url, workerId: worker.id, sdkUrls: options.sdkUrls, mode: signingKey ? "signed" : "dev (unsigned)" }, "executor listening");
  if (signingKey && !eventKey)
    logger.warn("a signing key is set but no event key: anyone who reaches the executor can send events (set INNGEST_EVENT_KEY)");

  let syncTimer: NodeJS.Timeout | null = null;
  if (options.sdkUrls.length > 0) {
    void syncAll();
    if (options.syncIntervalMs > 0) {
      syncTimer = setInterval(() => void syncAll(), options.syncIntervalMs);
      syncTimer.unref();
    }
  }

  return {
    url,
    port: address.port,
    pool,
    worker,
    sync: syncAll,
    /**
     * Stops taking work; calls in flight get `graceMs` to finish (the HTTP server stays up meanwhile,
     * so their checkpoints still land), then their jobs are released to other executors.
     */
    async stop({ graceMs }: { graceMs?: number } = {}) {
      if (syncTimer) clearInterval(syncTimer);
      await worker.stop({ graceMs });
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await pool.end();
    },
  };
}

export type RunningExecutor = Awaited<ReturnType<typeof startExecutor>>;
