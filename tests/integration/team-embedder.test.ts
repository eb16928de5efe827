import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { applyMigrations, MIGRATIONS_DIR } from "~/server/db/migrate";
import { inngest } from "~/inngest/client";
import { memoryReembedRequested } from "~/inngest/events";
import { db } from "~/server/db/client";
import { readRecallInputs, recallForContext, searchMemories, writeMemory } from "~/server/memory/memories";
import { reembedAgent } from "~/server/memory/reembed";
import { reembedAgentStep, startTeamReembed } from "~/server/memory/team-embedder";
import { agentInput } from "../factories/agent";
import { createTestMemories } from "../factories/memory";
import { addTestMember, createTestTeam } from "../factories/team";
import { startFakeOpenAI, type FakeOpenAI } from "../fixtures/fake-openai";

/**
 * The team's memory embedder (docs/decisions/033) against the real database and the local
 * OpenAI-compatible server: which embedder the agents use, the setting's rules, what it asks of the
 * team-memory-reembed function (its steps are called here; the function itself runs in
 * tests/contract/team-embedder.test.ts), and the provider-delete rule.
 */
let fake: FakeOpenAI;
const sent: { name: string; data: unknown }[] = [];
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
beforeEach(() => {
  vi.spyOn(inngest, "send").mockImplementation((async (payload: { name: string; data: unknown }) => {
    sent.push(payload);
    return { ids: [] };
  }) as never);
});
afterAll(async () => fake?.stop());

const MODEL = "text-embedding-3-small";
const embeddingCalls = () => fake.requests.filter((r) => r.path === "/v1/embeddings");

async function teamWithProvider() {
  const owner = await createTestTeam();
  const provider = await owner.caller.provider.create({ name: "fake", baseUrl: fake.baseURL, apiKey: "sk-team-embedder" });
  return { owner, provider, choice: { kind: "provider" as const, providerId: provider.id, model: MODEL } };
}

describe("the team's embedder", () => {
  it("is offline by default and, once set, embeds every agent's new memories (simulator agents too) through the team's provider", async () => {
    const { owner, choice } = await teamWithProvider();
    const onModel = await owner.caller.agent.create(agentInput({ name: "On a model", provider: choice.providerId, model: "gpt-4o-mini" }));
    const onSimulator = await owner.caller.agent.create(agentInput({ name: "On the simulator" }));
    expect(await owner.caller.provider.embedder()).toMatchObject({
      choice: { kind: "offline" },
      embedderId: "offline:hash-v1",
      waiting: 0,
    });
    const ids = (agentId: string) => ({ agentId, teamId: owner.team.id });
    await writeMemory({ ...ids(onModel.id), kind: "fact", content: "The warehouse closes at six" });
    const before = embeddingCalls().length;
    expect((await searchMemories({ ...ids(onModel.id), query: "warehouse" })).embedderId).toBe("offline:hash-v1");
    expect(embeddingCalls().length).toBe(before);

    // Nothing waits yet (the one memory is on the offline embedder)... until the setting changes.
    expect(await owner.caller.provider.setEmbedder({ choice })).toEqual({ embedderId: `openai:${MODEL}`, isReembedRequested: true });
    expect(sent.at(-1)).toEqual({ name: memoryReembedRequested.name, data: { teamId: owner.team.id, embedderId: `openai:${MODEL}` } });
    expect(await owner.caller.provider.embedder()).toMatchObject({
      choice: { kind: "provider", providerId: choice.providerId, providerName: "fake", model: MODEL },
      embedderId: `openai:${MODEL}`,
      memories: 1,
      waiting: 1,
      isReembedding: true,
    });
    for (const agent of [onModel, onSimulator]) {
      await writeMemory({ ...ids(agent.id), kind: "fact", content: `Written by ${agent.name} after the change` });
      const found = await searchMemories({ ...ids(agent.id), query: "after the change" });
      expect(found.embedderId).toBe(`openai:${MODEL}`);
      expect(found.memories.map((m) => m.content)).toEqual([`Written by ${agent.name} after the change`]);
    }
    // The loop's recall reads the team's embedder in its own read (readRecallInputs, as readThinkState does).
    const recalled = await recallForContext({
      ...ids(onSimulator.id),
      settings: {},
      query: "after the change",
      excludeSeqs: new Set(),
      inputs: await readRecallInputs(ids(onSimulator.id)),
    });
    expect(recalled.embedderId).toBe(`openai:${MODEL}`);
    const last = embeddingCalls().at(-1)!;
    expect(last.body).toMatchObject({ model: MODEL });
    expect(last.headers.authorization).toBe("Bearer sk-team-embedder");
    // The memory from before the change waits for re-embedding and is not found meanwhile, nor lost.
    expect((await searchMemories({ ...ids(onModel.id), query: "warehouse closes" })).memories).toEqual([]);
    expect((await owner.caller.provider.embedder()).waiting).toBe(1);
  });

  it("validates the choice, sends nothing for the same setting or the same model elsewhere, and is audited", async () => {
    const { owner, provider, choice } = await teamWithProvider();
    await expect(owner.caller.provider.setEmbedder({ choice: { ...choice, model: "text embedding 3" } })).rejects.toThrow(
      "Model names use letters, digits and . : / - _ only.",
    );
    await expect(owner.caller.provider.setEmbedder({ choice: { ...choice, model: " " } })).rejects.toThrow(
      "Name the embedding model, e.g. text-embedding-3-small.",
    );
    const other = await teamWithProvider();
    await expect(owner.caller.provider.setEmbedder({ choice: { ...choice, providerId: other.provider.id } })).rejects.toThrow(
      "That provider was not found, or you do not have access to it.",
    );

    const agent = await owner.caller.agent.create(agentInput({ provider: provider.id, model: "gpt-4o-mini" }));
    await createTestMemories({ agentId: agent.id, teamId: owner.team.id }, ["one", "two", "three"]);
    const sentBefore = sent.length;
    expect(await owner.caller.provider.setEmbedder({ choice })).toMatchObject({ isReembedRequested: true });
    expect(await owner.caller.provider.setEmbedder({ choice })).toMatchObject({ isReembedRequested: false });
    // Another provider serving the same model: the vectors stay valid, nothing to re-embed.
    const second = await owner.caller.provider.create({ name: "fake 2", baseUrl: fake.baseURL, apiKey: "sk-second" });
    expect(await owner.caller.provider.setEmbedder({ choice: { ...choice, providerId: second.id } })).toEqual({
      embedderId: `openai:${MODEL}`,
      isReembedRequested: false,
    });
    expect(sent.length - sentBefore).toBe(1);
    const audit = await db.auditLog.findMany({
      where: { teamId: owner.team.id, action: "team.set_embedder" },
      orderBy: { createdAt: "asc" },
      select: { actorId: true, metadata: true },
    });
    expect(audit.map((a) => a.metadata)).toEqual([
      { from: "offline:hash-v1", to: `openai:${MODEL}`, provider: provider.id },
      { from: `openai:${MODEL}`, to: `openai:${MODEL}`, provider: second.id },
    ]);
    expect(audit.every((a) => a.actorId === owner.user.id)).toBe(true);
  });

  it("says what a choice would re-embed and at about what cost", async () => {
    const { owner, provider, choice } = await teamWithProvider();
    const agent = await owner.caller.agent.create(agentInput({ provider: provider.id, model: "gpt-4o-mini" }));
    await createTestMemories({ agentId: agent.id, teamId: owner.team.id }, ["x".repeat(4000), "y".repeat(4000)]);
    expect(await owner.caller.provider.embedderEstimate({ choice: { kind: "offline" } })).toMatchObject({ memories: 0, costUsd: 0 });
    // 8,000 bytes ≈ 2,000 tokens at text-embedding-3-small's $0.02 per million.
    expect(await owner.caller.provider.embedderEstimate({ choice })).toEqual({
      embedderId: `openai:${MODEL}`,
      memories: 2,
      tokens: 2000,
      costUsd: 0.00004,
      isPriced: true,
    });
    await owner.caller.provider.setPrice({ id: provider.id, model: "my-embedder", inputPerMillion: 1, outputPerMillion: 0 });
    expect(await owner.caller.provider.embedderEstimate({ choice: { ...choice, model: "my-embedder" } })).toMatchObject({
      costUsd: 0.002,
      isPriced: true,
    });
  });

  it("re-embedding steps: skip what is done, report a refused budget, leave alone a team that moved on", async () => {
    const { owner, provider, choice } = await teamWithProvider();
    const rich = await owner.caller.agent.create(agentInput({ name: "Rich", provider: provider.id, model: "gpt-4o-mini", budgetUsd: 5 }));
    const poor = await owner.caller.agent.create(
      agentInput({ name: "Poor", provider: provider.id, model: "gpt-4o-mini", budgetUsd: 0.00001 }),
    );
    const teamId = owner.team.id;
    await createTestMemories({ agentId: rich.id, teamId }, ["r1", "r2", "r3", "r4"]);
    await createTestMemories({ agentId: poor.id, teamId }, ["p".repeat(3000)]);
    await owner.caller.provider.setEmbedder({ choice });
    const embedderId = `openai:${MODEL}`;
    // Half of Rich's memories were moved already (a run that was cut off): they are not sent again.
    await reembedAgent({ agentId: rich.id, teamId, limit: 2 });
    const start = await startTeamReembed({ teamId, embedderId });
    expect(start).toEqual({
      isSuperseded: false,
      agents: [
        { id: rich.id, name: "Rich" },
        { id: poor.id, name: "Poor" },
      ],
    });
    const before = embeddingCalls().length;
    expect(await reembedAgentStep({ teamId, agentId: rich.id, embedderId })).toMatchObject({ reembedded: 2, hasMore: false, error: null });
    expect((embeddingCalls().at(-1)!.body as { input: string[] }).input).toHaveLength(2);
    expect(embeddingCalls().length - before).toBe(1);
    const refused = await reembedAgentStep({ teamId, agentId: poor.id, embedderId });
    expect(refused).toMatchObject({ reembedded: 0, hasMore: true });
    expect(refused.error).toMatch(
      /^Its budget refused the embeddings call \(The next embedding call could cost up to \$0\.\d+;.*\) Raise its budget/,
    );
    expect(embeddingCalls().length - before).toBe(1);

    // The team went back to offline: the old request's steps do nothing.
    await owner.caller.provider.setEmbedder({ choice: { kind: "offline" } });
    expect(await startTeamReembed({ teamId, embedderId })).toEqual({ isSuperseded: true, agents: [] });
    expect(await reembedAgentStep({ teamId, agentId: poor.id, embedderId })).toMatchObject({ reembedded: 0, hasMore: false });
  });

  it("Test connection checks embeddings on the team's embedding provider, with the team's model", async () => {
    const { owner, provider, choice } = await teamWithProvider();
    const other = await owner.caller.provider.create({ name: "chat only", baseUrl: fake.baseURL, apiKey: "sk-chat" });
    await owner.caller.provider.setEmbedder({ choice });
    const checks = async (id: string) => (await owner.caller.provider.test({ id, model: "gpt-4o-mini" })).checks.map((c) => c.name);
    expect(await checks(provider.id)).toContain("embeddings");
    expect(await checks(other.id)).not.toContain("embeddings");
  });

  it("memory:reembed's reembedAgent follows the team setting", async () => {
    const { owner, provider, choice } = await teamWithProvider();
    const agent = await owner.caller.agent.create(agentInput({ provider: provider.id, model: "gpt-4o-mini" }));
    const ids = { agentId: agent.id, teamId: owner.team.id };
    await createTestMemories(ids, ["a", "b"]);
    expect(await reembedAgent({ ...ids, dryRun: true })).toMatchObject({ embedderId: "offline:hash-v1", toDo: 0 });
    await owner.caller.provider.setEmbedder({ choice });
    expect(await reembedAgent(ids)).toMatchObject({ embedderId: `openai:${MODEL}`, toDo: 2, reembedded: 2, hasMore: false });
  });
});

describe("who may change it, and the provider it names", () => {
  it("admins and owners set it; members and viewers see it read-only; another team cannot touch it", async () => {
    const { owner, choice } = await teamWithProvider();
    const viewer = await addTestMember(owner.team.id, "viewer");
    const member = await addTestMember(owner.team.id, "member");
    const admin = await addTestMember(owner.team.id, "admin");
    expect(await viewer.caller.provider.embedder()).toMatchObject({ choice: { kind: "offline" } });
    for (const who of [viewer, member]) {
      await expect(who.caller.provider.setEmbedder({ choice })).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(who.caller.provider.reembedMemories()).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(who.caller.provider.embedderEstimate({ choice })).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    await admin.caller.provider.setEmbedder({ choice });
    expect(await viewer.caller.provider.embedder()).toMatchObject({ choice: { kind: "provider", model: MODEL } });
    const stranger = await createTestTeam();
    expect(await stranger.caller.provider.embedder()).toMatchObject({ choice: { kind: "offline" } });
  });

  it("deleting the team's embedding provider is refused until another embedder is chosen", async () => {
    const { owner, provider, choice } = await teamWithProvider();
    await owner.caller.provider.setEmbedder({ choice });
    const refusal =
      "This provider embeds the team's memories; choose another provider or Offline under Memory embeddings first, then delete it.";
    await expect(owner.caller.provider.delete({ id: provider.id })).rejects.toThrow(refusal);
    // The database refuses it too (a delete that raced the setting).
    await expect(db.modelProvider.delete({ where: { id: provider.id } })).rejects.toThrow();
    await owner.caller.provider.setEmbedder({ choice: { kind: "offline" } });
    await owner.caller.provider.delete({ id: provider.id });
    expect(await db.modelProvider.count({ where: { id: provider.id } })).toBe(0);
  });
});

describe("the migration to team embedders", () => {
  it("gives each team the provider model most of its memories are on (the oldest on a tie), and drops the provider's column", async () => {
    const MIGRATION = "20261206190000_team_embedder";
    const name = `team_embedder_migration_${Math.random().toString(36).slice(2, 10)}`;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${name}`;
    const before = await mkdtemp(path.join(tmpdir(), "longhaul-before-"));
    const client = new pg.Client({ connectionString: url.toString() });
    try {
      // Every migration before this one, then the data as the per-provider embedding models left it.
      await cp(MIGRATIONS_DIR, before, { recursive: true, filter: (source) => !source.includes(MIGRATION) });
      await applyMigrations(url.toString(), { dir: before });
      await client.connect();
      const team = async (id: string) => client.query(`INSERT INTO team (id, name, slug) VALUES ($1, $1, $1)`, [id]);
      const provider = async (teamId: string, providerName: string, model: string | null, createdAt: string) =>
        (
          await client.query<{ id: string }>(
            `INSERT INTO model_provider ("teamId", name, "embeddingModel", "createdAt", "updatedAt") VALUES ($1, $2, $3, $4, now()) RETURNING id`,
            [teamId, providerName, model, createdAt],
          )
        ).rows[0]!.id;
      const memories = async (teamId: string, embedder: string, n: number) => {
        const agent = await client.query<{ id: string }>(
          `INSERT INTO agent ("teamId", name, goal, model, "updatedAt") VALUES ($1, $2, 'g', 'gpt-4o-mini', now()) RETURNING id`,
          [teamId, `agent-${embedder}`],
        );
        await client.query(
          `INSERT INTO memory ("agentId", "teamId", kind, content, embedder, "updatedAt")
           SELECT $1, $2, 'episode', 'note ' || n, $3, now() FROM generate_series(1, $4::int) n`,
          [agent.rows[0]!.id, teamId, embedder, n],
        );
      };
      await Promise.all(["most", "tie", "none"].map(team));
      await provider("most", "older small", "text-embedding-3-small", "2026-01-01");
      const large = await provider("most", "newer large", "text-embedding-3-large", "2026-02-01");
      await memories("most", "openai:text-embedding-3-small", 2);
      await memories("most", "openai:text-embedding-3-large", 5);
      const older = await provider("tie", "older", "nomic-embed-text", "2026-01-01");
      await provider("tie", "newer", "text-embedding-3-small", "2026-02-01");
      await provider("none", "chat only", null, "2026-01-01");

      expect(await applyMigrations(url.toString())).toEqual([MIGRATION]);
      const teams = await client.query(`SELECT id, "embeddingProviderId", "embeddingModel" FROM team ORDER BY id`);
      expect(teams.rows).toEqual([
        { id: "most", embeddingProviderId: large, embeddingModel: "text-embedding-3-large" },
        { id: "none", embeddingProviderId: null, embeddingModel: null },
        { id: "tie", embeddingProviderId: older, embeddingModel: "nomic-embed-text" },
      ]);
      const column = await client.query(
        `SELECT 1 FROM information_schema.columns WHERE table_name = 'model_provider' AND column_name = 'embeddingModel'`,
      );
      expect(column.rowCount).toBe(0);
    } finally {
      await client.end().catch(() => {});
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
      await rm(before, { recursive: true, force: true });
    }
  });
});
