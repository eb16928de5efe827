import "server-only";
import { describeToolCall, notify } from "../notifications/notify";
import type { Prisma } from "../db/client";
import { appendEvent } from "../agents/events";
import { underAgentLock } from "../db/agent-lock";
import { LOOP_STATUSES } from "../../shared/agent-status";
import { readCycleRecord } from "./sql";
import {
  approvalByPolicy,
  decisionOf,
  planWithoutReading,
  thoughtOf,
  toolCallPayload,
  type Decision,
  type Plan,
  type ThinkAgent,
  type ThoughtRecord,
  type ToolCall,
} from "./plan";

/**
 * Recording a cycle's plan under the agent lock, each write finding what an earlier attempt or an
 * overlapping copy of the step recorded first (the plan itself is plan.ts's pure functions).
 */
type Ids = { agentId: string; teamId: string };

async function approvalNeeded(
  client: Prisma.TransactionClient,
  { teamId, agentId, toolName, tools }: Ids & { toolName: string; tools: unknown },
): Promise<boolean> {
  const byPolicy = approvalByPolicy({ toolName, tools });
  if (byPolicy !== null) return byPolicy;
  const approvedBefore = await client.approval.findFirst({
    where: { agentId, teamId, toolName, status: "approved" },
    select: { id: true },
  });
  return !approvedBefore;
}

/** Under the agent lock: the cycle's thought and decision as recorded so far (by this step's earlier attempts or an overlapping copy). */
export async function recordedCycle(tx: Prisma.TransactionClient, ids: Ids & { cycle: number; agentRunId: string }) {
  const { thought, recorded } = await readCycleRecord(tx, ids);
  return { thought: thoughtOf(thought), decision: decisionOf(recorded) };
}

type PlanInput = Ids & { agentRunId: string; cycle: number; agent: ThinkAgent };

/**
 * Records this cycle's outcome once, under the agent lock. An overlapping copy of the step may have
 * got further meanwhile: a thought it recorded is planned from (so both copies return the same
 * decision), a decision it recorded stands; only otherwise is `event` logged and `decision` ours.
 */
export async function decideOnce(
  input: PlanInput,
  event: Pick<Parameters<typeof appendEvent>[0], "type" | "payload" | "durationMs">,
  decision: Decision,
): Promise<Decision> {
  const { agentId, teamId, agentRunId, cycle } = input;
  return underAgentLock(agentId, async (tx) => {
    const { thought, decision: recorded } = await recordedCycle(tx, input);
    if (thought) return planInTx(tx, { ...input, thought, already: recorded });
    if (recorded) return recorded;
    await appendEvent({ agentId, teamId, runId: agentRunId, cycle, ...event }, tx);
    return decision;
  });
}

/** Turns the cycle's thought into the plan: an error the model is told about, or a tool call (held for approval if needed). Runs under the agent lock. */
export async function planInTx(
  tx: Prisma.TransactionClient,
  {
    agentId,
    teamId,
    agentRunId,
    cycle,
    thought,
    agent,
    already,
  }: PlanInput & {
    thought: ThoughtRecord;
    /** The decision recorded so far, when the caller read it under this lock already. */
    already?: Decision | null;
  },
): Promise<Decision> {
  const recorded = already === undefined ? (await recordedCycle(tx, { agentId, teamId, cycle, agentRunId })).decision : already;
  if (recorded) return recorded;
  const plan = await planOf(tx, { agentId, teamId, call: thought.call, agent });
  if (plan.kind === "error") {
    await appendEvent({ agentId, teamId, runId: agentRunId, cycle, ...plan.event }, tx);
    return { kind: "idle" as const, reason: plan.reason };
  }
  const { call } = plan;
  let approvalId: string | null = null;
  if (plan.needsApproval) {
    const approval = await tx.approval.create({
      data: {
        agentId,
        teamId,
        cycle,
        kind: call.name === "ask_human" ? "question" : "tool",
        toolName: call.name,
        toolArgs: plan.input as Prisma.InputJsonValue,
        reason: thought.content ?? `The agent wants to use ${call.name}.`,
        context: { cycle, thoughtSeq: thought.seq },
        expiresAt: new Date(Date.now() + agent.approvalTimeoutSeconds * 1000),
      },
      select: { id: true },
    });
    approvalId = approval.id;
    const isQuestion = call.name === "ask_human";
    const asked = isQuestion ? (plan.input as { question?: unknown }).question : undefined;
    const question = typeof asked === "string" ? asked : "";
    await notify(
      {
        teamId,
        agentId,
        approvalId,
        kind: isQuestion ? "question_asked" : "approval_requested",
        details: isQuestion
          ? { subject: question.slice(0, 120), text: question || "The agent asked a question.", data: { toolName: call.name } }
          : {
              subject: describeToolCall(call.name, plan.input),
              text: thought.content?.slice(0, 1000) || `The agent wants to use ${call.name}.`,
              data: { toolName: call.name },
            },
      },
      tx,
    );
  }
  const callEvent = await appendEvent(
    { agentId, teamId, runId: agentRunId, cycle, type: "tool_call", payload: toolCallPayload(call, approvalId) },
    tx,
  );
  if (approvalId) {
    await appendEvent(
      { agentId, teamId, runId: agentRunId, cycle, type: "approval_requested", payload: { approvalId, toolName: call.name } },
      tx,
    );
    await tx.agent.updateMany({
      where: { id: agentId, teamId, status: { in: LOOP_STATUSES.loopOwned } },
      data: { status: "waiting_approval" },
    });
  }
  return { kind: "act" as const, callEventSeq: callEvent.seq, toolName: call.name, approvalId };
}

/** What the thought's call comes to: an error the model is told about, or a valid call, which may need a person's approval. */
export async function planOf(
  tx: Prisma.TransactionClient,
  { agentId, teamId, call, agent }: Ids & { call: ToolCall | null; agent: ThinkAgent },
): Promise<Plan> {
  const plan = planWithoutReading(call, agent);
  if (plan.kind === "error") return plan;
  if (plan.needsApproval !== null) return { ...plan, needsApproval: plan.needsApproval };
  const needsApproval = await approvalNeeded(tx, { agentId, teamId, toolName: plan.call.name, tools: agent.tools });
  return { ...plan, needsApproval };
}
