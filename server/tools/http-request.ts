import "server-only";
import { z } from "zod";
import { hasSecretPlaceholder, secretRedactor, substituteSecrets, substituteSecretsDeep } from "../team-secrets/placeholders";
import { readTeamSecretValues } from "../team-secrets/secrets";
import { findOutboundRefusal } from "../security/outbound";
import { assertHostAllowed, HTTP_GET_MAX_BYTES, HTTP_GET_TIMEOUT_MS, readCappedBody } from "./builtins";
import { registerTool } from "./registry";

/**
 * http_request: any method, headers and a JSON body, to the hosts on this tool's own allow-list, through
 * the outbound guard, size- and time-limited like http_get. Team secrets are written `{{secret:NAME}}`
 * in header values, the URL's query and the body's strings, and substituted here just before sending:
 * the call's arguments (which the model wrote, and the timeline, the effect ledger and share pages show)
 * hold only the placeholders. Whatever the tool returns, an error included, has every team secret's value
 * replaced by `[secret:NAME]`, so a server that echoes a header back does not hand the value to the model.
 * Side-effecting (the effect ledger runs it once) and not replay-safe: the registry's `replaySafe` is one
 * answer per tool, and a POST's outcome cannot be learnt by sending it again. docs/decisions/036.
 */
export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] as const;

/** Response headers handed back: what an API client needs to read an answer; never cookies or anything about credentials. */
const RETURNED_HEADERS = [
  "content-type",
  "content-length",
  "location",
  "etag",
  "last-modified",
  "retry-after",
  "link",
  "x-request-id",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset",
];

/** Headers the connection itself sets: a call may not. */
const CONNECTION_HEADERS = new Set(["host", "content-length", "connection", "transfer-encoding", "keep-alive", "upgrade", "te", "trailer"]);

/** A header name's problem, or null: a token (RFC 9110) the connection does not set itself. */
function headerNameProblem(name: string): string | null {
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) return "Header names use letters, digits and - only.";
  if (CONNECTION_HEADERS.has(name.toLowerCase())) return "That header is set by the connection, not by a call.";
  return null;
}

const input = z.object({
  method: z.enum(HTTP_METHODS, { message: `Use one of ${HTTP_METHODS.join(", ")}.` }),
  url: z.url({ protocol: /^https?$/, message: "Give an http or https URL." }),
  headers: z
    .record(
      z.string(),
      z.string().refine((value) => !/[\r\n\0]/.test(value), { message: "Header values cannot contain line breaks." }),
    )
    .superRefine((headers, ctx) => {
      for (const name of Object.keys(headers)) {
        const problem = headerNameProblem(name);
        if (problem) ctx.addIssue({ code: "custom", path: [name], message: problem });
      }
    })
    .optional()
    .describe("Request headers; a value may hold {{secret:NAME}}, e.g. Authorization: Bearer {{secret:GITHUB_TOKEN}}"),
  query: z.record(z.string(), z.string()).optional().describe("Query parameters added to the URL; values may hold {{secret:NAME}}"),
  json: z.unknown().optional().describe("A JSON body (sent as application/json); its strings may hold {{secret:NAME}}"),
});

const isJsonType = (contentType: string | null) => !!contentType && /^application\/([\w.+-]*\+)?json\b/i.test(contentType.trim());

/** The URL with secrets substituted in its query (URL-encoded) and the query parameters added; none allowed in the host or path. */
function buildUrl(given: string, query: Record<string, string> | undefined, secrets: ReadonlyMap<string, string>): URL {
  const hashAt = given.indexOf("#");
  const withoutFragment = hashAt === -1 ? given : given.slice(0, hashAt);
  const queryAt = withoutFragment.indexOf("?");
  const base = queryAt === -1 ? withoutFragment : withoutFragment.slice(0, queryAt);
  if (hasSecretPlaceholder(base)) throw new Error("Secrets go in the URL's query, the headers or the body, never in its host or path.");
  const search = queryAt === -1 ? "" : substituteSecrets(withoutFragment.slice(queryAt), secrets, encodeURIComponent);
  const url = new URL(base + search);
  for (const [key, value] of Object.entries(query ?? {})) url.searchParams.append(key, substituteSecrets(value, secrets));
  return url;
}

export const httpRequest = registerTool({
  name: "http_request",
  description:
    `Send an HTTP request (${HTTP_METHODS.join(", ")}) with headers and an optional JSON body to an allowed host. ` +
    "Refer to the team's secrets as {{secret:NAME}} in header values, the query or the body: you never see their values, and " +
    `answers show them as [secret:NAME]. Bodies are cut at ${HTTP_GET_MAX_BYTES / 1024} KiB; requests time out after ${HTTP_GET_TIMEOUT_MS / 1000} s.`,
  input,
  sideEffect: "side-effecting",
  defaultApproval: "always",
  execute: async (call, { agentId, teamId, idempotencyKey, fetch }) => {
    const secrets = await readTeamSecretValues({ teamId });
    const redact = secretRedactor(secrets);
    try {
      // The host is checked before any secret is put into the request.
      await assertHostAllowed({ agentId, teamId }, "http_request", new URL(call.url).hostname);
      if ((call.method === "GET" || call.method === "HEAD") && call.json !== undefined) {
        throw new Error(`A ${call.method} request has no body: leave json out, or use POST, PUT or PATCH.`);
      }
      const url = buildUrl(call.url, call.query, secrets);
      const headers = new Headers();
      for (const [name, value] of Object.entries(call.headers ?? {})) headers.set(name, substituteSecrets(value, secrets));
      // The effect ledger's key: a server that honours it does a retried request once.
      if (call.method !== "GET" && call.method !== "HEAD" && !headers.has("idempotency-key"))
        headers.set("Idempotency-Key", idempotencyKey);
      let body: string | undefined;
      if (call.json !== undefined) {
        body = JSON.stringify(substituteSecretsDeep(call.json, secrets));
        if (!headers.has("content-type")) headers.set("Content-Type", "application/json");
      }
      const response = await fetch(url, {
        method: call.method,
        headers,
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(HTTP_GET_TIMEOUT_MS),
      });
      const { bytes, isTruncated } = await readCappedBody(response, HTTP_GET_MAX_BYTES);
      const contentType = response.headers.get("content-type");
      const text = bytes.toString("utf8");
      let parsed: unknown = text;
      if (isJsonType(contentType) && !isTruncated && text.trim() !== "") {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
      }
      const returnedHeaders = Object.fromEntries(
        RETURNED_HEADERS.flatMap((name) => {
          const value = response.headers.get(name);
          return value === null ? [] : [[name, value]];
        }),
      );
      return redact({
        status: response.status,
        headers: returnedHeaders,
        body: parsed,
        ...(isTruncated ? { isTruncated, note: `The body was cut at ${HTTP_GET_MAX_BYTES / 1024} KiB; the rest was not read.` } : {}),
      });
    } catch (error) {
      throw redactedError(error, redact, call.url);
    }
  },
});

/**
 * The error as the ledger and the model will see it: its message redacted, a timeout said in words, and
 * as its cause only the outbound guard's refusal (so the call is reported "refused"), never the original
 * error, whose message might quote a header's value.
 */
function redactedError(error: unknown, redact: (value: unknown) => unknown, url: string): Error {
  const isTimeout =
    error instanceof Error && (error.name === "TimeoutError" || (error.cause instanceof Error && error.cause.name === "TimeoutError"));
  // fetch's own "fetch failed" says nothing; its cause says what (ECONNREFUSED, a bad certificate, …).
  const isFetchFailure = error instanceof TypeError && error.message === "fetch failed" && error.cause instanceof Error;
  const message = isTimeout
    ? `${new URL(url).host} did not answer within ${HTTP_GET_TIMEOUT_MS / 1000} s.`
    : isFetchFailure
      ? `The request to ${new URL(url).host} failed: ${(error.cause as Error).message}`
      : error instanceof Error
        ? error.message
        : String(error);
  const refusal = findOutboundRefusal(error);
  return new Error(String(redact(message)), refusal ? { cause: refusal } : undefined);
}
