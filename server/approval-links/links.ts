import "server-only";
import { APPROVAL_VIEW_SELECT } from "../agents/approval-list";
import type { ChannelAction } from "../../shared/channels";
import { can, isTeamRole, type TeamRoleName } from "../../shared/roles";
import { decideApproval } from "../agents/control";
import { db } from "../db/client";
import { env } from "../env";
import { AppError } from "../errors";
import { hashSecretToken, newSecretToken, secretTokenPattern } from "../secrets/tokens";
import { getMembership } from "../teams/teams";

/**
 * Signed approval links (docs/decisions/037): a link in a message (e-mail, chat, a Slack button's value)
 * that opens one approval for a signed-in member of its team, who decides it with a click. The token is
 * the only secret; it is stored as its SHA-256, expires with its approval (7 days at most) and decides
 * once. Deciding goes through decideApproval in the approval's own team, like the inbox.
 */
export const APPROVAL_LINK_MAX_TTL_MS = 7 * 24 * 60 * 60 * 1000;
export const APPROVAL_LINK_PREFIX = "lha_";
const TOKEN_PATTERN = secretTokenPattern(APPROVAL_LINK_PREFIX);

export const APPROVAL_LINK_NOT_FOUND =
  "This approval link is not valid. Check that you copied all of it, or open the Approvals page instead.";

export type LinkVia = "link" | "slack";
export type LinkIntent = "approve" | "reject" | "answer";

export function approvalLinkUrl(token: string, intent?: LinkIntent): string {
  const url = new URL(`/approve/${token}`, env.APP_URL);
  if (intent) url.searchParams.set("do", intent);
  return url.toString();
}

/** A new link's token for a pending approval of the team, or null when there is nothing left to decide. */
export async function createApprovalLink({ teamId, approvalId, now = new Date() }: { teamId: string; approvalId: string; now?: Date }) {
  const approval = await db.approval.findFirst({
    where: { id: approvalId, teamId, status: "pending" },
    select: { kind: true, expiresAt: true },
  });
  if (!approval) return null;
  const latest = now.getTime() + APPROVAL_LINK_MAX_TTL_MS;
  const expiresAt = new Date(Math.min(approval.expiresAt?.getTime() ?? latest, latest));
  const { token, hash } = newSecretToken(APPROVAL_LINK_PREFIX);
  await db.approvalLink.create({ data: { teamId, approvalId, tokenHash: hash, expiresAt } });
  return { token, kind: approval.kind, expiresAt };
}

/**
 * The buttons of an approval notification: Approve, Reject and Open for decisions (Approve and Reject are
 * Slack interactive buttons too), Answer and Open for questions, Decide and Open for a call whose outcome
 * is unknown (it needs a choice a button cannot carry). None once the approval is no longer pending.
 */
export async function createApprovalLinkActions({ teamId, approvalId }: { teamId: string; approvalId: string }): Promise<ChannelAction[]> {
  const link = await createApprovalLink({ teamId, approvalId });
  if (!link) return [];
  const open: ChannelAction = { label: "Open", url: approvalLinkUrl(link.token) };
  if (link.kind === "question") return [{ label: "Answer", url: approvalLinkUrl(link.token, "answer"), style: "primary" }, open];
  if (link.kind === "outcome") return [{ label: "Decide", url: approvalLinkUrl(link.token), style: "primary" }, open];
  return [
    {
      label: "Approve",
      url: approvalLinkUrl(link.token, "approve"),
      style: "primary",
      interactive: { actionId: "approve", value: link.token },
    },
    {
      label: "Reject",
      url: approvalLinkUrl(link.token, "reject"),
      style: "danger",
      interactive: { actionId: "reject", value: link.token },
    },
    open,
  ];
}

/** The link a token names (a malformed token finds nothing without a query). */
export async function findApprovalLink(token: string) {
  if (!TOKEN_PATTERN.test(token)) return null;
  return db.approvalLink.findUnique({
    where: { tokenHash: hashSecretToken(token) },
    select: {
      id: true,
      teamId: true,
      approvalId: true,
      expiresAt: true,
      usedAt: true,
      usedById: true,
      team: { select: { name: true } },
      approval: { select: APPROVAL_VIEW_SELECT },
    },
  });
}

type FoundLink = NonNullable<Awaited<ReturnType<typeof findApprovalLink>>>;

export type ApprovalLinkView =
  | { state: "not_found" }
  | { state: "not_member" }
  | {
      state: "decided";
      teamName: string;
      agentName: string;
      status: string;
      decidedBy: string | null;
      decidedAt: Date | null;
      usedHere: boolean;
    }
  | { state: "expired"; teamName: string; agentName: string; expiredAt: Date }
  | {
      state: "open";
      team: { id: string; name: string };
      role: TeamRoleName;
      canDecide: boolean;
      approval: Omit<FoundLink["approval"], "status" | "decidedAt" | "decidedBy" | "comment" | "answer">;
    };

/** What the link's page shows the signed-in person: nothing of the team unless they are in it. */
export async function viewApprovalLink({
  token,
  userId,
  now = new Date(),
}: {
  token: string;
  userId: string;
  now?: Date;
}): Promise<ApprovalLinkView> {
  const link = await findApprovalLink(token);
  if (!link) return { state: "not_found" };
  const membership = await getMembership({ teamId: link.teamId, userId });
  if (!membership || !isTeamRole(membership.role)) return { state: "not_member" };
  const { approval } = link;
  if (approval.status !== "pending") {
    return {
      state: "decided",
      teamName: link.team.name,
      agentName: approval.agent.name,
      status: approval.status,
      decidedBy: approval.decidedBy?.name ?? null,
      decidedAt: approval.decidedAt,
      usedHere: link.usedAt !== null,
    };
  }
  if (link.expiresAt <= now || (approval.expiresAt !== null && approval.expiresAt <= now)) {
    return { state: "expired", teamName: link.team.name, agentName: approval.agent.name, expiredAt: link.expiresAt };
  }
  const { status: _s, decidedAt: _d, decidedBy: _b, comment: _c, answer: _a, ...shown } = approval;
  return {
    state: "open",
    team: { id: link.teamId, name: link.team.name },
    role: membership.role,
    canDecide: can(membership.role, "approval:decide"),
    approval: shown,
  };
}

/** "approved by Ana at 14:02 UTC" */
export function decidedSentence(status: string, by: string | null, at: Date | null): string {
  const time = at ? ` at ${at.toISOString().slice(11, 16)} UTC on ${at.toISOString().slice(0, 10)}` : "";
  return `${status.charAt(0).toUpperCase()}${status.slice(1)}${by ? ` by ${by}` : ""}${time}`;
}

export type LinkDecision = { decision: "approved" | "rejected"; comment?: string; answer?: string };

/**
 * Decides the link's approval as `userId`, in the approval's team, through decideApproval (the inbox's
 * function: same audit entry, plus `via`, and the same event). The link is claimed first, so two clicks
 * decide once; a refused decision (an answer missing) gives the claim back.
 */
export async function decideThroughLink({
  token,
  userId,
  via,
  now = new Date(),
  ...decision
}: { token: string; userId: string; via: LinkVia; now?: Date } & LinkDecision) {
  const link = await findApprovalLink(token);
  if (!link) throw new AppError("NOT_FOUND", APPROVAL_LINK_NOT_FOUND);
  const membership = await getMembership({ teamId: link.teamId, userId });
  if (!membership || !isTeamRole(membership.role)) {
    throw new AppError("FORBIDDEN", "This link belongs to a team you are not in. Sign in with the account that is in that team.");
  }
  if (!can(membership.role, "approval:decide")) {
    throw new AppError(
      "FORBIDDEN",
      `You are a viewer in ${membership.teamName}: viewers see approvals but cannot decide them. Ask a member or an admin.`,
    );
  }
  const { approval } = link;
  if (approval.status !== "pending") {
    throw new AppError("CONFLICT", `${decidedSentence(approval.status, approval.decidedBy?.name ?? null, approval.decidedAt)}.`);
  }
  if (link.usedAt) throw new AppError("CONFLICT", "This link was used already.");
  if (link.expiresAt <= now || (approval.expiresAt !== null && approval.expiresAt <= now)) {
    throw new AppError("CONFLICT", "This link has expired: the approval is no longer waiting for a decision.");
  }
  const claimed = await db.approvalLink.updateMany({
    where: { id: link.id, usedAt: null },
    data: { usedAt: now, usedById: userId },
  });
  if (claimed.count === 0) throw new AppError("CONFLICT", "This link was used already.");
  try {
    await decideApproval({ teamId: link.teamId, userId, approvalId: link.approvalId, via, ...decision });
  } catch (error) {
    await db.approvalLink.updateMany({ where: { id: link.id, usedById: userId }, data: { usedAt: null, usedById: null } });
    throw error;
  }
  const decided = await db.approval.findFirst({
    where: { id: link.approvalId, teamId: link.teamId },
    select: { status: true, decidedAt: true, decidedBy: { select: { name: true } }, agent: { select: { name: true } } },
  });
  return {
    teamId: link.teamId,
    approvalId: link.approvalId,
    status: decided?.status ?? decision.decision,
    decidedAt: decided?.decidedAt ?? now,
    decidedBy: decided?.decidedBy?.name ?? null,
    agentName: decided?.agent.name ?? "",
    toolName: approval.toolName,
  };
}
