import type { MemoryKind } from "~/server/db/generated/enums";
import { OFFLINE_EMBEDDER_ID } from "~/server/memory/embedder";
import { hashEmbedding } from "~/server/memory/hash-embedding";
import { db } from "~/server/db/client";
import { PENDING_EMBEDDER, storeEmbeddings, writeMemory } from "~/server/memory/memories";

/**
 * A memory of the agent written by the app's writeMemory and embedded as the loop embeds it offline
 * (storeEmbeddings with the hash embedder's vector of its content), so recall and export see a vector.
 */
export async function createTestMemory(
  ids: { agentId: string; teamId: string },
  { kind = "episode", content, importance }: { kind?: MemoryKind; content: string; importance?: number },
) {
  const memory = await writeMemory({ ...ids, kind, content, importance });
  await storeEmbeddings(ids, OFFLINE_EMBEDDER_ID, [{ id: memory.id, content, vector: hashEmbedding(content) }]);
  return memory;
}

/** Many episodes of one agent at once, embedded offline as createTestMemory's are (one INSERT, then an UPDATE per 200). */
export async function createTestMemories(ids: { agentId: string; teamId: string }, contents: string[]) {
  await db.memory.createMany({
    data: contents.map((content) => ({ ...ids, kind: "episode" as const, content, embedder: PENDING_EMBEDDER })),
  });
  const rows = await db.memory.findMany({ where: { ...ids, embedder: PENDING_EMBEDDER }, select: { id: true, content: true } });
  for (let i = 0; i < rows.length; i += 200) {
    const batch = rows.slice(i, i + 200).map((r) => ({ id: r.id, content: r.content, vector: hashEmbedding(r.content) }));
    await storeEmbeddings(ids, OFFLINE_EMBEDDER_ID, batch);
  }
}
