import "server-only";
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { auth } from "../auth/auth";
import { can, isTeamRole, minimumRole, type Permission } from "../../shared/roles";
import { db } from "../db/client";
import { AppError, type AppErrorCode } from "../errors";
import { zodFieldErrors } from "../../shared/validation";
import { ensurePersonalTeam, findDefaultTeamId } from "../teams/personal-team";
import { getMembership, getMembershipOfSession } from "../teams/teams";
import type { OpenApiMeta } from "trpc-to-openapi";
import { isApiTokenActive } from "../api-tokens/tokens";
import type { TeamRoleName } from "../../shared/roles";

export type SessionUser = { id: string; name: string; email: string };

/** A caller of the public API (/api/v1): a team's API token, acting in its team with its role (server/api-tokens). */
export type ApiTokenCaller = { tokenId: string; teamId: string; teamName: string; role: TeamRoleName; user: SessionUser };

export async function createTRPCContext(opts: { headers: Headers }) {
  const session = await auth.api.getSession({ headers: opts.headers });
  let activeTeamId = (session?.session as { activeOrganizationId?: string | null } | undefined)?.activeOrganizationId ?? null;
  if (session && !activeTeamId) {
    // A session from before the user had a team (or whose team was deleted): fall back to the
    // user's first team, making a personal one if they have none, so nobody is stranded.
    activeTeamId =
      (await findDefaultTeamId(session.user.id)) ?? (await ensurePersonalTeam({ userId: session.user.id, userName: session.user.name }));
  }
  return {
    db,
    headers: opts.headers,
    user: session ? ({ id: session.user.id, name: session.user.name, email: session.user.email } satisfies SessionUser) : null,
    sessionId: session?.session.id ?? null,
    activeTeamId,
    apiToken: null as ApiTokenCaller | null,
  };
}

/** The context of a public API request made with an API token: the token's team, role and creator. */
export function createApiTokenContext(caller: ApiTokenCaller): TRPCContext {
  return { db, headers: new Headers(), user: caller.user, sessionId: null, activeTeamId: caller.teamId, apiToken: caller };
}

export type TRPCContext = Awaited<ReturnType<typeof createTRPCContext>>;

const APP_TO_TRPC: Record<AppErrorCode, TRPCError["code"]> = {
  BAD_REQUEST: "BAD_REQUEST",
  UNAUTHORIZED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  TOO_MANY_REQUESTS: "TOO_MANY_REQUESTS",
  UNAVAILABLE: "SERVICE_UNAVAILABLE",
  INTERNAL: "INTERNAL_SERVER_ERROR",
};

const t = initTRPC
  .context<TRPCContext>()
  .meta<OpenApiMeta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error }) {
      const cause = error.cause;
      const zodError = cause instanceof ZodError ? zodFieldErrors(cause) : null;
      const appError = cause instanceof AppError ? cause : null;
      const isInternal = error.code === "INTERNAL_SERVER_ERROR" && !appError;
      const { stack: _stack, ...data } = shape.data;
      return {
        ...shape,
        // Never show a stack trace or a driver message to a user.
        message: zodError ? "Some fields need attention." : isInternal ? "Something went wrong on our side. Try again." : shape.message,
        data: {
          ...data,
          fieldErrors: zodError?.fieldErrors ?? appError?.fieldErrors ?? null,
          formErrors: zodError?.formErrors ?? null,
        },
      };
    },
  });

const toTRPCError = (cause: AppError) => new TRPCError({ code: APP_TO_TRPC[cause.code], message: cause.message, cause });

/** A subscription's stream with its AppErrors mapped too (they are thrown after the middleware returned). */
async function* mapAppErrors<T>(iterable: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* iterable;
  } catch (error) {
    throw error instanceof AppError ? toTRPCError(error) : error;
  }
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  value !== null && typeof value === "object" && Symbol.asyncIterator in value;

/** Turns AppError thrown by domain functions into the matching tRPC error, in queries, mutations and streams. */
const appErrors = t.middleware(async ({ type, next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) throw toTRPCError(result.error.cause);
  if (result.ok && type === "subscription" && isAsyncIterable(result.data)) return { ...result, data: mapAppErrors(result.data) };
  return result;
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

export const publicProcedure = t.procedure.use(appErrors);

/** A signed-in person (a session): what acts on the person's own account (teams they belong to, invitations). */
export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user || !ctx.sessionId) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue." });
  return next({ ctx: { ...ctx, user: ctx.user, sessionId: ctx.sessionId } });
});

/** A signed-in person or an API token: who may act in a team (teamProcedure). */
const callerProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user || (!ctx.sessionId && !ctx.apiToken)) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue." });
  return next({ ctx: { ...ctx, user: ctx.user } });
});

/**
 * A procedure run on behalf of the caller's active team, for callers whose role there holds
 * `permission` (shared/roles.ts; the UI asks `can()` with the same names). Membership is looked
 * up with the session's team id inside one query; the result is the only team id procedures may use.
 */
export function teamProcedure(permission: Permission) {
  return callerProcedure.use(async ({ ctx, next }) => {
    const { sessionId, user, apiToken } = ctx;
    const team = apiToken
      ? requireTokenPermission(apiToken, permission)
      : await requireTeamPermission({ activeTeamId: ctx.activeTeamId, userId: user.id }, permission);
    /**
     * For requests that outlive a moment (subscriptions): is the caller still signed in with this
     * session, still in this team, still allowed? Throws FORBIDDEN when not, which ends the stream.
     */
    const assertStillAllowed = async () => {
      if (apiToken) {
        if (!(await isApiTokenActive(apiToken.tokenId))) throw new AppError("FORBIDDEN", "This API token is no longer valid.");
        return;
      }
      const membership = sessionId ? await getMembershipOfSession({ teamId: team.id, userId: user.id, sessionId }) : null;
      if (!membership || !isTeamRole(membership.role) || !can(membership.role, permission)) {
        throw new AppError(
          "FORBIDDEN",
          `You no longer have access to ${team.name} (signed out, removed, or your role changed); reload the page.`,
        );
      }
    };
    return next({ ctx: { ...ctx, team, assertStillAllowed } });
  });
}

/**
 * The caller's active team if their role there holds `permission` (FORBIDDEN otherwise). Shared by
 * `teamProcedure` and the route handlers that are not tRPC (export and import downloads).
 */
export async function requireTeamPermission(
  { activeTeamId, userId }: { activeTeamId: string | null; userId: string },
  permission: Permission,
) {
  const membership = activeTeamId ? await getMembership({ teamId: activeTeamId, userId }) : null;
  if (!membership || !isTeamRole(membership.role)) throw new AppError("FORBIDDEN", "Choose a team you belong to first.");
  if (!can(membership.role, permission)) {
    throw new AppError(
      "FORBIDDEN",
      `This needs the ${minimumRole(permission)} role or higher in ${membership.teamName}; you are ${membership.role}.`,
    );
  }
  return { id: membership.teamId, name: membership.teamName, role: membership.role };
}

/**
 * An API token's team, if the role it acts with holds `permission` (FORBIDDEN otherwise). The role is
 * the token's own capped by its creator's role when the request was authenticated (authenticateApiToken,
 * one query per request), so a demoted creator's tokens lose power with them.
 */
export function requireTokenPermission(apiToken: ApiTokenCaller, permission: Permission) {
  if (!can(apiToken.role, permission)) {
    throw new AppError(
      "FORBIDDEN",
      `This needs the ${minimumRole(permission)} role or higher in ${apiToken.teamName}; this API token acts as ${apiToken.role}.`,
    );
  }
  return { id: apiToken.teamId, name: apiToken.teamName, role: apiToken.role };
}
