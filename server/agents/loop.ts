import "server-only";
import { createHash } from "node:crypto";
import { db, type Prisma } from "../db/client";
import type { AgentStatus } from "../db/generated/enums";
import { env } from "../env";
import { commitSpend, releaseSpend, reserveSpend, type BudgetVerdict } from "../spend/budget";
import { assembleContext, estimateTokens } from "./context";
import { appendEvent, decisionRecorded, underAgentLock, writeSnapshot, type LoadedContext } from "./events";
import { direct, lockedOneTrip, type RawClient } from "../db/raw";
import { executeToolCall } from "../tools/execute-tool";
import { callModel, type ModelEndpoint } from "./model";
import { costOf, worstCaseCost } from "../spend/price-table";
import { PRICES, warnUnpricedModel } from "../spend/configured-prices";
import { getTool, parseToolCall, toolsForModel } from "../tools";
import { consolidateMemories } from "../memory/consolidate";
import { PENDING_EMBEDDER } from "../memory/memories";
import { resolveEndpoint } from "../providers/endpoint";
import type { ApprovalPolicy } from "../../shared/tool-catalog";
import { holdNeeded, openHold, type HoldKind, type SettleInput } from "./holds";
import {
  readActState,
  readCycleRecord,
  readThinkState,
  recordThought,
  recordToolResult,
  thinkStateOf,
  thinkStateSql,
  type EventRecord,
  type ThinkStateRow,
} from "./loop-sql";
import { logger } from "../logger";
import { annotateSpan, withSpan } from "../operations/tracing";
import { LOCKS } from "../db/locks";
import { LOOP_STATUSES } from "../../shared/agent-status";
import { markCycleDoneSet } from "./sql";

/**
 * The agent loop's steps, as plain functions: the Inngest function (inngest/functions/agent-run.ts)
 * only orchestrates them. Each writes its own events and returns ids, never transcripts. Each is safe
 * to run again after a crash: it finds what a previous attempt already recorded.
 */
type Ids = { agentId: string; teamId: string };

export const SNAPSHOT_EVERY_CYCLES = 10;

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
}: Ids & { executorRunId: string; reason: string }): Promise<RunPlan> {
  // Under the agent lock: two requested runs (a recovery and a schedule, say) cannot both claim the agent.
  return underAgentLock(agentId, async (tx) => {
    const agent = await tx.agent.findFirst({
      where: { id: agentId, teamId },
      select: { status: true, cycleCount: true, cyclesPerRun: true, cooldownSeconds: true, approvalTimeoutSeconds: true },
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
      const other = await liveRunOf(tx, { agentId, teamId });
      if (other) return { shouldRun: false as const, reason: `Another run of this agent is live (${other}).` };
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

/**
 * The executor run id of another claim on the agent that is still live, or null. A claim (an
 * agent_run in "running") whose executor run has ended (cancelled by a pause, failed for good) is
 * closed here; without an executor row (another Inngest server) the claim is trusted: pause, stop and
 * the watchdog close claims there.
 */
async function liveRunOf(tx: Prisma.TransactionClient, { agentId, teamId }: Ids): Promise<string | null> {
  const claims = await tx.agentRun.findMany({ where: { agentId, teamId, status: "running" }, select: { id: true, executorRunId: true } });
  if (claims.length === 0) return null;
  const ids = claims.map((c) => c.executorRunId).filter((id): id is string => id !== null);
  const executorRuns = await tx.executorRun.findMany({ where: { id: { in: ids } }, select: { id: true, status: true } });
  const statusOf = new Map(executorRuns.map((r) => [r.id, r.status]));
  for (const claim of claims) {
    const status = claim.executorRunId ? statusOf.get(claim.executorRunId) : undefined;
    if (status === undefined || status === "running") return claim.executorRunId ?? claim.id;
    await tx.agentRun.update({
      where: { id: claim.id },
      data: { status, endedAt: new Date(), reason: `executor run ${status}` },
    });
  }
  return null;
}

export type Decision =
  | { kind: "act"; callEventSeq: number; toolName: string; approvalId: string | null }
  | { kind: "idle"; reason: string }
  | { kind: "hold"; approvalId: string; holdKind: HoldKind }
  // A null status ends only this run and leaves the agent alone (the run lost its claim on the agent).
  | { kind: "stop"; status: AgentStatus | null; reason: string };

/** Whether a call needs a person's approval, when the policy alone says so (null: it depends on earlier approvals). */
function approvalByPolicy({ toolName, tools }: { toolName: string; tools: unknown }): boolean | null {
  const setting = (tools as { name: string; approval?: ApprovalPolicy }[]).find((t) => t.name === toolName);
  const policy = setting?.approval ?? getTool(toolName)?.defaultApproval ?? "always";
  if (toolName === "ask_human") return true; // a question always waits for its answer
  if (policy === "never") return false;
  if (policy === "always") return true;
  return null;
}

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

/** The decision a previous attempt (or an overlapping copy) of this cycle's think already recorded, from its event. */
function decisionOf(recorded: EventRecord | null): Decision | null {
  if (!recorded) return null;
  const p = recorded.payload as { name?: string; approvalId?: string | null; message?: string; reason?: string };
  if (recorded.type === "tool_call")
    return { kind: "act", callEventSeq: recorded.seq, toolName: p.name ?? "", approvalId: p.approvalId ?? null };
  if (recorded.type === "budget") {
    return { kind: "stop", status: p.reason === "cycles" ? "completed" : "budget_exhausted", reason: p.message ?? "Budget." };
  }
  return { kind: "idle", reason: p.message ?? "error" };
}

type ThoughtRecord = { id: bigint; seq: number; content: string | null; call: { name: string; arguments: string } | null };

function thoughtOf(row: EventRecord | null): ThoughtRecord | null {
  if (!row) return null;
  const p = row.payload as { content?: string | null; call?: { name: string; arguments: string } | null };
  return { id: row.id, seq: row.seq, content: p.content ?? null, call: p.call ?? null };
}

/** Under the agent lock: the cycle's thought and decision as recorded so far (by this step's earlier attempts or an overlapping copy). */
async function recordedCycle(tx: Prisma.TransactionClient, ids: Ids & { cycle: number; agentRunId: string }) {
  const { thought, recorded } = await readCycleRecord(tx, ids);
  return { thought: thoughtOf(thought), decision: decisionOf(recorded) };
}

/**
 * Assemble context, reserve the worst case, call the model, record thought + spend, and plan the action.
 * Phases, each finding what an earlier attempt recorded: (1) the model call, recorded as a thought
 * that keeps the chosen call; (2) the plan (tool call, approval, or an error the model is told about).
 */
/**
 * What a think that just planned a call knows about it, for the act in the same step (runCycle) to
 * skip re-reading: the call, and the world state as of the thought (no result can be recorded yet;
 * should an overlapping copy record one, act's write finds it).
 */
type ActHandoff = { call: ToolCall; worldState: string };

export async function think(
  { agentId, teamId, agentRunId, cycle }: Ids & { agentRunId: string; cycle: number },
  handoff?: { act?: ActHandoff },
): Promise<Decision> {
  // Everything read before deciding, in one round trip (server/agents/loop-sql.ts), unless the act that
  // ended the cycle before just read it along with its write (see prefetchThink).
  const state = takePrefetchedThink(agentRunId, cycle) ?? (await readThinkState(direct, { agentId, teamId, agentRunId, cycle }));
  // The watchdog revoked this run's claim (it was presumed dead) and another run holds the agent now.
  if (state.claimStatus !== null && state.claimStatus !== "running")
    return { kind: "stop", status: null, reason: `This run's claim was closed (${state.claimStatus}).` };
  const recorded = decisionOf(state.recorded);
  if (recorded) {
    // Resumed (a new run) while the call still waits for its approval: show the agent as waiting again.
    if (recorded.kind === "act" && recorded.approvalId) {
      await db.agent.updateMany({
        where: {
          id: agentId,
          teamId,
          status: { in: LOOP_STATUSES.loopOwned },
          approvals: { some: { id: recorded.approvalId, status: "pending" } },
        },
        data: { status: "waiting_approval" },
      });
    }
    return recorded;
  }
  // A hold this cycle still waiting for its decision (a retried think finds it instead of opening another).
  if (state.hold) return { kind: "hold", approvalId: state.hold.approvalId, holdKind: state.hold.kind };

  const agent = state.agent;
  if (!agent) throw new Error(`Agent ${agentId} was not found in team ${teamId}.`);
  // A person paused or stopped the agent while this run went on (between steps, or with no cooldown sleep
  // for the cancellation to land on): nothing more is thought; the run ends and leaves the status alone.
  if (!LOOP_STATUSES.loopOwned.includes(agent.status))
    return { kind: "stop", status: agent.status, reason: `The agent is ${agent.status}.` };
  const thought = thoughtOf(state.thought);
  if (!thought) {
    // Past the soft budget limit, or stuck: ask a person before spending anything more.
    if (holdNeeded(agent, cycle)) {
      const hold = await openHold({ agentId, teamId, agentRunId, cycle, approvalTimeoutSeconds: agent.approvalTimeoutSeconds });
      if (hold) return { kind: "hold", approvalId: hold.approvalId, holdKind: hold.kind };
    }
    // The prompt starts from the agent row and events read above (loadContext's read).
    const { name, goal, instructions, worldState, summary, summaryThroughCycle, cycleCount, lastEventSeq, provider, memorySettings } =
      agent;
    const context = {
      agent: { name, goal, instructions, worldState, summary, summaryThroughCycle, cycleCount, lastEventSeq, provider, memorySettings },
      events: state.events,
    };
    return callModelForCycle({ agentId, teamId, agentRunId, cycle, agent, context, recallInputs: state.recallInputs, handoff });
  }
  const recordedThought = thought;
  return underAgentLock(agentId, (tx) => planInTx(tx, { agentId, teamId, agentRunId, cycle, thought: recordedThought, agent }));
}

type ThinkState = Awaited<ReturnType<typeof readThinkState>>;

/**
 * The next cycle's think state, read by the act that ended a cycle in the same round trip as its write
 * (its statement's message; the same transaction, so it sees that write). A cycle step that follows at
 * once (no cooldown: the next step of the same request) takes it instead of reading again; it is used
 * once, and only within PREFETCH_TTL_MS, so it is never older than a read made a moment before the step
 * would be (a person's pause landing in between takes effect at the next think, as one landing just
 * after the read does). Keyed by run and cycle: another run or cycle never sees it.
 */
const prefetchedThinks = new Map<string, { row: ThinkStateRow; at: number }>();
const PREFETCH_TTL_MS = 250;
const prefetchKey = (agentRunId: string, cycle: number) => `${agentRunId}:${cycle}`;

function prefetchThink(ids: Ids & { agentRunId: string; cycle: number }) {
  return {
    sql: thinkStateSql(ids),
    take: (rows: Record<string, unknown>[]) => {
      const now = performance.now();
      for (const [key, entry] of prefetchedThinks) if (now - entry.at > PREFETCH_TTL_MS) prefetchedThinks.delete(key);
      if (rows[0]) prefetchedThinks.set(prefetchKey(ids.agentRunId, ids.cycle), { row: rows[0] as ThinkStateRow, at: now });
    },
  };
}

function takePrefetchedThink(agentRunId: string, cycle: number): ThinkState | null {
  const key = prefetchKey(agentRunId, cycle);
  const entry = prefetchedThinks.get(key);
  if (!entry) return null;
  prefetchedThinks.delete(key);
  return performance.now() - entry.at <= PREFETCH_TTL_MS ? thinkStateOf(entry.row) : null;
}

type ThinkAgent = Pick<
  NonNullable<ThinkState["agent"]>,
  "provider" | "model" | "temperature" | "maxOutputTokens" | "tools" | "approvalTimeoutSeconds"
>;

async function callModelForCycle({
  agentId,
  teamId,
  agentRunId,
  cycle,
  agent,
  context,
  recallInputs,
  handoff,
}: Ids & {
  agentRunId: string;
  cycle: number;
  agent: ThinkAgent;
  context: LoadedContext;
  recallInputs: ThinkState["recallInputs"];
  handoff?: { act?: ActHandoff };
}): Promise<Decision> {
  const enabled = (agent.tools as { name: string; enabled: boolean }[]).filter((t) => t.enabled).map((t) => t.name);
  const tools = toolsForModel(enabled);
  const toolTokens = estimateTokens(JSON.stringify(tools));
  const reserveFor = (promptTokens: number) =>
    reserveSpend({
      agentId,
      teamId,
      kind: "model",
      model: agent.model,
      worstCaseUsd: worstCaseCost(agent.model, promptTokens, agent.maxOutputTokens, PRICES).costUsd,
      worstCaseTokens: promptTokens + agent.maxOutputTokens,
      nextCycle: cycle,
    });
  // The model call's worst case is reserved while recall runs, from an upper bound of the prompt (every
  // memory recall could add, at full length): the reservation's round trip overlaps recall's.
  let early: { promptTokens: number; verdict: Promise<BudgetVerdict> } | null = null;
  const assembled = await assembleContext({
    agentId,
    teamId,
    cycle,
    model: agent.model,
    reservedTokens: toolTokens + agent.maxOutputTokens,
    loaded: context,
    recallInputs,
    onPromptBound: (bound) => {
      const promptTokens = bound + toolTokens;
      const verdict = reserveFor(promptTokens);
      verdict.catch(() => {}); // awaited below; a rejection before then must not go unhandled
      early = { promptTokens, verdict };
    },
  }).catch(async (error: unknown) => {
    // No model call follows: a reservation made meanwhile is freed (left, the watchdog would charge it).
    const made = await (early as { verdict: Promise<BudgetVerdict> } | null)?.verdict.catch(() => null);
    if (made?.ok) await releaseSpend({ agentId, teamId, reservationId: made.reservationId });
    throw error;
  });
  const { messages, recalled, stats, summaryWritten } = assembled;
  const reserved = early as { promptTokens: number; verdict: Promise<BudgetVerdict> } | null;
  // Vectors of memories embedded for recall and a folded summary are written while the model call runs
  // (recalled.stored, summaryWritten); the step ends only once they are, whichever way it ends.
  try {
    const promptTokens = stats.promptTokens + toolTokens;
    let verdict = reserved ? await reserved.verdict : await reserveFor(promptTokens);
    if (reserved && promptTokens > reserved.promptTokens && verdict.ok) {
      // The prompt was folded after recall and came out over the bound (rare): reserve its real worst case instead.
      await releaseSpend({ agentId, teamId, reservationId: verdict.reservationId });
      verdict = await reserveFor(promptTokens);
    }
    const step = { agentId, teamId, agentRunId, cycle, agent };
    if (!verdict.ok) {
      return decideOnce(step, async (tx) => {
        await appendEvent(
          {
            agentId,
            teamId,
            runId: agentRunId,
            cycle,
            type: "budget",
            payload: { stage: "think", reason: verdict.reason, message: verdict.message },
          },
          tx,
        );
        return { kind: "stop", status: verdict.reason === "cycles" ? "completed" : "budget_exhausted", reason: verdict.message };
      });
    }

    let endpoint: ModelEndpoint;
    try {
      endpoint = await resolveEndpoint({ teamId, provider: agent.provider, row: recallInputs.providerRow });
    } catch (error) {
      await releaseSpend({ agentId, teamId, reservationId: verdict.reservationId });
      return { kind: "stop", status: "failed", reason: (error as Error).message };
    }
    const result = await callModel(
      endpoint,
      { cycle, model: agent.model, messages, tools, maxOutputTokens: agent.maxOutputTokens, temperature: agent.temperature },
      { timeoutMs: env.MODEL_TIMEOUT_MS, maxRetries: env.MODEL_MAX_RETRIES },
    );
    if (!result.ok) {
      await releaseSpend({ agentId, teamId, reservationId: verdict.reservationId });
      return decideOnce(step, async (tx) => {
        await appendEvent(
          {
            agentId,
            teamId,
            runId: agentRunId,
            cycle,
            type: "error",
            payload: { stage: "think", kind: result.kind, message: result.error, attempts: result.attempts ?? 1 },
            durationMs: result.durationMs,
          },
          tx,
        );
        return { kind: "idle" as const, reason: result.error };
      });
    }
    const { reply } = result;
    const cost = costOf(agent.model, reply.usage, PRICES);
    if (!cost.isKnownModel) warnUnpricedModel(agent.model);
    const first = reply.toolCalls[0];
    const call = first ? { name: first.name, arguments: first.argumentsText } : null;
    const thoughtEvent = {
      type: "thought" as const,
      payload: {
        content: reply.content,
        toolCalls: reply.toolCalls.map((c) => c.name),
        call,
        model: agent.model,
        // HTTP attempts the call took (1 = no retry; 429/5xx/timeouts are retried with backoff).
        attempts: result.attempts,
        isKnownModelPrice: cost.isKnownModel,
        // Why each memory was in the prompt: pinned, or recalled with its score and its components.
        memory: {
          embedder: recalled.embedderId,
          scoring: recalled.scoring,
          pinned: recalled.pinned.map((m) => m.id),
          ...(recalled.degraded ? { degraded: recalled.degraded } : {}),
        },
        recalled: recalled.recalled.map((m) => ({
          id: m.id,
          kind: m.kind,
          score: round4(m.score),
          distance: round4(m.distance),
          components: {
            similarity: round4(m.components.similarity),
            recency: round4(m.components.recency),
            frequency: round4(m.components.frequency),
            importance: round4(m.components.importance),
          },
        })),
        context: stats,
      },
      tokensIn: reply.usage.inputTokens,
      tokensOut: reply.usage.outputTokens,
      costUsd: cost.costUsd,
      durationMs: result.durationMs,
    };
    const charge = {
      reservationId: verdict.reservationId,
      costUsd: cost.costUsd,
      tokensIn: reply.usage.inputTokens,
      tokensOut: reply.usage.outputTokens,
    };
    // The thought, its charge and the plan's event (when the plan needs nothing else written: an error
    // the model is told about, or a call nobody must approve) as one statement, which writes only if
    // nothing is recorded for the cycle yet; the decision, or null when it wrote nothing.
    const recordWithPlan = async (client: RawClient, plan: Plan): Promise<Decision | null> => {
      const written = await recordThought(client, {
        agentId,
        teamId,
        runId: agentRunId,
        cycle,
        thought: thoughtEvent,
        plan: plan.kind === "error" ? plan.event : { type: "tool_call", payload: toolCallPayload(plan.call, null) },
        reservation: { id: charge.reservationId, costUsd: charge.costUsd, tokensIn: charge.tokensIn, tokensOut: charge.tokensOut },
      });
      if (!written) return null;
      if (plan.kind === "error") return { kind: "idle", reason: plan.reason };
      if (handoff) handoff.act = { call: plan.call, worldState: written.worldState };
      return { kind: "act", callEventSeq: written.plan!.seq, toolName: plan.call.name, approvalId: null };
    };
    // The usual case in ONE round trip: the plan is known without reading anything (its tool's policy
    // decides) and needs nobody's approval, so that statement runs under the agent lock (lockedOneTrip).
    const draft = planWithoutReading(call, agent);
    const quick: Plan | null = draft.kind === "error" ? draft : draft.needsApproval === false ? { ...draft, needsApproval: false } : null;
    if (quick) {
      const decided = await recordWithPlan(lockedOneTrip(LOCKS.agentStep(agentId)), quick);
      if (decided) return decided;
    }
    // Otherwise (an approval to open, a "first time" policy to look up, or an overlapping copy recorded
    // the cycle first): one transaction.
    return underAgentLock(agentId, async (tx) => {
      if (!quick) {
        const plan = await planOf(tx, { agentId, teamId, call, agent });
        if (plan.kind === "error" || !plan.needsApproval) {
          const decided = await recordWithPlan(tx, plan);
          if (decided) return decided;
        }
      }
      // An overlapping copy may have recorded this cycle's thought meanwhile: ours was paid for, so its
      // cost is committed against that thought, and that thought's call is the one planned.
      const recordedSoFar = await recordedCycle(tx, { agentId, teamId, cycle, agentRunId });
      const existing = recordedSoFar.thought;
      const written = existing ?? (await appendEvent({ agentId, teamId, runId: agentRunId, cycle, ...thoughtEvent }, tx));
      await commitSpend({ agentId, teamId, ...charge, eventId: written.id }, tx);
      const thought = existing ?? { id: written.id, seq: written.seq, content: reply.content, call };
      return planInTx(tx, { agentId, teamId, agentRunId, cycle, thought, agent, already: recordedSoFar.decision });
    });
  } finally {
    await Promise.all([recalled.stored, summaryWritten]);
  }
}

type PlanInput = Ids & { agentRunId: string; cycle: number; agent: ThinkAgent };

/**
 * Records this cycle's outcome once, under the agent lock. An overlapping copy of the step may have
 * got further meanwhile: a thought it recorded is planned from (so both copies return the same
 * decision), a decision it recorded stands; only otherwise does `write` record ours.
 */
async function decideOnce(input: PlanInput, write: (tx: Prisma.TransactionClient) => Promise<Decision>): Promise<Decision> {
  return underAgentLock(input.agentId, async (tx) => {
    const { thought, decision } = await recordedCycle(tx, input);
    if (thought) return planInTx(tx, { ...input, thought, already: decision });
    return decision ?? write(tx);
  });
}

/** Turns the cycle's thought into the plan: an error the model is told about, or a tool call (held for approval if needed). Runs under the agent lock. */
async function planInTx(
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

type ToolCall = { name: string; arguments: string };
type Plan =
  | { kind: "error"; reason: string; event: { type: "error"; payload: Prisma.InputJsonValue } }
  | { kind: "call"; call: ToolCall; input: unknown; needsApproval: boolean };

/** What the thought's call comes to: an error the model is told about, or a valid call, which may need a person's approval. */
async function planOf(
  tx: Prisma.TransactionClient,
  { agentId, teamId, call, agent }: Ids & { call: ToolCall | null; agent: ThinkAgent },
): Promise<Plan> {
  const plan = planWithoutReading(call, agent);
  if (plan.kind === "error") return plan;
  if (plan.needsApproval !== null) return { ...plan, needsApproval: plan.needsApproval };
  const needsApproval = await approvalNeeded(tx, { agentId, teamId, toolName: plan.call.name, tools: agent.tools });
  return { ...plan, needsApproval };
}

/** planOf as far as it goes without the database: `needsApproval` is null when it depends on earlier approvals ("first time"). */
function planWithoutReading(
  call: ToolCall | null,
  agent: ThinkAgent,
): Exclude<Plan, { kind: "call" }> | (Omit<Extract<Plan, { kind: "call" }>, "needsApproval"> & { needsApproval: boolean | null }) {
  const parsed = call ? parseToolCall(call.name, call.arguments) : null;
  if (!call || !parsed?.ok) {
    const message = !call
      ? "The model answered without calling a tool; it was asked to call exactly one."
      : (parsed as { ok: false; error: string }).error;
    const payload = { stage: "think", kind: call ? "invalid-tool-call" : "no-tool-call", message };
    return { kind: "error", reason: message, event: { type: "error", payload } };
  }
  return {
    kind: "call",
    call,
    input: parsed.input,
    needsApproval: approvalByPolicy({ toolName: call.name, tools: agent.tools }) as boolean,
  };
}

const toolCallPayload = (call: ToolCall, approvalId: string | null) => ({
  stage: "think",
  name: call.name,
  arguments: call.arguments,
  approvalId,
});

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
    if (!(await decisionRecorded(tx, { agentId, teamId, cycle, approvalId }))) {
      await appendEvent(
        {
          agentId,
          teamId,
          runId: agentRunId,
          cycle,
          type: "approval_decided",
          // Who decided, when and why: the timeline shows the decision with the person's comment.
          payload: {
            approvalId,
            status: approval.status,
            timedOut: policy !== null,
            ...(policy ? { policy } : {}),
            decidedBy: approval.decidedBy?.name ?? null,
            decidedAt: approval.decidedAt?.toISOString() ?? null,
            comment: approval.comment,
          },
        },
        tx,
      );
    }
    await tx.agent.updateMany({ where: { id: agentId, teamId, status: { in: LOOP_STATUSES.loopOwned } }, data: { status: "running" } });
    return { approved: approval.status === "approved", answer: policy ? null : approval.answer, action };
  });
}

export type ActOutcome = { next: "continue" } | { next: "end"; status: AgentStatus; reason: string };

/** Execute the planned tool (through the effect ledger), record the result, heartbeat, checkpoint. */
export async function act({
  agentId,
  teamId,
  agentRunId,
  cycle,
  callEventSeq,
  approval,
  handoff,
  prefetchNext = false,
}: Ids & {
  agentRunId: string;
  cycle: number;
  callEventSeq: number;
  approval: ApprovalSettlement | null;
  /** From the think of the same step, which just planned the call (see ActHandoff). */
  handoff?: ActHandoff;
  /** The next cycle's step follows at once (see prefetchThink): read its think state with the result's write. */
  prefetchNext?: boolean;
}): Promise<ActOutcome> {
  // The planned call, a result an earlier attempt recorded, and the world state before the tool: one
  // read, unless the think of this same step just wrote the call.
  const state = handoff
    ? { call: handoff.call, result: null, worldState: handoff.worldState }
    : await readActState(direct, { agentId, teamId, cycle, callEventSeq });
  const { name, arguments: argumentsText } = state.call as { name: string; arguments: string };
  let result = (state.result ?? undefined) as { status: string; result?: unknown; error?: string; reason?: string } | undefined;
  let charge: { reservationId: bigint; costUsd: string } | undefined;
  let isCycleFinished = false;
  if (!result) {
    if (approval && !approval.approved) {
      result = { status: "rejected", error: "A person did not approve this action; it was not executed." };
    } else if (name === "ask_human") {
      result = { status: "succeeded", result: { answer: approval?.answer ?? null } };
    } else {
      const outcome = await executeToolCall({ agentId, teamId, cycle, callIndex: 0, name, argumentsText });
      charge = outcome.charge;
      result =
        outcome.status === "succeeded"
          ? { status: outcome.status, result: outcome.result }
          : outcome.status === "refused"
            ? { status: outcome.status, error: outcome.error, reason: outcome.reason }
            : { status: outcome.status, error: "error" in outcome ? outcome.error : "outcome unknown" };
    }
    const recorded = result;
    const resultHash = recorded.status === "succeeded" ? hashOf({ name, result: recorded.result }) : null;
    // The result event, the cycle's episode (what was done and what came of it, for recall in later
    // cycles), the stuck-detection counters, cycle counter and heartbeat: one statement. It decides
    // whether the result is new information (the world state changed, or a successful result not seen
    // in the last cycles), and writes nothing if an overlapping copy of this step recorded the result
    // meanwhile: that one stands.
    const resultInput = {
      agentId,
      teamId,
      runId: agentRunId,
      cycle,
      worldStateBefore: state.worldState,
      resultHash,
      payload: { name, ...recorded, resultHash, ...(charge ? { costUsd: charge.costUsd } : {}) } as Prisma.InputJsonValue,
      costUsd: charge?.costUsd,
      memory: {
        content: episodeText({ cycle, name, argumentsText, result: recorded }),
        importance: { ifNew: episodeImportance(name, recorded.status, true), ifNotNew: episodeImportance(name, recorded.status, false) },
        embedder: PENDING_EMBEDDER,
      },
      signature: callSignature(name, argumentsText),
    };
    // Without a charge to commit with it, that statement is the whole write: under the agent lock in ONE
    // round trip, which also reads the next cycle's think state when that cycle follows at once and
    // nothing more is written after this (not on a snapshot cycle).
    const next =
      prefetchNext && cycle % SNAPSHOT_EVERY_CYCLES !== 0 ? prefetchThink({ agentId, teamId, agentRunId, cycle: cycle + 1 }) : undefined;
    const quick = charge ? null : await recordToolResult(lockedOneTrip(LOCKS.agentStep(agentId), next), resultInput);
    if (quick && !quick.raced) isCycleFinished = true;
    // An overlapping copy recorded the result first: what it wrote stands, and its own act read for the next cycle.
    else prefetchedThinks.delete(prefetchKey(agentRunId, cycle + 1));
    result = quick
      ? quick.raced
        ? (quick.raced.payload as { status: string; result?: unknown; error?: string })
        : recorded
      : await underAgentLock(agentId, async (tx) => {
          const outcome = await recordToolResult(tx, resultInput);
          if (outcome.raced) {
            if (charge) await commitSpend({ agentId, teamId, ...charge, tokensIn: 0, tokensOut: 0, eventId: outcome.raced.id }, tx);
            return outcome.raced.payload as { status: string; result?: unknown; error?: string };
          }
          // A priced tool's charge lands in the ledger with its result.
          if (charge) await commitSpend({ agentId, teamId, ...charge, tokensIn: 0, tokensOut: 0, eventId: outcome.recorded.id }, tx);
          isCycleFinished = true;
          return recorded;
        });
  }
  if (!isCycleFinished) await markCycleDone({ agentId, teamId, cycle });
  if (cycle % SNAPSHOT_EVERY_CYCLES === 0) {
    // With it (independent: the snapshot is the agent row's), over its memory cap, the agent's weakest
    // episodes are consolidated into summaries.
    await Promise.all([writeSnapshot({ agentId, teamId, cycle }), consolidateMemories({ agentId, teamId })]);
  }

  if (result.status === "over_budget") return { next: "end", status: "budget_exhausted", reason: result.error ?? "Out of budget." };
  const finished = result.status === "succeeded" && (result.result as { finished?: boolean } | undefined)?.finished === true;
  if (finished) return { next: "end", status: "completed", reason: String((result.result as { result?: string }).result ?? "Finished.") };
  return { next: "continue" };
}

function episodeText({
  cycle,
  name,
  argumentsText,
  result,
}: {
  cycle: number;
  name: string;
  argumentsText: string;
  result: { status: string; result?: unknown; error?: string };
}) {
  const outcome = result.status === "succeeded" ? JSON.stringify(result.result ?? null) : (result.error ?? "");
  const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
  return `Cycle ${cycle}: ${name}(${clip(argumentsText, 300)}) ${result.status}: ${clip(outcome, 500)}`;
}

/** A write-time importance heuristic: outcomes that changed something or needed a person matter more. */
function episodeImportance(name: string, status: string, isNew: boolean): number {
  if (name === "finish" || name === "ask_human") return 0.9;
  if (status !== "succeeded") return 0.6;
  if (getTool(name)?.sideEffect === "side-effecting") return 0.7;
  return isNew ? 0.5 : 0.2;
}

/** A tool call's identity for repeat detection: its name and its arguments with keys in a fixed order. */
function callSignature(name: string, argumentsText: string): string {
  try {
    return `${name}:${stableJson(JSON.parse(argumentsText))}`;
  } catch {
    return `${name}:${argumentsText}`;
  }
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

function hashOf(value: unknown): string {
  return createHash("sha256").update(stableJson(value)).digest("hex").slice(0, 32);
}

export type CycleResult = { decision: Decision; outcome: ActOutcome | null };

/**
 * An ordinary cycle in one step: think, and when the plan needs nobody's approval, act (or record the
 * idle cycle) right away. Held and approval-waiting cycles return after thinking; the function waits
 * outside any step. Both halves find what an earlier attempt recorded, so a retry is safe.
 */
export async function runCycle(
  input: Ids & {
    agentRunId: string;
    cycle: number;
    /** The next cycle's step follows in the same request (no cooldown, not the run's last cycle). */
    nextFollows?: boolean;
  },
): Promise<CycleResult> {
  const { agentId, teamId, agentRunId: runId, cycle } = input;
  return withSpan("agent.cycle", { "agent.id": agentId, "team.id": teamId, "run.id": runId, cycle }, async () => {
    const started = performance.now();
    const result = await thinkAndAct(input);
    const outcome = result.outcome?.next ?? null;
    annotateSpan({ decision: result.decision.kind });
    logger
      .child({ agentId, teamId, runId, cycle })
      .info({ decision: result.decision.kind, outcome, durationMs: Math.round(performance.now() - started) }, "cycle finished");
    return result;
  });
}

async function thinkAndAct(input: Ids & { agentRunId: string; cycle: number; nextFollows?: boolean }): Promise<CycleResult> {
  const handoff: { act?: ActHandoff } = {};
  const decision = await think(input, handoff);
  if (decision.kind === "idle") {
    await idleCycle(input);
    return { decision, outcome: null };
  }
  if (decision.kind !== "act" || decision.approvalId) return { decision, outcome: null };
  const { nextFollows, ...ids } = input;
  const outcome = await act({
    ...ids,
    callEventSeq: decision.callEventSeq,
    approval: null,
    handoff: handoff.act,
    prefetchNext: nextFollows,
  });
  return { decision, outcome };
}

/** A cycle without an action (model error, no or invalid tool call) still counts and heartbeats. */
async function idleCycle({ agentId, teamId, cycle }: Ids & { cycle: number }) {
  await markCycleDone({ agentId, teamId, cycle });
}

async function markCycleDone({ agentId, teamId, cycle }: Ids & { cycle: number }) {
  // One statement: counters and heartbeat always; "sleeping" only over statuses the loop owns.
  await db.$executeRaw`UPDATE agent SET ${markCycleDoneSet(cycle)} WHERE id = ${agentId}::uuid AND "teamId" = ${teamId}`;
}

/** Ends the agent (finished, stuck, out of budget, stopped) or just this run (rollover). */
export async function endRun({
  agentId,
  teamId,
  agentRunId,
  cycle,
  status,
  reason,
}: Ids & { agentRunId: string; cycle: number; status: AgentStatus | null; reason: string }) {
  await underAgentLock(agentId, async (tx) => {
    await tx.agentRun.updateMany({
      // A claim closed by the watchdog or by beginRun keeps the reason it was closed for.
      where: { id: agentRunId, agentId, status: "running" },
      data: { status: "completed", endedAt: new Date(), endCycle: cycle, reason },
    });
    if (status) {
      const current = await tx.agent.findFirstOrThrow({ where: { id: agentId, teamId }, select: { status: true } });
      // A pause or stop decided by a person meanwhile stands.
      if (current.status !== status && LOOP_STATUSES.loopOwned.includes(current.status)) {
        await tx.agent.updateMany({ where: { id: agentId, teamId }, data: { status, statusReason: reason } });
        await appendEvent(
          { agentId, teamId, runId: agentRunId, cycle, type: "status_change", payload: { from: current.status, to: status, reason } },
          tx,
        );
      }
    }
  });
}

const round4 = (n: number) => Math.round(n * 10_000) / 10_000;
