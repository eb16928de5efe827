import "server-only";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { Prisma } from "../db/client";
import { MemoryKind, type EventType } from "../db/generated/enums";
import { col, jsonArray } from "../db/columns";
import { direct } from "../db/raw";
import { maybeRow, sqlRow } from "../db/rows";
import { readRecallInputs, recallForContext, type RecallInputs } from "../memory/memories";
import { describeTriggerForPrompt } from "../triggers/payload";
import { childOutcomesText, type DelegatedResult } from "../../shared/delegation";
import { logger } from "../logger";
import { estimateTokens } from "./tokens";
import { preciseNow } from "./trace-recorder";
import { contextWindowOf } from "../../shared/model-catalog";
import { FOLD_BATCH_CYCLES, loadContext, MAX_EVENTS_IN_CONTEXT, RECENT_CYCLES_IN_CONTEXT, type LoadedContext } from "../agents/events";
import { SIMULATOR_PROVIDER } from "../../shared/simulator-provider";
import { appendToSummary, digestCycle, foldNotes, short, SUMMARY_MAX_CHARS } from "./digest";
import { rewriteFoldWithModel, type DigestFold } from "./summary-fold";

export { appendToSummary, digestCycle, SUMMARY_MAX_CHARS } from "./digest";

/**
 * What the model sees at a cycle, kept within its context window:
 *   instructions and goal · world state · rolling summary of older cycles · recalled memories · the
 *   events of the last few cycles, in full.
 * Cycles that leave the recent window are folded into the rolling summary (one digest line each, in
 * batches of FOLD_BATCH_CYCLES so most cycles write nothing; for an agent on a real model each batch is
 * then rewritten by a model while the cycle's own call runs: summary-fold.ts), so nothing is dropped
 * unseen; when the prompt would still not fit the model's window, the oldest recent cycles are folded
 * early (by rule; the newest cycle is always kept), and only then are oversized world state or summary
 * text shortened. All reads are bounded: cycle 10,000 costs what cycle 10 costs.
 */
type Ids = { agentId: string; teamId: string };

const EVENT_TEXT_MAX = 600;
/** A memory's text in the prompt is cut at this many characters. */
const MEMORY_TEXT_MAX = 400;
/** The latest MCP tool answer in a prompt (the call already bounded it: server/mcp/results.ts). */
const MCP_RESULT_TEXT_MAX = 4_200;

type McpResultPayload = { name: string; status: string; error?: string; result: { mcp: unknown; text: string } };
function isMcpResult(payload: unknown): payload is McpResultPayload {
  const result = (payload as { result?: { mcp?: unknown; text?: unknown } } | null)?.result;
  return !!result && typeof result === "object" && !!result.mcp && typeof result.text === "string";
}
function mcpResultForPrompt(payload: McpResultPayload): string {
  return `${payload.name} ${payload.status}: ${payload.error && payload.error !== payload.result.text ? `${payload.error}\n` : ""}${payload.result.text}`;
}
/** The latest delegate result in a prompt: up to 10 children's outcomes (shared/delegation.ts childOutcomesText). */
const DELEGATE_RESULT_TEXT_MAX = 6_000;
function isDelegateResult(payload: unknown): payload is { status: string; result: DelegatedResult } {
  // A call that went on (wait: false) lists the children it started, with `mode`: that one is shown like any result.
  const p = payload as { name?: unknown; result?: { children?: unknown; mode?: unknown } } | null;
  return p?.name === "delegate" && Array.isArray(p.result?.children) && p.result.mode === undefined;
}
/** How many memories recall adds to a prompt (besides the pinned ones). */
export const RECALL_LIMIT = 5;
const LONGEST_MEMORY_KIND = (Object.values(MemoryKind) as string[]).reduce((a, b) => (b.length > a.length ? b : a));

/** Cycles folded into the summary at most per fold, oldest first. */
const FOLD_LIMIT_CYCLES = 50;

/**
 * The summary with every cycle up to `throughCycle` not yet in it folded in (at most `limit`, oldest
 * first), from the events after the summary's cursor (in sequence order); null when none is due. The
 * loop folds with it, and a fork rebuilds a cycle's summary with it (server/forks/fork-state.ts).
 */
export function foldedSummary(
  agent: { summary: string; summaryThroughCycle: number },
  events: readonly { cycle: number; type: EventType; payload: Prisma.JsonValue }[],
  throughCycle: number,
  limit: number,
): DigestFold | null {
  const from = agent.summaryThroughCycle + 1;
  const to = Math.min(throughCycle, agent.summaryThroughCycle + limit);
  if (to < from) return null;
  const lines: string[] = [];
  for (let c = from; c <= to; c++)
    lines.push(
      digestCycle(
        c,
        events.filter((e) => e.cycle === c),
      ),
    );
  return {
    before: { summary: agent.summary, through: agent.summaryThroughCycle },
    after: { summary: appendToSummary(agent.summary, lines), through: to },
    fromCycle: from,
    lines,
    // The summarizer's material, computed only when a model rewrites the fold (foldNotes is cheap, but the simulator needs none).
    notes: [],
  };
}

/**
 * Moves the summary's cursor from `fromCycle` (the write is guarded on it, so two writers cannot both
 * fold the same cycles: the second changes nothing). Whether it moved.
 */
async function writeFold({ agentId, teamId }: Ids, fromCycle: number, fold: { summary: string; through: number }) {
  const moved = await direct.$executeRaw`
    UPDATE agent SET summary = ${fold.summary}, "summaryThroughCycle" = ${fold.through}, "updatedAt" = now() AT TIME ZONE 'UTC'
     WHERE id = ${agentId}::uuid AND "teamId" = ${teamId} AND "summaryThroughCycle" = ${fromCycle}`;
  return moved > 0;
}

const foldInputRow = sqlRow("reading the cycles to fold into the summary", {
  summary: col.text,
  summaryThroughCycle: col.int,
  events: jsonArray<{ cycle: number; type: EventType; payload: Prisma.JsonValue }>(),
});

/** foldIntoSummary's work: the fold it wrote (null when none was due, or another writer folded first) and the cursor after it. */
async function readAndFold({ agentId, teamId, throughCycle, limit }: Ids & { throughCycle: number; limit: number }) {
  // Two round trips on the pool, no transaction: one read (the summary, its cursor and the events to
  // fold, from one snapshot), then the write guarded on the cursor (its caller reloads what a
  // writer that came first wrote).
  const agent = await maybeRow(
    direct,
    foldInputRow,
    Prisma.sql`
    SELECT a.summary, a."summaryThroughCycle",
           (SELECT coalesce(jsonb_agg(jsonb_build_object('cycle', e.cycle, 'type', e.type, 'payload', e.payload) ORDER BY e.seq), '[]'::jsonb)
              FROM agent_event e
             WHERE e."agentId" = a.id AND e."teamId" = a."teamId"
               AND e.cycle >= a."summaryThroughCycle" + 1 AND e.cycle <= LEAST(${throughCycle}::int, a."summaryThroughCycle" + ${limit}::int)) AS events
      FROM agent a WHERE a.id = ${agentId}::uuid AND a."teamId" = ${teamId}`,
  );
  if (!agent) throw new Error(`Agent ${agentId} was not found in team ${teamId}.`);
  const fold = foldedSummary(agent, agent.events, throughCycle, limit);
  if (!fold) return { through: agent.summaryThroughCycle, fold: null };
  const moved = await writeFold({ agentId, teamId }, agent.summaryThroughCycle, fold.after);
  return { through: fold.after.through, fold: moved ? { ...fold, events: agent.events } : null };
}

/** Folds every cycle up to `throughCycle` not yet in the summary (at most `limit` per call, oldest first), by rule. */
export async function foldIntoSummary({
  agentId,
  teamId,
  throughCycle,
  limit = FOLD_LIMIT_CYCLES,
}: Ids & { throughCycle: number; limit?: number }) {
  return (await readAndFold({ agentId, teamId, throughCycle, limit })).through;
}

/**
 * Rewrites a written digest fold with the agent's summarizer (agents on a real model; summary-fold.ts),
 * or nothing (the simulator, whose summaries stay rule-based at no cost).
 */
type ModelFold = ((fold: DigestFold, events: Parameters<typeof foldNotes>[2], written: Promise<boolean>) => Promise<void>) | null;

/**
 * The usual fold, from a context that holds every event after the summary's cursor (fewer than the
 * cap were read): the summary is computed from those events, the prompt uses it at once, and the
 * write goes on in the background (`written`; it never rejects: a fold not written is done again by
 * the next cycle, from the same events, to the same text), followed by the model's rewrite, if any.
 */
function foldLoaded(
  ids: Ids,
  context: LoadedContext,
  throughCycle: number,
  modelFold: ModelFold,
): { context: LoadedContext; written: Promise<void> } | null {
  const fold = foldedSummary(context.agent, context.events, throughCycle, FOLD_LIMIT_CYCLES);
  if (!fold) return null;
  const moved = writeFold(ids, context.agent.summaryThroughCycle, fold.after).catch((error: unknown) => {
    logger.warn({ err: error, agentId: ids.agentId }, "could not write the folded summary; the next cycle folds again");
    return false;
  });
  return {
    context: {
      agent: { ...context.agent, summary: fold.after.summary, summaryThroughCycle: fold.after.through },
      events: context.events.filter((e) => e.cycle > fold.after.through),
    },
    written: modelFold ? modelFold(fold, context.events, moved) : moved.then(() => undefined),
  };
}

export type ContextStats = {
  recentCycles: number;
  events: number;
  summaryChars: number;
  summaryThroughCycle: number;
  foldedEarly: number;
  truncated: boolean;
  promptTokens: number;
  contextWindow: number;
};

/** The memories a prompt shows (render reads only these fields). */
type MemoriesShown = { pinned: readonly { kind: string; content: string }[]; recalled: readonly { kind: string; content: string }[] };

/** What `renderPrompt` reads of the agent and its recent events: all a prompt is made of, besides the memories shown. */
export type PromptSource = {
  agent: Pick<LoadedContext["agent"], "name" | "goal" | "instructions" | "worldState" | "summary">;
  events: readonly Pick<LoadedContext["events"][number], "seq" | "cycle" | "type" | "payload">[];
};
export type PromptLimits = { worldState: number; summary: number };

/**
 * The messages of a cycle's prompt from what they are made of. The loop renders with it, and a cycle's
 * trace rebuilds the messages it sent with it from what was stored (server/traces), so the two are one rule.
 */
export function renderPrompt(context: PromptSource, memory: MemoriesShown, cycle: number, limits?: PromptLimits | null) {
  return render(context, memory, cycle, limits ?? undefined);
}

function render(context: PromptSource, memory: MemoriesShown, cycle: number, limits?: PromptLimits) {
  const { agent, events } = context;
  const system = [
    `You are "${agent.name}", an autonomous agent working towards a goal over many cycles.`,
    `Goal: ${agent.goal}`,
    agent.instructions ? `Instructions: ${agent.instructions}` : "",
    "Each cycle, call exactly one tool. Call finish when the goal is achieved or cannot be achieved.",
  ]
    .filter(Boolean)
    .join("\n");
  const world = JSON.stringify(agent.worldState ?? {});
  const lastResult = events.findLast((e) => e.type === "tool_result");
  const recent = events
    .map((e) =>
      // A trigger's payload is shown whole up to its own bound, delimited, so the agent can read what was sent.
      e.type === "trigger"
        ? `#${e.seq} cycle ${e.cycle} trigger: ${describeTriggerForPrompt(e.payload)}`
        : e.type === "tool_result" && isMcpResult(e.payload)
          ? // An MCP tool's answer as the text made for the model (not the timeline's view), the latest one at more length.
            `#${e.seq} cycle ${e.cycle} ${e.type}: ${short(mcpResultForPrompt(e.payload), e === lastResult ? MCP_RESULT_TEXT_MAX : EVENT_TEXT_MAX)}`
          : e.type === "tool_result" && isDelegateResult(e.payload)
            ? // A waiting delegate call's children's outcomes, as text, the latest at more length (each child's result must be readable).
              `#${e.seq} cycle ${e.cycle} ${e.type}: ${short(`delegate ${e.payload.status}: ${childOutcomesText(e.payload.result)}`, e === lastResult ? DELEGATE_RESULT_TEXT_MAX : EVENT_TEXT_MAX)}`
            : `#${e.seq} cycle ${e.cycle} ${e.type}: ${short(e.payload, EVENT_TEXT_MAX)}`,
    )
    .join("\n");
  const user = [
    `Cycle ${cycle}.`,
    `World state: ${limits ? short(world, limits.worldState) : world}`,
    agent.summary ? `Summary of earlier cycles:\n${limits ? short(agent.summary, limits.summary) : agent.summary}` : "",
    memory.pinned.length
      ? `Pinned memories:\n${memory.pinned.map((m) => `- (${m.kind}) ${short(m.content, MEMORY_TEXT_MAX)}`).join("\n")}`
      : "",
    memory.recalled.length
      ? `Memories that may help:\n${memory.recalled.map((m) => `- (${m.kind}) ${short(m.content, MEMORY_TEXT_MAX)}`).join("\n")}`
      : "",
    recent ? `Recent events:\n${recent}` : "No events yet.",
  ]
    .filter(Boolean)
    .join("\n\n");
  const messages: ChatCompletionMessageParam[] = [
    { role: "system", content: system },
    { role: "user", content: user },
  ];
  return { messages, tokens: estimateTokens(system) + estimateTokens(user) };
}

/** What a prompt is built from: the agent row and recent events (loadContext's read) and what recall reads first. */
export type PromptRead = { loaded: LoadedContext; recallInputs: RecallInputs };

/**
 * The prompt for `cycle` in two phases, for the loop, which starts the model call's reservation in
 * between: first the summary is brought up to date (cycles that left the recent window are folded in,
 * from the events read when they are all there, the write going on meanwhile) and an upper bound of
 * the prompt's tokens is known (`promptTokensAtMost`: the prompt with every pinned memory and
 * RECALL_LIMIT recalled ones of the longest kind and length); then `complete()` recalls and renders.
 * `stats.promptTokens` may exceed the bound only when the prompt had to be folded after recall. The
 * caller awaits `summaryWritten` and `recalled.stored` before its step ends.
 */
export async function draftContext({
  agentId,
  teamId,
  cycle,
  model,
  reservedTokens,
  read,
  contextWindow: ownContextWindow,
  agentRunId = null,
}: Ids & {
  cycle: number;
  model: string;
  reservedTokens: number;
  read: PromptRead;
  /** The run the fold's summary event belongs to. */
  agentRunId?: string | null;
  /** The agent's own context window (null: the known model's, else the default). */
  contextWindow?: number | null;
}) {
  const contextWindow = contextWindowOf(model, ownContextWindow);
  const budget = Math.max(256, contextWindow - reservedTokens);
  let context = read.loaded;
  // Cycles that left the recent window go into the summary, a batch at a time: from the events at hand
  // when they are all there (the write goes on meanwhile), else read, written and read again.
  // On a real model, each batch is then rewritten by the summarizer while the cycle's model call runs.
  const foldThrough = cycle - 1 - RECENT_CYCLES_IN_CONTEXT;
  let folded: Promise<void> = Promise.resolve();
  if (foldThrough - context.agent.summaryThroughCycle >= FOLD_BATCH_CYCLES) {
    const { provider, goal } = context.agent;
    const modelFold: ModelFold =
      provider === SIMULATOR_PROVIDER
        ? null
        : (fold, events, written) =>
            rewriteFoldWithModel(
              { agentId, teamId },
              {
                cycle,
                runId: agentRunId,
                provider,
                model,
                goal,
                fold: { ...fold, notes: foldNotes(fold.fromCycle, fold.after.through, events) },
                written,
                maxChars: SUMMARY_MAX_CHARS,
              },
            );
    const local = context.events.length < MAX_EVENTS_IN_CONTEXT ? foldLoaded({ agentId, teamId }, context, foldThrough, modelFold) : null;
    if (local) ({ context, written: folded } = local);
    else {
      const done = await readAndFold({ agentId, teamId, throughCycle: foldThrough, limit: FOLD_LIMIT_CYCLES });
      if (done.fold && modelFold) folded = modelFold(done.fold, done.fold.events, Promise.resolve(true));
      context = await loadContext({ agentId, teamId });
    }
  }
  const longest = { kind: LONGEST_MEMORY_KIND, content: "x".repeat(MEMORY_TEXT_MAX) };
  const promptTokensAtMost = render(
    context,
    { pinned: read.recallInputs.pinned, recalled: Array<typeof longest>(RECALL_LIMIT).fill(longest) },
    cycle,
  ).tokens;
  const complete = async () => {
    const recentEventSeqs = new Set(context.events.map((e) => e.seq));
    // What to recall by: the goal, the world state and the latest events (what the agent is doing now).
    const latest = context.events
      .slice(-3)
      .map((e) => `${e.type}: ${short(e.payload, 300)}`)
      .join("\n");
    const recallStarted = preciseNow();
    const recalled = await recallForContext({
      agentId,
      teamId,
      limit: RECALL_LIMIT,
      settings: context.agent.memorySettings,
      query: `${context.agent.goal}\n${short(JSON.stringify(context.agent.worldState ?? {}), 600)}\n${latest}`,
      excludeSeqs: recentEventSeqs,
      inputs: read.recallInputs,
    });
    const recall = { start: recallStarted, ms: preciseNow() - recallStarted };
    let rendered = render(context, recalled, cycle);
    let foldedEarly = 0;
    // Too big for the window: fold the oldest recent cycle, keeping at least the newest one.
    while (rendered.tokens > budget) {
      const oldest = context.events.find((e) => e.cycle > 0)?.cycle;
      const newest = context.events.at(-1)?.cycle;
      if (oldest === undefined || newest === undefined || oldest >= newest) break;
      await foldIntoSummary({ agentId, teamId, throughCycle: oldest });
      foldedEarly++;
      context = await loadContext({ agentId, teamId });
      rendered = render(context, recalled, cycle);
    }
    let truncated = false;
    let limits: PromptLimits | null = null;
    if (rendered.tokens > budget) {
      // Still too big: shorten the world state and summary text shown (the stored values stay whole).
      const room = Math.max(200, (budget - estimateTokens(JSON.stringify(context.events))) * 3);
      limits = { worldState: Math.floor(room / 2), summary: Math.floor(room / 2) };
      rendered = render(context, recalled, cycle, limits);
      truncated = true;
    }
    const stats: ContextStats = {
      recentCycles: new Set(context.events.map((e) => e.cycle)).size,
      events: context.events.length,
      summaryChars: context.agent.summary.length,
      summaryThroughCycle: context.agent.summaryThroughCycle,
      foldedEarly,
      truncated,
      promptTokens: rendered.tokens,
      contextWindow,
    };
    // What the messages were made of, for the cycle's trace (server/loop/trace-parts.ts).
    const { name, goal, instructions, worldState, summary } = context.agent;
    const source = {
      agent: { name, goal, instructions, worldState, summary },
      events: context.events,
      memory: recalled,
      limits,
      recall,
    };
    return { messages: rendered.messages, recalled, stats, summaryWritten: folded, source };
  };
  return { promptTokensAtMost, complete };
}

/**
 * The prompt for `cycle` at once, for a caller outside the loop (a benchmark, a test): reads what the
 * loop's think would have read, drafts and completes it, and returns once every write it started
 * (the folded summary, the recalled memories' vectors and counts) is done.
 */
export async function assembleContext({
  agentId,
  teamId,
  cycle,
  model,
  reservedTokens,
}: Ids & { cycle: number; model: string; reservedTokens: number }) {
  const [loaded, recallInputs] = await Promise.all([loadContext({ agentId, teamId }), readRecallInputs({ agentId, teamId })]);
  const draft = await draftContext({ agentId, teamId, cycle, model, reservedTokens, read: { loaded, recallInputs } });
  const assembled = await draft.complete();
  await Promise.all([assembled.summaryWritten, assembled.recalled.stored]);
  return assembled;
}
