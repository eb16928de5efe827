import "server-only";
import { db } from "../db/client";
import type { EventType } from "../db/generated/enums";
import { appendEvent } from "../agents/events";
import { recordAudit } from "../audit/record";
import { AppError, notFound } from "../errors";
import { logger } from "../logger";
import { commitSpend } from "../spend/budget";
import { appendToSummary } from "./digest";
import { summaryWriterFor, writeSummary, type SummaryOutcome } from "./summarize";

/**
 * Folding with a model (docs/decisions/032). The fold itself stays the rule-based one (context.ts: a
 * digest line per cycle that left the recent window, written at once, the prompt using it at once),
 * so no cycle is ever lost and the loop never waits for a summary; for an agent on a real model the
 * summary is then rewritten by the summarizer while the cycle's own model call runs, and replaces the
 * digest only if nothing else moved the summary meanwhile. Every such fold leaves a `summary` event
 * on the timeline with the summary before, the one after, the digest lines of the cycles it covers,
 * who wrote it and at what cost, or why the digest was kept; a person can restore the digest
 * (restoreSummary).
 */
type Ids = { agentId: string; teamId: string };

/** A fold the rule-based path has computed: the summary before and after it, and the digest lines it appended. */
export type DigestFold = {
  before: { summary: string; through: number };
  after: { summary: string; through: number };
  fromCycle: number;
  lines: string[];
  /** Per folded cycle: its digest line and the model's reasoning, the summarizer's material. */
  notes: string[];
};

/** A `summary` event's payload (stage "fold": a fold on a real model; "restore": a person restored the digest). */
export type SummaryEventPayload = {
  stage: "fold" | "restore";
  /** Who wrote `next`: the model, or the rules (the digest lines, when the model's summary was not used). */
  by: "model" | "rules";
  fromCycle: number;
  throughCycle: number;
  previous: string;
  next: string;
  /** The digest lines of the cycles folded (fold), from which restoring rebuilds the rule-based summary. */
  lines?: string[];
  model?: string | null;
  providerId?: string | null;
  /** Why the model's summary was not used (the fold kept the digest lines). */
  reason?: string;
  /** The fold event a restore undid. */
  restoresSeq?: number;
};

const SUMMARY_EVENT: EventType = "summary";

/**
 * Rewrites a fold's summary with the agent's summarizer, once the digest fold is written (`written`:
 * whether it moved the summary's cursor). Never rejects: a failure keeps the digest and says why.
 */
export async function rewriteFoldWithModel(
  { agentId, teamId }: Ids,
  {
    cycle,
    runId,
    provider,
    model,
    goal,
    fold,
    written,
    maxChars,
  }: {
    cycle: number;
    runId: string | null;
    provider: string;
    model: string;
    goal: string;
    fold: DigestFold;
    written: Promise<boolean>;
    maxChars: number;
  },
): Promise<void> {
  try {
    // The digest fold is written first (one statement, meanwhile the writer is looked up): when it did
    // not move the cursor (another writer folded these cycles first, or the write failed and the next
    // cycle folds them again), there is nothing to rewrite.
    const [writer, moved] = await Promise.all([summaryWriterFor({ teamId, provider, model }), written]);
    if (writer === null || !moved) return;
    const outcome: SummaryOutcome =
      "unavailable" in writer
        ? { ok: false, reason: writer.unavailable, model: null, providerId: null, durationMs: 0, charge: null }
        : await writeSummary({
            agentId,
            teamId,
            cycle,
            writer,
            maxChars,
            task: {
              kind: "fold",
              goal,
              previous: fold.before.summary,
              fromCycle: fold.fromCycle,
              throughCycle: fold.after.through,
              notes: fold.notes,
            },
          });
    await db.$transaction(async (tx) => {
      const replaced = outcome.ok
        ? (
            await tx.agent.updateMany({
              where: { id: agentId, teamId, summaryThroughCycle: fold.after.through, summary: fold.after.summary },
              data: { summary: outcome.text },
            })
          ).count > 0
        : false;
      const reason = outcome.ok
        ? replaced
          ? undefined
          : "The summary moved on before the model's summary came back; the digest lines were kept."
        : outcome.reason;
      const payload: SummaryEventPayload = {
        stage: "fold",
        by: replaced ? "model" : "rules",
        fromCycle: fold.fromCycle,
        throughCycle: fold.after.through,
        previous: fold.before.summary,
        next: replaced && outcome.ok ? outcome.text : fold.after.summary,
        lines: fold.lines,
        model: outcome.model,
        providerId: outcome.providerId,
        ...(reason ? { reason } : {}),
      };
      const charge = outcome.charge;
      const event = await appendEvent(
        {
          agentId,
          teamId,
          runId,
          cycle,
          type: SUMMARY_EVENT,
          payload: payload,
          tokensIn: charge?.tokensIn ?? 0,
          tokensOut: charge?.tokensOut ?? 0,
          costUsd: charge?.costUsd ?? "0",
          durationMs: outcome.durationMs,
        },
        tx,
      );
      if (charge) await commitSpend({ agentId, teamId, ...charge, eventId: event.id }, tx);
    });
  } catch (error) {
    // The digest fold stands (or the next cycle folds again); a reservation left open is charged by the watchdog.
    logger.warn({ err: error, agentId }, "could not rewrite the folded summary with the model; the digest lines stay");
  }
}

/**
 * Undoes a model-written summary: the agent's summary goes back to the rule-based one of that fold
 * (the summary before it with the digest lines of the cycles it covered), so no cycle leaves the
 * summary. Only while the model's summary is still the agent's (no later fold or restore since):
 * otherwise CONFLICT, naming what changed. Recorded as a `summary` event (stage "restore") and audited.
 */
export async function restoreSummary({ agentId, teamId, userId, seq }: Ids & { userId: string; seq: number }) {
  const event = await db.agentEvent.findFirst({
    where: { agentId, teamId, seq, type: SUMMARY_EVENT },
    select: { payload: true, cycle: true },
  });
  if (!event) throw notFound("That summary event");
  const payload = event.payload as unknown as SummaryEventPayload;
  if (payload.stage !== "fold" || payload.by !== "model" || !Array.isArray(payload.lines))
    throw new AppError("BAD_REQUEST", "Only a summary the model wrote can be undone; this one is already the rule-based digest.");
  const digest = appendToSummary(payload.previous, payload.lines);
  return db.$transaction(async (tx) => {
    const restored = await tx.agent.updateMany({
      where: { id: agentId, teamId, summaryThroughCycle: payload.throughCycle, summary: payload.next },
      data: { summary: digest },
    });
    if (restored.count === 0) {
      const agent = await tx.agent.findFirst({ where: { id: agentId, teamId }, select: { summaryThroughCycle: true } });
      if (!agent) throw notFound("That agent");
      throw new AppError(
        "CONFLICT",
        agent.summaryThroughCycle !== payload.throughCycle
          ? `The summary has moved on since (it now covers cycles through ${agent.summaryThroughCycle}): only the newest model-written summary can be undone.`
          : "This summary was already undone or changed.",
      );
    }
    const restore: SummaryEventPayload = {
      stage: "restore",
      by: "rules",
      fromCycle: payload.fromCycle,
      throughCycle: payload.throughCycle,
      previous: payload.next,
      next: digest,
      restoresSeq: seq,
    };
    const written = await appendEvent({ agentId, teamId, cycle: event.cycle, type: SUMMARY_EVENT, payload: restore }, tx);
    await recordAudit(tx, {
      teamId,
      actorId: userId,
      action: "agent.summary_restore",
      targetId: agentId,
      metadata: { restoresSeq: seq, throughCycle: payload.throughCycle },
    });
    return { seq: written.seq, summary: digest };
  });
}
