import "server-only";
import { notify } from "../notifications/notify";
import type { Prisma } from "../db/client";
import type { AgentStatus } from "../db/generated/enums";
import { appendEvent, recordDecisionOnce } from "../agents/events";
import { underAgentLock } from "../db/agent-lock";
import { LOOP_STATUSES } from "../../shared/agent-status";
import { formatMoney } from "../../shared/money";

/**
 * Holds: moments where the loop stops before thinking and asks a person. Two kinds:
 * - budget: committed spend crossed the soft limit (a percentage of the money or token budget).
 *   A person raises the budget (or lets it run on to the hard limit) or stops the agent.
 * - stuck: the same tool call with the same arguments `stuckRepeatLimit` times in a row, or no new
 *   information for `stuckNoProgressCycles` cycles. A person lets it continue or stops it.
 * The counters they read are kept on the agent row with each recorded result (`recordToolResult`,
 * server/loop/sql.ts), so a check costs one row read whatever the length of the history.
 */
type Ids = { agentId: string; teamId: string };
export type HoldKind = "budget" | "stuck";
export type Hold = { kind: HoldKind; reason: string; context: Record<string, string | number | null> };

/** The budget a person acknowledged at the soft limit; a raise changes it, so crossing the new soft limit asks again. */
export function budgetKey(agent: { budgetUsd: Prisma.Decimal | null; budgetTokens: bigint | null }): string {
  return `${agent.budgetUsd?.toString() ?? "unlimited"}|${agent.budgetTokens?.toString() ?? "unlimited"}`;
}

export const HOLD_FIELDS = {
  budgetUsd: true,
  budgetTokens: true,
  softLimitPercent: true,
  spentUsd: true,
  tokensUsed: true,
  budgetAckKey: true,
  parentId: true,
  repeatStreak: true,
  stuckRepeatLimit: true,
  lastProgressCycle: true,
  stuckNoProgressCycles: true,
  lastCallSignature: true,
} satisfies Prisma.AgentSelect;
type HoldFields = Prisma.AgentGetPayload<{ select: typeof HOLD_FIELDS }>;

/** Whether the loop must ask a person before thinking at `cycle`, and why. Pure: reads only the agent row given. */
export function holdNeeded(agent: HoldFields, cycle: number): Hold | null {
  const soft = agent.softLimitPercent / 100;
  const overMoney = agent.budgetUsd !== null && agent.spentUsd.greaterThanOrEqualTo(agent.budgetUsd.times(soft));
  const overTokens = agent.budgetTokens !== null && Number(agent.tokensUsed) >= Number(agent.budgetTokens) * soft;
  // A child's limits are its parent's carve and cannot be raised (docs/decisions/040): it runs on to the hard limit.
  if ((overMoney || overTokens) && agent.parentId === null && agent.budgetAckKey !== budgetKey(agent)) {
    const what = overMoney
      ? `${formatMoney(agent.spentUsd.toFixed())} of its ${formatMoney(agent.budgetUsd!.toFixed())} budget`
      : `${agent.tokensUsed} of its ${agent.budgetTokens} tokens`;
    return {
      kind: "budget",
      reason: `The agent has spent ${what}, past the ${agent.softLimitPercent}% soft limit. Raise the budget to continue, or stop it.`,
      context: {
        spentUsd: agent.spentUsd.toString(),
        budgetUsd: agent.budgetUsd?.toString() ?? null,
        tokensUsed: Number(agent.tokensUsed),
        budgetTokens: agent.budgetTokens === null ? null : Number(agent.budgetTokens),
        softLimitPercent: agent.softLimitPercent,
      },
    };
  }
  if (agent.repeatStreak >= agent.stuckRepeatLimit) {
    return {
      kind: "stuck",
      reason: `The agent made the same call with the same arguments ${agent.repeatStreak} times in a row (${(agent.lastCallSignature ?? "").slice(0, 200)}).`,
      context: { rule: "repeat", repeatStreak: agent.repeatStreak, signature: (agent.lastCallSignature ?? "").slice(0, 500) },
    };
  }
  const quietCycles = cycle - 1 - agent.lastProgressCycle;
  if (quietCycles >= agent.stuckNoProgressCycles) {
    return {
      kind: "stuck",
      reason: `The agent learned nothing new for ${quietCycles} cycles (no new tool results, no change to its world state).`,
      context: { rule: "no-progress", quietCycles, lastProgressCycle: agent.lastProgressCycle },
    };
  }
  return null;
}

/** Creates the hold's approval and event, and shows the agent as waiting (budget) or stuck. */
export async function openHold({
  agentId,
  teamId,
  agentRunId,
  cycle,
  approvalTimeoutSeconds,
}: Ids & { agentRunId: string; cycle: number; approvalTimeoutSeconds: number }): Promise<{ approvalId: string; kind: HoldKind } | null> {
  return underAgentLock(agentId, async (tx) => {
    const open = await tx.approval.findFirst({
      where: { agentId, teamId, cycle, kind: { in: ["budget", "stuck"] }, status: "pending" },
      select: { id: true, kind: true },
    });
    if (open) return { approvalId: open.id, kind: open.kind as HoldKind };
    const agent = await tx.agent.findFirstOrThrow({ where: { id: agentId, teamId }, select: HOLD_FIELDS });
    const hold = holdNeeded(agent, cycle);
    if (!hold) return null;
    const approval = await tx.approval.create({
      data: {
        agentId,
        teamId,
        cycle,
        kind: hold.kind,
        reason: hold.reason,
        context: hold.context,
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
        payload: { stage: "hold", approvalId: approval.id, kind: hold.kind, reason: hold.reason, ...hold.context },
      },
      tx,
    );
    await notify(
      {
        teamId,
        agentId,
        approvalId: approval.id,
        kind: hold.kind === "stuck" ? "stuck" : "budget_soft_limit",
        details: { text: hold.reason, data: { cycle } },
      },
      tx,
    );
    const status: AgentStatus = hold.kind === "stuck" ? "stuck" : "waiting_approval";
    await tx.agent.updateMany({
      where: { id: agentId, teamId, status: { in: LOOP_STATUSES.loopOwned } },
      data: { status, statusReason: hold.reason },
    });
    return { approvalId: approval.id, kind: hold.kind };
  });
}

/** What settling a decided (or timed-out) approval needs, for holds and tool approvals alike. */
export type SettleInput = Ids & { agentRunId: string; cycle: number; approvalId: string; timedOut: boolean };

export type HoldSettlement = { action: "continue" } | { action: "end"; status: AgentStatus; reason: string };

/**
 * After the wait. Approved: a budget hold is acknowledged at the (possibly raised) budget; a stuck
 * hold restarts both stuck counters. Rejected: the agent stops. Nobody answered: a budget hold pauses
 * the agent, a stuck one leaves it stuck; either asks again when it is resumed.
 */
export async function settleHold({ agentId, teamId, agentRunId, cycle, approvalId, timedOut }: SettleInput): Promise<HoldSettlement> {
  return underAgentLock(agentId, async (tx) => {
    let approval = await tx.approval.findFirstOrThrow({
      where: { id: approvalId, agentId, teamId },
      select: { status: true, kind: true, comment: true },
    });
    if (approval.status === "pending" && timedOut) {
      approval = await tx.approval.update({
        where: { id: approvalId },
        data: { status: "expired", decidedAt: new Date(), comment: "No answer in time." },
        select: { status: true, kind: true, comment: true },
      });
    }
    await recordDecisionOnce(
      tx,
      { agentId, teamId, runId: agentRunId, cycle, approvalId },
      { stage: "hold", kind: approval.kind, status: approval.status, timedOut: approval.status === "expired" },
    );
    if (approval.status === "approved") {
      const agent = await tx.agent.findFirstOrThrow({ where: { id: agentId, teamId }, select: { budgetUsd: true, budgetTokens: true } });
      await tx.agent.updateMany({
        where: { id: agentId, teamId, status: { in: LOOP_STATUSES.loopOwned } },
        data: { status: "running", statusReason: null },
      });
      await tx.agent.updateMany({
        where: { id: agentId, teamId },
        data: approval.kind === "budget" ? { budgetAckKey: budgetKey(agent) } : { repeatStreak: 0, lastProgressCycle: cycle - 1 },
      });
      return { action: "continue" as const };
    }
    if (approval.status === "expired") {
      const reason =
        approval.kind === "budget"
          ? "The soft budget limit was reached and nobody answered in time; resume or raise the budget to continue."
          : "The agent is stuck and nobody answered in time; resume it to let it continue.";
      return { action: "end" as const, status: approval.kind === "budget" ? ("paused" as const) : ("stuck" as const), reason };
    }
    // Rejected (or cancelled by a stop): the agent stops.
    const reason =
      approval.kind === "budget" ? "Stopped at the soft budget limit by a person." : "Stopped by a person after getting stuck.";
    return { action: "end" as const, status: "stopped" as const, reason: approval.comment ? `${reason} ${approval.comment}` : reason };
  });
}
