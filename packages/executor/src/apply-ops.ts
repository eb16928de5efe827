import type pg from "pg";
import { parseDurationMs, resolveWakeTime } from "./duration";
import { logger } from "./log";
import { retryDue, type BackoffOptions } from "./retry";
import {
  activeFunction,
  completeStep,
  enqueueJob,
  finishRun,
  hasRunningSiblings,
  insertInternalEvent,
  insertPendingStep,
  insertWait,
  isStepKnown,
  recordRequestVersion,
  setImmediateExecutionDisabled,
  startRun,
  type Job,
  type RunContext,
} from "./store";
import type { Op } from "./types";

/**
 * Applies what the SDK reported for a run (its ops) inside the transaction that settles the job:
 * finished steps, planned ones, sleeps, waits, invokes and the run's end, and what runs next.
 */
export type OpsReply = { ops: Op[]; version: number; noRetry: boolean; retryAfter: string | null };

class InvalidOpError extends Error {}

function durationOrThrow<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw new InvalidOpError((error as Error).message);
  }
}

export async function applyOps(client: pg.PoolClient, job: Job, run: RunContext, reply: OpsReply, backoff: BackoffOptions) {
  await recordRequestVersion(client, run.id, reply.version);
  const planned = reply.ops.filter((op) => op.op === "StepPlanned");
  if (planned.length > 0) {
    // A group of parallel steps: run each on its own and discover again only when all finished;
    // immediate execution stays off until then, or the SDK would run a sibling inline twice.
    const isGroup = planned.length > 1 || run.disableImmediateExecution;
    if (isGroup) await setImmediateExecutionDisabled(client, run.id, true);
    for (const op of planned) {
      if (!(await isStepKnown(client, run.id, op.id))) await enqueueJob(client, run.id, "run-step", op.id);
    }
    return;
  }
  // Finished steps continue the run with one discovery, however many the response holds (the SDK
  // answers with all the steps it buffered when their checkpoint failed), unless another op in it says
  // what comes next (the run's end after buffered steps, a step's retry).
  let continues = false;
  let decided = false;
  for (const op of reply.ops) {
    try {
      if ((await applyOp(client, job, run, op, reply, backoff)) === "continue") continues = true;
      else decided = true;
    } catch (error) {
      if (!(error instanceof InvalidOpError)) throw error;
      // An op the executor cannot carry out (e.g. an unparseable duration) fails the run
      // instead of being retried forever.
      await finishRun(client, run.id, "failed", { output: null, error: { name: "InvalidOp", message: error.message } });
      return;
    }
  }
  if (continues && !decided) await continueAfterStep(client, run);
}

/** Carries out one op of the SDK's response; "continue" for a finished step (the caller continues the run once). */
async function applyOp(
  client: pg.PoolClient,
  job: Job,
  run: RunContext,
  op: Op,
  reply: OpsReply,
  backoff: BackoffOptions,
): Promise<"continue" | void> {
  const name = op.displayName ?? op.name ?? op.id;
  const attempts = job.attempt + 1;
  switch (op.op) {
    case "StepRun":
      await completeStep(client, run.id, op.id, { data: op.data ?? null }, "completed", { name, op: op.op, attempts });
      return "continue";
    case "StepError": {
      const isLast = reply.noRetry || attempts >= run.maxAttempts;
      if (!isLast) {
        await enqueueJob(client, run.id, "run-step", op.id, { attempt: attempts, ...retryDue(job.attempt, reply.retryAfter, backoff) });
        return;
      }
      await completeStep(client, run.id, op.id, { error: op.error ?? null }, "failed", { name, op: op.op, attempts });
      return "continue";
    }
    case "StepFailed":
      await completeStep(client, run.id, op.id, { error: op.error ?? null }, "failed", { name, op: op.op, attempts });
      return "continue";
    case "Sleep": {
      const wakeAt = durationOrThrow(() => resolveWakeTime(op.name ?? "0s"));
      await insertPendingStep(client, { runId: run.id, stepId: op.id, name, op: op.op, status: "sleeping" });
      await enqueueJob(client, run.id, "wake", op.id, { at: wakeAt });
      return;
    }
    case "WaitForEvent": {
      // Matched only by events received from now on, as in Inngest ("Preventing race conditions" in its
      // wait-for-event docs; docs/decisions/025): an event sent before the wait began does not resume it.
      const timeout = typeof op.opts?.timeout === "string" ? op.opts.timeout : "24h";
      const expression = typeof op.opts?.if === "string" ? op.opts.if : null;
      const expiresAt = new Date(Date.now() + durationOrThrow(() => parseDurationMs(timeout)));
      await insertPendingStep(client, { runId: run.id, stepId: op.id, name, op: op.op, status: "waiting" });
      await insertWait(client, { runId: run.id, stepId: op.id, eventName: op.name ?? "", expression, expiresAt });
      return;
    }
    case "InvokeFunction": {
      const target = typeof op.opts?.function_id === "string" ? op.opts.function_id : "";
      const fn = await activeFunction(client, target);
      if (!fn) {
        const error = { name: "Error", message: `Function ${target} is not registered` };
        await completeStep(client, run.id, op.id, { error }, "failed", { name, op: op.op });
        return "continue";
      }
      const payload = (op.opts?.payload ?? {}) as { data?: Record<string, unknown> };
      const event = await insertInternalEvent(client, "inngest/function.invoked", {
        ...(payload.data ?? {}),
        _inngest: { invoke_correlation_id: `${run.id}.${op.id}` },
      });
      await insertPendingStep(client, { runId: run.id, stepId: op.id, name, op: op.op, status: "invoking" });
      await startRun(client, fn, event, { runId: run.id, stepId: op.id });
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

/** After a step finished: discover the next one, unless siblings of a parallel group are still running. */
async function continueAfterStep(client: pg.PoolClient, run: RunContext) {
  // Not inside a parallel group (the common, sequential case): no siblings to wait for.
  if (!run.disableImmediateExecution) return enqueueJob(client, run.id, "discover", "step");
  if (await hasRunningSiblings(client, run.id)) return;
  await setImmediateExecutionDisabled(client, run.id, false);
  await enqueueJob(client, run.id, "discover", "step");
}
