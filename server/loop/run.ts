import "server-only";
import { notify } from "../notifications/notify";
import type { NotificationKind } from "../../shared/notifications";
import { db, type Prisma } from "../db/client";
import type { AgentStatus } from "../db/generated/enums";
import { appendEvent } from "../agents/events";
import { underAgentLock } from "../db/agent-lock";
import { LOOP_STATUSES } from "../../shared/agent-status";
import { inngestRunStatus, type RunInfo, type RunStatusSource } from "../runs/run-status";
import { missingPriceOf } from "../spend/model-prices";
import { stopDescendants } from "../agents/tree";
import { settleChild } from "../delegation/settle";
import { CHILD_ENDED_STATUSES } from "../../shared/delegation";

/**
 * A run of the loop: its claim on the agent (an agent_run row) taken at the start, and its end, which
 * ends the agent (finished, stuck, out of budget, stopped) or only the run (rollover).
 */
type Ids = { agentId: string; teamId: string };

export type RunPlan =
  | { shouldRun: false; reason: string }
  | {
      shouldRun: true;
      agentRunId: string;
      firstCycle: number;
      cyclesPerRun: number;
      cooldownSeconds: number;
      approvalTimeoutSeconds: number;
    };

/** Starts (or, on a retried step, finds) this executor run's agent_run and marks the agent running. */
export async function beginRun({
  agentId,
  teamId,
  executorRunId,
  reason,
  runStatus = inngestRunStatus(),
}: Ids & { executorRunId: string; reason: string; runStatus?: RunStatusSource }): Promise<RunPlan> {
  // What the Inngest server says about the runs holding open claims, asked before the lock (no HTTP
  // call while it is held; usually there is no other claim and nothing to ask).
  const serverRuns = await statesOfOtherClaims({ agentId, teamId, executorRunId }, runStatus);
  // Under the agent lock: two requested runs (a recovery and a schedule, say) cannot both claim the agent.
  return underAgentLock(agentId, async (tx) => {
    const agent = await tx.agent.findFirst({
      where: { id: agentId, teamId },
      select: {
        status: true,
        cycleCount: true,
        cyclesPerRun: true,
        cooldownSeconds: true,
        approvalTimeoutSeconds: true,
        provider: true,
        model: true,
      },
    });
    if (!agent) return { shouldRun: false as const, reason: "The agent no longer exists." };
    const existing = await tx.agentRun.findUnique({ where: { executorRunId }, select: { id: true, startCycle: true } });
    if (!existing) {
      // A recovery may resume a run that died while waiting for a person; its next think finds the wait again.
      const isWaitingRecovery =
        reason === "recovery" &&
        (agent.status === "waiting_approval" || agent.status === "stuck") &&
        (await tx.approval.count({ where: { agentId, teamId, status: "pending" } })) > 0;
      if (!LOOP_STATUSES.runnable.includes(agent.status) && !isWaitingRecovery)
        return { shouldRun: false as const, reason: `The agent is ${agent.status}.` };
      const other = await liveRunOf(tx, { agentId, teamId }, serverRuns);
      if (other) return { shouldRun: false as const, reason: `Another run of this agent is live (${other}).` };
      // However the run was asked for (a schedule, a webhook, a recovery), a model priced nowhere does not
      // run: the agent is paused with the reason, as a person's start would have been refused.
      const missingPrice = await missingPriceOf({ teamId, provider: agent.provider, model: agent.model }, tx);
      if (missingPrice) {
        await tx.agent.updateMany({ where: { id: agentId, teamId }, data: { status: "paused", statusReason: missingPrice } });
        await appendEvent({ agentId, teamId, cycle: 0, type: "status_change", payload: { to: "paused", reason: missingPrice } }, tx);
        return { shouldRun: false as const, reason: missingPrice };
      }
    }
    const run =
      existing ??
      (await tx.agentRun.create({
        data: { agentId, teamId, executorRunId, status: "running", startCycle: agent.cycleCount + 1, reason },
        select: { id: true, startCycle: true },
      }));
    await tx.agent.updateMany({
      where: { id: agentId, teamId, status: { in: LOOP_STATUSES.runnable } },
      data: { status: "running", heartbeatAt: new Date(), statusReason: null },
    });
    // A recovered waiting agent keeps showing what it waits for; its heartbeat says a run holds it again.
    await tx.agent.updateMany({
      where: { id: agentId, teamId, status: { in: ["waiting_approval", "stuck"] } },
      data: { heartbeatAt: new Date() },
    });
    return {
      shouldRun: true as const,
      agentRunId: run.id,
      firstCycle: run.startCycle,
      cyclesPerRun: agent.cyclesPerRun,
      cooldownSeconds: agent.cooldownSeconds,
      approvalTimeoutSeconds: agent.approvalTimeoutSeconds,
    };
  });
}

async function statesOfOtherClaims(
  { agentId, teamId, executorRunId }: Ids & { executorRunId: string },
  runStatus: RunStatusSource,
): Promise<Map<string, RunInfo>> {
  const claims = await db.agentRun.findMany({
    where: { agentId, teamId, status: "running", executorRunId: { not: executorRunId } },
    select: { executorRunId: true },
  });
  const ids = claims.map((c) => c.executorRunId).filter((id): id is string => id !== null);
  return ids.length > 0 ? runStatus.runs(ids) : new Map();
}

/**
 * The run id of another claim on the agent that is still live, or null. A claim (an agent_run in
 * "running") whose run the Inngest server says has ended (cancelled by a pause, failed for good) is
 * closed here; a run the server cannot tell about (or a claim made since it was asked) is trusted:
 * pause, stop and the watchdog close claims then (docs/decisions/024).
 */
async function liveRunOf(tx: Prisma.TransactionClient, { agentId, teamId }: Ids, serverRuns: Map<string, RunInfo>): Promise<string | null> {
  const claims = await tx.agentRun.findMany({ where: { agentId, teamId, status: "running" }, select: { id: true, executorRunId: true } });
  for (const claim of claims) {
    const state = claim.executorRunId ? serverRuns.get(claim.executorRunId)?.state : undefined;
    if (state === undefined || state === "running") return claim.executorRunId ?? claim.id;
    await tx.agentRun.update({
      where: { id: claim.id },
      data: { status: state, endedAt: new Date(), reason: `executor run ${state}` },
    });
  }
  return null;
}

/** The statuses a run ends an agent in that people are told about. */
const ENDING_NOTIFICATIONS: Partial<Record<AgentStatus, NotificationKind>> = {
  budget_exhausted: "budget_exhausted",
  failed: "failed",
  completed: "completed",
};

/** Ends the agent (finished, stuck, out of budget, stopped) or just this run (rollover). */
export async function endRun({
  agentId,
  teamId,
  agentRunId,
  cycle,
  status,
  reason,
}: Ids & { agentRunId: string; cycle: number; status: AgentStatus | null; reason: string }) {
  const ended = await underAgentLock(agentId, async (tx) => {
    await tx.agentRun.updateMany({
      // A claim closed by the watchdog or by beginRun keeps the reason it was closed for.
      where: { id: agentRunId, agentId, status: "running" },
      data: { status: "completed", endedAt: new Date(), endCycle: cycle, reason },
    });
    const current = await tx.agent.findFirstOrThrow({
      where: { id: agentId, teamId },
      select: { status: true, cycleCount: true, name: true, parentId: true },
    });
    if (status) {
      // A pause or stop decided by a person meanwhile stands.
      if (current.status !== status && LOOP_STATUSES.loopOwned.includes(current.status)) {
        await tx.agent.updateMany({ where: { id: agentId, teamId }, data: { status, statusReason: reason } });
        // The change is numbered with the cycle it ends: this one if anything of it was recorded, else
        // the last finished one (an end decided before the cycle began: its cycle limit, a model that
        // cannot be reached), as a person's pause or stop is. A cycle that never ran gets no row.
        const began = await tx.agentEvent.findFirst({ where: { agentId, teamId, cycle }, select: { id: true } });
        const at = began ? cycle : Math.min(cycle, current.cycleCount);
        await appendEvent(
          { agentId, teamId, runId: agentRunId, cycle: at, type: "status_change", payload: { from: current.status, to: status, reason } },
          tx,
        );
        // A child that finished is reported by its parent (its result is the parent's to use); its other ends are told.
        const kind = current.parentId && status === "completed" ? undefined : ENDING_NOTIFICATIONS[status];
        if (kind) await notify({ teamId, agentId, kind, details: { text: reason, data: { cycle: at, status } } }, tx);
        return { status, name: current.name, parentId: current.parentId };
      }
      // Ended before (a retried step, or a person's stop that stands): the tree is settled below all the same.
      return { status: current.status, name: current.name, parentId: current.parentId };
    }
    // No status: a rollover, or a replayed step that found this run's claim closed because an earlier
    // attempt ended the agent and died before it settled the tree (its result lost with the executor).
    return { status: current.status, name: current.name, parentId: current.parentId };
  });
  // The tree (docs/decisions/040): an agent that ended stops the children it still has, and a child
  // that ended is settled with its parent (its carve committed, its result delivered). Both are safe to repeat.
  if (ended && (CHILD_ENDED_STATUSES as readonly string[]).includes(ended.status)) {
    await stopDescendants({ agentId, teamId, reason: `Its parent ${ended.name} ended (${ended.status.replace("_", " ")}).` });
    if (ended.parentId) await settleChild({ teamId, childId: agentId });
  }
}
