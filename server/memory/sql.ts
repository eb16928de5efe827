import "server-only";
import { Prisma } from "../db/client";
import { EMBED_BATCH_SIZE } from "./embedder";

/**
 * The memory domain's SQL fragments: what recall reads before it embeds its query, written once and
 * composed by the statements that read it (readRecallInputs in memories.ts, search_memory's read, and
 * the loop's think-state read, server/loop/sql.ts). Each is a scalar subquery returning jsonb.
 */
type Ids = { agentId: string; teamId: string };

/** Memories written with this embedder wait for their vectors (embedded with the next recall's query). */
export const PENDING_EMBEDDER = "pending";
/** A memory whose embedding failed MAX_EMBEDDING_ATTEMPTS times (server/memory/embedding-retry.ts); a person's Retry makes it pending again. */
export const FAILED_EMBEDDER = "failed";
/** How many pinned memories a prompt shows. */
export const PINNED_IN_CONTEXT = 10;
/** How many pending memories go into one embeddings call beside `queryCount` queries. */
export const pendingBatchSize = (queryCount: number) => Math.max(1, EMBED_BATCH_SIZE - queryCount);

/** The provider row an agent's embedder (and model endpoint) is built from, for the provider id `providerId` (an SQL expression). */
export const providerRowJson = (teamId: string | Prisma.Sql, providerId: Prisma.Sql) => Prisma.sql`
  (SELECT jsonb_build_object('baseUrl', p."baseUrl", 'apiKeyCiphertext', p."apiKeyCiphertext", 'compat', p.compat, 'headersCiphertext', p."headersCiphertext", 'timeoutMs', p."timeoutMs",
                             'prices', (SELECT coalesce(jsonb_object_agg(mp.model, jsonb_build_object(
                                          'inputPerMillion', mp."inputPerMillion"::float8, 'outputPerMillion', mp."outputPerMillion"::float8)), '{}'::jsonb)
                                          FROM model_price mp WHERE mp."providerId" = p.id))
     FROM model_provider p WHERE p.id::text = ${providerId} AND p."teamId" = ${teamId})`;

/** The team's embedder (TeamEmbedderRow: its provider id, model and provider row), null when the team embeds offline. */
export const teamEmbedderJson = (teamId: string | Prisma.Sql) => Prisma.sql`
  (SELECT jsonb_build_object('providerId', t."embeddingProviderId", 'model', t."embeddingModel",
                             'provider', ${providerRowJson(Prisma.sql`t.id`, Prisma.sql`t."embeddingProviderId"::text`)})
     FROM team t WHERE t.id = ${teamId} AND t."embeddingProviderId" IS NOT NULL AND t."embeddingModel" IS NOT NULL)`;

/** The pinned memories a prompt shows (PINNED_IN_CONTEXT, by importance then newest), as PinnedMemory[]. */
export const pinnedMemoriesJson = ({ agentId, teamId }: Ids) => Prisma.sql`
  (SELECT coalesce(jsonb_agg(jsonb_build_object('id', m.id, 'kind', m.kind, 'content', m.content, 'sourceEventSeq', m."sourceEventSeq") ORDER BY m.n), '[]'::jsonb)
     FROM (SELECT id, kind, content, "sourceEventSeq", row_number() OVER (ORDER BY importance DESC, "createdAt" DESC) AS n
             FROM memory WHERE "agentId" = ${agentId}::uuid AND "teamId" = ${teamId} AND "isPinned" AND "archivedAt" IS NULL
            ORDER BY importance DESC, "createdAt" DESC LIMIT ${PINNED_IN_CONTEXT}) m)`;

/**
 * The pending memories (oldest first, pendingBatchSize(1)) as PendingMemory[], each with the fields
 * recall scores it by (`candidate`; null for an archived one), so that recall can score it from the
 * vector it computes and store that vector meanwhile.
 */
export const pendingMemoriesJson = ({ agentId, teamId }: Ids) => Prisma.sql`
  (SELECT coalesce(jsonb_agg(jsonb_build_object('id', m.id, 'content', m.content, 'candidate', m.candidate) ORDER BY m.n), '[]'::jsonb)
     FROM (SELECT id, content, row_number() OVER (ORDER BY "createdAt") AS n,
                  CASE WHEN "archivedAt" IS NULL THEN jsonb_build_object('kind', kind, 'importance', importance, 'recallCount', "recallCount",
                    'isPinned', "isPinned", 'sourceEventSeq', "sourceEventSeq", 'createdAt', to_jsonb("createdAt" AT TIME ZONE 'UTC')) END AS candidate
             FROM memory WHERE "agentId" = ${agentId}::uuid AND "teamId" = ${teamId} AND embedder = ${PENDING_EMBEDDER}
            ORDER BY "createdAt" LIMIT ${pendingBatchSize(1)}) m)`;
