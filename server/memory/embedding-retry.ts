import "server-only";
import { db, Prisma } from "../db/client";
import { col } from "../db/columns";
import { direct } from "../db/raw";
import { rows, sqlRow } from "../db/rows";
import { notFound } from "../errors";
import { recordAudit } from "../audit/record";
import { logger } from "../logger";
import { teamEmbedder } from "./embedder";
import { embedPending, storeEmbeddings } from "./memories";
import { FAILED_EMBEDDER, PENDING_EMBEDDER, pendingBatchSize } from "./sql";

/**
 * Durable embedding retries (issue 22, defect 12). Memories are embedded lazily, with the agent's next
 * recall or search (memories.ts): an agent that does not run again, or an embedder that is down, left a
 * memory "pending" for good. The watchdog's minute tick (inngest/functions/agent-watchdog.ts) embeds
 * the memories pending for over a minute whose next try is due; a failure counts an attempt, keeps its
 * reason and schedules the next try with backoff (30 s, 1, 2, 4 min); after MAX_EMBEDDING_ATTEMPTS
 * the memory's embedder becomes "failed" (recall skips it, the memory panel shows the reason with a
 * Retry button). The state lives in the memory rows, so a crash or a lost tick loses nothing: the next
 * tick finds the same rows.
 */
export const EMBED_SWEEP_AFTER_SECONDS = 60;
export const MAX_EMBEDDING_ATTEMPTS = 5;
const FIRST_BACKOFF_SECONDS = 30;
/** Agents a sweep embeds for at most (one batch each); the rest wait for the next tick. */
const AGENTS_PER_SWEEP = 50;

/** Seconds until the next try after `attempts` failed ones. */
export const embeddingBackoffSeconds = (attempts: number) => FIRST_BACKOFF_SECONDS * 2 ** Math.max(0, attempts - 1);

/** A time as the columns hold it (UTC without a zone, as `now() AT TIME ZONE 'UTC'` writes it). */
const utc = (time: Date) => Prisma.sql`${time.toISOString().replace("Z", "")}::timestamp`;

const dueAgentRow = sqlRow("finding agents with memories waiting for embeddings", { agentId: col.uuid, teamId: col.text });

export type EmbeddingSweep = { agents: number; embedded: number; failed: number; givenUp: number };

/** One sweep: for each agent with due pending memories (older than EMBED_SWEEP_AFTER_SECONDS), one batch. */
export async function retryPendingEmbeddings({ now = new Date() }: { now?: Date } = {}): Promise<EmbeddingSweep> {
  const cutoff = new Date(now.getTime() - EMBED_SWEEP_AFTER_SECONDS * 1000);
  const agents = await rows(
    direct,
    dueAgentRow,
    Prisma.sql`
    SELECT DISTINCT "agentId"::text AS "agentId", "teamId" FROM memory
     WHERE embedder = ${PENDING_EMBEDDER} AND "createdAt" < ${utc(cutoff)} AND ("embeddingRetryAt" IS NULL OR "embeddingRetryAt" <= ${utc(now)})
     LIMIT ${AGENTS_PER_SWEEP}`,
  );
  const sweep: EmbeddingSweep = { agents: agents.length, embedded: 0, failed: 0, givenUp: 0 };
  for (const ids of agents) {
    try {
      const outcome = await embedDueMemories({ ...ids, cutoff, now });
      sweep.embedded += outcome.embedded;
      sweep.failed += outcome.failed;
      sweep.givenUp += outcome.givenUp;
    } catch (error) {
      // One agent's trouble (its team's provider row unreadable, ...) does not stop the others.
      logger.warn({ err: error, agentId: ids.agentId }, "could not retry an agent's pending embeddings");
    }
  }
  return sweep;
}

async function embedDueMemories({ agentId, teamId, cutoff, now }: { agentId: string; teamId: string; cutoff: Date; now: Date }) {
  const ids = { agentId, teamId };
  const pending = await db.memory.findMany({
    where: {
      agentId,
      teamId,
      embedder: PENDING_EMBEDDER,
      createdAt: { lt: cutoff },
      OR: [{ embeddingRetryAt: null }, { embeddingRetryAt: { lte: now } }],
    },
    orderBy: { createdAt: "asc" },
    take: pendingBatchSize(0),
    select: { id: true, content: true },
  });
  if (pending.length === 0) return { embedded: 0, failed: 0, givenUp: 0 };
  const embedder = await teamEmbedder({ teamId });
  const outcome = await embedPending(ids, embedder, [], pending);
  if (outcome.ok) {
    await storeEmbeddings(ids, embedder.id, outcome.unstored);
    return { embedded: pending.length, failed: 0, givenUp: 0 };
  }
  // Counted per memory, in one statement: the attempt, the reason, the next try, or "failed" after the last.
  const given = await db.$executeRaw`
    UPDATE memory SET "embeddingAttempts" = "embeddingAttempts" + 1, "embeddingError" = ${outcome.error.slice(0, 1000)},
           "embeddingRetryAt" = ${utc(now)} + make_interval(secs => ${FIRST_BACKOFF_SECONDS} * power(2, "embeddingAttempts")),
           embedder = CASE WHEN "embeddingAttempts" + 1 >= ${MAX_EMBEDDING_ATTEMPTS} THEN ${FAILED_EMBEDDER} ELSE embedder END
     WHERE id = ANY(${pending.map((p) => p.id)}::uuid[]) AND "agentId" = ${agentId}::uuid AND "teamId" = ${teamId} AND embedder = ${PENDING_EMBEDDER}`;
  const givenUp = await db.memory.count({ where: { id: { in: pending.map((p) => p.id) }, embedder: FAILED_EMBEDDER } });
  logger.warn({ agentId, memories: given, error: outcome.error }, "embedding pending memories failed; retrying later");
  return { embedded: 0, failed: pending.length, givenUp };
}

/** A person's Retry on a memory whose embedding failed: pending again, attempts from zero, tried by the next sweep. */
export async function retryMemoryEmbedding({ teamId, userId, memoryId }: { teamId: string; userId: string; memoryId: string }) {
  return db.$transaction(async (tx) => {
    const updated = await tx.memory.updateMany({
      where: { id: memoryId, teamId, embedder: { in: [FAILED_EMBEDDER, PENDING_EMBEDDER] } },
      data: { embedder: PENDING_EMBEDDER, embeddingAttempts: 0, embeddingRetryAt: null },
    });
    if (updated.count === 0) {
      const exists = await tx.memory.findFirst({ where: { id: memoryId, teamId }, select: { id: true } });
      if (!exists) throw notFound("That memory");
      return { retried: false };
    }
    await recordAudit(tx, { teamId, actorId: userId, action: "memory.embedding_retry", targetId: memoryId, metadata: {} });
    return { retried: true };
  });
}

/** How a memory's embedding stands, for the memory panel. */
export type EmbeddingState =
  | { status: "embedded" }
  | { status: "pending"; attempts: number; error: string | null; nextTryAt: Date | null }
  | { status: "failed"; attempts: number; error: string | null };

export function embeddingStateOf(m: {
  embedder: string;
  embeddingAttempts: number;
  embeddingError: string | null;
  embeddingRetryAt: Date | null;
}): EmbeddingState {
  if (m.embedder === FAILED_EMBEDDER) return { status: "failed", attempts: m.embeddingAttempts, error: m.embeddingError };
  if (m.embedder === PENDING_EMBEDDER)
    return { status: "pending", attempts: m.embeddingAttempts, error: m.embeddingError, nextTryAt: m.embeddingRetryAt };
  return { status: "embedded" };
}
