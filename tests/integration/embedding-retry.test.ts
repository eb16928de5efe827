import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { inngest } from "~/inngest/client";
import { db } from "~/server/db/client";
import { MAX_EMBEDDING_ATTEMPTS, retryPendingEmbeddings } from "~/server/memory/embedding-retry";
import { searchMemories, writeMemory } from "~/server/memory/memories";
import { agentInput } from "../factories/agent";
import { createTestTeam } from "../factories/team";
import { startFakeOpenAI, type FakeOpenAI } from "../fixtures/fake-openai";

/**
 * Durable embedding retries (issue 22, defect 12) against the local OpenAI-compatible server: a memory
 * left pending is embedded by the watchdog's sweep, a failure is counted with its reason and retried
 * with backoff, the last failure marks it failed, and a person's Retry makes it pending again.
 */
let fake: FakeOpenAI;
let isDown = false;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
beforeEach(() => {
  vi.spyOn(inngest, "send").mockResolvedValue({ ids: [] });
  fake.setEmbeddingResponder(() => (isDown ? { kind: "error", status: 400, message: "The embeddings model is unavailable." } : undefined));
});
afterAll(async () => fake?.stop());

const MODEL = "text-embedding-3-small";
const seconds = (from: Date, s: number) => new Date(from.getTime() + s * 1000);

async function agentWithEmbedder() {
  const owner = await createTestTeam();
  const provider = await owner.caller.provider.create({ name: "fake", baseUrl: fake.baseURL, apiKey: "sk-embed" });
  await owner.caller.provider.setEmbedder({ choice: { kind: "provider", providerId: provider.id, model: MODEL } });
  const agent = await owner.caller.agent.create(agentInput());
  return { owner, ids: { agentId: agent.id, teamId: owner.team.id } };
}

/** A memory written `ageSeconds` ago (the sweep leaves the first minute to the agent's own recall). */
async function pendingMemory(ids: { agentId: string; teamId: string }, content: string, ageSeconds = 120) {
  const memory = await writeMemory({ ...ids, kind: "fact", content });
  await db.memory.update({ where: { id: memory.id }, data: { createdAt: new Date(Date.now() - ageSeconds * 1000) } });
  return memory.id;
}

const stateOf = (id: string) =>
  db.memory.findUniqueOrThrow({
    where: { id },
    select: { embedder: true, embeddingAttempts: true, embeddingError: true, embeddingRetryAt: true },
  });

describe("embedding retries", () => {
  it("retries a pending memory with backoff while the embedder fails, and embeds it once it recovers", async () => {
    const { ids } = await agentWithEmbedder();
    const memoryId = await pendingMemory(ids, "The warehouse closes at six");
    const young = await pendingMemory(ids, "Written just now", 5);
    const now = new Date();

    isDown = true;
    // The sweep is global (other files' memories may be swept too): what it did to this team's memories is checked.
    await retryPendingEmbeddings({ now });
    let state = await stateOf(memoryId);
    expect(state).toMatchObject({ embedder: "pending", embeddingAttempts: 1 });
    expect(state.embeddingError).toContain("The embeddings model is unavailable.");
    expect(state.embeddingRetryAt!.getTime() - now.getTime()).toBe(30_000);
    // A memory younger than a minute is left to the agent's own next recall.
    expect(await stateOf(young)).toMatchObject({ embedder: "pending", embeddingAttempts: 0 });
    // Not due yet: nothing is tried.
    const calls = fake.requests.filter((r) => r.path === "/v1/embeddings").length;
    await retryPendingEmbeddings({ now: seconds(now, 10) });
    expect(fake.requests.filter((r) => r.path === "/v1/embeddings").length).toBe(calls);
    // Due: the second failure waits twice as long.
    await retryPendingEmbeddings({ now: seconds(now, 31) });
    state = await stateOf(memoryId);
    expect(state.embeddingAttempts).toBe(2);
    expect(state.embeddingRetryAt!.getTime() - seconds(now, 31).getTime()).toBe(60_000);

    // The memory panel shows the attempt and the next try.
    const listed = await ownerList(ids);
    expect(listed.find((m) => m.id === memoryId)!.embedding).toMatchObject({ status: "pending", attempts: 2 });

    isDown = false;
    // Recovered: it is embedded, with the memory written meanwhile (a minute old by now).
    await retryPendingEmbeddings({ now: seconds(now, 100) });
    expect(await stateOf(memoryId)).toMatchObject({ embedder: `openai:${MODEL}`, embeddingError: null, embeddingRetryAt: null });
    expect(await stateOf(young)).toMatchObject({ embedder: `openai:${MODEL}`, embeddingError: null });
  });

  it("marks a memory failed after the last attempt, keeps recall working, and a person's Retry embeds it", async () => {
    const { owner, ids } = await agentWithEmbedder();
    const memoryId = await pendingMemory(ids, "The supplier is in Lyon");
    let now = new Date();
    isDown = true;
    for (let attempt = 1; attempt <= MAX_EMBEDDING_ATTEMPTS; attempt++) {
      await retryPendingEmbeddings({ now });
      now = seconds(now, 3600);
    }
    expect(await stateOf(memoryId)).toMatchObject({ embedder: "failed", embeddingAttempts: MAX_EMBEDDING_ATTEMPTS });
    const failed = (await owner.caller.memory.list({ agentId: ids.agentId })).items.find((m) => m.id === memoryId)!;
    expect(failed.embedding).toMatchObject({ status: "failed", error: expect.stringContaining("unavailable") });
    expect(failed.isEmbedded).toBe(false);

    // Recall goes on without it (a failed memory is not re-sent with every query).
    isDown = false;
    const found = await searchMemories({ ...ids, query: "supplier" });
    expect(found.embedderId).toBe(`openai:${MODEL}`);

    expect(await owner.caller.memory.retryEmbedding({ memoryId })).toEqual({ retried: true });
    expect(await stateOf(memoryId)).toMatchObject({ embedder: "pending", embeddingAttempts: 0 });
    await retryPendingEmbeddings({ now: new Date() });
    expect((await stateOf(memoryId)).embedder).toBe(`openai:${MODEL}`);
    expect(await db.auditLog.count({ where: { targetId: memoryId, action: "memory.embedding_retry" } })).toBe(1);
  });
});

async function ownerList(ids: { agentId: string; teamId: string }) {
  const { listMemories } = await import("~/server/memory/manage");
  return (await listMemories({ ...ids })).items;
}
