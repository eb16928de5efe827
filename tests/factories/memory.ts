import type { MemoryKind } from "~/server/db/generated/enums";
import { OFFLINE_EMBEDDER_ID } from "~/server/memory/embedder";
import { hashEmbedding } from "~/server/memory/hash-embedding";
import { storeEmbeddings, writeMemory } from "~/server/memory/memories";

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
