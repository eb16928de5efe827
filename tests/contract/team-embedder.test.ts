import { beforeAll, describe, expect, it } from "vitest";
import { db } from "~/server/db/client";
import type * as TeamEmbedderModule from "~/server/memory/team-embedder";
import { agentInput } from "../factories/agent";
import { createTestMemories } from "../factories/memory";
import { createTestTeam } from "../factories/team";
import { withContractApp } from "../fixtures/contract-app";

/**
 * Changing a team's embedder end to end (docs/decisions/033): the real Inngest SDK serving the app's
 * team-memory-reembed function, the project's executor, and the fake OpenAI-compatible server's
 * embeddings. The provider's setEmbedder sends the event; the function moves every agent's memories.
 */
const app = withContractApp();
let embedder: typeof TeamEmbedderModule;
beforeAll(async () => {
  embedder = await import("~/server/memory/team-embedder");
});

const MODEL = "text-embedding-3-small";
const NEW_EMBEDDER = `openai:${MODEL}`;
const notes = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix} note ${i}: the customer asked about invoice ${i}`);

async function waitForReembed(teamId: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await embedder.getTeamEmbedder({ teamId });
    if (state.reembed?.finishedAt) return state;
    if (Date.now() > deadline) throw new Error(`re-embedding did not finish: ${JSON.stringify(state)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every input the embeddings endpoint received that starts with `prefix`, in order, with repeats. */
const sentInputs = (prefix: string) =>
  app.fake.requests
    .filter((r) => r.path === "/v1/embeddings")
    .flatMap((r) => (r.body as { input: string[] }).input)
    .filter((text) => text.startsWith(prefix));

describe("team embedder", () => {
  it("re-embeds every agent's memories; a failed step resumes where it stopped; a refused budget and a failing endpoint are reported", async () => {
    const owner = await createTestTeam();
    const provider = await owner.caller.provider.create({ name: "fake-embeddings", baseUrl: app.fake.baseURL, apiKey: "sk-embed-0001" });
    const agent = async (name: string, count: number, budgetUsd = 5) => {
      const created = await owner.caller.agent.create(agentInput({ name, provider: provider.id, model: "gpt-4o-mini", budgetUsd }));
      const ids = { agentId: created.id, teamId: owner.team.id };
      await createTestMemories(ids, notes(name, count));
      return ids;
    };
    const alpha = await agent("Alpha", 150);
    const bravo = await agent("Bravo", 100);
    const broke = await agent("Broke", 30, 0.00001);
    const doomed = await agent("Doomed", 10);
    expect((await embedder.getTeamEmbedder({ teamId: owner.team.id })).waiting).toBe(0);

    // Bravo's second embeddings call fails once (its step is retried); Doomed's endpoint fails every time.
    let bravoCalls = 0;
    let failedBravoBatch: string[] = [];
    app.fake.setEmbeddingResponder((inputs) => {
      if (inputs.some((t) => t.startsWith("Doomed"))) return { kind: "error", status: 500, message: "doomed" };
      if (inputs.some((t) => t.startsWith("Bravo")) && ++bravoCalls === 2) {
        failedBravoBatch = inputs;
        return { kind: "error", status: 500, message: "flaky" };
      }
      return undefined;
    });
    const estimate = await owner.caller.provider.embedderEstimate({ choice: { kind: "provider", providerId: provider.id, model: MODEL } });
    expect(estimate).toMatchObject({ embedderId: NEW_EMBEDDER, memories: 290, isPriced: true });
    expect(estimate.costUsd).toBeGreaterThan(0);

    const started = Date.now();
    const set = await owner.caller.provider.setEmbedder({ choice: { kind: "provider", providerId: provider.id, model: MODEL } });
    expect(set).toEqual({ embedderId: NEW_EMBEDDER, isReembedRequested: true });
    const done = await waitForReembed(owner.team.id);
    const seconds = (Date.now() - started) / 1000;
    console.log(`re-embedded 250 memories of 4 agents in ${seconds.toFixed(2)} s (with one retried and one failing step)`);

    const on = (ids: { agentId: string }) => db.memory.count({ where: { agentId: ids.agentId, embedder: NEW_EMBEDDER } });
    expect([await on(alpha), await on(bravo), await on(broke), await on(doomed)]).toEqual([150, 100, 0, 0]);
    expect(done.waiting).toBe(40);
    expect(done.isReembedding).toBe(false);
    expect(done.reembed!.failures.map((f) => f.agentName).sort()).toEqual(["Broke", "Doomed"]);
    expect(done.reembed!.failures.find((f) => f.agentName === "Broke")!.message).toMatch(/budget/i);
    expect(done.reembed!.failures.find((f) => f.agentName === "Doomed")!.message).toMatch(/failed \(500\)/);

    // Alpha's step ran once: each of its memories was sent once. Bravo's retried step sent only what its
    // first attempt had not stored: the failed batch twice, every other memory once.
    const alphaSent = sentInputs("Alpha");
    expect(alphaSent).toHaveLength(150);
    expect(new Set(alphaSent).size).toBe(150);
    expect(failedBravoBatch.length).toBeGreaterThan(0);
    const bravoSent = sentInputs("Bravo");
    expect(new Set(bravoSent).size).toBe(100);
    expect(bravoSent).toHaveLength(100 + failedBravoBatch.length);
    // The refused budget stopped Broke before any call; Doomed's step was tried 4 times (3 retries).
    expect(sentInputs("Broke")).toEqual([]);
    expect(
      app.fake.requests.filter(
        (r) => r.path === "/v1/embeddings" && (r.body as { input: string[] }).input.some((t) => t.startsWith("Doomed")),
      ),
    ).toHaveLength(4);
    // Each re-embedding call was charged to its agent.
    const charged = await db.spendEntry.count({ where: { agentId: alpha.agentId, kind: "embedding", state: "committed" } });
    expect(charged).toBe(3); // 64 + 64 + 22

    // Once Broke's budget is raised, "Re-embed now" moves what was left of it (and tries Doomed again).
    app.fake.setEmbeddingResponder((inputs) => (inputs.some((t) => t.startsWith("Doomed")) ? { kind: "error", status: 500 } : undefined));
    await db.agent.update({ where: { id: broke.agentId }, data: { budgetUsd: 5 } });
    expect(await owner.caller.provider.reembedMemories()).toEqual({ isReembedRequested: true, waiting: 40 });
    const again = await waitForReembed(owner.team.id);
    expect(await on(broke)).toBe(30);
    expect(again.waiting).toBe(10);
    expect(again.reembed!.failures.map((f) => f.agentName)).toEqual(["Doomed"]);
    // Nothing already on the new embedder was sent again.
    expect(sentInputs("Alpha")).toHaveLength(150);
    app.fake.setEmbeddingResponder(null);
  });

  it("moves 1,000 memories of one agent and back to offline (throughput against the local fake)", { timeout: 180_000 }, async () => {
    const owner = await createTestTeam();
    const provider = await owner.caller.provider.create({ name: "fake-throughput", baseUrl: app.fake.baseURL, apiKey: "sk-embed-0002" });
    const created = await owner.caller.agent.create(
      agentInput({ name: "Many", provider: provider.id, model: "gpt-4o-mini", budgetUsd: 5 }),
    );
    const ids = { agentId: created.id, teamId: owner.team.id };
    const COUNT = 1000;
    await createTestMemories(ids, notes("Many", COUNT));

    let started = Date.now();
    await owner.caller.provider.setEmbedder({ choice: { kind: "provider", providerId: provider.id, model: MODEL } });
    const moved = await waitForReembed(owner.team.id);
    let seconds = (Date.now() - started) / 1000;
    expect(moved).toMatchObject({ waiting: 0, reembed: { failures: [] } });
    console.log(`to ${NEW_EMBEDDER}: ${COUNT} memories in ${seconds.toFixed(2)} s = ${(COUNT / seconds).toFixed(0)} memories/s`);

    started = Date.now();
    await owner.caller.provider.setEmbedder({ choice: { kind: "offline" } });
    const back = await waitForReembed(owner.team.id);
    seconds = (Date.now() - started) / 1000;
    expect(back).toMatchObject({ embedderId: "offline:hash-v1", waiting: 0 });
    console.log(`to offline:hash-v1: ${COUNT} memories in ${seconds.toFixed(2)} s = ${(COUNT / seconds).toFixed(0)} memories/s`);
  });
});
