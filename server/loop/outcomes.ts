import "server-only";
import { notify } from "../notifications/notify";
import { appendEvent, recordDecisionOnce } from "../agents/events";
import { underAgentLock } from "../db/agent-lock";
import { LOOP_STATUSES } from "../../shared/agent-status";
import type { AgentStatus } from "../db/generated/enums";
import type { SettleInput } from "./holds";

/**
 * A tool call whose outcome is unknown: its attempt died mid-call (the key is in the effect ledger, no
 * receipt) and the tool is not safe to call again. The loop never repeats it silently: it asks a person
 * (approval kind "outcome") to retry it, mark it done or skip it, and records the cycle's result only then.
 */
type Ids = { agentId: string; teamId: string };

/** How a person settled it; the act that follows records the cycle's result accordingly. */
export type OutcomeResolution = { kind: "retry"; attempt: number } | { kind: "done" } | { kind: "skip" };

export type OutcomeSettlement =
  { action: "continue"; resolution: OutcomeResolution } | { action: "end"; status: AgentStatus; reason: string };

/**
 * Opens the hold for the `attempt`-th unknown outcome of this cycle's call (1 for the first call, 2 after
 * a retry that died too), or finds the one a previous attempt of this step opened. Returns its approval id.
 */
export async function holdUnknownOutcome({
  agentId,
  teamId,
  agentRunId,
  cycle,
  toolName,
  argumentsText,
  attempt,
  approvalTimeoutSeconds,
}: Ids & { agentRunId: string; cycle: number; toolName: string; argumentsText: string; attempt: number; approvalTimeoutSeconds: number }) {
  return underAgentLock(agentId, async (tx) => {
    // This attempt's hold, opened by a previous attempt of this step or decided before a crash or a new
    // run (its decision is then acted on again). One that expired or was cancelled asks again.
    const opened = await tx.approval.findMany({
      where: { agentId, teamId, cycle, kind: "outcome", status: { in: ["pending", "approved", "rejected"] } },
      orderBy: { createdAt: "desc" },
      select: { id: true, context: true },
    });
    const found = opened.find((a) => (a.context as { attempt?: number } | null)?.attempt === attempt);
    if (found) return found.id;
    const reason =
      `The call to ${toolName} was in flight when its attempt stopped (a crash or a restart), and the tool is not marked ` +
      "safe to repeat: whether it happened is unknown. Retry it, mark it done, or skip it.";
    const approval = await tx.approval.create({
      data: {
        agentId,
        teamId,
        cycle,
        kind: "outcome",
        toolName,
        reason,
        context: { arguments: argumentsText.slice(0, 20_000), attempt },
        expiresAt: new Date(Date.now() + approvalTimeoutSeconds * 1000),
      },
      select: { id: true },
    });
    await appendEvent(
      {
        agentId,
        teamId,
        runId: agentRunId,
        cycle,
        type: "approval_requested",
        payload: { stage: "outcome", approvalId: approval.id, kind: "outcome", toolName, reason, attempt },
      },
      tx,
    );
    await notify(
      {
        teamId,
        agentId,
        approvalId: approval.id,
        kind: "approval_requested",
        details: { subject: `${toolName} (outcome unknown)`, text: reason, data: { toolName, cycle } },
      },
      tx,
    );
    await tx.agent.updateMany({
      where: { id: agentId, teamId, status: { in: LOOP_STATUSES.loopOwned } },
      data: { status: "waiting_approval", statusReason: reason },
    });
    return approval.id;
  });
}

/** After the wait: retry (with the next attempt's ledger key), done, skip; nobody answered: the agent is paused with the call still open. */
export async function settleOutcome({ agentId, teamId, agentRunId, cycle, approvalId, timedOut }: SettleInput): Promise<OutcomeSettlement> {
  return underAgentLock(agentId, async (tx) => {
    let approval = await tx.approval.findFirstOrThrow({
      where: { id: approvalId, agentId, teamId },
      select: { status: true, answer: true, comment: true, context: true, decidedBy: { select: { name: true } } },
    });
    if (approval.status === "pending" && timedOut) {
      approval = await tx.approval.update({
        where: { id: approvalId },
        data: { status: "expired", decidedAt: new Date(), comment: "No answer in time." },
        select: { status: true, answer: true, comment: true, context: true, decidedBy: { select: { name: true } } },
      });
    }
    const resolution: OutcomeResolution | null =
      approval.status === "approved"
        ? approval.answer === "done"
          ? { kind: "done" }
          : { kind: "retry", attempt: Number((approval.context as { attempt?: number } | null)?.attempt ?? 1) + 1 }
        : approval.status === "rejected"
          ? { kind: "skip" }
          : null;
    await recordDecisionOnce(
      tx,
      { agentId, teamId, runId: agentRunId, cycle, approvalId },
      {
        stage: "outcome",
        kind: "outcome",
        status: approval.status,
        resolution: resolution?.kind ?? null,
        decidedBy: approval.decidedBy?.name ?? null,
        comment: approval.comment,
        timedOut: approval.status === "expired",
      },
    );
    if (!resolution) {
      // Expired, or cancelled by a stop: the call stays open; resuming the agent asks again.
      return {
        action: "end" as const,
        status: "paused" as const,
        reason: "A tool call's outcome is unknown and nobody decided in time; resume the agent to be asked again.",
      };
    }
    await tx.agent.updateMany({
      where: { id: agentId, teamId, status: { in: LOOP_STATUSES.loopOwned } },
      data: { status: "running", statusReason: null },
    });
    return { action: "continue" as const, resolution };
  });
}
