import "server-only";
import type { ChannelAction } from "../../shared/channels";
import { db } from "../db/client";
import { deepLink } from "./notify";

/**
 * The buttons of an approval_requested or question_asked message. For now one: open the approval in
 * Longhaul (the agent's page, in the approval's team). The integrator swaps this body for signed
 * approve/reject links; keep the signature.
 */
export async function approvalActions(input: { teamId: string; approvalId: string }): Promise<ChannelAction[]> {
  const approval = await db.approval.findFirst({ where: { id: input.approvalId, teamId: input.teamId }, select: { agentId: true } });
  const path = approval ? `/agents/${approval.agentId}` : "/approvals";
  return [{ label: "Open in Longhaul", url: deepLink(input.teamId, path), style: "primary" }];
}
