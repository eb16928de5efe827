import "server-only";
import { apiTokenInputSchema, API_TOKEN_PREFIX, type ApiTokenInput } from "../../shared/api-tokens";
import { hasRoleAtLeast, type TeamRoleName } from "../../shared/roles";
import { zodFieldErrors } from "../../shared/validation";
import { recordAudit } from "../audit/record";
import { z } from "zod";
import { db, Prisma } from "../db/client";
import { col } from "../db/columns";
import { maybeRow, sqlRow } from "../db/rows";
import { TeamRole } from "../db/generated/enums";
import { env } from "../env";
import { AppError, notFound } from "../errors";
import { hashSecretToken, isSameHash, newSecretToken, secretTokenPattern } from "../secrets/tokens";

/**
 * A team's API tokens, for scripts, CI jobs and other services (the public API authenticates with
 * them). A token is shown once and stored as its hash; it acts in one team with the role it was given,
 * which may not be higher than its creator's, and it never acts above its creator's current role (a
 * creator demoted or gone takes the token's power down, or away, with them). Creating and revoking are
 * audited; every use updates its last-used time (at most once a minute).
 */
const TOKEN_PATTERN = secretTokenPattern(API_TOKEN_PREFIX);
const LAST_USED_RESOLUTION_MS = 60_000;
const DAY_MS = 24 * 3600 * 1000;

const listed = {
  id: true,
  name: true,
  role: true,
  prefix: true,
  expiresAt: true,
  revokedAt: true,
  lastUsedAt: true,
  createdAt: true,
  createdBy: { select: { id: true, name: true } },
} as const;

export async function createApiToken({
  teamId,
  userId,
  role: creatorRole,
  input: given,
  now = new Date(),
}: {
  teamId: string;
  userId: string;
  /** The creator's role in the team. */
  role: TeamRoleName;
  input: ApiTokenInput;
  now?: Date;
}) {
  const parsed = apiTokenInputSchema.safeParse(given);
  if (!parsed.success) throw new AppError("BAD_REQUEST", "Some fields need attention.", zodFieldErrors(parsed.error));
  const input = parsed.data;
  if (!hasRoleAtLeast(creatorRole, input.role)) {
    const message = `A token cannot act with more than your own role (${creatorRole}).`;
    throw new AppError("FORBIDDEN", message, { fieldErrors: { role: [message] } });
  }
  const { token, hash } = newSecretToken(API_TOKEN_PREFIX);
  const row = await db.$transaction(async (tx) => {
    const created = await tx.apiToken.create({
      data: {
        teamId,
        createdById: userId,
        name: input.name,
        role: input.role,
        tokenHash: hash,
        prefix: token.slice(0, API_TOKEN_PREFIX.length + 6),
        expiresAt: input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * DAY_MS) : null,
      },
      select: listed,
    });
    await recordAudit(tx, {
      teamId,
      actorId: userId,
      action: "token.create",
      targetId: created.id,
      metadata: { name: input.name, role: input.role },
    });
    return created;
  });
  return { token, apiToken: present(row, now), apiUrl: publicApiUrl() };
}

/** Where the public API answers: under the app's configured URL (APP_URL), never one a request named. */
export function publicApiUrl(): string {
  return new URL("/api/v1/", env.APP_URL).toString();
}

/** Who may revoke a token: its creator, and anyone who manages the team. */
function mayRevoke(token: { createdById: string }, caller: { userId: string; role: TeamRoleName }) {
  return token.createdById === caller.userId || hasRoleAtLeast(caller.role, "admin");
}

function present<T extends { expiresAt: Date | null; revokedAt: Date | null }>(row: T, now: Date) {
  const status = row.revokedAt ? "revoked" : row.expiresAt && row.expiresAt <= now ? "expired" : "active";
  return { ...row, status } as T & { status: "active" | "revoked" | "expired" };
}

/** The team's tokens, newest first, each with whether `userId` (of `role`) may revoke it. */
export async function listApiTokens({
  teamId,
  userId,
  role,
  now = new Date(),
}: {
  teamId: string;
  userId: string;
  role: TeamRoleName;
  now?: Date;
}) {
  const rows = await db.apiToken.findMany({ where: { teamId }, orderBy: { createdAt: "desc" }, select: listed });
  return rows.map((row) => ({ ...present(row, now), mayRevoke: mayRevoke({ createdById: row.createdBy.id }, { userId, role }) }));
}

/** Revokes a token: its creator may, and anyone who manages the team. */
export async function revokeApiToken({
  teamId,
  userId,
  role,
  tokenId,
}: {
  teamId: string;
  userId: string;
  role: TeamRoleName;
  tokenId: string;
}) {
  const token = await db.apiToken.findFirst({ where: { id: tokenId, teamId }, select: { createdById: true, revokedAt: true } });
  if (!token) throw notFound("That token");
  if (!mayRevoke(token, { userId, role })) throw new AppError("FORBIDDEN", "Only its creator or an admin can revoke this token.");
  if (token.revokedAt) return;
  await db.$transaction(async (tx) => {
    await tx.apiToken.updateMany({ where: { id: tokenId, teamId, revokedAt: null }, data: { revokedAt: new Date() } });
    await recordAudit(tx, { teamId, actorId: userId, action: "token.revoke", targetId: tokenId });
  });
}

/**
 * Who a presented token acts as: its team, the role it acts with (its own, capped by its creator's
 * current role) and its creator (who audit entries name). null for anything else: malformed, unknown,
 * revoked, expired, or a creator no longer in the team. One answer for all of them, so a caller learns nothing.
 */
const presentedRow = sqlRow("authenticating an API token", {
  id: col.uuid,
  teamId: col.text,
  teamName: col.text,
  role: z.enum(TeamRole),
  tokenHash: col.text,
  expiresAt: col.timestamp.nullable(),
  revokedAt: col.timestamp.nullable(),
  lastUsedAt: col.timestamp.nullable(),
  creatorId: col.text,
  creatorRole: z.enum(TeamRole).nullable(),
  creatorName: col.text,
  creatorEmail: col.text,
});

export async function authenticateApiToken(presented: unknown, now = new Date()) {
  if (typeof presented !== "string" || !TOKEN_PATTERN.test(presented)) return null;
  const hash = hashSecretToken(presented);
  // One round trip: the token, its team, and its creator's membership there now.
  const token = await maybeRow(
    db,
    presentedRow,
    Prisma.sql`
    SELECT t.id, t."teamId", tm.name AS "teamName", t.role, t."tokenHash", t."expiresAt", t."revokedAt", t."lastUsedAt",
           u.id AS "creatorId", m.role AS "creatorRole", u.name AS "creatorName", u.email AS "creatorEmail"
      FROM api_token t
      JOIN team tm ON tm.id = t."teamId"
      JOIN "user" u ON u.id = t."createdById"
      LEFT JOIN member m ON m."teamId" = t."teamId" AND m."userId" = t."createdById"
     WHERE t."tokenHash" = ${hash}`,
  );
  if (!token || !isSameHash(token.tokenHash, hash) || token.revokedAt || (token.expiresAt && token.expiresAt <= now)) return null;
  if (!token.creatorRole) return null;
  if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS)
    await db.apiToken.updateMany({ where: { id: token.id }, data: { lastUsedAt: now } });
  const role: TeamRoleName = hasRoleAtLeast(token.creatorRole, token.role) ? token.role : token.creatorRole;
  return {
    tokenId: token.id,
    teamId: token.teamId,
    teamName: token.teamName,
    userId: token.creatorId,
    role,
    user: { id: token.creatorId, name: token.creatorName, email: token.creatorEmail },
  };
}

/** Whether a token still authenticates (not revoked or expired, its creator still in the team), for long requests. */
export async function isApiTokenActive(tokenId: string, now = new Date()) {
  const token = await db.apiToken.findFirst({
    where: { id: tokenId, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
    select: { teamId: true, createdById: true },
  });
  return !!token && (await db.member.count({ where: { teamId: token.teamId, userId: token.createdById } })) > 0;
}
