import { inngest } from "~/inngest/client";
import { agentApprovalDecided, agentPauseRequested, agentRunRequested } from "~/inngest/events";
import { db } from "../db/client";
import { AppError, notFound } from "../errors";
import { appendEvent } from "./events";

/**
 * People steering agents: start, pause, resume, stop, and decide approvals. State changes commit
 * before the event is sent; a lost send is repaired by sending again (events are idempotent by id).
 */
type Ids = { agentId: string; teamId: string; userId: string };

async function audit(teamId: string, userId: string, action: string, agentId: string, metadata: Record<string, string> = {}) {
  await db.auditLog.create({ data: { teamId, actorId: userId, action, targetType: "agent", targetId: agentId, metadata } });
}

export async function startAgent({ agentId, teamId, userId }: Ids) {
  const agent = await db.agent.findFirst({ where: { id: agentId, teamId }, select: { status: true } });
  if (!agent) throw notFound("That agent");
  if (!["idle", "paused", "stopped", "stuck", "completed", "budget_exhausted"].includes(agent.status)) {
    throw new AppError("CONFLICT", `The agent is already ${agent.status.replace("_", " ")}.`);
  }
  // "running" at once: a second start is refused while the run is being scheduled.
  const claimed = await db.agent.updateMany({
    where: { id: agentId, teamId, status: agent.status },
    data: { status: "running", statusReason: null },
  });
  if (claimed.count === 0) throw new AppError("CONFLICT", "The agent was started or changed by someone else just now.");
  await audit(teamId, userId, agent.status === "idle" ? "agent.start" : "agent.resume", agentId);
  await inngest.send({ name: agentRunRequested.name, data: { agentId, teamId, reason: agent.status === "idle" ? "start" : "resume" } });
}

export async function pauseAgent({ agentId, teamId, userId }: Ids) {
  const updated = await db.agent.updateMany({
    where: { id: agentId, teamId, status: { in: ["running", "sleeping", "waiting_approval", "idle"] } },
    data: { status: "paused", statusReason: "Paused by a person." },
  });
  if (updated.count === 0) throw new AppError("CONFLICT", "Only a running, sleeping or waiting agent can be paused.");
  await appendEvent({ agentId, teamId, cycle: 0, type: "status_change", payload: { to: "paused", by: userId } });
  await audit(teamId, userId, "agent.pause", agentId);
  await inngest.send({ name: agentPauseRequested.name, data: { agentId, teamId } });
}

export async function decideApproval({
  teamId,
  userId,
  approvalId,
  decision,
  comment,
  answer,
}: Omit<Ids, "agentId"> & { approvalId: string; decision: "approved" | "rejected"; comment?: string; answer?: string }) {
  const approval = await db.approval.findFirst({ where: { id: approvalId, teamId }, select: { agentId: true, status: true, kind: true } });
  if (!approval) throw notFound("That approval");
  if (approval.kind === "question" && decision === "approved" && !answer?.trim()) {
    throw new AppError("BAD_REQUEST", "Write an answer to the agent's question.", { fieldErrors: { answer: ["Write an answer."] } });
  }
  const updated = await db.approval.updateMany({
    where: { id: approvalId, teamId, status: "pending" },
    data: { status: decision, decidedById: userId, decidedAt: new Date(), comment: comment ?? null, answer: answer ?? null },
  });
  if (updated.count === 0) throw new AppError("CONFLICT", `This approval was already ${approval.status}.`);
  await audit(teamId, userId, decision === "approved" ? "approval.approve" : "approval.reject", approval.agentId, { approvalId });
  await inngest.send({ name: agentApprovalDecided.name, data: { agentId: approval.agentId, approvalId, decision } });
}

/** Stops an agent for good (until started again), with the person's reason; a running cycle is cancelled. */
export async function stopAgent({ agentId, teamId, userId, reason }: Ids & { reason: string }) {
  const trimmed = reason.trim();
  if (trimmed.length < 3) throw new AppError("BAD_REQUEST", "Say why the agent is stopped.", { fieldErrors: { reason: ["Say why."] } });
  const updated = await db.agent.updateMany({
    where: { id: agentId, teamId, status: { notIn: ["stopped", "archived"] } },
    data: { status: "stopped", statusReason: trimmed },
  });
  if (updated.count === 0) throw notFound("That running agent");
  await db.approval.updateMany({
    where: { agentId, teamId, status: "pending" },
    data: { status: "cancelled", decidedAt: new Date(), decidedById: userId },
  });
  await appendEvent({ agentId, teamId, cycle: 0, type: "status_change", payload: { to: "stopped", by: userId, reason: trimmed } });
  await audit(teamId, userId, "agent.stop", agentId, { reason: trimmed });
  await inngest.send({ name: agentPauseRequested.name, data: { agentId, teamId } });
}
