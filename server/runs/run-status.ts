import "server-only";
import pLimit from "p-limit";
import { z } from "zod";
import { inngest } from "~/inngest/client";
import { logger } from "../logger";

/**
 * What the Inngest server says about a function run, through Inngest's REST API (`GET /v1/runs/<id>`),
 * which Inngest Cloud, a self-hosted Inngest and the bundled executor all serve. The app reads nothing
 * else of the server's state (docs/decisions/024): its own facts are in its own tables.
 */
export type RunState = "running" | "completed" | "failed" | "cancelled";
export type RunInfo = { state: RunState; startedAt: Date | null; endedAt: Date | null; output: unknown };

export type RunStatusSource = {
  /**
   * The runs the server knows, by id. A run it does not know (not yet visible, another server's id)
   * or could not be asked about (unreachable, timed out, an answer that is not Inngest's) is absent:
   * callers treat absence as "cannot tell", never as "ended".
   */
  runs(ids: readonly string[]): Promise<Map<string, RunInfo>>;
  /**
   * A run's steps, where the server offers them: the bundled executor does (`GET /v1/runs/<id>/steps`,
   * its extension of the REST API); Inngest shows steps in its own dashboard, so null there.
   */
  steps(id: string): Promise<RunStep[] | null>;
};

const STATES: Record<string, RunState> = { running: "running", completed: "completed", failed: "failed", cancelled: "cancelled" };

const runResponse = z.object({
  data: z.object({
    run_id: z.string(),
    status: z.string(),
    run_started_at: z.string().nullish(),
    ended_at: z.string().nullish(),
    output: z.unknown().optional(),
  }),
});

/** The bundled executor's `GET /v1/runs/<id>/steps` (its extension of the REST API), in the app's names. */
const stepsResponse = z.object({
  data: z.array(
    z
      .object({
        step_id: z.string(),
        name: z.string(),
        op: z.string(),
        status: z.string(),
        attempts: z.number(),
        error: z.unknown().optional(),
        output_size: z.number(),
        started_at: z.iso.datetime(),
        ended_at: z.iso.datetime().nullable(),
      })
      .transform(({ step_id, output_size, started_at, ended_at, error, ...rest }) => ({
        ...rest,
        stepId: step_id,
        error: error ?? null,
        outputSize: output_size,
        startedAt: new Date(started_at),
        endedAt: ended_at ? new Date(ended_at) : null,
      })),
  ),
});
export type RunStep = z.output<typeof stepsResponse>["data"][number];

const CONCURRENCY = 8;
const TIMEOUT_MS = 3000;

/** A source asking the REST API at `baseUrl` (with the signing key as bearer, as Inngest's API takes it). */
export function restRunStatus({
  baseUrl,
  signingKey,
  timeoutMs = TIMEOUT_MS,
}: {
  baseUrl: string;
  signingKey?: string;
  timeoutMs?: number;
}): RunStatusSource {
  // Every request of this source (a page's run statuses and each run's steps) waits its turn here, so a
  // Runs tab of twenty runs asks the API at most CONCURRENCY things at once, never forty.
  const limit = pLimit(CONCURRENCY);

  /** GET a path of the API and check the answer's shape; null for a 404 or anything that went wrong (logged). */
  function get<T>(path: string, schema: z.ZodType<T>, what: string): Promise<T | null> {
    return limit(() => request(path, schema, what));
  }

  async function request<T>(path: string, schema: z.ZodType<T>, what: string): Promise<T | null> {
    const url = new URL(path, baseUrl);
    try {
      const response = await fetch(url, {
        headers: { accept: "application/json", ...(signingKey ? { authorization: `Bearer ${signingKey}` } : {}) },
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.status === 404) return null;
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const parsed = schema.safeParse(await response.json());
      if (!parsed.success) throw new Error(`the answer is not ${what}`);
      return parsed.data;
    } catch (error) {
      const reason =
        error instanceof Error
          ? error.cause instanceof Error
            ? `${error.message}: ${error.cause.message}`
            : error.message
          : String(error);
      logger.warn({ path, api: url.origin, reason }, "could not read from the Inngest API");
      return null;
    }
  }

  async function one(id: string): Promise<RunInfo | null> {
    const answer = await get(`/v1/runs/${encodeURIComponent(id)}`, runResponse, "an Inngest run");
    if (!answer) return null;
    const run = answer.data;
    const state = STATES[run.status.toLowerCase()];
    if (!state) {
      logger.warn({ runId: id, status: run.status }, "the Inngest API answered an unknown run status");
      return null;
    }
    const date = (value: string | null | undefined) => (value ? new Date(value) : null);
    return { state, startedAt: date(run.run_started_at), endedAt: date(run.ended_at), output: run.output ?? null };
  }

  return {
    async runs(ids) {
      const unique = [...new Set(ids)];
      const answers = await Promise.all(unique.map(one));
      const found = new Map<string, RunInfo>();
      unique.forEach((id, k) => {
        const answer = answers[k];
        if (answer) found.set(id, answer);
      });
      return found;
    },
    async steps(id) {
      const answer = await get(`/v1/runs/${encodeURIComponent(id)}/steps`, stepsResponse, "a list of steps");
      return answer?.data ?? null;
    },
  };
}

/** The source for the Inngest server the app's client talks to (INNGEST_BASE_URL, INNGEST_DEV or Inngest Cloud). */
export function inngestRunStatus(): RunStatusSource {
  return restRunStatus({ baseUrl: inngest.apiBaseUrl, signingKey: inngest.signingKey });
}
