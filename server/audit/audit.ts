import "server-only";
import { db, type Prisma } from "../db/client";
import { AppError } from "../errors";

/**
 * The team's audit log: who did what, to what, and when. Rows are written by the domain functions
 * that act (create, edit, start, pause, resume, stop, approve, reject, raise budget, fork, share,
 * revoke, memory and provider changes, role changes); this module only reads them, team-scoped,
 * newest first, a keyset page at a time (the (teamId, createdAt) and (teamId, action, createdAt)
 * indexes serve both the plain and the filtered list).
 */
export const AUDIT_PAGE_MAX = 100;

export type AuditFilter = {
  /** An exact action ("agent.pause") or a group ("agent"). */
  action?: string;
  actorId?: string;
  targetId?: string;
  from?: Date;
  to?: Date;
};

export type AuditEntry = {
  id: string;
  action: string;
  targetType: string;
  targetId: string | null;
  metadata: Prisma.JsonValue;
  createdAt: Date;
  actor: { id: string; name: string; email: string } | null;
};

export async function listAuditLog({
  teamId,
  filter = {},
  cursor,
  limit = 50,
}: {
  teamId: string;
  filter?: AuditFilter;
  /** "<createdAt ms>:<id>" of the last row of the previous page (the sort key, so pages never skip or repeat). */
  cursor?: string;
  limit?: number;
}): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
  const after = cursor === undefined ? null : /^(\d{1,15}):(\d{1,19})$/.exec(cursor);
  if (cursor !== undefined && !after) {
    throw new AppError("BAD_REQUEST", "That page of the audit log does not exist; start from the first page.");
  }
  if (filter.from && filter.to && filter.from > filter.to) {
    const message = "The start date must be before the end date.";
    throw new AppError("BAD_REQUEST", message, { fieldErrors: { from: [message] } });
  }
  const take = Math.min(Math.max(1, limit), AUDIT_PAGE_MAX);
  const action = filter.action?.trim();
  const where: Prisma.AuditLogWhereInput = {
    teamId,
    ...(action ? (action.includes(".") ? { action } : { action: { startsWith: `${action}.` } }) : {}),
    ...(filter.actorId ? { actorId: filter.actorId } : {}),
    ...(filter.targetId ? { targetId: filter.targetId } : {}),
    ...(filter.from || filter.to
      ? { createdAt: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lte: filter.to } : {}) } }
      : {}),
  };
  if (after) {
    const at = new Date(Number(after[1]));
    where.AND = [{ OR: [{ createdAt: { lt: at } }, { createdAt: at, id: { lt: BigInt(after[2]!) } }] }];
  }
  const rows = await db.auditLog.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: take + 1,
    select: {
      id: true,
      action: true,
      targetType: true,
      targetId: true,
      metadata: true,
      createdAt: true,
      actor: { select: { id: true, name: true, email: true } },
    },
  });
  const page = rows.slice(0, take).map((row) => ({ ...row, id: row.id.toString() }));
  const last = page[page.length - 1];
  return { items: page, nextCursor: rows.length > take && last ? `${last.createdAt.getTime()}:${last.id}` : null };
}

/** What the filters offer: the actions that occur in this team's log, and its members. */
export async function auditFilterOptions({ teamId }: { teamId: string }) {
  const [actions, members] = await Promise.all([
    db.auditLog.findMany({ where: { teamId }, distinct: ["action"], select: { action: true }, orderBy: { action: "asc" } }),
    db.member.findMany({
      where: { teamId },
      select: { user: { select: { id: true, name: true, email: true } } },
      orderBy: { createdAt: "asc" },
    }),
  ]);
  return { actions: actions.map((a) => a.action), members: members.map((m) => m.user) };
}
