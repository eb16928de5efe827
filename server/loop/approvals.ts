import "server-only";
import { recordDecisionOnce } from "../agents/events";
import { underAgentLock } from "../db/agent-lock";
import { LOOP_STATUSES } from "../../shared/agent-status";
import type { SettleInput } from "./holds";

export type ApprovalSettlement = { approved: boolean; answer: string | null; action: "continue" | "pause" | "stop" };

/** After the wait: the person's decision, or the agent's timeout policy when nobody answered. */
export async function settleApproval({
  agentId,
  teamId,
  agentRunId,
  cycle,
  approvalId,
  timedOut,
}: SettleInput): Promise<ApprovalSettlement> {
  return underAgentLock(agentId, async (tx) => {
    const agent = await tx.agent.findFirstOrThrow({ where: { id: agentId, teamId }, select: { approvalTimeoutPolicy: true } });
    let approval = await tx.approval.findFirstOrThrow({
      where: { id: approvalId, agentId, teamId },
      select: { status: true, answer: true, kind: true, comment: true, decidedAt: true, decidedBy: { select: { name: true } } },
    });
    let action: ApprovalSettlement["action"] = "continue";
    let policy: string | null = null;
    if (approval.status === "pending" && timedOut) {
      // Nobody answered: the agent's timeout policy decides (a question is never "approved" unanswered).
      policy = approval.kind === "question" && agent.approvalTimeoutPolicy === "approve" ? "reject" : agent.approvalTimeoutPolicy;
      approval = await tx.approval.update({
        where: { id: approvalId },
        data: {
          status: policy === "approve" ? "approved" : "expired",
          decidedAt: new Date(),
          comment: `No answer in time: policy "${policy}".`,
        },
        select: { status: true, answer: true, kind: true, comment: true, decidedAt: true, decidedBy: { select: { name: true } } },
      });
      action = policy === "pause" ? "pause" : policy === "stop" ? "stop" : "continue";
    }
    // Who decided, when and why: the timeline shows the decision with the person's comment.
    await recordDecisionOnce(
      tx,
      { agentId, teamId, runId: agentRunId, cycle, approvalId },
      {
        status: approval.status,
        timedOut: policy !== null,
        ...(policy ? { policy } : {}),
        decidedBy: approval.decidedBy?.name ?? null,
        decidedAt: approval.decidedAt?.toISOString() ?? null,
        comment: approval.comment,
      },
    );
    await tx.agent.updateMany({ where: { id: agentId, teamId, status: { in: LOOP_STATUSES.loopOwned } }, data: { status: "running" } });
    return { approved: approval.status === "approved", answer: policy ? null : approval.answer, action };
  });
}
