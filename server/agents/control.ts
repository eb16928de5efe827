import "server-only";
import { OUTCOME_RESOLUTIONS, type OutcomeResolution } from "../../shared/tool-catalog";
import { inngest } from "~/inngest/client";
import { agentApprovalDecided, agentPauseRequested, agentRunRequested } from "~/inngest/events";
import { db } from "../db/client";
import { AppError, notFound } from "../errors";
import { assertModelPriced } from "../spend/model-prices";
import { appendEvent } from "./events";
import { LOCKS, takeLock } from "../db/locks";
import { recordAudit, type AuditAction } from "../audit/record";
import { actOnOneAgent, deleteAgents } from "./archive";
import { allows, FRESH_START, PERSON_ACTIONS } from "../../shared/agent-status";
import { judgeRaise, type BudgetRaise, type RaisableLimit } from "./limit-raises";
import { pauseDescendants, resumeDescendants, stopDescendants } from "./tree";
import { agentChildEnded } from "~/inngest/events";
import { CHILD_BUDGET_FIXED, CHILD_ENDED_NO_RESTART, CHILD_ENDED_STATUSES } from "../../shared/delegation";

/**
 * People steering agents: start, pause, resume, stop, and decide approvals. State changes commit
 * before the event is sent; a lost send is repaired by sending again (events are idempotent by id).
 */
type Ids = { agentId: string; teamId: string; userId: string };

async function audit(teamId: string, userId: string, action: AuditAction, agentId: string, metadata: Record<string, string> = {}) {
  await recordAudit(db, { teamId, actorId: userId, action, targetId: agentId, metadata });
}

/**
 * A pause or stop ends the agent's runs (cancelled at their next step): their claims on the agent close
 * now, so a resume's run may begin (beginRun refuses while another run holds the agent).
 */
async function closeRunClaims({ agentId, teamId, reason }: { agentId: string; teamId: string; reason: string }) {
  await db.agentRun.updateMany({
    where: { agentId, teamId, status: "running" },
    data: { status: "cancelled", endedAt: new Date(), reason },
  });
}

/**
 * A person's pause, stop or resume on the agent's timeline: a `status_change` with `by` (their user id,
 * shown by name), numbered with the agent's last finished cycle so it is listed beside the cycles it
 * happened between (the timeline shows it as a row of its own, not inside that cycle).
 */
async function recordPersonEvent({ agentId, teamId, userId }: Ids, payload: Record<string, string>, cycle?: number) {
  const at = cycle ?? (await db.agent.findFirst({ where: { id: agentId, teamId }, select: { cycleCount: true } }))?.cycleCount ?? 0;
  await appendEvent({ agentId, teamId, cycle: at, type: "status_change", payload: { ...payload, by: userId } });
}

export async function startAgent({ agentId, teamId, userId }: Ids) {
  const agent = await db.agent.findFirst({
    where: { id: agentId, teamId },
    select: { status: true, cycleCount: true, provider: true, model: true, name: true, parentId: true, delegationSettledAt: true },
  });
  if (!agent) throw notFound("That agent");
  // A child runs once for its parent: once it ended, its carved budget went back and its result was delivered.
  if (agent.parentId && (agent.delegationSettledAt || (CHILD_ENDED_STATUSES as readonly string[]).includes(agent.status))) {
    throw new AppError("CONFLICT", CHILD_ENDED_NO_RESTART);
  }
  // Failed (its endpoint was misconfigured, its runs kept dying) and hibernated agents start again like the others.
  if (!allows("start", agent.status)) {
    throw new AppError("CONFLICT", `The agent is already ${agent.status.replace("_", " ")}.`);
  }
  await assertModelPriced({ teamId, provider: agent.provider, model: agent.model });
  if (agent.status === "stuck" || agent.status === "budget_exhausted") {
    const held = await db.approval.count({ where: { agentId, teamId, status: "pending", kind: { in: ["stuck", "budget"] } } });
    if (held > 0) throw new AppError("CONFLICT", "The agent is waiting for a decision: answer its pending approval instead.");
  }
  // "running" at once: a second start is refused while the run is being scheduled. Resuming a stuck
  // agent is a person's "continue": its stuck counters start again.
  const claimed = await db.agent.updateMany({
    where: { id: agentId, teamId, status: agent.status },
    data: {
      status: "running",
      statusReason: null,
      pausedWithParent: false,
      ...(agent.status === "stuck" ? { repeatStreak: 0, lastProgressCycle: agent.cycleCount } : {}),
    },
  });
  if (claimed.count === 0) throw new AppError("CONFLICT", "The agent was started or changed by someone else just now.");
  const isStart = FRESH_START.includes(agent.status);
  if (!isStart) {
    // A resume is a person's act on the timeline, like a pause or a stop (a fresh start shows as its first cycle).
    await recordPersonEvent({ agentId, teamId, userId }, { change: "resumed", from: agent.status, to: "running" }, agent.cycleCount);
  }
  await audit(teamId, userId, isStart ? "agent.start" : "agent.resume", agentId);
  await inngest.send({ name: agentRunRequested.name, data: { agentId, teamId, reason: isStart ? "start" : "resume" } });
  // Its children paused with it resume with it.
  if (!isStart) await resumeDescendants({ agentId, teamId, parentName: agent.name });
}

export async function pauseAgent({ agentId, teamId, userId }: Ids) {
  const updated = await db.agent.updateMany({
    where: { id: agentId, teamId, status: { in: PERSON_ACTIONS.pause } },
    data: { status: "paused", statusReason: "Paused by a person.", pausedWithParent: false },
  });
  if (updated.count === 0) {
    // Another team's agent, or none, is "not found" like everywhere else; only the team's own gets the status conflict.
    const agent = await db.agent.findFirst({ where: { id: agentId, teamId }, select: { id: true } });
    if (!agent) throw notFound("That agent");
    throw new AppError("CONFLICT", "Only a running, sleeping or waiting agent can be paused.");
  }
  await closeRunClaims({ agentId, teamId, reason: "paused by a person" });
  await recordPersonEvent({ agentId, teamId, userId }, { to: "paused" });
  await audit(teamId, userId, "agent.pause", agentId);
  await inngest.send({ name: agentPauseRequested.name, data: { agentId, teamId } });
  const agent = await db.agent.findFirstOrThrow({ where: { id: agentId, teamId }, select: { name: true } });
  await pauseDescendants({ agentId, teamId, parentName: agent.name });
}

export async function decideApproval({
  teamId,
  userId,
  approvalId,
  decision,
  comment,
  answer,
  via,
}: Omit<Ids, "agentId"> & {
  approvalId: string;
  decision: "approved" | "rejected";
  comment?: string;
  answer?: string;
  /** Decided from outside the dashboard (an approval link, a Slack button): kept in the audit entry. */
  via?: "link" | "slack";
}) {
  const approval = await db.approval.findFirst({ where: { id: approvalId, teamId }, select: { agentId: true, status: true, kind: true } });
  if (!approval) throw notFound("That approval");
  if (approval.kind === "question" && decision === "approved" && !answer?.trim()) {
    throw new AppError("BAD_REQUEST", "Write an answer to the agent's question.", { fieldErrors: { answer: ["Write an answer."] } });
  }
  if (approval.kind === "outcome" && decision === "approved" && !OUTCOME_RESOLUTIONS.includes(answer as OutcomeResolution)) {
    const message = 'Choose "retry" (call it again) or "done" (it happened); reject to skip it.';
    throw new AppError("BAD_REQUEST", message, { fieldErrors: { answer: [message] } });
  }
  const updated = await db.approval.updateMany({
    where: { id: approvalId, teamId, status: "pending" },
    data: { status: decision, decidedById: userId, decidedAt: new Date(), comment: comment ?? null, answer: answer ?? null },
  });
  if (updated.count === 0) throw new AppError("CONFLICT", `This approval was already ${approval.status}.`);
  await audit(teamId, userId, decision === "approved" ? "approval.approve" : "approval.reject", approval.agentId, {
    approvalId,
    ...(via ? { via } : {}),
  });
  await inngest.send({ name: agentApprovalDecided.name, data: { agentId: approval.agentId, approvalId, decision } });
}

/** Stops an agent for good (until started again), with the person's reason; a running cycle is cancelled. */
export async function stopAgent({ agentId, teamId, userId, reason }: Ids & { reason: string }) {
  const trimmed = reason.trim();
  if (trimmed.length < 3) throw new AppError("BAD_REQUEST", "Say why the agent is stopped.", { fieldErrors: { reason: ["Say why."] } });
  const updated = await db.agent.updateMany({
    where: { id: agentId, teamId, status: { in: PERSON_ACTIONS.stop } },
    data: { status: "stopped", statusReason: trimmed },
  });
  if (updated.count === 0) throw notFound("That running agent");
  await db.approval.updateMany({
    where: { agentId, teamId, status: "pending" },
    data: { status: "cancelled", decidedAt: new Date(), decidedById: userId },
  });
  await closeRunClaims({ agentId, teamId, reason: "stopped by a person" });
  await recordPersonEvent({ agentId, teamId, userId }, { to: "stopped", reason: trimmed });
  await audit(teamId, userId, "agent.stop", agentId, { reason: trimmed });
  await inngest.send({ name: agentPauseRequested.name, data: { agentId, teamId } });
  const agent = await db.agent.findFirstOrThrow({ where: { id: agentId, teamId }, select: { name: true, parentId: true } });
  await stopDescendants({ agentId, teamId, reason: `Stopped with ${agent.name}: ${trimmed}` });
  // A child a person stopped on its own ends for its parent: its carve is settled and the parent told.
  if (agent.parentId) {
    await inngest.send({ id: `child-ended-${agentId}-stopped`, name: agentChildEnded.name, data: { childId: agentId, teamId } });
  }
}

/** Deletes an agent with its whole history and cold files (server/agents/archive.ts); the audit and spend entries stay. */
export async function deleteAgent({ agentId, teamId, userId }: Ids) {
  await actOnOneAgent(deleteAgents, { agentId, teamId, userId });
}

/**
 * Raises an agent's limits (needs the budget:raise permission, checked by the caller). Each field is
 * judged on its own (limit-raises.ts judgeRaise): a new limit must be above the current one, and an
 * unlimited dimension cannot be "raised". The valid fields are applied and the others come back in
 * `notApplied` with what to change; only when none is valid is the whole request refused (field errors).
 * A pending soft-limit hold is approved by the raise, and an agent stopped as budget-exhausted resumes.
 */
export async function raiseBudget({ agentId, teamId, userId, raise }: Ids & { raise: BudgetRaise }) {
  let fieldErrors: Record<string, string[]> = {};
  const result = await db.$transaction(async (tx) => {
    await takeLock(tx, LOCKS.budget(agentId));
    const agent = await tx.agent.findFirst({
      where: { id: agentId, teamId },
      select: {
        status: true,
        budgetUsd: true,
        budgetTokens: true,
        budgetCycles: true,
        spentUsd: true,
        tokensUsed: true,
        cycleCount: true,
        parentId: true,
      },
    });
    if (!agent) throw notFound("That agent");
    if (agent.status === "archived") throw new AppError("CONFLICT", "An archived agent's budget cannot change.");
    if (agent.parentId) throw new AppError("CONFLICT", CHILD_BUDGET_FIXED);
    const { data, notApplied } = judgeRaise(agent, raise);
    if (Object.keys(data).length === 0) {
      fieldErrors = Object.fromEntries(Object.entries(notApplied).map(([field, message]) => [field, [message]]));
      if (Object.keys(fieldErrors).length === 0) fieldErrors.budgetUsd = ["Enter a new money, token or cycle limit."];
      return null;
    }
    await tx.agent.updateMany({ where: { id: agentId, teamId }, data });
    const from = { budgetUsd: agent.budgetUsd?.toString(), budgetTokens: agent.budgetTokens?.toString(), budgetCycles: agent.budgetCycles };
    const to = { budgetUsd: data.budgetUsd?.toString(), budgetTokens: data.budgetTokens?.toString(), budgetCycles: data.budgetCycles };
    await appendEvent(
      {
        agentId,
        teamId,
        cycle: agent.cycleCount,
        type: "budget",
        payload: { stage: "raise", by: userId, from, to },
      },
      tx,
    );
    await recordAudit(tx, { teamId, actorId: userId, action: "budget.raise", targetId: agentId, metadata: { from, to } });
    const held = await tx.approval.findFirst({
      where: { agentId, teamId, kind: "budget", status: "pending" },
      select: { id: true },
    });
    if (held) {
      await tx.approval.update({
        where: { id: held.id },
        data: { status: "approved", decidedById: userId, decidedAt: new Date(), comment: "The budget was raised." },
      });
    }
    let resumed = false;
    if (agent.status === "budget_exhausted") {
      const claimed = await tx.agent.updateMany({
        where: { id: agentId, teamId, status: "budget_exhausted" },
        data: { status: "running", statusReason: null },
      });
      resumed = claimed.count === 1;
    }
    return { heldApprovalId: held?.id ?? null, resumed, applied: Object.keys(data) as RaisableLimit[], notApplied };
  });
  if (!result) throw new AppError("BAD_REQUEST", Object.values(fieldErrors)[0]![0]!, { fieldErrors });
  if (result.heldApprovalId) {
    await inngest.send({ name: agentApprovalDecided.name, data: { agentId, approvalId: result.heldApprovalId, decision: "approved" } });
  }
  if (result.resumed) await inngest.send({ name: agentRunRequested.name, data: { agentId, teamId, reason: "budget raised" } });
  return { resumed: result.resumed, approvedHold: result.heldApprovalId !== null, applied: result.applied, notApplied: result.notApplied };
}
