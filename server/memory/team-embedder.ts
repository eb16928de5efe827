import "server-only";
import { inngest } from "~/inngest/client";
import { memoryReembedRequested } from "~/inngest/events";
import { embedderChoiceSchema, reembedStateSchema, type EmbedderChoice, type ReembedState } from "../../shared/team-embedder";
import { zodFieldErrors } from "../../shared/validation";
import { recordAudit } from "../audit/record";
import { db, Prisma } from "../db/client";
import { col } from "../db/columns";
import { direct } from "../db/raw";
import { row, sqlRow } from "../db/rows";
import { AppError, notFound } from "../errors";
import { logger } from "../logger";
import { providerRowFields } from "../providers/credentials";
import { costOf } from "../spend/price-table";
import { priceTableFor } from "../spend/model-prices";
import { OFFLINE_EMBEDDER_ID, openAIEmbedderId, teamEmbedder } from "./embedder";
import { notOnEmbedder, reembedAgent } from "./reembed";

/**
 * The team's memory embedder (docs/decisions/033): one provider and embedding model, or the offline
 * embedder, for every agent of the team. Changing it sends `memory/reembed.requested`; the
 * team-memory-reembed function then moves every memory of the team to the new embedder, agent by
 * agent, a batch per step (the functions at the end of this file). Recall meanwhile compares only
 * vectors of the current embedder, so memories still waiting are counted here for the page to show.
 */
type TeamIds = { teamId: string };

/** The id of the vector space a stored setting names (an embedder's id is its model's: embedder.ts). */
const embedderIdOf = (team: { embeddingProviderId: string | null; embeddingModel: string | null }) =>
  team.embeddingProviderId && team.embeddingModel ? openAIEmbedderId(team.embeddingModel) : OFFLINE_EMBEDDER_ID;

const choiceIdOf = (choice: ReturnType<typeof embedderChoiceSchema.parse>) =>
  choice.kind === "offline" ? OFFLINE_EMBEDDER_ID : openAIEmbedderId(choice.model);

function stateOf(stored: Prisma.JsonValue | null): ReembedState | null {
  const parsed = reembedStateSchema.safeParse(stored);
  return parsed.success ? parsed.data : null;
}

/** What the Memory embeddings section shows: the choice, how many memories wait for it, the last re-embedding. */
export async function getTeamEmbedder({ teamId }: TeamIds) {
  const team = await db.team.findFirst({
    where: { id: teamId },
    select: { embeddingProviderId: true, embeddingModel: true, embeddingReembed: true, embeddingProvider: { select: { name: true } } },
  });
  if (!team) throw notFound("That team");
  const embedderId = embedderIdOf(team);
  const byEmbedder = await db.memory.groupBy({ by: ["embedder"], where: { teamId }, _count: { _all: true } });
  const memories = byEmbedder.reduce((n, g) => n + g._count._all, 0);
  const waiting = byEmbedder.filter((g) => g.embedder !== embedderId).reduce((n, g) => n + g._count._all, 0);
  const reembed = stateOf(team.embeddingReembed);
  const isCurrentRun = reembed !== null && reembed.embedderId === embedderId;
  return {
    choice:
      team.embeddingProviderId && team.embeddingModel
        ? {
            kind: "provider" as const,
            providerId: team.embeddingProviderId,
            providerName: team.embeddingProvider?.name ?? "",
            model: team.embeddingModel,
          }
        : { kind: "offline" as const },
    embedderId,
    memories,
    /** Memories not (yet) on the current embedder: recall does not find them until they are re-embedded. */
    waiting,
    reembed: isCurrentRun ? reembed : null,
    isReembedding: isCurrentRun && reembed.finishedAt === null && waiting > 0,
  };
}

function parseChoice(input: unknown) {
  const parsed = embedderChoiceSchema.safeParse(input);
  if (!parsed.success) throw new AppError("BAD_REQUEST", "Some fields need attention.", zodFieldErrors(parsed.error));
  return parsed.data;
}

/** The provider a choice names, found in the caller's team (with what its embedder is built from). */
async function providerOf(teamId: string, providerId: string) {
  const provider = await db.modelProvider.findFirst({
    where: { id: providerId, teamId },
    select: {
      id: true,
      name: true,
      ...providerRowFields,
      prices: { select: { model: true, inputPerMillion: true, outputPerMillion: true } },
    },
  });
  // Another team's provider is answered like one that does not exist.
  if (!provider) throw notFound("That provider");
  return provider;
}

const estimateRow = sqlRow("counting memories to re-embed", { memories: col.int, bytes: col.float });

/**
 * What choosing `choice` would re-embed: the memories not on its embedder, and what embedding them
 * would cost at the provider's price (about four bytes a token; the budget reserves one a byte).
 */
export async function estimateReembed({ teamId, choice: given }: TeamIds & { choice: EmbedderChoice }) {
  const choice = parseChoice(given);
  const embedderId = choiceIdOf(choice);
  const { memories, bytes } = await row(
    direct,
    estimateRow,
    Prisma.sql`SELECT count(*)::int AS memories, coalesce(sum(octet_length(content)), 0)::float8 AS bytes
                 FROM memory WHERE "teamId" = ${teamId} AND embedder <> ${embedderId}`,
  );
  if (choice.kind === "offline") return { embedderId, memories, tokens: 0, costUsd: 0, isPriced: true };
  const provider = await providerOf(teamId, choice.providerId);
  const prices = priceTableFor(
    Object.fromEntries(
      provider.prices.map((p) => [
        p.model,
        { inputPerMillion: p.inputPerMillion.toNumber(), outputPerMillion: p.outputPerMillion.toNumber() },
      ]),
    ),
  );
  const tokens = Math.ceil(bytes / 4);
  const cost = costOf(choice.model, { inputTokens: tokens, outputTokens: 0 }, prices);
  return { embedderId, memories, tokens, costUsd: Number(cost.costUsd), isPriced: cost.isKnownModel };
}

/** Asks the team-memory-reembed function to move the team's memories to `embedderId`; false when it could not be asked. */
async function requestReembed(teamId: string, embedderId: string): Promise<boolean> {
  try {
    await inngest.send({ name: memoryReembedRequested.name, data: { teamId, embedderId } });
    return true;
  } catch (error) {
    logger.warn({ err: error, teamId }, "could not request re-embedding");
    // No run will report on it: the page offers "Re-embed waiting memories" instead of waiting for one.
    await db.team.updateMany({ where: { id: teamId }, data: { embeddingReembed: Prisma.DbNull } });
    return false;
  }
}

const newState = (embedderId: string): ReembedState => ({
  embedderId,
  requestedAt: new Date().toISOString(),
  startedAt: null,
  finishedAt: null,
  failures: [],
});

/**
 * Sets the team's embedder (admins and owners). A new vector space (another model, or offline) starts
 * re-embedding every memory of the team; another provider serving the same model keeps the vectors.
 * Audited with the old and new embedder. `isReembedRequested` is false when nothing needs re-embedding
 * or the request could not be sent (the section's "Re-embed now" asks again).
 */
export async function setTeamEmbedder({ teamId, userId, choice: given }: TeamIds & { userId: string; choice: EmbedderChoice }) {
  const choice = parseChoice(given);
  if (choice.kind === "provider") await providerOf(teamId, choice.providerId);
  const current = await db.team.findFirst({ where: { id: teamId }, select: { embeddingProviderId: true, embeddingModel: true } });
  if (!current) throw notFound("That team");
  const before = embedderIdOf(current);
  const after = choiceIdOf(choice);
  const next = choice.kind === "offline" ? { providerId: null, model: null } : { providerId: choice.providerId, model: choice.model };
  const isSame = current.embeddingProviderId === next.providerId && current.embeddingModel === next.model;
  if (isSame) return { embedderId: after, isReembedRequested: false };
  const isNewSpace = before !== after;
  await db.$transaction(async (tx) => {
    await tx.team.update({
      where: { id: teamId },
      data: {
        embeddingProviderId: next.providerId,
        embeddingModel: next.model,
        ...(isNewSpace ? { embeddingReembed: newState(after) } : {}),
      },
    });
    await recordAudit(tx, {
      teamId,
      actorId: userId,
      action: "team.set_embedder",
      targetId: teamId,
      metadata: { from: before, to: after, provider: next.providerId ?? "offline" },
    });
  });
  const waiting = isNewSpace ? await db.memory.count({ where: notOnEmbedder({ teamId }, after) }) : 0;
  return { embedderId: after, isReembedRequested: waiting > 0 && (await requestReembed(teamId, after)) };
}

/** "Re-embed now": asks again for the memories still waiting (after a refusal was dealt with, or a lost request). */
export async function reembedWaitingMemories({ teamId, userId }: TeamIds & { userId: string }) {
  const { embedderId, waiting } = await getTeamEmbedder({ teamId });
  if (waiting === 0) return { isReembedRequested: false, waiting };
  await db.$transaction(async (tx) => {
    await tx.team.update({ where: { id: teamId }, data: { embeddingReembed: newState(embedderId) } });
    await recordAudit(tx, { teamId, actorId: userId, action: "team.reembed_memories", targetId: teamId, metadata: { to: embedderId } });
  });
  return { isReembedRequested: await requestReembed(teamId, embedderId), waiting };
}

// --- The team-memory-reembed function's steps (inngest/functions/team-memory-reembed.ts) ---

/** Memories one step re-embeds at most (eight embeddings calls): a crash repeats at most this much. */
export const REEMBED_STEP_MEMORIES = 512;

async function currentEmbedderId(teamId: string) {
  const team = await db.team.findFirst({ where: { id: teamId }, select: { embeddingProviderId: true, embeddingModel: true } });
  return team ? embedderIdOf(team) : null;
}

/**
 * The run's first step: the agents with memories not on `embedderId`, oldest first; none when the
 * team has moved on to another embedder since the request (that one's run does the work).
 */
export async function startTeamReembed({ teamId, embedderId }: TeamIds & { embedderId: string }) {
  if ((await currentEmbedderId(teamId)) !== embedderId) return { isSuperseded: true, agents: [] };
  await db.team.updateMany({
    where: { id: teamId, embeddingReembed: { path: ["embedderId"], equals: embedderId } },
    data: { embeddingReembed: { ...(await storedState(teamId, embedderId)), startedAt: new Date().toISOString() } },
  });
  const agents = await db.agent.findMany({
    where: { teamId, memories: { some: { embedder: { not: embedderId } } } },
    orderBy: { createdAt: "asc" },
    select: { id: true, name: true },
  });
  return { isSuperseded: false, agents };
}

async function storedState(teamId: string, embedderId: string): Promise<ReembedState> {
  const team = await db.team.findFirst({ where: { id: teamId }, select: { embeddingReembed: true } });
  const state = stateOf(team?.embeddingReembed ?? null);
  return state && state.embedderId === embedderId ? state : newState(embedderId);
}

/**
 * One step: up to REEMBED_STEP_MEMORIES of the agent's memories onto the team's embedder, if it is still
 * `embedderId`. A refused budget is reported (`error`); an endpoint that failed throws, so that the
 * executor retries the step (what was stored before the failure is not embedded again).
 */
export async function reembedAgentStep({ teamId, agentId, embedderId }: TeamIds & { agentId: string; embedderId: string }) {
  const embedder = await teamEmbedder({ teamId });
  const isGone = (await db.agent.count({ where: { id: agentId, teamId } })) === 0;
  if (embedder.id !== embedderId || isGone) return { reembedded: 0, costUsd: 0, hasMore: false, error: null };
  const report = await reembedAgent({ agentId, teamId, embedder, limit: REEMBED_STEP_MEMORIES });
  if (report.errorKind === "failed") throw new Error(report.error);
  const error = report.error ? `Its budget refused the embeddings call (${report.error}) Raise its budget, then re-embed again.` : null;
  return { reembedded: report.reembedded, costUsd: report.costUsd, hasMore: report.hasMore, error };
}

/** The run's last step: that it ended and which agents failed, on the team for the page (unless a newer request replaced it). */
export async function finishTeamReembed({
  teamId,
  embedderId,
  failures,
}: TeamIds & { embedderId: string; failures: ReembedState["failures"] }) {
  const state = await storedState(teamId, embedderId);
  await db.team.updateMany({
    where: { id: teamId, embeddingReembed: { path: ["embedderId"], equals: embedderId } },
    data: { embeddingReembed: { ...state, finishedAt: new Date().toISOString(), failures } },
  });
}
