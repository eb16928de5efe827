import "server-only";
import { AppError, type AppErrorCode } from "../errors";
import { logger } from "../logger";

/** The HTTP status of each domain error code. */
export const APP_ERROR_STATUS: Record<AppErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** A route handler's error reply: the AppError's message as JSON with its status; anything else is a logged 500. */
export function errorResponse(error: unknown, what: string): Response {
  if (error instanceof AppError) {
    return Response.json(
      { error: { code: error.code, message: error.message, fieldErrors: error.fieldErrors ?? null } },
      { status: APP_ERROR_STATUS[error.code] },
    );
  }
  logger.error({ err: error }, `${what} failed`);
  return Response.json({ error: { code: "INTERNAL", message: "Something went wrong on our side. Try again." } }, { status: 500 });
}
