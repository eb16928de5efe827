import "server-only";
import { db, type Prisma } from "../db/client";
import { AppError, notFound } from "../errors";
import { recordAudit } from "../audit/record";
import { hashSecretToken, isSameHash, newSecretToken, secretTokenPattern } from "../secrets/tokens";

/**
 * Read-only share links for one agent's history (docs/decisions/009-share-links.md).
 *
 * The token is 32 random bytes (base64url, 43 characters) handed out once; only its SHA-256 is
 * stored, so a leaked database row cannot be turned back into a working link. Every way a token can
 * fail (malformed, unknown, revoked, expired, its agent gone) ends in the same error, so a visitor
 * learns nothing about which links exist.
 */

export const INVALID_SHARE_LINK_MESSAGE = "This share link is not valid. It may have expired or been revoked.";

/** The longest a link may live: a share is for a conversation, not forever by accident. */
export const MAX_SHARE_LINK_DAYS = 365;
const DAY_MS = 24 * 60 * 60 * 1000;
/** A link expiring sooner than this would be dead before anyone opened it. */
const MIN_SHARE_LINK_MS = 5 * 60 * 1000;
/** lastUsedAt is written at most this often, so a popular link does not write on every view. */
const LAST_USED_RESOLUTION_MS = 60 * 1000;

const TOKEN_PATTERN = secretTokenPattern();

export type ShareLinkStatus = "active" | "expired" | "revoked";

const summarySelect = {
  id: true,
  agentId: true,
  redactToolData: true,
  redactMemories: true,
  expiresAt: true,
  revokedAt: true,
  lastUsedAt: true,
  createdAt: true,
  createdBy: { select: { name: true } },
} as const;

type SummaryRow = Prisma.ShareLinkGetPayload<{ select: typeof summarySelect }>;

/** A link as its team sees it: never the token or its hash, the creator by name, and its status now. */
export type ShareLinkSummary = Omit<SummaryRow, "createdBy"> & { status: ShareLinkStatus; createdBy: string | null };

function statusOf(link: { revokedAt: Date | null; expiresAt: Date | null }, now: Date): ShareLinkStatus {
  if (link.revokedAt) return "revoked";
  if (link.expiresAt && link.expiresAt.getTime() <= now.getTime()) return "expired";
  return "active";
}

function toSummary(row: SummaryRow, now: Date): ShareLinkSummary {
  const { createdBy, ...rest } = row;
  return { ...rest, status: statusOf(row, now), createdBy: createdBy?.name ?? null };
}

function invalidShareLink(): AppError {
  return new AppError("NOT_FOUND", INVALID_SHARE_LINK_MESSAGE);
}

/** Checks an expiry chosen by a person: none, or between a few minutes and a year from now. */
export function validateExpiry(expiresAt: Date | null | undefined, now = new Date()): Date | null {
  if (expiresAt === null || expiresAt === undefined) return null;
  const fail = (message: string) => new AppError("BAD_REQUEST", message, { fieldErrors: { expiresAt: [message] } });
  if (!(expiresAt instanceof Date) || Number.isNaN(expiresAt.getTime())) throw fail("Choose a valid expiry date, or no expiry.");
  if (expiresAt.getTime() <= now.getTime()) throw fail("The expiry must be in the future.");
  if (expiresAt.getTime() - now.getTime() < MIN_SHARE_LINK_MS) throw fail("Let the link live at least 5 minutes.");
  if (expiresAt.getTime() - now.getTime() > MAX_SHARE_LINK_DAYS * DAY_MS) {
    throw fail(`A link can live at most ${MAX_SHARE_LINK_DAYS} days; choose an earlier expiry.`);
  }
  return expiresAt;
}

/**
 * Creates a link for one agent of the team. The path with the token is returned here and only here:
 * the database keeps the hash, so a lost link is revoked and replaced, never looked up.
 */
export async function createShareLink({
  teamId,
  userId,
  agentId,
  expiresAt,
  redactToolData = false,
  redactMemories = false,
  now = new Date(),
}: {
  teamId: string;
  userId: string;
  agentId: string;
  expiresAt?: Date | null;
  redactToolData?: boolean;
  redactMemories?: boolean;
  now?: Date;
}): Promise<{ link: ShareLinkSummary; path: string }> {
  const expiry = validateExpiry(expiresAt, now);
  const { token, hash } = newSecretToken();
  const row = await db.$transaction(async (tx) => {
    const agent = await tx.agent.findFirst({ where: { id: agentId, teamId }, select: { id: true } });
    if (!agent) throw notFound("That agent");
    const created = await tx.shareLink.create({
      data: { agentId, teamId, tokenHash: hash, redactToolData, redactMemories, expiresAt: expiry, createdById: userId },
      select: summarySelect,
    });
    await recordAudit(tx, {
      teamId,
      actorId: userId,
      action: "share.create",
      targetId: created.id,
      metadata: {
        agentId,
        expiresAt: expiry?.toISOString() ?? "never",
        redactToolData: String(redactToolData),
        redactMemories: String(redactMemories),
      },
    });
    return created;
  });
  return { link: toSummary(row, now), path: `/share/${token}` };
}

/** The agent's links, newest first, with their status; tokens are not stored, so none are returned. */
export async function listShareLinks({ teamId, agentId, now = new Date() }: { teamId: string; agentId: string; now?: Date }) {
  const agent = await db.agent.findFirst({ where: { id: agentId, teamId }, select: { id: true } });
  if (!agent) throw notFound("That agent");
  const rows = await db.shareLink.findMany({
    where: { agentId, teamId },
    orderBy: { createdAt: "desc" },
    take: 200,
    select: summarySelect,
  });
  return rows.map((row) => toSummary(row, now));
}

/** Revokes a link at once. Revoking a revoked link changes nothing and succeeds. */
export async function revokeShareLink({
  teamId,
  userId,
  linkId,
  now = new Date(),
}: {
  teamId: string;
  userId: string;
  linkId: string;
  now?: Date;
}): Promise<ShareLinkSummary> {
  return db.$transaction(async (tx) => {
    const revoked = await tx.shareLink.updateMany({ where: { id: linkId, teamId, revokedAt: null }, data: { revokedAt: now } });
    if (revoked.count > 0) {
      await recordAudit(tx, { teamId, actorId: userId, action: "share.revoke", targetId: linkId });
    }
    const link = await tx.shareLink.findFirst({ where: { id: linkId, teamId }, select: summarySelect });
    if (!link) throw notFound("That share link");
    return toSummary(link, now);
  });
}

/**
 * The link a token opens, with its agent, for a visitor who is not signed in. The row is found by
 * the hash through its unique index; the stored hash is then compared with `timingSafeEqual`, so no
 * comparison of secret-derived bytes exits early. A failure of any kind is the same error.
 */
export async function resolveShareLink(token: unknown, now = new Date()) {
  if (typeof token !== "string" || !TOKEN_PATTERN.test(token)) throw invalidShareLink();
  const hash = hashSecretToken(token);
  const link = await db.shareLink.findUnique({
    where: { tokenHash: hash },
    select: {
      id: true,
      agentId: true,
      teamId: true,
      tokenHash: true,
      redactToolData: true,
      redactMemories: true,
      expiresAt: true,
      revokedAt: true,
      lastUsedAt: true,
    },
  });
  const isMatch = link !== null && isSameHash(link.tokenHash, hash);
  if (!link || !isMatch || statusOf(link, now) !== "active") throw invalidShareLink();
  const agent = await db.agent.findFirst({
    where: { id: link.agentId, teamId: link.teamId },
    select: { id: true, name: true, goal: true, status: true, statusReason: true, cycleCount: true, lastActiveAt: true, createdAt: true },
  });
  if (!agent) throw invalidShareLink();
  if (!link.lastUsedAt || now.getTime() - link.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.shareLink.updateMany({ where: { id: link.id, revokedAt: null }, data: { lastUsedAt: now } });
  }
  const { tokenHash: _tokenHash, ...rest } = link;
  return { link: rest, agent };
}
