import "server-only";
import type { ChannelAction } from "../../shared/channels";
import { createApprovalLinkActions } from "../approval-links/links";
import { db } from "../db/client";
import { deepLink } from "../channels/deep-link";

/**
 * The buttons of an approval_requested or question_asked message: signed links that decide the approval
 * from where the message is read (Approve, Reject and Open for a held call; Answer and Open for a
 * question; docs/decisions/037), one new set per message. An approval no longer pending gets only a link
 * to the agent's page in the approval's team.
 */
export async function approvalActions(input: { teamId: string; approvalId: string }): Promise<ChannelAction[]> {
  const links = await createApprovalLinkActions(input);
  if (links.length > 0) return links;
  const approval = await db.approval.findFirst({ where: { id: input.approvalId, teamId: input.teamId }, select: { agentId: true } });
  const path = approval ? `/agents/${approval.agentId}` : "/approvals";
  return [{ label: "Open in Longhaul", url: deepLink(input.teamId, path), style: "primary" }];
}
