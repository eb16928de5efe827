import { randomBytes } from "node:crypto";
import type pg from "pg";
import { resolveWakeTime, parseDurationMs } from "./duration";
import { matches } from "./expressions";
import { logger } from "./log";
import { sdkCallSeconds, sdkCalls } from "./metrics";
import { withSpan } from "./tracing";
import { canonicalJson, checkSignatureHeader, signatureHeader } from "./signing";
import { completeStep, enqueueJob, finishRun, fireDueCrons, inTransaction, insertInternalEvent, lockWaitsFor, startRun } from "./store";
import type { InngestEvent, Memo, Op } from "./types";

export type WorkerOptions = {
  concurrency: number;
  leaseMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  idlePollMs: number;
  requestTimeoutMs: number;
  /** Let the SDK run several steps per request, reporting each to /v1/checkpoint (async checkpointing). */
  checkpointing: boolean;
  /** How long stop() waits for calls in flight before releasing their jobs to other executors (default 20 s). */
  shutdownGraceMs?: number;
  /**
   * Signed (cloud) mode: every call carries `x-inngest-signature` made with `signingKey`, and a reply
   * counts as the SDK's only when it is signed with it (or with `signingKeyFallback`, during a rotation).
   */
  signingKey?: string;
  signingKeyFallback?: string;
};

type Job = { id: string; runId: string; kind: string; stepId: string; attempt: number; claimedAt?: string };
type ClaimedJob = Job & { concurrencyKey: string | null; concurrencyLimit: number | null };

type RunContext = {
  id: string;
  status: string;
  stack: string[];
  requestVersion: number;
  disableImmediateExecution: boolean;
  url: string;
  maxAttempts: number;
  functionId: string;
  event: InngestEvent;
  /** The memo of every finished step, keyed by hashed step id. */
  steps: Record<string, Memo>;
};

class LeaseLostError extends Error {}
class InvalidOpError extends Error {}

function durationOrThrow<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw new InvalidOpError((error as Error).message);
  }
}

/**
 * Takes due jobs from executor_job with leases (FOR UPDATE SKIP LOCKED), calls the SDK, and stores
 * what happened together with the next job in one transaction. Several workers, in one process or
 * many, may share a database: a job is leased by one at a time, and a dead worker's lease expires.
 */
export class Worker {
  readonly id = `worker-${randomBytes(4).toString("hex")}`;
  /** Jobs this worker has settled (for tests, the benchmark and, later, metrics). */
  processedJobs = 0;
  /** Time spent waiting for the app's SDK, summed (the rest of a step's cost is the database and this process). */
  sdkCallMs = 0;
  sdkCalls = 0;
  private inFlight = new Map<string, Promise<void>>();
  private isRunning = false;
  private wakeUp: (() => void) | null = null;
  private isKicked = false;
  private loopDone: Promise<void> | null = null;
  private leaseTimer: NodeJS.Timeout | null = null;
  /** Aborts the SDK calls still in flight when stop()'s grace period is over. */
  private readonly abortCalls = new AbortController();

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: WorkerOptions,
  ) {}

  start() {
    this.isRunning = true;
    this.loopDone = this.loop();
    // Renew well inside the lease (three chances per lease), however short it is configured.
    this.leaseTimer = setInterval(() => void this.extendLeases(), Math.max(100, Math.floor(this.options.leaseMs / 3)));
    this.leaseTimer.unref();
  }

  /**
   * Stops taking jobs and waits for the ones in flight, up to `graceMs`. Jobs still in flight then
   * are released (their leases cleared, due now) so another executor takes them at once instead of
   * after the lease expires, and their SDK calls are aborted; a step that was mid-way runs again
   * there (steps are at-least-once), and a late checkpoint from the aborted call is refused (409).
   */
  async stop({ graceMs = this.options.shutdownGraceMs ?? 20_000 }: { graceMs?: number } = {}) {
    this.isRunning = false;
    this.kick();
    await this.loopDone;
    const drained = Promise.allSettled(this.inFlight.values()).then(() => true);
    let graceTimer: NodeJS.Timeout | undefined;
    const isDrained = await Promise.race([
      drained,
      new Promise<false>((resolve) => (graceTimer = setTimeout(() => resolve(false), graceMs))),
    ]);
    clearTimeout(graceTimer);
    if (!isDrained) {
      const jobIds = [...this.inFlight.keys()];
      const released = await this.pool
        .query(
          `UPDATE executor_job SET "leasedBy" = NULL, "leaseExpiresAt" = NULL, "admittedAt" = NULL, "runAt" = LEAST("runAt", (now() AT TIME ZONE 'UTC'))
            WHERE "leasedBy" = $1 AND id = ANY($2::bigint[])`,
          [this.id, jobIds],
        )
        .then((result) => result.rowCount ?? 0)
        .catch((error: unknown) => {
          logger.warn({ err: error, jobIds }, "could not release in-flight jobs; they go to other executors when their leases expire");
          return 0;
        });
      logger.warn({ workerId: this.id, inFlight: jobIds.length, released, graceMs }, "shutdown grace period over: released in-flight jobs");
      this.abortCalls.abort();
      await drained;
    }
    if (this.leaseTimer) clearInterval(this.leaseTimer);
  }

  /** Work may be due now (an event arrived, a job was enqueued). */
  kick() {
    // Remembered when the loop is not asleep (claiming, or asking when the next job is due), so a
    // wake-up that lands then is not lost: the next sleep returns at once.
    this.isKicked = true;
    this.wakeUp?.();
  }

  private async loop() {
    while (this.isRunning) {
      const capacity = this.options.concurrency - this.inFlight.size;
      let claimed: ClaimedJob[] = [];
      if (capacity > 0) {
        this.isKicked = false; // this claim sees every job committed before now
        try {
          claimed = await this.claim(capacity);
        } catch (error) {
          logger.warn({ err: error }, "could not claim jobs (database unavailable?); retrying");
          await this.sleep(1000);
          continue;
        }
      }
      for (const job of claimed) {
        const attributes = { "run.id": job.runId, "step.id": job.stepId, "job.kind": job.kind, attempt: job.attempt };
        const promise = withSpan("executor.step", attributes, () => this.process(job))
          .catch((error: unknown) => logger.error({ err: error, runId: job.runId, jobId: job.id }, "job processing failed"))
          .finally(() => {
            this.inFlight.delete(job.id);
            this.kick();
          });
        this.inFlight.set(job.id, promise);
      }
      if (claimed.length === 0 || this.inFlight.size >= this.options.concurrency) {
        await this.sleep(this.inFlight.size >= this.options.concurrency ? this.options.idlePollMs : await this.msUntilNextJob());
      }
    }
  }

  private sleep(ms: number) {
    return new Promise<void>((resolve) => {
      if (this.isKicked && this.inFlight.size < this.options.concurrency) {
        this.isKicked = false;
        resolve();
        return;
      }
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private async msUntilNextJob(): Promise<number> {
    const { rows } = await this.pool
      .query<{ ms: number | null }>(
        `SELECT EXTRACT(EPOCH FROM (min("runAt") - (now() AT TIME ZONE 'UTC'))) * 1000 AS ms FROM executor_job WHERE "leasedBy" IS NULL OR "leaseExpiresAt" < (now() AT TIME ZONE 'UTC')`,
      )
      .catch(() => ({ rows: [{ ms: null }] }));
    const ms = rows[0]?.ms;
    return Math.max(5, Math.min(this.options.idlePollMs, ms === null || ms === undefined ? this.options.idlePollMs : Number(ms)));
  }

  private async claim(limit: number): Promise<ClaimedJob[]> {
    await this.fireCrons();
    const { rows } = await this.pool.query<ClaimedJob>(
      `WITH picked AS (
         SELECT id FROM executor_job
          WHERE "runAt" <= (now() AT TIME ZONE 'UTC') AND ("leasedBy" IS NULL OR "leaseExpiresAt" < (now() AT TIME ZONE 'UTC'))
            AND NOT (id = ANY($4::bigint[])) -- never this worker's own jobs still in flight
          ORDER BY "runAt" LIMIT $2 FOR UPDATE SKIP LOCKED)
       UPDATE executor_job j SET "leasedBy" = $1, "admittedAt" = NULL,
              "leaseExpiresAt" = (now() AT TIME ZONE 'UTC') + make_interval(secs => $3::double precision / 1000)
         FROM picked, executor_run r
        WHERE j.id = picked.id AND r.id = j."runId"
        RETURNING j.id::text, j."runId", j.kind, j."stepId", j.attempt, r."concurrencyKey", r."concurrencyLimit",
                  to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "claimedAt"`,
      [this.id, limit, this.options.leaseMs, [...this.inFlight.keys()]],
    );
    const admitted: ClaimedJob[] = [];
    for (const job of rows) {
      const callsSdk = job.kind === "discover" || job.kind === "run-step";
      if (!callsSdk || job.concurrencyKey === null || job.concurrencyLimit === null || (await this.admit(job))) admitted.push(job);
    }
    return admitted;
  }

  /**
   * Concurrency: at most `limit` SDK calls in flight per key. Admission is serialised per key by an
   * advisory lock; a job over the limit goes back to the queue for a moment.
   */
  private async admit(job: ClaimedJob): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`concurrency:${job.concurrencyKey}`]);
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM executor_job j JOIN executor_run r ON r.id = j."runId"
          WHERE r."concurrencyKey" = $1 AND j."admittedAt" IS NOT NULL AND j."leaseExpiresAt" > (now() AT TIME ZONE 'UTC') AND j.id <> $2`,
        [job.concurrencyKey, job.id],
      );
      if ((rows[0]?.n ?? 0) < job.concurrencyLimit!) {
        await client.query(`UPDATE executor_job SET "admittedAt" = now() WHERE id = $1 AND "leasedBy" = $2`, [job.id, this.id]);
        return true;
      }
      await client.query(
        `UPDATE executor_job SET "leasedBy" = NULL, "leaseExpiresAt" = NULL, "runAt" = (now() AT TIME ZONE 'UTC') + interval '100 milliseconds'
          WHERE id = $1 AND "leasedBy" = $2`,
        [job.id, this.id],
      );
      return false;
    });
  }

  private lastCronCheck = 0;

  private async fireCrons() {
    if (Date.now() - this.lastCronCheck < 500) return;
    this.lastCronCheck = Date.now();
    const fired = await inTransaction(this.pool, (client) => fireDueCrons(client));
    if (fired > 0) logger.debug({ fired }, "cron schedules fired");
  }

  private async extendLeases() {
    if (this.inFlight.size === 0) return;
    await this.pool
      .query(
        `UPDATE executor_job SET "leaseExpiresAt" = (now() AT TIME ZONE 'UTC') + make_interval(secs => $3::double precision / 1000)
          WHERE "leasedBy" = $1 AND id = ANY($2::bigint[])`,
        [this.id, [...this.inFlight.keys()], this.options.leaseMs],
      )
      .catch((error: unknown) => logger.warn({ err: error }, "could not extend job leases"));
  }

  /** Runs `fn` in a transaction that first removes this job; if another worker took it over, nothing commits. */
  private async settle(job: Job, fn: (client: pg.PoolClient) => Promise<void>) {
    await inTransaction(this.pool, async (client) => {
      const removed = await client.query(`DELETE FROM executor_job WHERE id = $1 AND "leasedBy" = $2`, [job.id, this.id]);
      if (removed.rowCount === 0) throw new LeaseLostError(`lease on job ${job.id} was lost`);
      await fn(client);
    });
    this.processedJobs++;
    this.kick();
  }

  private async loadRun(runId: string): Promise<RunContext | null> {
    const { rows } = await this.pool.query<RunContext>(
      `SELECT r.id, r.status, r.stack, r."requestVersion", r."disableImmediateExecution", f.url, f."maxAttempts", f.id AS "functionId",
              json_build_object('id', e.id, 'name', e.name, 'data', e.data, 'ts', e.ts) AS event,
              (SELECT coalesce(json_object_agg(s."stepId", s.memo), '{}'::json) FROM executor_step s
                WHERE s."runId" = r.id AND s.status IN ('completed', 'failed')) AS steps
         FROM executor_run r JOIN executor_function f ON f.id = r."functionId" JOIN executor_event e ON e.id = r."eventId"
        WHERE r.id = $1`,
      [runId],
    );
    const run = rows[0];
    if (run) run.event.ts = Number(run.event.ts);
    return run ?? null;
  }

  private async process(job: ClaimedJob) {
    try {
      const run = await this.loadRun(job.runId);
      if (!run || run.status !== "running") {
        await this.settle(job, async () => {});
        return;
      }
      if (job.kind === "wake") {
        // A finished sleep goes straight on: the same job, still leased, becomes the call that
        // discovers the next step (one queue round trip fewer per sleep, e.g. an agent's cooldown).
        await inTransaction(this.pool, async (client) => {
          const held = await client.query(
            `UPDATE executor_job SET kind = 'discover', "stepId" = 'step', attempt = 0 WHERE id = $1 AND "leasedBy" = $2`,
            [job.id, this.id],
          );
          if (held.rowCount === 0) throw new LeaseLostError(`lease on job ${job.id} was lost`);
          await completeStep(client, job.runId, job.stepId, null, "completed");
        });
        const next: ClaimedJob = { ...job, kind: "discover", stepId: "step", attempt: 0 };
        // Under a concurrency limit the call must be admitted like any other; if not, admit() requeues it.
        if (next.concurrencyKey !== null && next.concurrencyLimit !== null && !(await this.admit(next))) return;
        const resumed = await this.loadRun(job.runId);
        if (!resumed || resumed.status !== "running") {
          await this.settle(next, async () => {});
          return;
        }
        await this.callSdk(next, resumed);
        return;
      }
      if (job.kind === "wait-timeout") {
        await this.settle(job, async (client) => {
          const wait = await client.query(`DELETE FROM executor_wait WHERE "runId" = $1 AND "stepId" = $2`, [job.runId, job.stepId]);
          if (wait.rowCount === 0) return; // an event resumed it first
          await completeStep(client, job.runId, job.stepId, null, "completed");
          await enqueueJob(client, job.runId, "discover", "step");
        });
        return;
      }
      if (job.kind === "invoke-timeout") {
        await this.settle(job, async (client) => {
          const pending = await client.query(
            `SELECT id FROM executor_step WHERE "runId" = $1 AND "stepId" = $2 AND status = 'invoking' FOR UPDATE`,
            [job.runId, job.stepId],
          );
          if (pending.rowCount === 0) return; // the invoked run finished first
          const error = { name: "InngestInvokeTimeoutError", message: "Timed out waiting for the invoked function to complete" };
          await completeStep(client, job.runId, job.stepId, { error }, "failed", { op: "InvokeFunction" });
          await enqueueJob(client, job.runId, "discover", "step");
        });
        return;
      }
      await this.callSdk(job, run);
    } catch (error) {
      if (error instanceof LeaseLostError) {
        logger.warn({ runId: job.runId, jobId: job.id }, error.message);
        return;
      }
      throw error;
    }
  }

  /**
   * When to retry: the app's `Retry-After` (seconds from now, or a date kept as that instant, so the
   * retry does not run early by however long the transaction had been open), else exponential backoff
   * with jitter.
   */
  private retryWhen(attempt: number, retryAfter: string | null): { delayMs: number } | { at: Date } {
    if (retryAfter) {
      const seconds = Number(retryAfter);
      if (Number.isFinite(seconds)) return { delayMs: Math.max(0, seconds * 1000) };
      const at = Date.parse(retryAfter);
      if (Number.isFinite(at)) return { at: new Date(at) };
    }
    const base = Math.min(this.options.backoffMaxMs, this.options.backoffBaseMs * 2 ** attempt);
    return { delayMs: Math.round(base * (0.8 + Math.random() * 0.4)) };
  }

  private async callSdk(job: Job, run: RunContext) {
    const body = {
      event: run.event,
      events: [run.event],
      steps: run.steps,
      ctx: {
        run_id: run.id,
        attempt: job.attempt,
        max_attempts: run.maxAttempts,
        disable_immediate_execution: run.disableImmediateExecution,
        use_api: false,
        stack: { stack: run.stack, current: run.stack.length },
        // fn_id + qi_id switch the SDK into async checkpointing; qi_id names the leased job so a
        // checkpoint from a request whose job was taken over is refused (409, stale dispatch).
        ...(this.options.checkpointing ? { fn_id: run.functionId, qi_id: `${job.id}.${this.id}` } : {}),
      },
      version: run.requestVersion,
    };
    const url = new URL(run.url);
    url.searchParams.set("stepId", job.stepId);
    const headers: Record<string, string> = { "content-type": "application/json", "x-run-id": run.id, "x-inngest-step-id": job.stepId };
    if (run.requestVersion >= 0) headers["x-inngest-req-version"] = String(run.requestVersion);
    // Canonical JSON: in cloud mode the SDK re-canonicalizes the body it received before checking the
    // signature, so these exact bytes are what is signed.
    const payload = canonicalJson(body);
    const { signingKey, signingKeyFallback } = this.options;
    if (signingKey) headers["x-inngest-signature"] = signatureHeader(payload, signingKey);

    let response: Response;
    let text: string;
    const callStarted = performance.now();
    try {
      response = await fetch(url, {
        method: "POST",
        headers,
        body: payload,
        signal: AbortSignal.any([AbortSignal.timeout(this.options.requestTimeoutMs), this.abortCalls.signal]),
      });
      text = await response.text();
      this.sdkCallMs += performance.now() - callStarted;
      this.sdkCalls++;
      sdkCalls.inc();
      sdkCallSeconds.inc((performance.now() - callStarted) / 1000);
    } catch (error) {
      await this.retryOrFail(
        job,
        run,
        { name: "SdkUnreachable", message: `Could not reach the app at ${url.origin}: ${(error as Error).message}` },
        null,
        false,
      );
      return;
    }
    if (signingKey && response.status === 401 && !response.headers.has("x-inngest-sdk")) {
      // The SDK in cloud mode answers a request whose signature it cannot verify with a bare 401.
      await this.retryOrFail(
        job,
        run,
        {
          name: "SignatureRejected",
          message: `The app at ${url.origin} refused the executor's signature (401): give the app and the executor the same INNGEST_SIGNING_KEY, and check both clocks.`,
        },
        null,
        false,
      );
      return;
    }
    const fromSdk = response.headers.has("x-inngest-sdk");
    if (fromSdk && signingKey) {
      const problem = checkSignatureHeader(
        response.headers.get("x-inngest-signature"),
        text,
        [signingKey, signingKeyFallback].filter((key): key is string => Boolean(key)),
      );
      if (problem) {
        // Not provably from the app: neither its result nor its ops are trusted.
        await this.retryOrFail(
          job,
          run,
          {
            name: "UnsignedReply",
            message: `The app's reply carried no valid x-inngest-signature (${problem}); is the app in cloud mode with INNGEST_SIGNING_KEY?`,
          },
          null,
          false,
        );
        return;
      }
    }
    const noRetry = response.headers.get("x-inngest-no-retry") === "true";
    const version = Number(response.headers.get("x-inngest-req-version") ?? run.requestVersion);
    const parsed = safeJson(text);

    if (!fromSdk) {
      await this.retryOrFail(
        job,
        run,
        { name: "NotFromSdk", message: `The app answered ${response.status} without the Inngest SDK header (a proxy or a crash page?)` },
        null,
        false,
      );
      return;
    }
    if (response.status === 200) {
      await this.settle(job, (client) => finishRun(client, run.id, "completed", { output: parsed ?? null, error: null }));
      return;
    }
    if (response.status !== 206) {
      const error = isErrorShape(parsed)
        ? parsed
        : { name: "Error", message: `The function answered ${response.status}: ${text.slice(0, 500)}` };
      await this.retryOrFail(job, run, error, response.headers.get("retry-after"), noRetry);
      return;
    }
    const ops = (Array.isArray(parsed) ? parsed : [parsed]) as Op[];
    await this.handleOps(job, run, ops, { version, noRetry, retryAfter: response.headers.get("retry-after") });
  }

  /** A function-level failure: retry the same call with backoff, or fail the run on the last attempt. */
  private async retryOrFail(job: Job, run: RunContext, error: unknown, retryAfter: string | null, noRetry: boolean) {
    const isLast = noRetry || job.attempt + 1 >= run.maxAttempts;
    await this.settle(job, async (client) => {
      if (isLast) await finishRun(client, run.id, "failed", { output: null, error });
      else
        await enqueueJob(client, run.id, job.kind, job.stepId, {
          attempt: job.attempt + 1,
          ...this.retryWhen(job.attempt, retryAfter),
        });
    });
  }

  private async handleOps(
    job: Job,
    run: RunContext,
    ops: Op[],
    response: { version: number; noRetry: boolean; retryAfter: string | null },
  ) {
    await this.settle(job, async (client) => {
      await client.query(`UPDATE executor_run SET "requestVersion" = $2, "updatedAt" = now() WHERE id = $1`, [run.id, response.version]);
      const planned = ops.filter((op) => op.op === "StepPlanned");
      if (planned.length > 0) {
        // A group of parallel steps: run each on its own and discover again only when all finished;
        // immediate execution stays off until then, or the SDK would run a sibling inline twice.
        const isGroup = planned.length > 1 || run.disableImmediateExecution;
        if (isGroup) await client.query(`UPDATE executor_run SET "disableImmediateExecution" = true WHERE id = $1`, [run.id]);
        for (const op of planned) {
          const exists = await client.query(
            `SELECT 1 FROM executor_job WHERE "runId" = $1 AND "stepId" = $2 UNION ALL SELECT 1 FROM executor_step WHERE "runId" = $1 AND "stepId" = $2`,
            [run.id, op.id],
          );
          if (exists.rowCount === 0) await enqueueJob(client, run.id, "run-step", op.id);
        }
        return;
      }
      // Finished steps continue the run with one discovery, however many the response holds (the SDK
      // answers with all the steps it buffered when their checkpoint failed), unless another op in it says
      // what comes next (the run's end after buffered steps, a step's retry).
      let continues = false;
      let decided = false;
      for (const op of ops) {
        try {
          if ((await this.applyOp(client, job, run, op, response)) === "continue") continues = true;
          else decided = true;
        } catch (error) {
          if (!(error instanceof InvalidOpError)) throw error;
          // An op the executor cannot carry out (e.g. an unparseable duration) fails the run
          // instead of being retried forever.
          await finishRun(client, run.id, "failed", { output: null, error: { name: "InvalidOp", message: error.message } });
          return;
        }
      }
      if (continues && !decided) await this.continueAfterStep(client, run);
    });
  }

  /** Carries out one op of the SDK's response; "continue" for a finished step (the caller continues the run once). */
  private async applyOp(
    client: pg.PoolClient,
    job: Job,
    run: RunContext,
    op: Op,
    response: { noRetry: boolean; retryAfter: string | null },
  ): Promise<"continue" | void> {
    const name = op.displayName ?? op.name ?? op.id;
    switch (op.op) {
      case "StepRun":
        await completeStep(client, run.id, op.id, { data: op.data ?? null }, "completed", { name, op: op.op, attempts: job.attempt + 1 });
        return "continue";
      case "StepError": {
        const isLast = response.noRetry || job.attempt + 1 >= run.maxAttempts;
        if (!isLast) {
          await enqueueJob(client, run.id, "run-step", op.id, {
            attempt: job.attempt + 1,
            ...this.retryWhen(job.attempt, response.retryAfter),
          });
          return;
        }
        await completeStep(client, run.id, op.id, { error: op.error ?? null }, "failed", { name, op: op.op, attempts: job.attempt + 1 });
        return "continue";
      }
      case "StepFailed":
        await completeStep(client, run.id, op.id, { error: op.error ?? null }, "failed", { name, op: op.op, attempts: job.attempt + 1 });
        return "continue";
      case "Sleep": {
        const wakeAt = durationOrThrow(() => resolveWakeTime(op.name ?? "0s"));
        await insertPendingStep(client, run.id, op.id, name, op.op, "sleeping");
        await enqueueJob(client, run.id, "wake", op.id, { at: wakeAt });
        return;
      }
      case "WaitForEvent": {
        const timeout = typeof op.opts?.timeout === "string" ? op.opts.timeout : "24h";
        const expression = typeof op.opts?.if === "string" ? op.opts.if : null;
        const expiresAt = new Date(Date.now() + durationOrThrow(() => parseDurationMs(timeout)));
        await insertPendingStep(client, run.id, op.id, name, op.op, "waiting");
        await lockWaitsFor(client, op.name ?? "", "exclusive");
        await client.query(
          `INSERT INTO executor_wait ("runId", "stepId", "eventName", expression, "expiresAt") VALUES ($1, $2, $3, $4, ($5::timestamptz AT TIME ZONE 'UTC'))
           ON CONFLICT ("runId", "stepId") DO NOTHING`,
          [run.id, op.id, op.name, expression, expiresAt.toISOString()],
        );
        await enqueueJob(client, run.id, "wait-timeout", op.id, { at: expiresAt });
        await this.matchEarlyEvent(client, job, run, op.id, op.name ?? "", expression);
        return;
      }
      case "InvokeFunction": {
        const target = typeof op.opts?.function_id === "string" ? op.opts.function_id : "";
        const fn = await client.query<{ id: string; config: never; triggers: never }>(
          `SELECT id, config, triggers FROM executor_function WHERE id = $1 AND NOT "isArchived"`,
          [target],
        );
        if (!fn.rows[0]) {
          await completeStep(
            client,
            run.id,
            op.id,
            { error: { name: "Error", message: `Function ${target} is not registered` } },
            "failed",
            { name, op: op.op },
          );
          return "continue";
        }
        const payload = (op.opts?.payload ?? {}) as { data?: Record<string, unknown> };
        const event = await insertInternalEvent(client, "inngest/function.invoked", {
          ...(payload.data ?? {}),
          _inngest: { invoke_correlation_id: `${run.id}.${op.id}` },
        });
        await insertPendingStep(client, run.id, op.id, name, op.op, "invoking");
        await startRun(client, fn.rows[0], event, { runId: run.id, stepId: op.id });
        if (typeof op.opts?.timeout === "string") {
          const timeoutMs = durationOrThrow(() => parseDurationMs(String(op.opts?.timeout)));
          await enqueueJob(client, run.id, "invoke-timeout", op.id, { at: new Date(Date.now() + timeoutMs) });
        }
        return;
      }
      case "RunComplete":
        return finishRun(client, run.id, "completed", { output: op.data ?? null, error: null });
      case "DiscoveryRequest":
        return enqueueJob(client, run.id, "discover", "step");
      default:
        logger.warn({ runId: run.id, op: op.op }, "unknown op from the SDK; discovering again");
        return enqueueJob(client, run.id, "discover", "step");
    }
  }

  /**
   * An event can arrive between the step that made it expected (say, the one that created an approval)
   * and the moment the SDK reports the wait, possibly in a later request. Events received since the
   * step before that one ended (or since this request began, if earlier) are therefore matched against
   * a new wait too, so a quick answer is never lost. (Inngest only matches events after the wait; this
   * is a superset, recorded in docs/decisions/005.)
   */
  private async matchEarlyEvent(
    client: pg.PoolClient,
    job: Job,
    run: RunContext,
    stepId: string,
    eventName: string,
    expression: string | null,
  ) {
    if (!job.claimedAt) return;
    const { rows } = await client.query<{ event: InngestEvent }>(
      `WITH since AS (
         SELECT LEAST(($2::timestamptz AT TIME ZONE 'UTC'), COALESCE(
           (SELECT "endedAt" FROM executor_step WHERE "runId" = $3 AND "stepId" <> $4 AND "endedAt" IS NOT NULL
             ORDER BY "endedAt" DESC OFFSET 1 LIMIT 1),
           (SELECT "startedAt" FROM executor_run WHERE id = $3))) AS at)
       SELECT json_build_object('id', id, 'name', name, 'data', data, 'ts', ts) AS event FROM executor_event, since
        WHERE name = $1 AND "receivedAt" >= since.at ORDER BY "receivedAt", id LIMIT 100`,
      [eventName, job.claimedAt, run.id, stepId],
    );
    const match = rows.find((r) => matches(expression, { event: run.event, async: { ...r.event, ts: Number(r.event.ts) } }));
    if (!match) return;
    await client.query(`DELETE FROM executor_wait WHERE "runId" = $1 AND "stepId" = $2`, [run.id, stepId]);
    await client.query(`DELETE FROM executor_job WHERE "runId" = $1 AND kind = 'wait-timeout' AND "stepId" = $2`, [run.id, stepId]);
    await completeStep(client, run.id, stepId, { ...match.event, ts: Number(match.event.ts) }, "completed");
    await enqueueJob(client, run.id, "discover", "step");
  }

  /** After a step finished: discover the next one, unless siblings of a parallel group are still running. */
  private async continueAfterStep(client: pg.PoolClient, run: RunContext) {
    if (!run.disableImmediateExecution) {
      // Not inside a parallel group (the common, sequential case): no siblings to wait for.
      return enqueueJob(client, run.id, "discover", "step");
    }
    await client.query(`SELECT 1 FROM executor_run WHERE id = $1 FOR UPDATE`, [run.id]);
    const siblings = await client.query(`SELECT 1 FROM executor_job WHERE "runId" = $1 AND kind = 'run-step' LIMIT 1`, [run.id]);
    if (siblings.rowCount) return;
    await client.query(`UPDATE executor_run SET "disableImmediateExecution" = false WHERE id = $1`, [run.id]);
    await enqueueJob(client, run.id, "discover", "step");
  }
}

async function insertPendingStep(client: pg.PoolClient, runId: string, stepId: string, name: string, op: string, status: string) {
  await client.query(
    `INSERT INTO executor_step ("runId", "stepId", name, op, status) VALUES ($1, $2, $3, $4, $5) ON CONFLICT ("runId", "stepId") DO NOTHING`,
    [runId, stepId, name, op, status],
  );
}

function safeJson(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function isErrorShape(value: unknown): value is { name: string; message: string } {
  return typeof value === "object" && value !== null && "message" in value;
}
