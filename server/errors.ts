import "server-only";
/**
 * The one application error. `message` is shown to users as-is, so it must say what to change.
 * Codes map onto tRPC codes in server/api/trpc.ts; `fieldErrors` attach messages to form fields.
 */
export type AppErrorCode =
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "PAYLOAD_TOO_LARGE"
  | "TOO_MANY_REQUESTS"
  | "UNAVAILABLE"
  | "INTERNAL";

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly fieldErrors?: Record<string, string[]>;

  constructor(code: AppErrorCode, message: string, options?: { fieldErrors?: Record<string, string[]>; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = "AppError";
    this.code = code;
    this.fieldErrors = options?.fieldErrors;
  }
}

/** Same error for "does not exist" and "belongs to another team", so ids reveal nothing. */
export function notFound(what: string): AppError {
  return new AppError("NOT_FOUND", `${what} was not found, or you do not have access to it.`);
}
