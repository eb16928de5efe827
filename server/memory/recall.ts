import { db, Prisma } from "../db/client";
import { toVectorLiteral } from "./hash-embedding";
import type { Candidate } from "./scoring";

export { rankCandidates, type Candidate, type RecalledMemory } from "./scoring";

/**
 * Recall: candidates by vector similarity from the HNSW index, restricted to one agent, its live
 * memories and its current embedder; then re-ranked by the agent's weighted score (similarity,
 * recency, frequency, importance; server/memory/scoring.ts).
 *
 * The index covers every agent's memories, so the agent filter applies after the index scan. With
 * pgvector 0.8's iterative scans (`hnsw.iterative_scan = relaxed_order`) the scan goes on past
 * `ef_search` until enough rows pass the filter (up to `hnsw.max_scan_tuples`), so a selective filter
 * does not starve the result. An agent with few memories (EXACT_SEARCH_MAX) gets an exact search.
 */
export const RECALL_CANDIDATES = 40;
export const HNSW_EF_SEARCH = 100;
/** How many index entries an iterative scan may visit for one recall before it gives up (pgvector's default is 20,000). */
export const HNSW_MAX_SCAN_TUPLES = 50_000;
/**
 * Up to this many live memories an agent's recall is an exact search (its rows by the (agentId,
 * embedder) index, sorted by distance): exact, and cheap at that size. Above it the HNSW index is
 * used (sorting is ruled out for the statement): PostgreSQL's cost model does not count the price of
 * 1536-dimension distances and would otherwise sort tens of thousands of vectors.
 */
export const EXACT_SEARCH_MAX = 1000;

/** The agent's `limit` nearest live memories to `vector` under `embedderId`, nearest first (approximately: relaxed order). */
export async function vectorCandidates({
  agentId,
  teamId,
  embedderId,
  vector,
  limit = RECALL_CANDIDATES,
}: {
  agentId: string;
  teamId: string;
  embedderId: string;
  vector: readonly number[];
  limit?: number;
}): Promise<Candidate[]> {
  return db.$transaction(async (tx) => {
    await applyRecallSettings(tx, { agentId, embedderId });
    const rows = await tx.$queryRaw<Candidate[]>(recallQuery({ agentId, teamId, embedderId, vector, limit }));
    return rows.map((r) => ({ ...r, distance: Number(r.distance) }));
  });
}

/** The plan PostgreSQL picks for an agent's recall, under the same settings (for tests and the benchmark). */
export async function explainRecall(
  params: { agentId: string; teamId: string; embedderId: string; vector: readonly number[]; limit?: number },
  analyze = false,
) {
  return db.$transaction(async (tx) => {
    await applyRecallSettings(tx, params);
    const query = recallQuery({ ...params, limit: params.limit ?? RECALL_CANDIDATES });
    const rows = await tx.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(
      `EXPLAIN ${analyze ? "(ANALYZE, BUFFERS) " : ""}${query.text}`,
      ...query.values,
    );
    return rows.map((r) => r["QUERY PLAN"]).join("\n");
  });
}

/** One round trip: the index settings for this transaction, and whether the agent is past the exact-search size. */
async function applyRecallSettings(tx: Prisma.TransactionClient, { agentId, embedderId }: { agentId: string; embedderId: string }) {
  await tx.$queryRaw`
    SELECT set_config('hnsw.ef_search', ${String(HNSW_EF_SEARCH)}, true),
           set_config('hnsw.iterative_scan', 'relaxed_order', true),
           set_config('hnsw.max_scan_tuples', ${String(HNSW_MAX_SCAN_TUPLES)}, true),
           set_config('enable_sort', CASE WHEN (
             SELECT count(*) FROM (
               SELECT 1 FROM memory WHERE "agentId" = ${agentId}::uuid AND embedder = ${embedderId} LIMIT ${EXACT_SEARCH_MAX + 1}
             ) AS bounded
           ) > ${EXACT_SEARCH_MAX} THEN 'off' ELSE 'on' END, true)`;
}

/** The candidate query itself (tests EXPLAIN it to see the HNSW index at work). */
export function recallQuery({
  agentId,
  teamId,
  embedderId,
  vector,
  limit,
}: {
  agentId: string;
  teamId: string;
  embedderId: string;
  vector: readonly number[];
  limit: number;
}): Prisma.Sql {
  const literal = toVectorLiteral(vector);
  return Prisma.sql`
    SELECT id, kind::text AS kind, content, importance, "recallCount", "isPinned", "sourceEventSeq", "createdAt",
           (embedding <=> ${literal}::vector) AS distance
      FROM memory
     WHERE "agentId" = ${agentId}::uuid AND "teamId" = ${teamId} AND "archivedAt" IS NULL AND embedder = ${embedderId}
     ORDER BY embedding <=> ${literal}::vector
     LIMIT ${limit}`;
}

/** Counts a recall: frequency is how often a memory was recalled before. */
export async function markRecalled(
  ids: string[],
  { agentId, teamId }: { agentId: string; teamId: string },
  client: Prisma.TransactionClient = db,
) {
  if (ids.length === 0) return;
  await client.memory.updateMany({
    where: { id: { in: ids }, agentId, teamId },
    data: { recallCount: { increment: 1 }, lastRecalledAt: new Date() },
  });
}
