import "server-only";
import { db } from "../db/client";
import { notFound } from "../errors";

export const APPROVAL_LIST_STATUSES = ["pending", "approved", "rejected", "expired", "cancelled"] as const;

/**
 * A team's approvals and questions for scripts (the public API): pending ones oldest first (the order
 * to answer them in), decided ones newest first; optionally one agent's. The decider by name.
 */
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
  agent: { select: { name: true } },
} as const;

export async function listApprovals({
  teamId,
  status = "pending",
  agentId,
  limit = 50,
}: {
  teamId: string;
  status?: (typeof APPROVAL_LIST_STATUSES)[number];
  agentId?: string;
  limit?: number;
}) {
  if (agentId) {
    const agent = await db.agent.findFirst({ where: { id: agentId, teamId }, select: { id: true } });
    if (!agent) throw notFound("That agent");
  }
  const rows = await db.approval.findMany({
    where: { teamId, status, ...(agentId ? { agentId } : {}) },
    orderBy: status === "pending" ? { createdAt: "asc" } : { decidedAt: "desc" },
    take: limit,
    select: APPROVAL_VIEW_SELECT,
  });
  return rows.map(({ agent, decidedBy, ...row }) => ({ ...row, agentName: agent.name, decidedBy: decidedBy?.name ?? null }));
}
