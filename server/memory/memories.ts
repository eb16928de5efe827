import { db } from "../db/client";
import type { MemoryKind } from "../db/generated/enums";

/**
 * Long-term memory, first cut: writing memories and a lexical search over them. The vector recall
 * with recency/frequency/importance ranking (issue 5) replaces `searchMemoriesLexical` behind the
 * same tool; until then memories are stored without embeddings (embedder "none").
 */
export async function writeMemory(input: {
  agentId: string;
  teamId: string;
  kind: MemoryKind;
  content: string;
  importance?: number;
  sourceEventSeq?: number;
}) {
  return db.memory.create({
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
