import "server-only";
import { db } from "../db/client";
import { env } from "../env";
import { compatOf, providerRowFields, type ProviderRow } from "../providers/credentials";
import { resolveEndpoint } from "../providers/endpoint";
import { commitSpend, releaseSpend, reserveSpend } from "../spend/budget";
import type { ChunkSummarizer } from "../memory/consolidate";
import { priceTableFor } from "../spend/model-prices";
import { costOf, worstCaseCost } from "../spend/price-table";
import { MISSING_PRICE_ADVICE, UNCAPPED_OUTPUT_TOKENS } from "../../shared/provider-kinds";
import { SIMULATOR_PROVIDER } from "../../shared/simulator-provider";
import { callModel } from "./model";
import { estimateTokens } from "./tokens";

/**
 * Model-written summaries (docs/decisions/032): a rolling summary of an agent's older cycles, or one
 * summary memory for a chunk of consolidated memories, written by a model call instead of by rule.
 * The call is the loop's own (callModel: the provider's compatibility, the outbound guard, usage
 * counted when the server reports none), its worst case reserved in the agent's budget before and
 * its real cost committed after (kind "summary"), like every model call. Which model: the team's
 * summarizer (a provider and model it chose), else the agent's own. An agent on the simulator gets
 * none: its summaries stay rule-based, at no cost.
 *
 * Nothing here throws for a failed call: the caller keeps its rule-based text and records why
 * (`SummaryOutcome.reason`): an error, a timeout, an unpriced model, a budget refusal, an empty,
 * cut-off or oversized answer.
 */

/** The longest answer asked for (and the output cap of the call, in tokens). */
export const SUMMARY_OUTPUT_TOKENS = 800;
/** A rolling summary asked of the model stays under this many characters. */
export const MODEL_SUMMARY_TARGET_CHARS = 2_500;
/** A summary call waits at most this long (or its provider's shorter timeout). */
export const SUMMARY_TIMEOUT_MS = 30_000;
/** An answer shorter than this is not taken for a summary (a model that answered "ok"). */
const MIN_SUMMARY_CHARS = 20;
const TEMPERATURE = 0.2;

/** Who writes an agent's summaries: a provider of the team and one of its models. */
export type SummaryWriter = { providerId: string; providerName: string; model: string; chosenBy: "team" | "agent"; row: ProviderRow };

export type SummaryCharge = { reservationId: bigint; costUsd: string; tokensIn: number; tokensOut: number };

export type SummaryOutcome =
  | { ok: true; text: string; model: string; providerId: string; charge: SummaryCharge; durationMs: number; usageCounted: boolean }
  | {
      ok: false;
      reason: string;
      model: string | null;
      providerId: string | null;
      durationMs: number;
      /** The call was made (and may have been billed) although its answer is not used: the caller commits it. */
      charge: SummaryCharge | null;
    };

type Ids = { agentId: string; teamId: string };

/** What to summarize: the previous rolling summary and notes of the cycles leaving the recent window, or a chunk of memories. */
export type SummaryTask =
  | { kind: "fold"; goal: string; previous: string; fromCycle: number; throughCycle: number; notes: string[] }
  | { kind: "memories"; goal: string; header: string; memories: string[] };

const providerSelect = {
  id: true,
  name: true,
  ...providerRowFields,
  prices: { select: { model: true, inputPerMillion: true, outputPerMillion: true } },
} as const;

type ProviderRead = {
  id: string;
  name: string;
  prices: { model: string; inputPerMillion: { toNumber(): number }; outputPerMillion: { toNumber(): number } }[];
} & Omit<ProviderRow, "prices">;

function writerOf(provider: ProviderRead, model: string, chosenBy: SummaryWriter["chosenBy"]): SummaryWriter {
  const { id, name, prices, ...row } = provider;
  const ownPrices = Object.fromEntries(
    prices.map((p) => [p.model, { inputPerMillion: p.inputPerMillion.toNumber(), outputPerMillion: p.outputPerMillion.toNumber() }]),
  );
  return { providerId: id, providerName: name, model, chosenBy, row: { ...row, prices: ownPrices } };
}

/**
 * The writer of an agent's summaries: the team's summarizer when it chose one (and its provider still
 * exists), else the agent's own provider and model; null for an agent on the simulator (rule-based).
 */
export async function summaryWriterFor({
  teamId,
  provider,
  model,
}: {
  teamId: string;
  provider: string;
  model: string;
}): Promise<SummaryWriter | { unavailable: string } | null> {
  if (provider === SIMULATOR_PROVIDER) return null;
  const team = await db.team.findUnique({
    where: { id: teamId },
    select: { summarizerModel: true, summarizerProvider: { select: providerSelect } },
  });
  if (team?.summarizerProvider && team.summarizerModel) return writerOf(team.summarizerProvider, team.summarizerModel, "team");
  const own = await db.modelProvider.findFirst({ where: { id: provider, teamId }, select: providerSelect });
  if (!own) return { unavailable: "The agent's model provider no longer exists." };
  return writerOf(own, model, "agent");
}

/** The model's messages for a task: what to keep, how long, and the material. */
export function summaryMessages(task: SummaryTask) {
  const system = [
    "You write the memory of an autonomous agent that works towards a goal over many cycles.",
    task.kind === "fold"
      ? "Rewrite its running summary so that it also covers the new cycles given."
      : "Merge the memories given into one summary memory.",
    "Keep what later work needs: facts found, decisions and their reasons, results, numbers, names, open questions and failures to avoid repeating. Drop repetition and small talk.",
    `Write plain text, at most ${MODEL_SUMMARY_TARGET_CHARS} characters, no preamble: answer with the summary only.`,
  ].join("\n");
  const goal = `Agent's goal: ${task.goal.slice(0, 500)}`;
  const user =
    task.kind === "fold"
      ? [
          goal,
          `Running summary so far:\n${task.previous || "(none yet)"}`,
          `New cycles ${task.fromCycle}-${task.throughCycle} (one line each: tool calls, results, reasoning):\n${task.notes.join("\n")}`,
        ].join("\n\n")
      : [goal, `${task.header}\n${task.memories.join("\n")}`].join("\n\n");
  return [
    { role: "system" as const, content: system },
    { role: "user" as const, content: user },
  ];
}

/** Why an answer is not a summary to keep (null: it is one). */
function flawOf(text: string, finishReason: string, maxChars: number): string | null {
  if (finishReason === "length") return `The model's summary was cut off at ${SUMMARY_OUTPUT_TOKENS} tokens.`;
  if (text.length < MIN_SUMMARY_CHARS) return "The model's answer was empty or too short to be a summary.";
  if (text.length > maxChars) return `The model's summary was ${text.length} characters, over the ${maxChars} allowed.`;
  return null;
}

/**
 * Asks the writer for a summary, within the agent's budget: the worst case is reserved first (a
 * refusal is an outcome, not an error), released when the call fails, and left reserved when it
 * succeeds: the caller commits `charge` with what it writes (commitSpend), or releases it.
 */
export async function writeSummary({
  agentId,
  teamId,
  cycle,
  writer,
  task,
  maxChars,
}: Ids & { cycle: number; writer: SummaryWriter; task: SummaryTask; maxChars: number }): Promise<SummaryOutcome> {
  const started = performance.now();
  const fail = (reason: string, charge: SummaryCharge | null = null): SummaryOutcome => ({
    ok: false,
    reason,
    model: writer.model,
    providerId: writer.providerId,
    durationMs: Math.round(performance.now() - started),
    charge,
  });
  const prices = priceTableFor(writer.row.prices);
  // An unpriced model is never charged at a guess (as an agent on one may not start): no call at all.
  if (!prices.models[writer.model])
    return fail(`${writer.model} has no price on ${writer.providerName}: ${MISSING_PRICE_ADVICE} to have summaries written by it.`);
  const messages = summaryMessages(task);
  const promptTokens = estimateTokens(messages.map((m) => m.content).join("\n"));
  const outputTokensAtMost = compatOf(writer.row.compat).outputCap === "none" ? UNCAPPED_OUTPUT_TOKENS : SUMMARY_OUTPUT_TOKENS;
  const verdict = await reserveSpend({
    agentId,
    teamId,
    kind: "summary",
    model: writer.model,
    worstCaseUsd: worstCaseCost(writer.model, promptTokens, outputTokensAtMost, prices).costUsd,
    worstCaseTokens: promptTokens + outputTokensAtMost,
    nextCycle: cycle,
  });
  if (!verdict.ok) return fail(`The budget refused the summary call: ${verdict.message}`);
  const release = () => releaseSpend({ agentId, teamId, reservationId: verdict.reservationId });
  let endpoint;
  try {
    endpoint = await resolveEndpoint({ teamId, provider: writer.providerId, row: writer.row });
  } catch (error) {
    await release();
    return fail((error as Error).message);
  }
  const result = await callModel(
    endpoint,
    { cycle, model: writer.model, messages, tools: [], maxOutputTokens: SUMMARY_OUTPUT_TOKENS, temperature: TEMPERATURE },
    {
      // Within the instance's model timeout too: the call runs in a cycle's step, whose patience the watchdog computes from it.
      timeoutMs: Math.min(
        endpoint.kind === "openai" ? (endpoint.timeoutMs ?? SUMMARY_TIMEOUT_MS) : SUMMARY_TIMEOUT_MS,
        SUMMARY_TIMEOUT_MS,
        env.MODEL_TIMEOUT_MS,
      ),
      maxRetries: Math.min(1, env.MODEL_MAX_RETRIES),
    },
  );
  if (!result.ok) {
    await release();
    return fail(`The summary call failed (${result.kind}): ${result.error}`);
  }
  const { reply } = result;
  const cost = costOf(writer.model, reply.usage, prices);
  const charge = {
    reservationId: verdict.reservationId,
    costUsd: cost.costUsd,
    tokensIn: reply.usage.inputTokens,
    tokensOut: reply.usage.outputTokens,
  };
  const text = (reply.content ?? "").trim();
  const flaw = flawOf(text, reply.finishReason, maxChars);
  // The call happened and may have been billed: it is charged although its answer is not used.
  if (flaw) return fail(flaw, charge);
  return {
    ok: true,
    text,
    model: writer.model,
    providerId: writer.providerId,
    charge,
    durationMs: result.durationMs,
    usageCounted: reply.usageCounted === true,
  };
}

/**
 * Consolidation's summarizer for an agent at `cycle` (server/memory/consolidate.ts): each chunk's
 * summary memory written by the agent's summarizer, its cost committed at once (the memory is the
 * record; the spend report shows it as a summary call).
 */
export function memorySummarizer({ agentId, teamId, cycle }: Ids & { cycle: number }): ChunkSummarizer {
  return async ({ agent, header, memories, maxChars }) => {
    const writer = await summaryWriterFor({ teamId, provider: agent.provider, model: agent.model });
    if (writer === null) return null;
    if ("unavailable" in writer) return { text: null, model: null, reason: writer.unavailable };
    const outcome = await writeSummary({
      agentId,
      teamId,
      cycle,
      writer,
      maxChars,
      task: { kind: "memories", goal: agent.goal, header, memories },
    });
    if (outcome.charge) await commitSpend({ agentId, teamId, ...outcome.charge, eventId: null });
    return outcome.ok ? { text: outcome.text, model: outcome.model } : { text: null, model: outcome.model, reason: outcome.reason };
  };
}
