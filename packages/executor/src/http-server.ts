import http from "node:http";
import type pg from "pg";
import { logger } from "./log";
import { executorRegistry, setQueueGauges } from "./metrics";
import { hashSigningKey, isSameSecret } from "./signing";
import {
  BadEventError,
  completeLeasedSteps,
  ingestEvents,
  inTransaction,
  normalizeEvent,
  registerApp,
  queueState,
  runById,
  runMemos,
  runSteps,
  runsOfEvent,
  runTriggerEvents,
  type CheckpointStep,
  type RunRow,
  type StepRow,
} from "./store";
import type { IncomingEvent, RegisterBody } from "./types";

export const MAX_EVENT_BODY_BYTES = 512 * 1024; // Inngest's limit for one event payload batch
const MAX_REGISTER_BODY_BYTES = 4 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `Request body is larger than ${limit} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "Request body is not valid JSON.");
  }
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function send(res: http.ServerResponse, status: number, body: unknown) {
  const json = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(json) });
  res.end(json);
}

const RUN_STATUS: Record<string, string> = { running: "Running", completed: "Completed", failed: "Failed", cancelled: "Cancelled" };

/** A step as the SDK reports it in a checkpoint. */
type CheckpointedStep = { id?: string; op?: string; data?: unknown; error?: unknown; displayName?: string; name?: string };

function toApiRun(run: RunRow) {
  return {
    run_id: run.id,
    function_id: run.functionId,
    event_id: run.eventId,
    status: RUN_STATUS[run.status] ?? run.status,
    output: run.status === "failed" ? run.error : run.output,
    run_started_at: run.startedAt.toISOString(),
    ended_at: run.endedAt?.toISOString() ?? null,
  };
}

function toApiStep(step: StepRow) {
  return {
    step_id: step.stepId,
    name: step.name,
    op: step.op,
    status: step.status,
    attempts: step.attempts,
    error: step.error,
    output_size: step.outputSize,
    started_at: step.startedAt.toISOString(),
    ended_at: step.endedAt?.toISOString() ?? null,
  };
}

export type ExecutorKeys = { signingKey?: string; signingKeyFallback?: string; eventKey?: string };

/**
 * With a signing key, every API call must carry `Authorization: Bearer <key>`: the SDK sends the key
 * hashed (see hashSigningKey); the plain key, which Inngest's REST API takes, is accepted too.
 * Without one (dev mode) nothing is checked, as in `inngest-cli dev`.
 */
function bearerChecker({ signingKey, signingKeyFallback }: ExecutorKeys) {
  const accepted = [signingKey, signingKeyFallback]
    .filter((key): key is string => Boolean(key))
    .flatMap((key) => [hashSigningKey(key), key]);
  return (req: http.IncomingMessage) => {
    if (accepted.length === 0) return;
    const token = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1];
    if (!token || token === "undefined")
      throw new HttpError(
        401,
        "This executor requires `Authorization: Bearer <signing key>`: run the app's Inngest SDK in cloud mode with the executor's INNGEST_SIGNING_KEY (and INNGEST_DEV unset or 0).",
      );
    // Every candidate is compared, so the time taken does not tell which one nearly matched.
    const matches = accepted.map((key) => isSameSecret(token, key));
    if (!matches.includes(true))
      throw new HttpError(
        401,
        "The Authorization bearer does not match this executor's signing key: give the app the executor's INNGEST_SIGNING_KEY.",
      );
  };
}

/**
 * The HTTP face of the executor, speaking what the Inngest SDK and Inngest's REST clients expect:
 * POST /fn/register, POST /e/:key, GET /v1/events/:id/runs, GET /v1/runs/:id,
 * GET /v0/runs/:id/batch and /actions, plus GET /v1/runs/:id/steps (an extension: a run's steps), POST /sync (re-sync the SDK URLs now), GET /health and GET /metrics.
 * With `keys.signingKey` all but /health, /metrics and /e/ need the Bearer token; with `keys.eventKey`
 * events are taken only at /e/<eventKey>.
 */
export function createExecutorServer({
  pool,
  onWork,
  onSyncRequest,
  keys = {},
}: {
  pool: pg.Pool;
  onWork: () => void;
  onSyncRequest: () => Promise<unknown>;
  keys?: ExecutorKeys;
}) {
  const requireBearer = bearerChecker(keys);
  return http.createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) return send(res, error.status, { error: error.message, status: error.status });
      if (error instanceof BadEventError) return send(res, 400, { error: error.message, status: 400 });
      logger.error({ err: error, path: req.url }, "executor request failed");
      send(res, 500, { error: "Internal executor error; see the executor's log.", status: 500 });
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? "/", "http://executor");
    const path = url.pathname;
    const method = req.method ?? "GET";

    if (method === "GET" && path === "/health") return send(res, 200, { status: "ok" });
    if (method === "GET" && path === "/metrics") {
      // The queue's gauges are read at scrape time; without the database the process's own numbers still answer.
      await queueState(pool).then(setQueueGauges, (error: unknown) =>
        logger.warn({ err: error }, "metrics: could not read the queue's state (database unavailable?)"),
      );
      const text = await executorRegistry.metrics();
      res.writeHead(200, { "content-type": executorRegistry.contentType, "content-length": Buffer.byteLength(text) });
      return res.end(text);
    }

    if (method === "POST" && path === "/fn/register") {
      requireBearer(req);
      const body = parseJson(await readBody(req, MAX_REGISTER_BODY_BYTES)) as RegisterBody;
      if (!body || typeof body.appName !== "string" || !Array.isArray(body.functions) || typeof body.url !== "string") {
        throw new HttpError(400, "A registration needs appName, url and functions.");
      }
      const { warnings } = await registerApp(pool, body);
      onWork();
      return send(res, 200, { ok: true, modified: true, warnings });
    }

    const eventMatch = /^\/e\/([^/]+)$/.exec(path);
    if (method === "POST" && eventMatch) {
      if (keys.eventKey && !isSameSecret(decodePathSegment(eventMatch[1]!), keys.eventKey))
        throw new HttpError(401, "Unknown event key: send events to /e/<INNGEST_EVENT_KEY>, with the executor's event key.");
      const raw = parseJson(await readBody(req, MAX_EVENT_BODY_BYTES));
      const list = (Array.isArray(raw) ? raw : [raw]) as IncomingEvent[];
      if (list.length === 0) throw new HttpError(400, "No events in the request body.");
      const events = list.map((event, index) => normalizeEvent(event, index));
      const ids = await inTransaction(pool, (client) => ingestEvents(client, events));
      onWork();
      return send(res, 200, { ids, status: 200 });
    }

    // Everything below is the SDK's or an operator's API: in signed mode only for holders of the key.
    requireBearer(req);

    const checkpoint = /^\/v1\/checkpoint\/([^/]+)\/async$/.exec(path);
    if (method === "POST" && checkpoint) {
      const body = parseJson(await readBody(req, MAX_REGISTER_BODY_BYTES)) as { qi_id?: unknown; steps?: unknown };
      const runId = decodeURIComponent(checkpoint[1]!);
      // qi_id is "<job id>.<worker id>": the job and the lease the request was made under.
      const lease = typeof body.qi_id === "string" ? /^(\d{1,18})\.([\w-]+)$/.exec(body.qi_id) : null;
      if (!lease || !Array.isArray(body.steps)) throw new HttpError(400, "A checkpoint needs qi_id and steps.");
      const [, jobId, workerId] = lease;
      // One statement for the finished steps, one or several (the SDK may buffer them), with the lease
      // check: the request must still hold its job, or another worker took over (stale dispatch). A lease
      // that expired but was not taken over still counts: nobody else runs these steps, and storing them
      // spares their re-execution (a database restart can delay lease renewals).
      const steps = (body.steps as CheckpointedStep[]).flatMap((step): CheckpointStep[] => {
        if (typeof step.id !== "string") return [];
        const name = step.displayName ?? step.name ?? step.id;
        if (step.op === "StepRun") return [{ stepId: step.id, memo: { data: step.data ?? null }, status: "completed", name, op: step.op }];
        if (step.op === "StepFailed")
          return [{ stepId: step.id, memo: { error: step.error ?? null }, status: "failed", name, op: step.op }];
        logger.warn({ runId, op: step.op }, "ignoring a checkpointed op the executor does not store");
        return [];
      });
      const accepted = await completeLeasedSteps(pool, { jobId: jobId!, workerId: workerId! }, runId, steps);
      if (!accepted) return send(res, 409, { error: "Stale dispatch: this request no longer holds its job.", status: 409 });
      return send(res, 200, { status: 200 });
    }

    if (method === "POST" && path === "/sync") {
      return send(res, 200, { synced: await onSyncRequest() });
    }

    const eventRuns = /^\/v1\/events\/([^/]+)\/runs$/.exec(path);
    if (method === "GET" && eventRuns) {
      const runs = await runsOfEvent(pool, eventRuns[1]!);
      return send(res, 200, { data: runs.map(toApiRun), metadata: {} });
    }

    const runMatch = /^\/v1\/runs\/([^/]+)$/.exec(path);
    if (method === "GET" && runMatch) {
      const run = await runById(pool, runMatch[1]!);
      if (!run) throw new HttpError(404, `Run ${runMatch[1]} was not found.`);
      return send(res, 200, { data: toApiRun(run), metadata: {} });
    }

    // This executor's extension of the REST API (Inngest has no such endpoint): a run's steps, for a dashboard.
    const stepsMatch = /^\/v1\/runs\/([^/]+)\/steps$/.exec(path);
    if (method === "GET" && stepsMatch) {
      const run = await runById(pool, stepsMatch[1]!);
      if (!run) throw new HttpError(404, `Run ${stepsMatch[1]} was not found.`);
      return send(res, 200, { data: (await runSteps(pool, run.id)).map(toApiStep), metadata: {} });
    }

    const batch = /^\/v0\/runs\/([^/]+)\/(batch|actions)$/.exec(path);
    if (method === "GET" && batch) {
      if (batch[2] === "batch") return send(res, 200, await runTriggerEvents(pool, batch[1]!));
      return send(res, 200, await runMemos(pool, batch[1]!));
    }

    throw new HttpError(404, `No route for ${method} ${path}.`);
  }
}
