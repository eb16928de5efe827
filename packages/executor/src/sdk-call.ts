import type { RunContext } from "./store";
import type { Job } from "./store";
import { canonicalJson, checkSignatureHeader, signatureHeader } from "./signing";
import type { Op } from "./types";

/**
 * One call to an app's serve endpoint, turned into what the worker acts on: the run's output, the
 * ops the SDK reported, or an error to retry (with the app's Retry-After and no-retry wishes). A call
 * that did not reach the SDK, or whose reply is not provably the SDK's, is an error too.
 */
export type SdkResult =
  | { kind: "completed"; output: unknown }
  | { kind: "ops"; ops: Op[]; version: number; noRetry: boolean; retryAfter: string | null }
  | { kind: "error"; error: unknown; retryAfter: string | null; noRetry: boolean };

export type SdkCallOptions = {
  workerId: string;
  requestTimeoutMs: number;
  checkpointing: boolean;
  signingKey?: string;
  signingKeyFallback?: string;
  /** Aborts the call (a shutdown past its grace period). */
  signal: AbortSignal;
};

/** The request body the SDK expects for a run (inngest-js 4.x; PROTOCOL.md). */
function callBody(job: Job, run: RunContext, options: SdkCallOptions) {
  return {
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
      ...(options.checkpointing ? { fn_id: run.functionId, qi_id: `${job.id}.${options.workerId}` } : {}),
    },
    version: run.requestVersion,
  };
}

/** Calls the SDK for `job` of `run`; `onAnswered` gets the time the app took when it answered at all. */
export async function callSdk(job: Job, run: RunContext, options: SdkCallOptions, onAnswered: (ms: number) => void): Promise<SdkResult> {
  const url = new URL(run.url);
  url.searchParams.set("stepId", job.stepId);
  const headers: Record<string, string> = { "content-type": "application/json", "x-run-id": run.id, "x-inngest-step-id": job.stepId };
  if (run.requestVersion >= 0) headers["x-inngest-req-version"] = String(run.requestVersion);
  // Canonical JSON: in cloud mode the SDK re-canonicalizes the body it received before checking the
  // signature, so these exact bytes are what is signed.
  const payload = canonicalJson(callBody(job, run, options));
  const { signingKey, signingKeyFallback } = options;
  if (signingKey) headers["x-inngest-signature"] = signatureHeader(payload, signingKey);
  const failure = (name: string, message: string): SdkResult => ({
    kind: "error",
    error: { name, message },
    retryAfter: null,
    noRetry: false,
  });

  let response: Response;
  let text: string;
  const callStarted = performance.now();
  try {
    response = await fetch(url, {
      method: "POST",
      headers,
      body: payload,
      signal: AbortSignal.any([AbortSignal.timeout(options.requestTimeoutMs), options.signal]),
    });
    text = await response.text();
    onAnswered(performance.now() - callStarted);
  } catch (error) {
    return failure("SdkUnreachable", `Could not reach the app at ${url.origin}: ${(error as Error).message}`);
  }
  const fromSdk = response.headers.has("x-inngest-sdk");
  if (signingKey && response.status === 401 && !fromSdk) {
    // The SDK in cloud mode answers a request whose signature it cannot verify with a bare 401.
    return failure(
      "SignatureRejected",
      `The app at ${url.origin} refused the executor's signature (401): give the app and the executor the same INNGEST_SIGNING_KEY, and check both clocks.`,
    );
  }
  if (fromSdk && signingKey) {
    const keys = [signingKey, signingKeyFallback].filter((key): key is string => Boolean(key));
    const problem = checkSignatureHeader(response.headers.get("x-inngest-signature"), text, keys);
    // Not provably from the app: neither its result nor its ops are trusted.
    if (problem)
      return failure(
        "UnsignedReply",
        `The app's reply carried no valid x-inngest-signature (${problem}); is the app in cloud mode with INNGEST_SIGNING_KEY?`,
      );
  }
  if (!fromSdk)
    return failure("NotFromSdk", `The app answered ${response.status} without the Inngest SDK header (a proxy or a crash page?)`);

  const noRetry = response.headers.get("x-inngest-no-retry") === "true";
  const retryAfter = response.headers.get("retry-after");
  const parsed = safeJson(text);
  if (response.status === 200) return { kind: "completed", output: parsed ?? null };
  if (response.status !== 206) {
    const error = isErrorShape(parsed)
      ? parsed
      : { name: "Error", message: `The function answered ${response.status}: ${text.slice(0, 500)}` };
    return { kind: "error", error, retryAfter, noRetry };
  }
  const version = Number(response.headers.get("x-inngest-req-version") ?? run.requestVersion);
  return { kind: "ops", ops: (Array.isArray(parsed) ? parsed : [parsed]) as Op[], version, noRetry, retryAfter };
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
