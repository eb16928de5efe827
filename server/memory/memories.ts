import "server-only";
import { createHash } from "node:crypto";
import { db, Prisma } from "../db/client";
import { col, jsonArray, jsonObject } from "../db/columns";
import { direct, lockedOneTrip, type RawClient } from "../db/raw";
import { maybeRow, sqlRow, type RowOf } from "../db/rows";
import type { MemoryKind } from "../db/generated/enums";
import { AppError } from "../errors";
import { embedTexts, teamEmbedder, toVectorLiteral, type Embedder, type TeamEmbedderRow } from "./embedder";
import { markRecalled, rankCandidates, RECALL_CANDIDATES, vectorCandidates, type Candidate, type RecalledMemory } from "./recall";
import { logger } from "../logger";
import { memorySettingsOf, type MemorySettings } from "../../shared/memory-settings";
import type { ProviderRow } from "../providers/credentials";
import { LOCKS, takeLock } from "../db/locks";
import {
  PENDING_EMBEDDER,
  PINNED_IN_CONTEXT,
  pendingBatchSize,
  pendingMemoriesJson,
  pinnedMemoriesJson,
  providerRowJson,
  teamEmbedderJson,
} from "./sql";

export { PENDING_EMBEDDER, PINNED_IN_CONTEXT, pendingBatchSize };

/**
 * Long-term memory (a hybrid): episodes, summaries and reflections as text + vectors in `memory`;
 * facts as key/value rows in `fact` (with source and confidence, updated rather than duplicated),
 * each mirrored by one `memory` row so that recall finds them too.
 *
 * Writes never call an embeddings endpoint: a new or edited memory is stored with embedder
 * "pending", and `embedPending` embeds an agent's pending memories in one batch right before its
 * next recall or search (together with the query). Writes therefore stay inside the loop's short
 * transactions and cost one INSERT.
 */
type Ids = { agentId: string; teamId: string };

export async function writeMemory(
  input: Ids & {
    kind: MemoryKind;
    content: string;
    importance?: number;
    sourceEventSeq?: number;
    metadata?: Prisma.InputJsonValue;
  },
  tx: Prisma.TransactionClient = db,
) {
  return tx.memory.create({
    data: {
      agentId: input.agentId,
      teamId: input.teamId,
      kind: input.kind,
      content: input.content,
      importance: clamp01(input.importance ?? 0.5),
      sourceEventSeq: input.sourceEventSeq ?? null,
      metadata: input.metadata ?? {},
      embedder: PENDING_EMBEDDER,
    },
    select: { id: true, kind: true, content: true, importance: true, createdAt: true },
  });
}

/** A name for a fact the model did not name: its first words, so the same statement updates the same fact. */
export function factKeyOf(content: string): string {
  const words = content.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.slice(0, 8).join("-").slice(0, 120) || "fact";
}

/**
 * Stores a fact: the `fact` row for its key is created or updated (value, source, confidence), and so
 * is its one mirror memory (content, importance, re-embedded). A fact is never duplicated. One statement
 * (the agent's `remember` tool runs it), under a lock on the agent's key so that two writers of one key
 * cannot both create its mirror: the second finds the first's.
 */
export async function rememberFact(
  input: Ids & { key: string; content: string; value?: Prisma.InputJsonValue; source: string; confidence: number; importance: number },
  tx?: RawClient,
) {
  const key = input.key.trim().slice(0, 200) || factKeyOf(input.content);
  const lock = LOCKS.fact(input.agentId, key);
  const { agentId, teamId, content } = input;
  const importance = clamp01(input.importance);
  const statement = Prisma.sql`
    WITH f AS (
      INSERT INTO fact ("agentId", "teamId", key, value, source, confidence, "createdAt", "updatedAt")
      VALUES (${agentId}::uuid, ${teamId}, ${key}, ${JSON.stringify(input.value ?? input.content)}::jsonb, ${input.source},
              ${clamp01(input.confidence)}, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
      ON CONFLICT ("agentId", key) DO UPDATE
        SET value = EXCLUDED.value, source = EXCLUDED.source, confidence = EXCLUDED.confidence, "updatedAt" = EXCLUDED."updatedAt"
      RETURNING id, "createdAt", "updatedAt"
    ), mirror AS (
      SELECT id FROM memory
       WHERE "agentId" = ${agentId}::uuid AND "teamId" = ${teamId} AND kind = 'fact' AND metadata->'factKey' = to_jsonb(${key}::text)
       ORDER BY "createdAt" LIMIT 1
    ), updated AS (
      UPDATE memory SET content = ${content}, importance = ${importance}, embedder = ${PENDING_EMBEDDER}, "archivedAt" = NULL,
                        "updatedAt" = now() AT TIME ZONE 'UTC'
       WHERE id = (SELECT id FROM mirror)
      RETURNING id
    ), created AS (
      INSERT INTO memory ("agentId", "teamId", kind, content, importance, embedder, metadata, "createdAt", "updatedAt")
      SELECT ${agentId}::uuid, ${teamId}, 'fact', ${content}, ${importance}, ${PENDING_EMBEDDER},
             jsonb_build_object('factKey', ${key}::text, 'factId', f.id::text), now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
        FROM f WHERE NOT EXISTS (SELECT 1 FROM mirror)
      RETURNING id
    )
    SELECT f.id::text AS "factId", coalesce((SELECT id FROM updated), (SELECT id FROM created))::text AS "memoryId",
           f."updatedAt" <> f."createdAt" AS updated
      FROM f`;
  let client: RawClient;
  if (tx) {
    await takeLock(tx, lock);
    client = tx;
  } else client = lockedOneTrip(lock);
  const row = await maybeRow(client, factRow, statement);
  if (!row) throw new Error(`The fact ${key} was not stored.`);
  return { factId: row.factId, key, memoryId: row.memoryId, updated: row.updated };
}

const factRow = sqlRow("storing a fact", { factId: col.uuid, memoryId: col.uuid, updated: col.bool });

export type PendingMemory = {
  id: string;
  content: string;
  /**
   * Its recall fields when the reader fetched them (the loop's think does; null for an archived memory):
   * recall can then score it from the vector it just computed and store that vector meanwhile.
   */
  candidate?: (Omit<Candidate, "id" | "content" | "distance" | "createdAt"> & { createdAt: string }) | null;
};

export type EmbeddedRow = { id: string; content: string; vector: readonly number[] };
type EmbedOutcome =
  { ok: true; queryVectors: number[][]; embedded: number; unstored: EmbeddedRow[] } | { ok: false; error: string; overBudget: boolean };

/**
 * Embeds `pending` (up to one batch of the agent's pending memories, oldest first, as the caller read
 * them) together with `queries`, in one call. Returns the queries' vectors and the memories' vectors
 * (`unstored`), which the caller stores: in the same round trip as its search (vectorCandidates'
 * `storeFirst`) or while it goes on (recall).
 */
export async function embedPending(ids: Ids, embedder: Embedder, queries: string[], pending: PendingMemory[]): Promise<EmbedOutcome> {
  if (pending.length === 0 && queries.length === 0) return { ok: true, queryVectors: [], embedded: 0, unstored: [] };
  const result = await embedTexts(embedder, [...pending.map((p) => p.content), ...queries], ids);
  if (!result.ok) return { ok: false, error: result.error, overBudget: result.kind === "over_budget" };
  const rows = pending.map((p, i) => ({ id: p.id, content: p.content, vector: result.vectors[i]! }));
  return { ok: true, queryVectors: result.vectors.slice(pending.length), embedded: pending.length, unstored: rows };
}

/** Embeds the agent's next batch of pending memories (oldest first) and stores their vectors. */
export async function embedPendingMemories(ids: Ids, embedder: Embedder): Promise<EmbedOutcome> {
  const pending = await db.memory.findMany({
    where: { agentId: ids.agentId, teamId: ids.teamId, embedder: PENDING_EMBEDDER },
    orderBy: { createdAt: "asc" },
    take: pendingBatchSize(0),
    select: { id: true, content: true },
  });
  const embedded = await embedPending(ids, embedder, [], pending);
  if (embedded.ok) await storeEmbeddings(ids, embedder.id, embedded.unstored);
  return embedded.ok ? { ...embedded, unstored: [] } : embedded;
}

/**
 * One UPDATE for a batch of vectors. Each vector is stored only if the row still holds the text it was
 * computed from (an md5 of the content): a memory edited while the embeddings call was in flight stays
 * pending and is embedded with its new text in the next batch.
 */
export async function storeEmbeddings(ids: Ids, embedderId: string, rows: EmbeddedRow[]) {
  const sql = storeEmbeddingsSql(ids, embedderId, rows);
  if (sql) await db.$executeRaw(sql);
}

/** storeEmbeddings' statement (null when there is nothing to store), for a caller that sends it with others. */
export function storeEmbeddingsSql(ids: Ids, embedderId: string, rows: EmbeddedRow[]): Prisma.Sql | null {
  if (rows.length === 0) return null;
  const values = Prisma.join(
    rows.map(
      (r) => Prisma.sql`(${r.id}::uuid, ${createHash("md5").update(r.content).digest("hex")}, ${toVectorLiteral(r.vector)}::vector)`,
    ),
  );
  return Prisma.sql`
    UPDATE memory AS m SET embedding = v.embedding, embedder = ${embedderId}, "embeddingError" = NULL, "embeddingRetryAt" = NULL,
           "updatedAt" = now() AT TIME ZONE 'UTC'
      FROM (VALUES ${values}) AS v(id, hash, embedding)
     WHERE m.id = v.id AND m."agentId" = ${ids.agentId}::uuid AND m."teamId" = ${ids.teamId} AND md5(m.content) = v.hash`;
}

export type RecallResult = {
  embedderId: string;
  /** The weights and half-life the scores were computed with. */
  scoring: Pick<MemorySettings, "weights" | "halfLifeHours">;
  pinned: { id: string; kind: MemoryKind; content: string; sourceEventSeq: number | null }[];
  recalled: RecalledMemory[];
  /** Set when vector recall could not run (embeddings failed or the budget refused them): only pinned memories are returned. */
  degraded?: string;
};

/**
 * The vectors of the memories embedded along with the query are stored, and the recalls counted, while
 * the caller goes on (the loop: during its model call); `stored` settles when both are written (it never
 * rejects: a failed write leaves the memories pending, to be embedded again, or a recall uncounted).
 * Not part of what recall reports.
 */
export type DeferredRecall = RecallResult & { stored: Promise<void> };

export type PinnedMemory = { id: string; kind: MemoryKind; content: string; sourceEventSeq: number | null };

/**
 * What recall reads first: the agent's provider's row (for the loop's model call), the team's embedder, the pinned memories
 * (PINNED_IN_CONTEXT, by importance then newest) and the pending ones (pendingBatchSize(1), oldest
 * first, with their recall fields). The loop's think reads them with its other reads (server/loop/sql.ts).
 */
export const recallInputColumns = {
  providerRow: jsonObject<ProviderRow>().nullable(),
  embedderRow: jsonObject<TeamEmbedderRow>().nullable(),
  pinned: jsonArray<PinnedMemory>(),
  pending: jsonArray<PendingMemory>(),
};
const recallInputsRow = sqlRow("reading what recall reads first", recallInputColumns);
export type RecallInputs = RowOf<typeof recallInputsRow>;

/** RecallInputs in one statement, for a caller that did not read them with its own reads. */
export async function readRecallInputs({ agentId, teamId }: Ids): Promise<RecallInputs> {
  const row = await maybeRow(
    direct,
    recallInputsRow,
    Prisma.sql`
    SELECT ${providerRowJson(teamId, Prisma.sql`a.provider`)} AS "providerRow",
           ${teamEmbedderJson(teamId)} AS "embedderRow",
           ${pinnedMemoriesJson({ agentId, teamId })} AS pinned,
           ${pendingMemoriesJson({ agentId, teamId })} AS pending
      FROM agent a WHERE a.id = ${agentId}::uuid AND a."teamId" = ${teamId}`,
  );
  if (!row) throw new AppError("NOT_FOUND", "That agent was not found.");
  return row;
}

/**
 * What the loop shows the model before it decides: the pinned memories (always), and the best-scoring
 * others for `query`, skipping memories about events already in the prompt. The memories still pending
 * are embedded with the query and scored from their vectors here; their vectors are stored, and the
 * recall counts updated, in the background (`stored`, see DeferredRecall).
 */
export async function recallForContext({
  agentId,
  teamId,
  settings,
  query,
  excludeSeqs,
  limit = 5,
  inputs,
}: Ids & {
  settings: unknown;
  query: string;
  excludeSeqs: Set<number>;
  limit?: number;
  /** What recall reads first (readRecallInputs, or the loop's think-state read). */
  inputs: RecallInputs;
}): Promise<DeferredRecall> {
  const ids = { agentId, teamId };
  const memorySettings = memorySettingsOf(settings);
  const scoring = { weights: memorySettings.weights, halfLifeHours: memorySettings.halfLifeHours };
  const embedder = await teamEmbedder({ teamId, row: inputs.embedderRow });
  const pinned = inputs.pinned.filter((m) => m.sourceEventSeq === null || !excludeSeqs.has(m.sourceEventSeq));
  const embedded = await embedPending(ids, embedder, [query], inputs.pending);
  if (!embedded.ok) {
    await markRecalled(
      pinned.map((p) => p.id),
      ids,
    );
    return { embedderId: embedder.id, scoring, pinned, recalled: [], degraded: embedded.error, stored: Promise.resolve() };
  }
  const queryVector = embedded.queryVectors[0]!;
  // The memories embedded with the query are scored here from their vectors, the write going on
  // meanwhile; one whose recall fields were not read is stored in the search's own round trip instead.
  const fields = new Map(inputs.pending.map((p) => [p.id, p.candidate]));
  const canDefer = embedded.unstored.every((row) => fields.get(row.id) !== undefined);
  const searched = await vectorCandidates({
    agentId,
    teamId,
    embedderId: embedder.id,
    vector: queryVector,
    limit: RECALL_CANDIDATES,
    storeFirst: canDefer ? null : storeEmbeddingsSql(ids, embedder.id, embedded.unstored),
  });
  // Started once the search is answered: an index insert costs more than the search, and the two would
  // compete for the same CPUs while the loop waits for the search.
  const stored = canDefer ? storeInBackground(ids, embedder.id, embedded.unstored) : Promise.resolve();
  // (A memory found both ways counts once: an earlier cycle's write may have stored it.)
  const found = new Set(searched.map((c) => c.id));
  const candidates = canDefer
    ? [...searched, ...justEmbedded(embedded.unstored, fields, queryVector).filter((c) => !found.has(c.id))]
    : searched;
  const shown = new Set(pinned.map((p) => p.id));
  const recalled = rankCandidates(
    candidates.filter((c) => !shown.has(c.id) && !c.isPinned && (c.sourceEventSeq === null || !excludeSeqs.has(c.sourceEventSeq))),
    memorySettings,
    limit,
  );
  // Counting the recalls is bookkeeping too: it goes on with the vectors' write, in the background.
  const counted = markRecalled([...pinned.map((p) => p.id), ...recalled.map((r) => r.id)], ids).catch((error: unknown) =>
    logger.warn({ err: error, agentId }, "could not count memory recalls"),
  );
  return { embedderId: embedder.id, scoring, pinned, recalled, stored: Promise.all([stored, counted]).then(() => undefined) };
}

/** Just-embedded live memories as search candidates, at their cosine distance from the query (pgvector's `<=>`). */
function justEmbedded(rows: EmbeddedRow[], fields: Map<string, PendingMemory["candidate"]>, query: readonly number[]): Candidate[] {
  return rows.flatMap((row) => {
    const f = fields.get(row.id);
    if (!f) return []; // archived
    let dot = 0;
    let a = 0;
    let b = 0;
    for (let i = 0; i < query.length; i++) {
      dot += query[i]! * (row.vector[i] ?? 0);
      a += query[i]! * query[i]!;
      b += (row.vector[i] ?? 0) * (row.vector[i] ?? 0);
    }
    const distance = a === 0 || b === 0 ? 1 : 1 - dot / Math.sqrt(a * b);
    return [{ ...f, id: row.id, content: row.content, createdAt: new Date(f.createdAt), distance }];
  });
}

function storeInBackground(ids: Ids, embedderId: string, rows: EmbeddedRow[]): Promise<void> {
  const sql = storeEmbeddingsSql(ids, embedderId, rows);
  if (!sql) return Promise.resolve();
  return direct.$executeRaw(sql).then(
    () => undefined,
    (error: unknown) => logger.warn({ err: error, agentId: ids.agentId }, "could not store memory vectors; they stay pending"),
  );
}

/** Below this cosine similarity a memory does not count as a match for a search (it may still be recalled into the prompt). */
export const SEARCH_MIN_SIMILARITY = 0.1;

const searchInputsRow = sqlRow("reading what a memory search starts from", {
  memorySettings: col.json,
  embedderRow: recallInputColumns.embedderRow,
  pending: recallInputColumns.pending,
});

/** The `search_memory` tool and people's searches: the best-scoring memories for `query` under the agent's weights. */
export async function searchMemories({
  agentId,
  teamId,
  query,
  limit = 5,
  countAsRecall = true,
}: Ids & { query: string; limit?: number; countAsRecall?: boolean }) {
  // What the search starts from, in one read: the agent's weights, the team's embedder and the memories
  // still waiting for their vectors (embedded with the query).
  const agent = await maybeRow(
    direct,
    searchInputsRow,
    Prisma.sql`
    SELECT a."memorySettings", ${teamEmbedderJson(teamId)} AS "embedderRow",
           ${pendingMemoriesJson({ agentId, teamId })} AS pending
      FROM agent a WHERE a.id = ${agentId}::uuid AND a."teamId" = ${teamId}`,
  );
  if (!agent) throw new AppError("NOT_FOUND", "That agent was not found.");
  const embedder = await teamEmbedder({ teamId, row: agent.embedderRow });
  const embedded = await embedPending({ agentId, teamId }, embedder, [query], agent.pending);
  if (!embedded.ok) {
    throw new AppError(
      embedded.overBudget ? "CONFLICT" : "UNAVAILABLE",
      embedded.overBudget ? `Memory search needs an embedding call that could cross the budget: ${embedded.error}` : embedded.error,
    );
  }
  const candidates = await vectorCandidates({
    agentId,
    teamId,
    embedderId: embedder.id,
    vector: embedded.queryVectors[0]!,
    limit: Math.max(RECALL_CANDIDATES, limit * 4),
    storeFirst: storeEmbeddingsSql({ agentId, teamId }, embedder.id, embedded.unstored),
  });
  const settings: MemorySettings = memorySettingsOf(agent.memorySettings);
  // A search answers the question asked: memories unrelated to it (however recent or important) are not results.
  const related = candidates.filter((c) => 1 - c.distance >= SEARCH_MIN_SIMILARITY);
  const found = rankCandidates(related, settings, limit);
  if (countAsRecall)
    await markRecalled(
      found.map((f) => f.id),
      { agentId, teamId },
    );
  return { embedderId: embedder.id, memories: found };
}

function clamp01(n: number) {
  return Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0.5;
}
