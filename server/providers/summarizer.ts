import "server-only";
import { summarizerInputSchema, type SummarizerInput } from "../../shared/provider-kinds";
import { zodFieldErrors } from "../../shared/validation";
import { recordAudit } from "../audit/record";
import { db } from "../db/client";
import { AppError, notFound } from "../errors";
import { missingPriceOf } from "../spend/model-prices";

/**
 * The team's summarizer (docs/decisions/032): which of its providers and models writes the rolling
 * summaries and consolidated memories of its agents on real models, or each agent's own model. The
 * loop reads it when it folds (server/loop/summarize.ts summaryWriterFor); agents on the simulator
 * keep rule-based summaries whatever is set here.
 */
export type Summarizer = { providerId: string | null; providerName: string | null; model: string | null };

export async function getSummarizer({ teamId }: { teamId: string }): Promise<Summarizer> {
  const team = await db.team.findUnique({
    where: { id: teamId },
    select: { summarizerModel: true, summarizerProvider: { select: { id: true, name: true } } },
  });
  if (!team) throw notFound("That team");
  // A provider deleted since leaves the model behind: that is each agent's own model again.
  if (!team.summarizerProvider || !team.summarizerModel) return { providerId: null, providerName: null, model: null };
  return { providerId: team.summarizerProvider.id, providerName: team.summarizerProvider.name, model: team.summarizerModel };
}

/** Sets it (admins: provider:manage); a chosen model must have a price, as an agent's must to start. Audited. */
export async function setSummarizer({ teamId, userId, input: given }: { teamId: string; userId: string; input: SummarizerInput }) {
  const parsed = summarizerInputSchema.safeParse(given);
  if (!parsed.success) throw new AppError("BAD_REQUEST", "Some fields need attention.", zodFieldErrors(parsed.error));
  const { providerId } = parsed.data;
  const model = providerId === null ? null : parsed.data.model!;
  if (providerId !== null && model !== null) {
    const provider = await db.modelProvider.findFirst({ where: { id: providerId, teamId }, select: { id: true } });
    if (!provider) throw notFound("That provider");
    const missing = await missingPriceOf({ teamId, provider: providerId, model });
    if (missing) throw new AppError("CONFLICT", missing.replace("before starting", "before it writes summaries"));
  }
  await db.$transaction(async (tx) => {
    await tx.team.update({ where: { id: teamId }, data: { summarizerProviderId: providerId, summarizerModel: model } });
    await recordAudit(tx, {
      teamId,
      actorId: userId,
      action: "provider.summarizer_set",
      targetId: teamId,
      metadata: { providerId, model },
    });
  });
  return getSummarizer({ teamId });
}
