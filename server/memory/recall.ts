import "server-only";
import { z } from "zod";
import { Prisma } from "../db/client";
import { col } from "../db/columns";
import { MemoryKind } from "../db/generated/enums";
import { direct, oneTrip, type RawClient } from "../db/raw";
import { parseRows, sqlRow } from "../db/rows";
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
  storeFirst,
}: {
  agentId: string;
  teamId: string;
  embedderId: string;
  vector: readonly number[];
  limit?: number;
  /** A write to run first, in the same round trip and transaction (recall stores the vectors it just computed: storeEmbeddingsSql). */
  storeFirst?: Prisma.Sql | null;
}): Promise<Candidate[]> {
  return recallOneTrip({ agentId, teamId, embedderId, vector, limit }, storeFirst ?? null);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The recall in ONE round trip: the settings and the query as one simple-protocol message, which
 * PostgreSQL runs as one implicit transaction (so `set_config(..., true)` applies to the query, and
 * each statement is planned after the one before ran). The vector is sent once (a CTE), as text. A
 * simple-protocol message takes no parameters: the statements are `Prisma.sql` with their values, and
 * `oneTrip` writes each value in as a literal (`inlineValue`, server/db/raw.ts, the one escaping function).
 * (Through Prisma the same work was four round trips and the vector twice: ~9 ms of the p50.) The
 * loop's recall also sends the vectors of the memories it embedded with the query (`storeFirst`) in
 * front, so they are stored in the same round trip, and found by this very search.
 */
async function recallOneTrip(params: RecallParams, storeFirst: Prisma.Sql | null) {
  const { settings, query } = recallStatements(params);
  const results = await oneTrip([...(storeFirst ? [storeFirst] : []), settings, query]);
  return parseRows(candidateRow, results[results.length - 1]!.rows);
}

const candidateRow = sqlRow("recall's vector search", {
  id: col.uuid,
  kind: z.enum(MemoryKind),
  content: col.text,
  importance: col.float,
  recallCount: col.int,
  isPinned: col.bool,
  sourceEventSeq: col.int.nullable(),
  createdAt: col.timestamp,
  distance: col.float,
}) satisfies { schema: z.ZodType<Candidate> };

type RecallParams = { agentId: string; teamId: string; embedderId: string; vector: readonly number[]; limit: number };

/**
 * The two statements: the index settings for the (implicit) transaction, with enable_sort off when
 * the agent is past the exact-search size, and the candidate query (tests EXPLAIN it to see the HNSW
 * index at work).
 */
export function recallStatements({ agentId, teamId, embedderId, vector, limit }: RecallParams) {
  if (!UUID.test(agentId)) throw new Error("recall: the agent id is not a uuid");
  const settings = Prisma.sql`SELECT set_config('hnsw.ef_search', ${String(HNSW_EF_SEARCH)}, true),
           set_config('hnsw.iterative_scan', 'relaxed_order', true),
           set_config('hnsw.max_scan_tuples', ${String(HNSW_MAX_SCAN_TUPLES)}, true),
           set_config('enable_sort', CASE WHEN (
             SELECT count(*) FROM (SELECT 1 FROM memory WHERE "agentId" = ${agentId}::uuid AND embedder = ${embedderId} LIMIT ${EXACT_SEARCH_MAX + 1}) AS bounded
           ) > ${EXACT_SEARCH_MAX} THEN 'off' ELSE 'on' END, true)`;
  const query = Prisma.sql`WITH q AS (SELECT ${toVectorLiteral(vector)}::vector AS v)
    SELECT id, kind::text AS kind, content, importance, "recallCount", "isPinned", "sourceEventSeq",
           ("createdAt" AT TIME ZONE 'UTC') AS "createdAt", (embedding <=> (SELECT v FROM q)) AS distance
      FROM memory
     WHERE "agentId" = ${agentId}::uuid AND "teamId" = ${teamId} AND "archivedAt" IS NULL AND embedder = ${embedderId}
     ORDER BY embedding <=> (SELECT v FROM q)
     LIMIT ${Math.max(1, Math.floor(limit))}`;
  return { settings, query };
}

/** The plan PostgreSQL picks for an agent's recall: the same statements, with EXPLAIN in front of the query. */
export async function explainRecall(
  params: { agentId: string; teamId: string; embedderId: string; vector: readonly number[]; limit?: number },
  analyze = false,
) {
  const { settings, query } = recallStatements({ ...params, limit: params.limit ?? RECALL_CANDIDATES });
  const results = await oneTrip([settings, Prisma.sql`EXPLAIN ${Prisma.raw(analyze ? "(ANALYZE, BUFFERS) " : "")}${query}`]);
  return parseRows(planRow, results[results.length - 1]!.rows)
    .map((r) => r["QUERY PLAN"])
    .join("\n");
}

const planRow = sqlRow("explaining recall", { "QUERY PLAN": col.text });

/** Counts a recall: frequency is how often a memory was recalled before. */
export async function markRecalled(ids: string[], { agentId, teamId }: { agentId: string; teamId: string }, client?: RawClient) {
  if (ids.length === 0) return;
  // The loop runs this every cycle: straight on the pool (`direct`) unless inside a caller's transaction.
  await (client ?? direct).$executeRaw`
    UPDATE memory SET "recallCount" = "recallCount" + 1, "lastRecalledAt" = now() AT TIME ZONE 'UTC', "updatedAt" = now() AT TIME ZONE 'UTC'
     WHERE id = ANY(${ids}::uuid[]) AND "agentId" = ${agentId}::uuid AND "teamId" = ${teamId}`;
}
