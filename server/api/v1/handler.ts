import "server-only";
import { createOpenApiFetchHandler } from "trpc-to-openapi";
import { authenticateApiToken } from "../../api-tokens/tokens";
import { takeApiRequest, type RateDecision } from "../../api-tokens/rate-limit";
import { env } from "../../env";
import { AppError } from "../../errors";
import { APP_ERROR_STATUS } from "../../http/responses";
import { readBodyUpTo } from "../../http/body";
import { logger } from "../../logger";
import { createApiTokenContext, requireTokenPermission, type ApiTokenCaller } from "../trpc";
import { readBodyLimited } from "../request";
import { importLimits } from "../../transfer/import";
import { exportResponse, importResponse } from "../../transfer/http";
import { publicApiRouter } from "./router";

/**
 * The public API's front door (/api/v1/*): the API token, the token's rate limit, the body's size, then
 * trpc-to-openapi's handler on the public router; and one error shape for every refusal, the one the
 * import and export routes answer with too:
 *
 *   { "error": { "code": "NOT_FOUND", "message": "That agent was not found…", "fieldErrors": null } }
 *
 * Invalid fields are 422 with `fieldErrors` naming each field; a body that is not JSON is 400.
 */
export const API_BASE_PATH = "/api/v1";
/** The largest request body the API reads (agent settings, providers, decisions are a few KB). */
export const API_MAX_BODY_BYTES = 1024 * 1024;

type ErrorBody = { error: { code: string; message: string; fieldErrors: Record<string, string[]> | null } };

function errorJson(
  status: number,
  code: string,
  message: string,
  fieldErrors: ErrorBody["error"]["fieldErrors"] = null,
  headers?: HeadersInit,
) {
  return Response.json({ error: { code, message, fieldErrors } } satisfies ErrorBody, { status, headers });
}

/** The caller of a request that carries `Authorization: Bearer <token>`, or the 401 to answer with. */
export async function apiTokenCallerOf(headers: Headers): Promise<ApiTokenCaller | Response> {
  const authorization = headers.get("authorization");
  const unauthorized = (message: string) =>
    errorJson(401, "UNAUTHORIZED", message, null, { "WWW-Authenticate": 'Bearer realm="longhaul"' });
  if (!authorization) {
    return unauthorized(
      "Send an API token in the Authorization header (Authorization: Bearer lh_…); create one under Team settings → API tokens.",
    );
  }
  const [scheme, presented] = authorization.trim().split(/\s+/, 2);
  if (scheme?.toLowerCase() !== "bearer" || !presented) return unauthorized("Use the Bearer scheme: Authorization: Bearer lh_….");
  const found = await authenticateApiToken(presented);
  if (!found) return unauthorized("This API token is not valid: it is unknown, revoked or expired, or its creator left the team.");
  return { tokenId: found.tokenId, teamId: found.teamId, teamName: found.teamName, role: found.role, user: found.user };
}

const rateHeaders = (rate: RateDecision) => ({ "X-RateLimit-Limit": String(rate.limit), "X-RateLimit-Remaining": String(rate.remaining) });

/** Counts the request against the token's limit: null to go on, or the 429 to answer with. */
export async function rateLimited(caller: ApiTokenCaller): Promise<{ refusal: Response | null; headers: Record<string, string> }> {
  const rate = await takeApiRequest({ tokenId: caller.tokenId, limit: env.API_RATE_LIMIT_PER_MINUTE });
  if (rate.allowed) return { refusal: null, headers: rateHeaders(rate) };
  const message = `This token made more than ${rate.limit} requests this minute; try again in ${rate.retryAfterSeconds} s.`;
  return {
    refusal: errorJson(429, "TOO_MANY_REQUESTS", message, null, { ...rateHeaders(rate), "Retry-After": String(rate.retryAfterSeconds) }),
    headers: {},
  };
}

/** Field errors from zod issues as trpc-to-openapi passes them: { "budgetUsd": ["Enter an amount…"] }. */
function fieldErrorsOf(issues: unknown): Record<string, string[]> | null {
  if (!Array.isArray(issues) || issues.length === 0) return null;
  const errors: Record<string, string[]> = {};
  for (const issue of issues as { path?: PropertyKey[]; message?: string }[]) {
    const field = (issue.path ?? []).map(String).join(".") || "body";
    (errors[field] ??= []).push(issue.message ?? "This value is not valid.");
  }
  return errors;
}

type HandlerError = {
  message?: string;
  code?: string;
  issues?: unknown;
  data?: { fieldErrors?: Record<string, string[]> | null };
};

/** trpc-to-openapi's error answer, in the API's one error shape and status. */
async function reshapeError(response: Response, method: string, path: string): Promise<Response> {
  const body = (await response.json().catch(() => ({}))) as HandlerError;
  const code = body.code ?? "INTERNAL_SERVER_ERROR";
  if (code === "NOT_FOUND" && body.message === "Not found") {
    return errorJson(
      404,
      "NOT_FOUND",
      `There is no ${method} ${API_BASE_PATH}${path}. The routes are listed at ${API_BASE_PATH}/openapi.json.`,
    );
  }
  if (code === "PARSE_ERROR") return errorJson(400, "BAD_REQUEST", "The request body is not valid JSON.");
  if (code === "UNSUPPORTED_MEDIA_TYPE") return errorJson(415, code, "Send the body as JSON, with Content-Type: application/json.");
  if (code === "METHOD_NOT_SUPPORTED") return errorJson(405, code, `${method} is not supported on ${API_BASE_PATH}${path}.`);
  if (code === "BAD_REQUEST") {
    const fieldErrors = body.data?.fieldErrors ?? fieldErrorsOf(body.issues);
    const message =
      body.message === "Input validation failed" ? "Some fields need attention." : (body.message ?? "Some fields need attention.");
    return errorJson(422, "UNPROCESSABLE_CONTENT", message, fieldErrors);
  }
  return errorJson(response.status, code, body.message ?? "Something went wrong on our side. Try again.", body.data?.fieldErrors ?? null);
}

/** A body-carrying request with its body read (at most API_MAX_BODY_BYTES), or the 413 to answer with. */
async function withBoundedBody(req: Request): Promise<Request | Response> {
  if (req.method === "GET" || req.method === "HEAD" || req.method === "DELETE" || !req.body) return req;
  const body = await readBodyUpTo(req, API_MAX_BODY_BYTES);
  if (!body) return errorJson(413, "PAYLOAD_TOO_LARGE", `The request body is larger than ${API_MAX_BODY_BYTES / 1024} KB.`);
  return new Request(req.url, { method: req.method, headers: req.headers, body: new Uint8Array(body) });
}

/** A domain error thrown outside tRPC (export, import) in the API's error shape. */
function appErrorJson(error: unknown): Response {
  if (!(error instanceof AppError)) {
    logger.error({ err: error }, "public API call failed");
    return errorJson(500, "INTERNAL_SERVER_ERROR", "Something went wrong on our side. Try again.");
  }
  const code = error.code === "BAD_REQUEST" ? "UNPROCESSABLE_CONTENT" : error.code;
  return errorJson(error.code === "BAD_REQUEST" ? 422 : APP_ERROR_STATUS[error.code], code, error.message, error.fieldErrors ?? null);
}

const EXPORT_PATH = /^\/agents\/([^/]+)\/export\/?$/;

/** Export and import stream JSON Lines, so they are answered here rather than by the JSON router. */
async function transfer(req: Request, path: string, caller: ApiTokenCaller): Promise<Response | null> {
  const exported = req.method === "GET" ? EXPORT_PATH.exec(path) : null;
  const isImport = req.method === "POST" && /^\/agents\/import\/?$/.test(path);
  if (!exported && !isImport) return null;
  try {
    if (exported) {
      const team = requireTokenPermission(caller, "agent:view");
      // An id is a uuid: no escapes to decode, and anything else is the same "not found".
      return await exportResponse({ teamId: team.id, userId: caller.user.id, agentId: exported[1]! });
    }
    const team = requireTokenPermission(caller, "agent:create");
    const text = await readBodyLimited(req, importLimits().maxBytes);
    return await importResponse({ teamId: team.id, userId: caller.user.id, text });
  } catch (error) {
    return appErrorJson(error);
  }
}

export async function handlePublicApi(req: Request): Promise<Response> {
  const caller = await apiTokenCallerOf(req.headers);
  if (caller instanceof Response) return caller;
  const { refusal, headers } = await rateLimited(caller);
  if (refusal) return refusal;
  const path = new URL(req.url).pathname.slice(API_BASE_PATH.length) || "/";
  const transferred = await transfer(req, path, caller);
  if (transferred) return withHeaders(transferred, headers);
  const bounded = await withBoundedBody(req);
  if (bounded instanceof Response) return bounded;
  const response = await createOpenApiFetchHandler({
    endpoint: API_BASE_PATH,
    router: publicApiRouter,
    createContext: () => createApiTokenContext(caller),
    req: bounded,
    onError: ({ error }) => {
      if (error.code === "INTERNAL_SERVER_ERROR" && !(error.cause instanceof AppError))
        logger.error({ err: error }, "public API call failed");
    },
  });
  return withHeaders(response.status >= 400 ? await reshapeError(response, req.method, path) : response, headers);
}

function withHeaders(response: Response, headers: Record<string, string>): Response {
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  response.headers.set("Cache-Control", "no-store");
  return response;
}
