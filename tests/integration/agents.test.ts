import { describe, expect, it } from "vitest";
import { db } from "~/server/db/client";
import { agentInput } from "../factories/agent";
import { postTrpc } from "../factories/http";
import { createTestProvider } from "../factories/provider";
import { addTestMember, anonymousCaller, createTestTeam } from "../factories/team";
import { expectTrpcError } from "../fixtures/trpc-errors";

describe("agent.create", () => {
  it("saves a valid agent as idle with its settings, and lists it", async () => {
    const { caller, team } = await createTestTeam();
    const created = await caller.agent.create(
      agentInput({
        name: "Pricing watcher",
        budgetUsd: 12.5,
        budgetCycles: 500,
        cooldownSeconds: 300,
        stuckNoProgressCycles: 200,
        memory: { weights: { recency: 2 }, halfLifeHours: 12 },
      }),
    );
    expect(created.status).toBe("idle");
    expect(created.budgetUsd).toBe("12.5");

    const row = await db.agent.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.teamId).toBe(team.id);
    expect(row.cooldownSeconds).toBe(300);
    expect(row.budgetCycles).toBe(500);
    expect({ repeat: row.stuckRepeatLimit, quiet: row.stuckNoProgressCycles }).toEqual({ repeat: 3, quiet: 200 });
    // Memory settings: given values kept, the rest filled with defaults.
    expect(row.memorySettings).toEqual({
      weights: { similarity: 1, recency: 2, frequency: 0.2, importance: 0.5 },
      halfLifeHours: 12,
      cap: 5000,
      onConsolidate: "archive",
    });
    expect(Array.isArray(row.tools)).toBe(true);

    const list = await caller.agent.list({});
    expect(list.items.map((a) => a.name)).toEqual(["Pricing watcher"]);
    expect(list.total).toBe(1);

    const audit = await db.auditLog.findFirst({ where: { teamId: team.id, action: "agent.create", targetId: created.id } });
    expect(audit).not.toBeNull();
  });

  it.each([
    ["budgetUsd", { budgetUsd: -1 }, "The budget must be more than $0."],
    ["budgetUsd", { budgetUsd: 0 }, "The budget must be more than $0."],
    ["cooldownSeconds", { cooldownSeconds: -1 }, "The cooldown can't be negative."],
    ["cooldownSeconds", { cooldownSeconds: 8 * 24 * 3600 }, "The cooldown must be at most 604,800 seconds."],
    ["name", { name: "   " }, "Give the agent a name."],
    ["goal", { goal: "short" }, "Describe the goal in at least 10 characters."],
    ["softLimitPercent", { softLimitPercent: 150 }, "The soft limit must be at most 100 percent."],
    ["budgetTokens", { budgetTokens: 1.5 }, "Enter a whole number of tokens."],
    ["stuckRepeatLimit", { stuckRepeatLimit: 1 }, "The repeat limit must be at least 2 calls."],
    ["memory", { memory: { weights: { recency: -1 } } }, "The recency weight can't be negative."],
    ["memory", { memory: { cap: 5 } }, "Keep at least 100 memories."],
  ] as const)("rejects a bad %s with a field message and saves nothing", async (field, override, message) => {
    const { headers, team } = await createTestTeam();
    const { status, error } = await postTrpc("agent.create", agentInput(override), headers);
    expect(status).toBe(400);
    expect(error?.message).toBe("Some fields need attention.");
    expect(error?.data.fieldErrors?.[field]?.[0]).toBe(message);
    expect(error?.data.stack ?? null).toBeNull();
    expect(await db.agent.count({ where: { teamId: team.id } })).toBe(0);
  });

  it("rejects a duplicate name in the same team, but allows it in another team", async () => {
    const a = await createTestTeam();
    const b = await createTestTeam();
    await a.caller.agent.create(agentInput({ name: "Inbox triage" }));
    const error = await expectTrpcError(a.caller.agent.create(agentInput({ name: "Inbox triage" })), "CONFLICT");
    expect(error.message).toContain('An agent named "Inbox triage" already exists');
    expect(error.cause?.fieldErrors?.name?.[0]).toContain("already exists");
    await expect(b.caller.agent.create(agentInput({ name: "Inbox triage" }))).resolves.toMatchObject({ name: "Inbox triage" });
    expect(await db.agent.count({ where: { teamId: a.team.id } })).toBe(1);
  });

  it("accepts only the simulator or a model provider of the same team", async () => {
    const a = await createTestTeam();
    const b = await createTestTeam();
    const theirs = await createTestProvider(b.team.id, { name: "their-openai", baseUrl: "http://b.invalid/v1" });
    const ours = await createTestProvider(a.team.id, { name: "our-openai", baseUrl: "http://a.invalid/v1" });
    for (const provider of [theirs.id, "no-such-provider"]) {
      const error = await expectTrpcError(a.caller.agent.create(agentInput({ provider })), "BAD_REQUEST");
      expect(error.cause?.fieldErrors?.provider).toEqual(["That model provider was not found in this team."]);
    }
    expect(await db.agent.count({ where: { teamId: a.team.id } })).toBe(0);
    const created = await a.caller.agent.create(agentInput({ provider: ours.id, model: "gpt-4o-mini" }));
    expect(created.provider).toBe(ours.id);
  });

  it("lets a viewer list but not create, and a member create", async () => {
    const owner = await createTestTeam();
    const viewer = await addTestMember(owner.team.id, "viewer");
    const member = await addTestMember(owner.team.id, "member");
    await expectTrpcError(viewer.caller.agent.create(agentInput()), "FORBIDDEN");
    await member.caller.agent.create(agentInput({ name: "Made by member" }));
    const seenByViewer = await viewer.caller.agent.list({});
    expect(seenByViewer.items.map((a) => a.name)).toEqual(["Made by member"]);
  });

  it("never shows or finds another team's agents", async () => {
    const a = await createTestTeam();
    const b = await createTestTeam();
    const secret = await a.caller.agent.create(agentInput({ name: "Secret project" }));
    expect((await b.caller.agent.list({})).items).toEqual([]);
    const error = await expectTrpcError(b.caller.agent.byId({ id: secret.id }), "NOT_FOUND");
    const missing = await expectTrpcError(b.caller.agent.byId({ id: "00000000-0000-4000-8000-000000000000" }), "NOT_FOUND");
    expect(error.message).toBe(missing.message);
  });

  it("requires a signed-in user", async () => {
    const caller = await anonymousCaller();
    await expectTrpcError(caller.agent.list({}), "UNAUTHORIZED");
    await expectTrpcError(caller.agent.create(agentInput()), "UNAUTHORIZED");
  });

  it("filters, searches, sorts and paginates", async () => {
    const { caller, team } = await createTestTeam();
    for (let i = 0; i < 7; i++) await caller.agent.create(agentInput({ name: `Agent ${String(i).padStart(2, "0")}` }));
    await db.agent.updateMany({ where: { teamId: team.id, name: "Agent 03" }, data: { status: "paused" } });

    const page1 = await caller.agent.list({ sort: "name", limit: 3 });
    expect(page1.items.map((a) => a.name)).toEqual(["Agent 00", "Agent 01", "Agent 02"]);
    expect(page1.total).toBe(7);
    const page2 = await caller.agent.list({ sort: "name", limit: 3, cursor: page1.nextCursor });
    expect(page2.items.map((a) => a.name)).toEqual(["Agent 03", "Agent 04", "Agent 05"]);
    const page3 = await caller.agent.list({ sort: "name", limit: 3, cursor: page2.nextCursor });
    expect(page3.items.map((a) => a.name)).toEqual(["Agent 06"]);
    expect(page3.nextCursor).toBeNull();

    expect((await caller.agent.list({ status: "paused" })).items.map((a) => a.name)).toEqual(["Agent 03"]);
    expect((await caller.agent.list({ search: "agent 05" })).items.map((a) => a.name)).toEqual(["Agent 05"]);
  });
});
