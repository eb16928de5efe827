import "server-only";
import type { OpenApiMeta } from "trpc-to-openapi";

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

/**
 * A public API route's description for trpc-to-openapi: method, path (under /api/v1), tag and summary.
 * Every route needs a token (`protect`), and lists the errors it can answer with.
 */
export function route(method: Method, path: `/${string}`, tag: string, summary: string, description?: string): OpenApiMeta {
  return {
    openapi: {
      method,
      path,
      tags: [tag],
      summary,
      description,
      protect: true,
      errorResponses: {
        401: "No API token, or one that is not valid (unknown, revoked, expired, or its creator left the team).",
        403: "The token's role does not allow this.",
        404: "Not found in the token's team.",
        422: "The request's fields are not valid; `error.fieldErrors` names each.",
        429: "Too many requests for this token; wait for `Retry-After` seconds.",
      },
    },
  };
}
