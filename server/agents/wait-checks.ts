import "server-only";
import { db } from "../db/client";

/**
 * What the loop's waits look up in the database after their first, short stretch. A waitForEvent is
 * matched only by events sent after it began (Inngest's semantics, and the bundled executor's;
 * docs/decisions/025), so a decision or a wake-up sent in the gap between the step that made it
 * possible and the wait would otherwise go unheard until the wait times out.
 */
type Ids = { agentId: string; teamId: string };

/** Whether a person (or anything else) has decided the approval: it is no longer pending. */
export async function isApprovalDecided({ agentId, teamId, approvalId }: Ids & { approvalId: string }): Promise<boolean> {
  const approval = await db.approval.findFirst({ where: { id: approvalId, agentId, teamId }, select: { status: true } });
  return approval !== null && approval.status !== "pending";
}

/** Whether a trigger (webhook, schedule) reached the agent after the cycle's last thought: a wake-up its cooldown must honour. */
export async function hasTriggerSinceThought({ agentId, teamId, cycle }: Ids & { cycle: number }): Promise<boolean> {
  const thought = await db.agentEvent.findFirst({
    where: { agentId, teamId, cycle, type: "thought" },
    orderBy: { seq: "desc" },
    select: { seq: true },
  });
  if (!thought) return false;
  const trigger = await db.agentEvent.findFirst({
    where: { agentId, teamId, type: "trigger", seq: { gt: thought.seq } },
    select: { id: true },
  });
  return trigger !== null;
}
