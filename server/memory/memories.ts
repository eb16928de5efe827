import { db, type Prisma } from "../db/client";
import type { MemoryKind } from "../db/generated/enums";

/**
 * Long-term memory, first cut: writing memories and a lexical search over them. The vector recall
 * with recency/frequency/importance ranking (issue 5) replaces `searchMemoriesLexical` behind the
 * same tool; until then memories are stored without embeddings (embedder "none").
 */
export async function writeMemory(
  input: {
    agentId: string;
    teamId: string;
    kind: MemoryKind;
    content: string;
    importance?: number;
    sourceEventSeq?: number;
  },
  tx: Prisma.TransactionClient = db,
) {
  return tx.memory.create({
    data: {
      agentId: input.agentId,
      teamId: input.teamId,
      kind: input.kind,
      content: input.content,
      importance: input.importance ?? 0.5,
      sourceEventSeq: input.sourceEventSeq ?? null,
      embedder: "none",
    },
    select: { id: true, kind: true, content: true, importance: true, createdAt: true },
  });
}

/** Memories of one agent containing the most query words, then the newest; team-scoped. */
export async function searchMemoriesLexical({
  agentId,
  teamId,
  query,
  limit = 5,
}: {
  agentId: string;
  teamId: string;
  query: string;
  limit?: number;
}) {
  const words = [...new Set(query.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? [])].slice(0, 12);
  if (words.length === 0) return [];
  const rows = await db.memory.findMany({
    where: { agentId, teamId, archivedAt: null, OR: words.map((w) => ({ content: { contains: w, mode: "insensitive" as const } })) },
    orderBy: { createdAt: "desc" },
    take: 200,
    select: { id: true, kind: true, content: true, importance: true, createdAt: true },
  });
  return rows
    .map((row) => ({ ...row, matches: words.filter((w) => row.content.toLowerCase().includes(w)).length }))
    .sort((a, b) => b.matches - a.matches || b.createdAt.getTime() - a.createdAt.getTime())
    .slice(0, limit);
}

export type RecalledMemory = { id: string; kind: MemoryKind; content: string; matches: number };
/** How many of the newest memories the interim lexical recall looks at: bounded work per cycle. */
export const RECALL_SCAN_LIMIT = 500;

/**
 * Memories for the prompt: the pinned ones and those sharing most words with the query, among the
 * agent's newest `RECALL_SCAN_LIMIT`, excluding those about events already in the prompt. Their
 * recall counters are updated. Interim lexical recall: issue 5 replaces it with pgvector recall
 * ranked by similarity, recency, frequency and importance.
 */
export async function recallForContext({
  agentId,
  teamId,
  query,
  excludeSeqs,
  limit = 5,
}: {
  agentId: string;
  teamId: string;
  query: string;
  excludeSeqs: Set<number>;
  limit?: number;
}): Promise<RecalledMemory[]> {
  const words = [...new Set(query.toLowerCase().match(/[\p{L}\p{N}]{4,}/gu) ?? [])].slice(0, 24);
  const rows = await db.memory.findMany({
    where: { agentId, teamId, archivedAt: null },
    orderBy: { createdAt: "desc" },
    take: RECALL_SCAN_LIMIT,
    select: { id: true, kind: true, content: true, isPinned: true, sourceEventSeq: true, importance: true },
  });
  const picked = rows
    .filter((row) => row.sourceEventSeq === null || !excludeSeqs.has(row.sourceEventSeq))
    .map((row) => ({ row, matches: words.filter((w) => row.content.toLowerCase().includes(w)).length }))
    .filter(({ row, matches }) => row.isPinned || matches > 0)
    .sort((a, b) => Number(b.row.isPinned) - Number(a.row.isPinned) || b.matches - a.matches || b.row.importance - a.row.importance)
    .slice(0, limit);
  if (picked.length > 0) {
    await db.memory.updateMany({
      where: { id: { in: picked.map((p) => p.row.id) }, agentId, teamId },
      data: { recallCount: { increment: 1 }, lastRecalledAt: new Date() },
    });
  }
  return picked.map(({ row, matches }) => ({ id: row.id, kind: row.kind, content: row.content, matches }));
}
