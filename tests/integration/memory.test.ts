import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { inngest } from "~/inngest/client";
import { readThinkState } from "~/server/loop/sql";
import { direct } from "~/server/db/raw";
import { executeToolCall } from "~/server/tools/execute-tool";
import { db } from "~/server/db/client";
import { consolidateMemories } from "~/server/memory/consolidate";
import { hashEmbedding, toVectorLiteral } from "~/server/memory/hash-embedding";
import { embedTexts } from "~/server/memory/embedder";
import {
  embedPendingMemories,
  readRecallInputs,
  recallForContext,
  searchMemories,
  storeEmbeddings,
  writeMemory,
} from "~/server/memory/memories";
import { NO_PRIVATE_HOSTS } from "~/server/security/outbound-addresses";
import { createOutboundGuard } from "~/server/security/outbound";
import { reembedAgent } from "~/server/memory/reembed";
import { agentInput } from "../factories/agent";
import { addTestMember, createTestTeam } from "../factories/team";
import { startFakeOpenAI, type FakeOpenAI } from "../fixtures/fake-openai";

/** Long-term memory against the real database (pgvector) and, for embeddings, the local OpenAI-compatible server. */
let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => fake?.stop());

const HOUR = 3_600_000;

/** Recall as a caller outside the loop does it: its inputs read first, and its writes done before it returns. */
async function recallNow(args: Omit<Parameters<typeof recallForContext>[0], "inputs">) {
  const recalled = await recallForContext({ ...args, inputs: await readRecallInputs(args) });
  await recalled.stored;
  return recalled;
}

async function newAgent(overrides: Parameters<typeof agentInput>[0] = {}) {
  const owner = await createTestTeam();
  const agent = await owner.caller.agent.create(agentInput(overrides));
  return { owner, ids: { agentId: agent.id, teamId: owner.team.id } };
}

async function agentWithEmbeddingProvider(embeddingModel = "text-embedding-3-small", budgetUsd = 5) {
  const owner = await createTestTeam();
  const provider = await owner.caller.provider.create({ name: "fake", baseUrl: fake.baseURL, apiKey: "sk-test-1234" });
  if (embeddingModel)
    await owner.caller.provider.setEmbedder({ choice: { kind: "provider", providerId: provider.id, model: embeddingModel } });
  const agent = await owner.caller.agent.create(agentInput({ provider: provider.id, model: "gpt-4o-mini", budgetUsd }));
  return { owner, provider, ids: { agentId: agent.id, teamId: owner.team.id } };
}

const embeddingRequests = () => fake.requests.filter((r) => r.path === "/v1/embeddings");

describe("recall", () => {
  it("orders memories by the agent's weights: similarity, recency, frequency, importance", async () => {
    const { ids } = await newAgent();
    const now = Date.now();
    const similar = await writeMemory({ ...ids, kind: "episode", content: "Acme raised the Pro plan price to 49 USD", importance: 0.1 });
    // All four share a little with the query (a search ignores memories that share nothing); one shares most.
    const recent = await writeMemory({ ...ids, kind: "episode", content: "Acme plan: the office plants were watered", importance: 0.1 });
    const frequent = await writeMemory({ ...ids, kind: "episode", content: "Acme plan: quarterly board meeting notes", importance: 0.1 });
    const important = await writeMemory({
      ...ids,
      kind: "reflection",
      content: "Acme plan: never email customers on Sundays",
      importance: 1,
    });
    const old = new Date(now - 30 * 24 * HOUR);
    await db.memory.updateMany({ where: { id: { in: [similar.id, frequent.id, important.id] } }, data: { createdAt: old } });
    await db.memory.update({ where: { id: frequent.id }, data: { recallCount: 80 } });

    const topFor = async (weights: Record<string, number>) => {
      await db.agent.update({ where: { id: ids.agentId }, data: { memorySettings: { weights } } });
      const found = await searchMemories({ ...ids, query: "price of the Acme Pro plan", limit: 4, countAsRecall: false });
      return found.memories.map((m) => m.id);
    };
    expect((await topFor({ similarity: 1, recency: 0, frequency: 0, importance: 0 }))[0]).toBe(similar.id);
    expect((await topFor({ similarity: 0, recency: 1, frequency: 0, importance: 0 }))[0]).toBe(recent.id);
    expect((await topFor({ similarity: 0, recency: 0, frequency: 1, importance: 0 }))[0]).toBe(frequent.id);
    expect((await topFor({ similarity: 0, recency: 0, frequency: 0, importance: 1 }))[0]).toBe(important.id);
    // Importance and similarity together: the important one overtakes the similar one only when importance weighs more.
    expect((await topFor({ similarity: 1, recency: 0, frequency: 0, importance: 0.1 }))[0]).toBe(similar.id);
    expect((await topFor({ similarity: 0.1, recency: 0, frequency: 0, importance: 1 }))[0]).toBe(important.id);
  });

  it("moves scores with age (half-life) and with each recall (log-scaled frequency), and records every component", async () => {
    const { ids } = await newAgent();
    await db.agent.update({ where: { id: ids.agentId }, data: { memorySettings: { halfLifeHours: 24 } } });
    const fresh = await writeMemory({ ...ids, kind: "fact", content: "Acme's support line is +1 555 0100" });
    const dayOld = await writeMemory({ ...ids, kind: "fact", content: "Acme's support line is +1 555 0100" });
    await db.memory.update({ where: { id: dayOld.id }, data: { createdAt: new Date(Date.now() - 24 * HOUR) } });
    const first = await searchMemories({ ...ids, query: "Acme support phone", limit: 2, countAsRecall: false });
    const byId = new Map(first.memories.map((m) => [m.id, m]));
    expect(byId.get(fresh.id)!.components.recency).toBeCloseTo(1, 2);
    expect(byId.get(dayOld.id)!.components.recency).toBeCloseTo(0.5, 2);
    expect(byId.get(fresh.id)!.components.similarity).toBeCloseTo(byId.get(dayOld.id)!.components.similarity, 6);
    expect(first.memories[0]!.id).toBe(fresh.id);

    // Each recall counts: after 10, frequency is ln(11)/ln(101) and the score rises by its weight (0.2) times that.
    for (let i = 0; i < 10; i++) await searchMemories({ ...ids, query: "Acme support phone", limit: 2 });
    const after = await searchMemories({ ...ids, query: "Acme support phone", limit: 2, countAsRecall: false });
    const freshAfter = after.memories.find((m) => m.id === fresh.id)!;
    expect(freshAfter.components.frequency).toBeCloseTo(Math.log(11) / Math.log(101), 6);
    expect(freshAfter.score - byId.get(fresh.id)!.score).toBeCloseTo(0.2 * freshAfter.components.frequency, 2);
  });

  it("never reaches another agent's or another team's memories, even identical ones", async () => {
    const { owner, ids } = await newAgent();
    const sibling = await owner.caller.agent.create(agentInput());
    const stranger = await newAgent();
    const text = "The launch code word is PERIWINKLE";
    const mine = await writeMemory({ ...ids, kind: "fact", content: text });
    await writeMemory({ agentId: sibling.id, teamId: owner.team.id, kind: "fact", content: text });
    await writeMemory({ ...stranger.ids, kind: "fact", content: text });
    const found = await searchMemories({ ...ids, query: text, limit: 10 });
    expect(found.memories.map((m) => m.id)).toEqual([mine.id]);
    const recalled = await recallNow({ ...ids, settings: {}, query: text, excludeSeqs: new Set() });
    expect(recalled.recalled.map((m) => m.id)).toEqual([mine.id]);
    // Asking for another team's agent by id behaves like asking for nothing.
    await expect(searchMemories({ agentId: stranger.ids.agentId, teamId: ids.teamId, query: text })).rejects.toThrow(
      "That agent was not found.",
    );
  });

  it("as the loop recalls: scores just-embedded memories from their vectors and stores them while the cycle goes on", async () => {
    const { ids } = await newAgent();
    const older = await writeMemory({ ...ids, kind: "episode", content: "Acme raised the Pro plan price to 49 USD" });
    await recallNow({ ...ids, settings: {}, query: "warm up", excludeSeqs: new Set() });
    // Written since the last recall: still pending, as the loop's think finds them.
    const fresh = await writeMemory({ ...ids, kind: "fact", content: "Acme Pro plan price is 49 USD since Monday", importance: 0.9 });
    const archived = await writeMemory({ ...ids, kind: "episode", content: "Acme Pro plan price 49 USD (old note)" });
    await db.memory.update({ where: { id: archived.id }, data: { archivedAt: new Date() } });
    const state = await readThinkState(direct, { ...ids, agentRunId: randomUUID(), cycle: 1 });
    expect(state.recallInputs.pending.map((p) => p.id).sort()).toEqual([fresh.id, archived.id].sort());

    const query = "Acme Pro plan price 49 USD";
    const recalled = await recallForContext({
      ...ids,
      settings: {},
      query,
      excludeSeqs: new Set(),
      inputs: state.recallInputs,
    });
    const ids_ = recalled.recalled.map((m) => m.id);
    expect(ids_).toContain(fresh.id);
    expect(ids_).toContain(older.id);
    expect(ids_).not.toContain(archived.id);
    expect(new Set(ids_).size).toBe(ids_.length);
    // Its distance is the one pgvector computes once the vector is stored.
    await recalled.stored;
    expect(await db.memory.count({ where: { ...ids, embedder: "pending" } })).toBe(0);
    // The recalls were counted too.
    expect((await db.memory.findUniqueOrThrow({ where: { id: fresh.id }, select: { recallCount: true } })).recallCount).toBe(1);
    const [stored] = await db.$queryRaw<{ distance: number }[]>`
      SELECT (embedding <=> ${toVectorLiteral(hashEmbedding(query))}::vector)::float8 AS distance FROM memory WHERE id = ${fresh.id}::uuid`;
    expect(recalled.recalled.find((m) => m.id === fresh.id)!.distance).toBeCloseTo(stored!.distance, 4);
  });

  it("uses the HNSW index at realistic sizes (EXPLAIN)", async () => {
    const { ids } = await newAgent();
    const other = await newAgent();
    // More memories than the exact-search size for this agent (and some for another), embedded offline.
    const words = ["price", "plan", "acme", "launch", "customer", "email", "support", "invoice", "report", "market", "delay", "refund"];
    const rows = (agentId: string, teamId: string, n: number) =>
      Array.from({ length: n }, (_, i) => {
        const text = `note ${i}: ${words[i % 12]} ${words[(i * 7) % 12]} ${words[(i * 5 + 3) % 12]} item ${i % 97}`;
        return { agentId, teamId, content: text, vector: hashEmbedding(text) };
      });
    const { EXACT_SEARCH_MAX, explainRecall } = await import("~/server/memory/recall");
    const size = EXACT_SEARCH_MAX + 500;
    for (const batch of [rows(ids.agentId, ids.teamId, size), rows(other.ids.agentId, other.ids.teamId, 300)]) {
      for (let i = 0; i < batch.length; i += 500) {
        const part = batch.slice(i, i + 500);
        await db.$executeRawUnsafe(
          `INSERT INTO memory ("agentId", "teamId", kind, content, embedding, embedder, "updatedAt")
           SELECT a, t, 'episode', c, e::vector, 'offline:hash-v1', now() FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS x(a, t, c, e)`,
          part.map((r) => r.agentId),
          part.map((r) => r.teamId),
          part.map((r) => r.content),
          part.map((r) => `[${r.vector.join(",")}]`),
        );
      }
    }
    await db.$executeRawUnsafe("ANALYZE memory");
    const vector = hashEmbedding("acme price launch");
    expect(await explainRecall({ ...ids, embedderId: "offline:hash-v1", vector })).toContain("Index Scan using memory_embedding_hnsw_idx");
    // An agent with few memories gets an exact search instead.
    expect(await explainRecall({ ...other.ids, embedderId: "offline:hash-v1", vector })).not.toContain("memory_embedding_hnsw_idx");
    const found = await searchMemories({ ...ids, query: "acme price launch", limit: 10, countAsRecall: false });
    expect(found.memories).toHaveLength(10);
  }, 120_000);
});

describe("embeddings", () => {
  it("batch pending memories with the query in one call to the provider, and charge it in the spend ledger", async () => {
    const { ids } = await agentWithEmbeddingProvider();
    for (let i = 0; i < 5; i++) await writeMemory({ ...ids, kind: "episode", content: `Cycle ${i}: checked the pricing page` });
    const before = embeddingRequests().length;
    const recalled = await recallNow({
      ...ids,
      settings: {},
      query: "pricing",
      excludeSeqs: new Set(),
    });
    expect(recalled.embedderId).toBe("openai:text-embedding-3-small");
    expect(recalled.recalled).toHaveLength(5);
    const calls = embeddingRequests().slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body).toMatchObject({ model: "text-embedding-3-small", dimensions: 1536 });
    expect((calls[0]!.body as { input: string[] }).input).toHaveLength(6);
    expect(calls[0]!.headers.authorization).toBe("Bearer sk-test-1234");
    const spend = await db.spendEntry.findMany({
      where: { ...ids, kind: "embedding" },
      select: { state: true, tokensIn: true, costUsd: true },
    });
    expect(spend).toHaveLength(1);
    expect(spend[0]!.state).toBe("committed");
    expect(spend[0]!.tokensIn).toBeGreaterThan(0);
    expect(await db.memory.count({ where: { ...ids, embedder: "pending" } })).toBe(0);
    const agent = await db.agent.findUniqueOrThrow({ where: { id: ids.agentId }, select: { tokensUsed: true } });
    expect(Number(agent.tokensUsed)).toBe(spend[0]!.tokensIn);
  });

  it("retries a rate-limited embeddings call, and a garbage reply loses nothing: memories stay pending, recall says why", async () => {
    const { ids } = await agentWithEmbeddingProvider();
    await writeMemory({ ...ids, kind: "episode", content: "The pricing page moved" });
    fake.scriptEmbeddings({ kind: "error", status: 429, retryAfterSeconds: 0 });
    const ok = await recallNow({ ...ids, settings: {}, query: "pricing", excludeSeqs: new Set() });
    expect(ok.degraded).toBeUndefined();
    expect(ok.recalled).toHaveLength(1);

    await writeMemory({ ...ids, kind: "episode", content: "A second note" });
    fake.scriptEmbeddings({ kind: "malformed", body: JSON.stringify({ object: "list", data: [{ embedding: "nope" }] }) });
    const degraded = await recallNow({ ...ids, settings: {}, query: "pricing", excludeSeqs: new Set() });
    expect(degraded.degraded).toMatch(/^The embeddings endpoint answered with something unusable/);
    expect(degraded.recalled).toEqual([]);
    expect(await db.memory.count({ where: { ...ids, embedder: "pending" } })).toBe(1);
    // Nothing was charged for the failed call, and the reservation is not left open.
    expect(await db.spendEntry.count({ where: { ...ids, kind: "embedding", state: "reserved" } })).toBe(0);
    // The next recall embeds it.
    const later = await recallNow({ ...ids, settings: {}, query: "second note", excludeSeqs: new Set() });
    expect(later.recalled.map((m) => m.content)).toContain("A second note");
  });

  it("never stores a vector for text that changed while the embeddings call was in flight", async () => {
    const { ids } = await newAgent();
    const memory = await writeMemory({ ...ids, kind: "episode", content: "The old text" });
    await db.memory.update({ where: { id: memory.id }, data: { content: "The new text" } });
    // The vector computed from the old text arrives after the edit: it is not stored, the row stays pending.
    await storeEmbeddings(ids, "offline:hash-v1", [{ id: memory.id, content: "The old text", vector: hashEmbedding("The old text") }]);
    expect(await db.memory.findUniqueOrThrow({ where: { id: memory.id }, select: { embedder: true } })).toEqual({ embedder: "pending" });
    await storeEmbeddings(ids, "offline:hash-v1", [{ id: memory.id, content: "The new text", vector: hashEmbedding("The new text") }]);
    expect(await db.memory.findUniqueOrThrow({ where: { id: memory.id }, select: { embedder: true } })).toEqual({
      embedder: "offline:hash-v1",
    });
  });

  it("does not call the endpoint when the reservation would cross the hard limit", async () => {
    const { ids } = await agentWithEmbeddingProvider("text-embedding-3-small", 0.00001);
    await writeMemory({ ...ids, kind: "episode", content: "x".repeat(2000) });
    const before = embeddingRequests().length;
    const result = await embedPendingMemories(ids, {
      kind: "openai",
      id: "openai:text-embedding-3-small",
      model: "text-embedding-3-small",
      baseURL: fake.baseURL,
      apiKey: "k",
    });
    expect(result).toMatchObject({ ok: false, overBudget: true });
    expect(embeddingRequests().length).toBe(before);
  });

  it("goes through the outbound guard: an embeddings endpoint on a private address is refused, nothing sent, nothing charged (issue 17)", async () => {
    const { ids } = await agentWithEmbeddingProvider();
    const before = embeddingRequests().length;
    const outbound = createOutboundGuard("model", { allow: NO_PRIVATE_HOSTS });
    const embedder = {
      kind: "openai" as const,
      id: "openai:text-embedding-3-small",
      model: "text-embedding-3-small",
      baseURL: fake.baseURL,
      apiKey: "k",
    };
    expect(await embedTexts(embedder, ["a note"], { ...ids, outbound })).toEqual({
      ok: false,
      kind: "failed",
      error: "refused: private address (127.0.0.1 is a loopback address; an operator can allow it with LONGHAUL_PRIVATE_MODEL_HOSTS)",
    });
    expect(embeddingRequests().length).toBe(before);
    const reservations = await db.spendEntry.findMany({ where: { agentId: ids.agentId, kind: "embedding" }, select: { state: true } });
    expect(reservations.map((r) => r.state)).toEqual(["released"]);
    await outbound.close();
  });

  it("re-embeds every memory when the embedder changes (a command), in batches, and only once", async () => {
    const { owner, provider, ids } = await agentWithEmbeddingProvider("");
    for (let i = 0; i < 70; i++) await writeMemory({ ...ids, kind: "episode", content: `Offline note ${i}` });
    await embedPendingMemories(ids, { kind: "offline", id: "offline:hash-v1" });
    await embedPendingMemories(ids, { kind: "offline", id: "offline:hash-v1" });
    expect(await db.memory.count({ where: { ...ids, embedder: "offline:hash-v1" } })).toBe(70);

    // (The re-embedding this change requests is the team-memory-reembed function's: tests/contract/team-embedder.test.ts.)
    vi.spyOn(inngest, "send").mockResolvedValueOnce({ ids: [] });
    await owner.caller.provider.setEmbedder({ choice: { kind: "provider", providerId: provider.id, model: "text-embedding-3-small" } });
    const dry = await reembedAgent({ ...ids, dryRun: true });
    expect(dry).toMatchObject({ toDo: 70, reembedded: 0, embedderId: "openai:text-embedding-3-small" });
    const before = embeddingRequests().length;
    const report = await reembedAgent(ids);
    expect(report).toMatchObject({ toDo: 70, reembedded: 70 });
    expect(report.error).toBeUndefined();
    expect(embeddingRequests().length - before).toBe(2); // 64 + 6
    expect(await db.memory.count({ where: { ...ids, embedder: "openai:text-embedding-3-small" } })).toBe(70);
    expect(await reembedAgent(ids)).toMatchObject({ toDo: 0, reembedded: 0 });
    // Recall now finds them with the new embedder.
    const found = await searchMemories({ ...ids, query: "Offline note 7", limit: 3, countAsRecall: false });
    expect(found.embedderId).toBe("openai:text-embedding-3-small");
    expect(found.memories.map((m) => m.content)).toContain("Offline note 7");
  });
});

describe("pruning and consolidation", () => {
  it("consolidates the weakest episodes into summaries beyond the cap, archiving them, and never touches pinned ones", async () => {
    const { ids } = await newAgent();
    await db.agent.update({ where: { id: ids.agentId }, data: { memorySettings: { cap: 100 } } });
    const now = Date.now();
    const created: string[] = [];
    for (let i = 0; i < 150; i++) {
      const m = await writeMemory({ ...ids, kind: "episode", content: `Cycle ${i}: looked at page ${i}`, importance: i < 60 ? 0.1 : 0.6 });
      created.push(m.id);
    }
    // The oldest are the weakest; pin 20 of them and keep a fact and a reflection among the old ones.
    for (const [i, id] of created.entries())
      await db.memory.update({ where: { id }, data: { createdAt: new Date(now - (150 - i) * HOUR) } });
    const pinned = created.slice(0, 20);
    await db.memory.updateMany({ where: { id: { in: pinned } }, data: { isPinned: true } });
    const fact = await writeMemory({ ...ids, kind: "fact", content: "Old fact", importance: 0 });
    const reflection = await writeMemory({ ...ids, kind: "reflection", content: "Old reflection", importance: 0 });
    await db.memory.updateMany({ where: { id: { in: [fact.id, reflection.id] } }, data: { createdAt: new Date(now - 1000 * HOUR) } });

    const result = await consolidateMemories(ids);
    expect(result.action).toBe("archive");
    expect(result.consolidated).toBeGreaterThanOrEqual(60);
    const live = await db.memory.count({ where: { ...ids, archivedAt: null } });
    expect(live).toBeLessThanOrEqual(100);
    // Pinned, the fact and the reflection are untouched.
    const keep = await db.memory.findMany({ where: { id: { in: [...pinned, fact.id, reflection.id] } }, select: { archivedAt: true } });
    expect(keep).toHaveLength(22);
    expect(keep.every((m) => m.archivedAt === null)).toBe(true);
    // The weakest (unpinned, oldest, least important) were archived; summaries hold their content.
    const archived = await db.memory.findMany({ where: { ...ids, archivedAt: { not: null } }, select: { id: true, importance: true } });
    expect(archived).toHaveLength(result.consolidated);
    // All 40 unpinned weak ones went first, then the oldest of the stronger ones, in order.
    const archivedIds = new Set(archived.map((m) => m.id));
    const weakest = created.slice(20, 60);
    expect(weakest.every((id) => archivedIds.has(id))).toBe(true);
    expect([...archivedIds].sort()).toEqual(created.slice(20, 20 + archived.length).sort());
    const summaries = await db.memory.findMany({ where: { ...ids, kind: "summary" }, select: { content: true, metadata: true } });
    expect(summaries).toHaveLength(result.summaries);
    expect(summaries[0]!.content).toMatch(/^Summary of \d+ earlier memories/);
    expect(summaries.some((s) => s.content.includes("Cycle 20: looked at page 20"))).toBe(true);
    // Nothing to do under the cap.
    expect((await consolidateMemories(ids)).consolidated).toBe(0);
  });

  it("deletes consolidated episodes when the agent says so", async () => {
    const { ids } = await newAgent();
    await db.agent.update({ where: { id: ids.agentId }, data: { memorySettings: { cap: 100, onConsolidate: "delete" } } });
    for (let i = 0; i < 130; i++) await writeMemory({ ...ids, kind: "episode", content: `Episode ${i}` });
    const result = await consolidateMemories(ids);
    expect(result).toMatchObject({ action: "delete" });
    expect(await db.memory.count({ where: { ...ids, archivedAt: { not: null } } })).toBe(0);
    expect(await db.memory.count({ where: ids })).toBe(130 - result.consolidated + result.summaries);
  });
});

describe("tools and people", () => {
  it("remember keeps a fact under its key, updated rather than duplicated; search_memory ranks with scores", async () => {
    const { ids } = await newAgent();
    const call = (name: string, args: unknown, callIndex = 0, cycle = 1) =>
      executeToolCall({ ...ids, cycle, callIndex, name, argumentsText: JSON.stringify(args) });
    const first = await call("remember", { kind: "fact", key: "acme.price", content: "Acme Pro costs 39 USD", confidence: 0.9 });
    expect(first).toMatchObject({ status: "succeeded", result: { factKey: "acme.price", updated: false } });
    const second = await call("remember", { kind: "fact", key: "acme.price", content: "Acme Pro costs 49 USD" }, 0, 2);
    expect(second).toMatchObject({ status: "succeeded", result: { factKey: "acme.price", updated: true } });
    const facts = await db.fact.findMany({ where: ids, select: { key: true, value: true, source: true, confidence: true } });
    expect(facts).toEqual([{ key: "acme.price", value: "Acme Pro costs 49 USD", source: "agent, cycle 2", confidence: 0.8 }]);
    const mirrors = await db.memory.findMany({ where: { ...ids, kind: "fact" }, select: { content: true } });
    expect(mirrors).toEqual([{ content: "Acme Pro costs 49 USD" }]);
    await call("remember", { kind: "reflection", content: "Prices change on Mondays", importance: 0.9 }, 0, 3);

    const found = await call("search_memory", { query: "Acme Pro price", limit: 2 }, 0, 4);
    expect(found.status).toBe("succeeded");
    const memories = (found as { result: { memories: { content: string; score: number }[] } }).result.memories;
    expect(memories[0]!.content).toBe("Acme Pro costs 49 USD");
    expect(memories.map((m) => m.score)).toEqual([...memories.map((m) => m.score)].sort((a, b) => b - a));
    // Nothing unrelated comes back from a search.
    const none = await call("search_memory", { query: "zebra xylophone" }, 0, 5);
    expect((none as { result: { memories: unknown[] } }).result.memories).toEqual([]);
  });

  it("lets members pin, edit and forget memories (audited), with clear messages; viewers only look", async () => {
    const { owner, ids } = await newAgent();
    const memory = await writeMemory({ ...ids, kind: "episode", content: "Draft sent to Bob" });
    await embedPendingMemories(ids, { kind: "offline", id: "offline:hash-v1" });

    const pinned = await owner.caller.memory.setPinned({ memoryId: memory.id, pinned: true });
    expect(pinned.isPinned).toBe(true);
    await expect(owner.caller.memory.forget({ memoryId: memory.id })).rejects.toThrow(
      "This memory is pinned. Unpin it before forgetting it.",
    );
    const edited = await owner.caller.memory.edit({
      memoryId: memory.id,
      edit: { content: "Draft sent to Bob and Ann", importance: "0.9" },
    });
    expect(edited).toMatchObject({ content: "Draft sent to Bob and Ann", importance: 0.9, embedder: "pending" });
    await expect(owner.caller.memory.edit({ memoryId: memory.id, edit: { content: "   " } })).rejects.toThrow(
      "A memory can't be empty; forget it instead.",
    );
    await expect(owner.caller.memory.edit({ memoryId: memory.id, edit: { importance: 2 } })).rejects.toThrow(
      "Importance is a number from 0 to 1.",
    );
    const listed = await owner.caller.memory.list({ agentId: ids.agentId, query: "bob ann" });
    expect(listed.items.map((m) => m.id)).toEqual([memory.id]);
    expect(listed.items[0]!.isEmbedded).toBe(false);

    const viewer = await addTestMember(ids.teamId, "viewer");
    expect((await viewer.caller.memory.list({ agentId: ids.agentId })).items).toHaveLength(1);
    await expect(viewer.caller.memory.setPinned({ memoryId: memory.id, pinned: false })).rejects.toMatchObject({ code: "FORBIDDEN" });

    await owner.caller.memory.setPinned({ memoryId: memory.id, pinned: false });
    await owner.caller.memory.forget({ memoryId: memory.id });
    expect(await db.memory.count({ where: { id: memory.id } })).toBe(0);
    const actions = await db.auditLog.findMany({ where: { targetId: memory.id }, orderBy: { createdAt: "asc" }, select: { action: true } });
    expect(actions.map((a) => a.action)).toEqual(["memory.pin", "memory.edit", "memory.unpin", "memory.forget"]);
  });

  it("answers another team's memory ids exactly like ids that do not exist", async () => {
    const { ids } = await newAgent();
    const memory = await writeMemory({ ...ids, kind: "fact", content: "Secret roadmap" });
    const stranger = await createTestTeam();
    const missing = "00000000-0000-4000-8000-000000000000";
    for (const id of [memory.id, missing]) {
      await expect(stranger.caller.memory.setPinned({ memoryId: id, pinned: true })).rejects.toThrow(
        "That memory was not found, or you do not have access to it.",
      );
      await expect(stranger.caller.memory.edit({ memoryId: id, edit: { content: "mine now" } })).rejects.toThrow(
        "That memory was not found, or you do not have access to it.",
      );
      await expect(stranger.caller.memory.forget({ memoryId: id })).rejects.toThrow(
        "That memory was not found, or you do not have access to it.",
      );
    }
    for (const agentId of [ids.agentId, missing]) {
      await expect(stranger.caller.memory.list({ agentId })).rejects.toThrow("That agent was not found, or you do not have access to it.");
      await expect(stranger.caller.memory.facts({ agentId })).rejects.toThrow("That agent was not found, or you do not have access to it.");
    }
    expect(await db.memory.findUniqueOrThrow({ where: { id: memory.id }, select: { content: true, isPinned: true } })).toEqual({
      content: "Secret roadmap",
      isPinned: false,
    });
  });
});
