import "server-only";
import { can, isTeamRole } from "../../shared/roles";
import { db, type Prisma } from "../db/client";
import { AppError, notFound } from "../errors";

export const APPROVAL_LIST_STATUSES = ["pending", "approved", "rejected", "expired", "cancelled"] as const;
type ListedStatus = (typeof APPROVAL_LIST_STATUSES)[number];

/** An approval as the inbox (and a link's page) shows it: what is asked, its agent, and who decided it. */
export const APPROVAL_VIEW_SELECT = {
  id: true,
  agentId: true,
  kind: true,
  status: true,
  toolName: true,
  toolArgs: true,
  reason: true,
  cycle: true,
  createdAt: true,
  expiresAt: true,
  decidedAt: true,
  comment: true,
  answer: true,
  decidedBy: { select: { name: true } },
  // A child agent's approval names the parent that started it (issue 23); a parent is always of the child's team.
  agent: { select: { name: true, parent: { select: { id: true, name: true } } } },
} as const;

/** Decided means any status but pending; `decidedSince` keeps the recent ones. */
type Which = { status: ListedStatus } | { decidedSince: Date };

/**
 * The one query behind every list of approvals (the public API's, the inbox's pending and recent ones):
 * approvals of the given teams, pending ones oldest first (the order to answer them in), decided ones
 * newest first, optionally one agent's.
 */
function findApprovals({ teamIds, which, agentId, limit }: { teamIds: string[]; which: Which; agentId?: string; limit: number }) {
  const isPending = "status" in which && which.status === "pending";
  const where: Prisma.ApprovalWhereInput = {
    teamId: { in: teamIds },
    ...("status" in which ? { status: which.status } : { status: { not: "pending" }, decidedAt: { gte: which.decidedSince } }),
    ...(agentId ? { agentId } : {}),
  };
  return db.approval.findMany({
    where,
    orderBy: isPending ? { createdAt: "asc" } : { decidedAt: "desc" },
    take: limit,
    select: { ...APPROVAL_VIEW_SELECT, teamId: true },
  });
}

/** A team's approvals and questions for scripts (the public API); the agent and decider by name. */
export async function listApprovals({
  teamId,
  status = "pending",
  agentId,
  limit = 50,
}: {
  teamId: string;
  status?: ListedStatus;
  agentId?: string;
  limit?: number;
}) {
  if (agentId) {
    const agent = await db.agent.findFirst({ where: { id: agentId, teamId }, select: { id: true } });
    if (!agent) throw notFound("That agent");
  }
  const rows = await findApprovals({ teamIds: [teamId], which: { status }, agentId, limit });
  return rows.map(({ agent, decidedBy, teamId: _teamId, ...row }) => ({
    ...row,
    agentName: agent.name,
    decidedBy: decidedBy?.name ?? null,
  }));
}

const RECENT_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * The approvals inbox across every team the person belongs to (or one of them, `teamId`): each approval
 * with its team and whether the person may decide it there (approval:decide in THAT team). Pending ones
 * (up to 200), or those decided in the last day (up to 20).
 */
export async function listInboxApprovals({ userId, teamId, which }: { userId: string; teamId?: string; which: "pending" | "recent" }) {
  const memberships = await db.member.findMany({
    where: { userId, ...(teamId ? { teamId } : {}) },
    select: { teamId: true, role: true, team: { select: { name: true } } },
  });
  if (teamId && memberships.length === 0) {
    throw new AppError("NOT_FOUND", "That team was not found, or you are not a member of it: choose one of your teams.");
  }
  const teams = new Map(
    memberships
      .filter((m) => isTeamRole(m.role) && can(m.role, "agent:view"))
      .map((m) => [m.teamId, { id: m.teamId, name: m.team.name, canDecide: can(m.role, "approval:decide") }]),
  );
  if (teams.size === 0) return [];
  const rows = await findApprovals({
    teamIds: [...teams.keys()],
    which: which === "pending" ? { status: "pending" } : { decidedSince: new Date(Date.now() - RECENT_WINDOW_MS) },
    limit: which === "pending" ? 200 : 20,
  });
  return rows.map(({ teamId: rowTeamId, ...row }) => ({ ...row, team: teams.get(rowTeamId)! }));
}
