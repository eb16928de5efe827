import { randomBytes } from "node:crypto";
import type pg from "pg";
import { applyOps } from "./apply-ops";
import { logger } from "./log";
import { sdkCallSeconds, sdkCalls } from "./metrics";
import { retryDue } from "./retry";
import { callSdk, type SdkResult } from "./sdk-call";
import {
  admitJob,
  completeStep,
  deleteLeasedJob,
  enqueueJob,
  extendLeases,
  finishRun,
  fireDueCrons,
  inTransaction,
  leaseDueJobs,
  loadRun,
  lockInvokingStep,
  msUntilNextJob,
  releaseJobs,
  timeOutWait,
  turnIntoDiscovery,
  type ClaimedJob,
  type Job,
  type RunContext,
} from "./store";
import { withSpan } from "./tracing";

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

class LeaseLostError extends Error {}

/**
 * Takes due jobs from the queue with leases, calls the SDK (sdk-call.ts), and stores what happened
 * together with the next job in one transaction (apply-ops.ts). Several workers, in one process or
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
  private lastCronCheck = 0;
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
      const released = await releaseJobs(this.pool, this.id, jobIds).catch((error: unknown) => {
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
    const ms = await msUntilNextJob(this.pool).catch(() => null);
    return Math.max(5, Math.min(this.options.idlePollMs, ms ?? this.options.idlePollMs));
  }

  private async claim(limit: number): Promise<ClaimedJob[]> {
    await this.fireCrons();
    const leased = await leaseDueJobs(this.pool, {
      workerId: this.id,
      limit,
      leaseMs: this.options.leaseMs,
      exclude: [...this.inFlight.keys()],
    });
    const admitted: ClaimedJob[] = [];
    for (const job of leased) {
      const callsSdk = job.kind === "discover" || job.kind === "run-step";
      if (!callsSdk || (await this.admit(job))) admitted.push(job);
    }
    return admitted;
  }

  /** Admits a call under its run's concurrency limit, if it has one; a job over the limit is requeued (false). */
  private async admit(job: ClaimedJob): Promise<boolean> {
    if (job.concurrencyKey === null || job.concurrencyLimit === null) return true;
    return admitJob(this.pool, job, this.id);
  }

  private async fireCrons() {
    if (Date.now() - this.lastCronCheck < 500) return;
    this.lastCronCheck = Date.now();
    const fired = await inTransaction(this.pool, (client) => fireDueCrons(client));
    if (fired > 0) logger.debug({ fired }, "cron schedules fired");
  }

  private async extendLeases() {
    if (this.inFlight.size === 0) return;
    await extendLeases(this.pool, this.id, [...this.inFlight.keys()], this.options.leaseMs).catch((error: unknown) =>
      logger.warn({ err: error }, "could not extend job leases"),
    );
  }

  /** Runs `fn` in a transaction that first removes this job; if another worker took it over, nothing commits. */
  private async settle(job: Job, fn: (client: pg.PoolClient) => Promise<unknown> = async () => {}) {
    await inTransaction(this.pool, async (client) => {
      if (!(await deleteLeasedJob(client, job.id, this.id))) throw new LeaseLostError(`lease on job ${job.id} was lost`);
      await fn(client);
    });
    this.processedJobs++;
    this.kick();
  }

  private async process(job: ClaimedJob) {
    try {
      const run = await loadRun(this.pool, job.runId);
      if (!run || run.status !== "running") return await this.settle(job);
      switch (job.kind) {
        case "wake":
          return await this.wake(job);
        case "wait-timeout":
          return await this.settle(job, (client) => timeOutWait(client, job.runId, job.stepId));
        case "invoke-timeout":
          return await this.settle(job, async (client) => {
            if (!(await lockInvokingStep(client, job.runId, job.stepId))) return; // the invoked run finished first
            const error = { name: "InngestInvokeTimeoutError", message: "Timed out waiting for the invoked function to complete" };
            await completeStep(client, job.runId, job.stepId, { error }, "failed", { op: "InvokeFunction" });
            await enqueueJob(client, job.runId, "discover", "step");
          });
        default:
          return await this.call(job, run);
      }
    } catch (error) {
      if (error instanceof LeaseLostError) {
        logger.warn({ runId: job.runId, jobId: job.id }, error.message);
        return;
      }
      throw error;
    }
  }

  /**
   * A finished sleep goes straight on: the same job, still leased, becomes the call that discovers the
   * next step (one queue round trip fewer per sleep, e.g. an agent's cooldown).
   */
  private async wake(job: ClaimedJob) {
    await inTransaction(this.pool, async (client) => {
      if (!(await turnIntoDiscovery(client, job.id, this.id))) throw new LeaseLostError(`lease on job ${job.id} was lost`);
      await completeStep(client, job.runId, job.stepId, null, "completed");
    });
    const next: ClaimedJob = { ...job, kind: "discover", stepId: "step", attempt: 0 };
    // Under a concurrency limit the call must be admitted like any other; if not, admit() requeues it.
    if (!(await this.admit(next))) return;
    const resumed = await loadRun(this.pool, job.runId);
    if (!resumed || resumed.status !== "running") return this.settle(next);
    await this.call(next, resumed);
  }

  /** Calls the SDK for the job and settles it with what the call came to. */
  private async call(job: Job, run: RunContext) {
    const { requestTimeoutMs, checkpointing, signingKey, signingKeyFallback } = this.options;
    const options = { workerId: this.id, requestTimeoutMs, checkpointing, signingKey, signingKeyFallback, signal: this.abortCalls.signal };
    const result: SdkResult = await callSdk(job, run, options, (ms) => {
      this.sdkCallMs += ms;
      this.sdkCalls++;
      sdkCalls.inc();
      sdkCallSeconds.inc(ms / 1000);
    });
    switch (result.kind) {
      case "completed":
        return this.settle(job, (client) => finishRun(client, run.id, "completed", { output: result.output, error: null }));
      case "ops":
        return this.settle(job, (client) => applyOps(client, job, run, result, this.options));
      case "error": {
        // A function-level failure: retry the same call with backoff, or fail the run on the last attempt.
        const isLast = result.noRetry || job.attempt + 1 >= run.maxAttempts;
        return this.settle(job, (client) =>
          isLast
            ? finishRun(client, run.id, "failed", { output: null, error: result.error })
            : enqueueJob(client, run.id, job.kind, job.stepId, {
                attempt: job.attempt + 1,
                ...retryDue(job.attempt, result.retryAfter, this.options),
              }),
        );
      }
    }
  }
}
