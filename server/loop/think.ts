import "server-only";
import { db } from "../db/client";
import { lockedOneTrip, type RawClient } from "../db/raw";
import { env } from "../env";
import { LOCKS } from "../db/locks";
import { appendEvent, type LoadedContext } from "../agents/events";
import { underAgentLock } from "../db/agent-lock";
import { commitSpend, pastCycleLimit, releaseSpend, reserveSpend } from "../spend/budget";
import { costOf, worstCaseCost } from "../spend/price-table";
import { warnUnpricedModel } from "../spend/configured-prices";
import { priceTableFor } from "../spend/model-prices";
import { toolsForModel } from "../tools";
import { isMcpToolName } from "../../shared/mcp-servers";
import { mcpToolsForModel } from "../mcp/agent-tools";
import { resolveEndpoint, type ModelEndpoint } from "../providers/endpoint";
import { LOOP_STATUSES } from "../../shared/agent-status";
import { draftContext } from "./context";
import { estimateTokens } from "./tokens";
import { UNCAPPED_OUTPUT_TOKENS } from "../../shared/provider-kinds";
import { compatOf } from "../providers/credentials";
import { callModel, type ModelResult } from "./model";
import type { CycleTraceRecorder } from "./trace-recorder";
import type { TraceAttributes, TraceSpan } from "../../shared/cycle-trace";
import { holdNeeded, openHold } from "./holds";
import { recordThought, type ThinkState } from "./sql";
import { decisionOf, planWithoutReading, thoughtOf, toolCallPayload, type Decision, type Plan, type ThinkAgent } from "./plan";
import { decideOnce, planInTx, planOf, recordedCycle } from "./decide";
import type { CycleSession } from "./session";

type Ids = { agentId: string; teamId: string };

/**
 * Assemble context, reserve the worst case, call the model, record thought + spend, and plan the action.
 * Phases, each finding what an earlier attempt recorded: (1) the model call, recorded as a thought
 * that keeps the chosen call; (2) the plan (tool call, approval, or an error the model is told about).
 * A plan that needs nobody's approval is handed to this step's act through the session.
 */
export async function think(ids: Ids & { agentRunId: string; cycle: number }, session: CycleSession): Promise<Decision> {
  return session.traced(ids, () => thinkTraced(ids, session));
}

async function thinkTraced(
  { agentId, teamId, agentRunId, cycle }: Ids & { agentRunId: string; cycle: number },
  session: CycleSession,
): Promise<Decision> {
  // Everything read before deciding, in one round trip (sql.ts), unless the act that ended the cycle
  // before in this request read it along with its write (the session's read-ahead).
  const readEnd = session.trace?.begin("read", "read the agent's state");
  const state = await session.thinkState({ agentId, teamId, agentRunId, cycle });
  readEnd?.();
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
    // Past the cycle limit: this cycle does not begin. Nothing is written under its number (no trace
    // either); the run's end is numbered with the last cycle (endRun), and no hold asks a person to let
    // a cycle go on that the limit refuses anyway. (The reservation below refuses it too, if the limit
    // was lowered meanwhile.)
    const limit = pastCycleLimit(agent.budgetCycles, cycle);
    if (limit) {
      session.trace?.discard();
      return { kind: "stop", status: "completed", reason: limit.message };
    }
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
    return callModelForCycle({ agentId, teamId, agentRunId, cycle, agent, context, recallInputs: state.recallInputs, session });
  }
  const recordedThought = thought;
  return underAgentLock(agentId, (tx) => planInTx(tx, { agentId, teamId, agentRunId, cycle, thought: recordedThought, agent }));
}

async function callModelForCycle({
  agentId,
  teamId,
  agentRunId,
  cycle,
  agent,
  context,
  recallInputs,
  session,
}: Ids & {
  agentRunId: string;
  cycle: number;
  agent: ThinkAgent;
  context: LoadedContext;
  recallInputs: ThinkState["recallInputs"];
  session: CycleSession;
}): Promise<Decision> {
  const enabled = (agent.tools as { name: string; enabled: boolean }[]).filter((t) => t.enabled).map((t) => t.name);
  // A team's MCP tools the agent has enabled (one read, only when it has any), and a line for each it cannot have now.
  const mcp = enabled.some(isMcpToolName) ? await mcpToolsForModel(teamId, enabled) : null;
  const tools = mcp ? [...toolsForModel(enabled), ...mcp.definitions] : toolsForModel(enabled);
  const unavailableNote =
    mcp && mcp.unavailable.length > 0 ? `These tools are unavailable this cycle (do not call them):\n${mcp.unavailable.join("\n")}` : null;
  const toolTokens = estimateTokens(JSON.stringify(tools)) + (unavailableNote ? estimateTokens(unavailableNote) : 0);
  // A server that keeps to no output cap (its connection test found it) may write far past the agent's
  // max output tokens: the reservation assumes the long worst case instead.
  const outputTokensAtMost =
    recallInputs.providerRow && compatOf(recallInputs.providerRow.compat).outputCap === "none"
      ? Math.max(agent.maxOutputTokens, UNCAPPED_OUTPUT_TOKENS)
      : agent.maxOutputTokens;
  // The provider's own prices over the instance's table.
  const prices = priceTableFor(recallInputs.providerRow?.prices);
  const trace = session.trace;
  const reserveFor = (promptTokens: number) => {
    const worstCaseUsd = worstCaseCost(agent.model, promptTokens, outputTokensAtMost, prices).costUsd;
    const end = trace?.begin("budget", "reserve the worst case", { "longhaul.worst_case_usd": String(worstCaseUsd) });
    const verdict = reserveSpend({
      agentId,
      teamId,
      kind: "model",
      model: agent.model,
      worstCaseUsd,
      worstCaseTokens: promptTokens + outputTokensAtMost,
      nextCycle: cycle,
    });
    verdict.then(
      (made) => end?.({ "longhaul.budget.fits": made.ok }),
      () => end?.({ "error.type": "reservation" }),
    );
    return verdict;
  };
  const contextEnd = trace?.begin("context", "assemble the context");
  // The model call's worst case is reserved while recall runs, from an upper bound of the prompt (every
  // memory recall could add, at full length): the reservation's round trip overlaps recall's.
  const draft = await draftContext({
    agentId,
    teamId,
    cycle,
    model: agent.model,
    reservedTokens: toolTokens + agent.maxOutputTokens,
    contextWindow: agent.contextWindow,
    read: { loaded: context, recallInputs },
    agentRunId,
  });
  const reserved = { promptTokens: draft.promptTokensAtMost + toolTokens, verdict: reserveFor(draft.promptTokensAtMost + toolTokens) };
  reserved.verdict.catch(() => {}); // awaited below; a rejection before then must not go unhandled
  const assembled = await draft.complete().catch(async (error: unknown) => {
    // No model call follows: the reservation made meanwhile is freed (left, the watchdog would charge it).
    const made = await reserved.verdict.catch(() => null);
    if (made?.ok) await releaseSpend({ agentId, teamId, reservationId: made.reservationId });
    throw error;
  });
  const { recalled, stats, summaryWritten } = assembled;
  const messages = unavailableNote ? [...assembled.messages, { role: "system" as const, content: unavailableNote }] : assembled.messages;
  if (trace) {
    contextEnd?.({ "longhaul.prompt_tokens": stats.promptTokens + toolTokens, "longhaul.recent_events": stats.events });
    const { recall, ...source } = assembled.source;
    trace.add({
      kind: "recall",
      name: "recall memories",
      ...recall,
      attrs: { "longhaul.memories.recalled": recalled.recalled.length, "longhaul.memories.pinned": recalled.pinned.length },
    });
    trace.prompt = { cycle, source, note: unavailableNote, tools, messages, promptTokens: stats.promptTokens + toolTokens };
  }
  // Vectors of memories embedded for recall and a folded summary are written while the model call runs
  // (recalled.stored, summaryWritten); the step ends only once they are, whichever way it ends.
  try {
    const promptTokens = stats.promptTokens + toolTokens;
    let verdict = await reserved.verdict;
    if (promptTokens > reserved.promptTokens && verdict.ok) {
      // The prompt was folded after recall and came out over the bound (rare): reserve its real worst case instead.
      await releaseSpend({ agentId, teamId, reservationId: verdict.reservationId });
      verdict = await reserveFor(promptTokens);
    }
    const step = { agentId, teamId, agentRunId, cycle, agent };
    if (!verdict.ok) {
      return decideOnce(
        step,
        { type: "budget", payload: { stage: "think", reason: verdict.reason, message: verdict.message } },
        { kind: "stop", status: verdict.reason === "cycles" ? "completed" : "budget_exhausted", reason: verdict.message },
      );
    }

    let endpoint: ModelEndpoint;
    try {
      endpoint = await resolveEndpoint({ teamId, provider: agent.provider, row: recallInputs.providerRow });
    } catch (error) {
      await releaseSpend({ agentId, teamId, reservationId: verdict.reservationId });
      return { kind: "stop", status: "failed", reason: (error as Error).message };
    }
    const modelEnd = trace?.begin("model", `chat ${agent.model}`, {
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": endpoint.kind === "simulator" ? "longhaul.simulator" : "openai",
      "gen_ai.request.model": agent.model,
      "gen_ai.request.max_tokens": agent.maxOutputTokens,
      "gen_ai.request.temperature": agent.temperature,
    });
    const result = await callModel(
      endpoint,
      { cycle, model: agent.model, messages, tools, maxOutputTokens: agent.maxOutputTokens, temperature: agent.temperature },
      // A provider's own timeout can shorten the instance's MODEL_TIMEOUT_MS, not lengthen it (the
      // watchdog's patience with a model step is computed from the instance's).
      {
        timeoutMs: Math.min(
          endpoint.kind === "openai" ? (endpoint.timeoutMs ?? env.MODEL_TIMEOUT_MS) : env.MODEL_TIMEOUT_MS,
          env.MODEL_TIMEOUT_MS,
        ),
        maxRetries: env.MODEL_MAX_RETRIES,
      },
    );
    if (trace && modelEnd) traceModelCall(trace, modelEnd, result);
    if (!result.ok) {
      await releaseSpend({ agentId, teamId, reservationId: verdict.reservationId });
      return decideOnce(
        step,
        {
          type: "error",
          payload: { stage: "think", kind: result.kind, message: result.error, attempts: result.attempts ?? 1 },
          durationMs: result.durationMs,
        },
        { kind: "idle", reason: result.error },
      );
    }
    const { reply } = result;
    const cost = costOf(agent.model, reply.usage, prices);
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
        // The server reported no token usage: the spend below is the loop's own (generous) count.
        ...(reply.usageCounted ? { usageCounted: true } : {}),
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
      const callEventSeq = written.plan!.seq;
      session.handOff({ agentRunId, cycle }, { callEventSeq, call: plan.call, worldState: written.worldState });
      return { kind: "act", callEventSeq, toolName: plan.call.name, approvalId: null };
    };
    // The usual case in ONE round trip: the plan is known without reading anything (its tool's policy
    // decides) and needs nobody's approval, so that statement runs under the agent lock (lockedOneTrip).
    const writeEnd = trace?.begin("write", "record the thought and the plan");
    try {
      return await recordThoughtAndPlan();
    } finally {
      writeEnd?.();
    }
    async function recordThoughtAndPlan(): Promise<Decision> {
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
    }
  } finally {
    await Promise.all([recalled.stored, summaryWritten]);
  }
}

const round4 = (n: number) => Math.round(n * 10_000) / 10_000;

/** Ends a model call's span with what the GenAI conventions record of it, and adds one span per HTTP attempt (retries). */
function traceModelCall(trace: CycleTraceRecorder, end: (attrs?: TraceAttributes) => TraceSpan, result: ModelResult) {
  const span = end(
    result.ok
      ? {
          "gen_ai.usage.input_tokens": result.reply.usage.inputTokens,
          "gen_ai.usage.output_tokens": result.reply.usage.outputTokens,
          "gen_ai.response.finish_reasons": result.reply.finishReason ?? null,
          "longhaul.attempts": result.attempts,
        }
      : { "error.type": result.kind, "longhaul.error": result.error, "longhaul.attempts": result.attempts ?? 1 },
  );
  const starts = result.attemptStarts;
  starts.forEach((start, i) => {
    const next = starts[i + 1] ?? span.start + span.ms;
    trace.add({
      kind: "attempt",
      name: `HTTP attempt ${i + 1}`,
      start,
      ms: Math.max(0, next - start),
      attrs: { "longhaul.attempt": i + 1 },
    });
  });
}
