import { describe, expect, it } from "vitest";
import { appendEvent, writeSnapshot } from "~/server/agents/events";
import { db } from "~/server/db/client";
import { rememberFact, writeMemory } from "~/server/memory/memories";
import { agentInput } from "../factories/agent";
import { addTestMember, createTestTeam } from "../factories/team";

type TrpcFailure = {
  code?: string;
  message: string;
  cause?: { fieldErrors?: Record<string, string[]>; issues?: { path: PropertyKey[]; message: string }[] };
};

async function failure(promise: Promise<unknown>): Promise<TrpcFailure> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e as TrpcFailure,
  );
  expect(error, "expected the call to fail").not.toBeNull();
  return error!;
}

describe("agent.settings and agent.update", () => {
  it("round-trips every setting through the edit form's shape and applies a change with an audit row and a timeline event", async () => {
    const owner = await createTestTeam();
    const agent = await owner.caller.agent.create(
      agentInput({ cooldownSeconds: 0, scheduleCron: "0 9 * * 1-5", scheduleTimezone: "Europe/Berlin", memory: { halfLifeHours: 24 } }),
    );
    const loaded = await owner.caller.agent.settings({ id: agent.id });
    expect(loaded.settings).toMatchObject({
      name: agent.name,
      cooldownSeconds: 0,
      scheduleCron: "0 9 * * 1-5",
      scheduleTimezone: "Europe/Berlin",
      budgetUsd: "5",
      budgetTokens: "",
    });
    expect(loaded.settings.memory.halfLifeHours).toBe(24);

    // Saving the loaded settings unchanged changes nothing.
    const same = await owner.caller.agent.update({ id: agent.id, version: loaded.version, ...loaded.settings });
    expect(same.changed).toEqual([]);

    const tools = loaded.settings.tools.map((t) => (t.name === "http_get" ? { ...t, enabled: true, approval: "never" as const } : t));
    const saved = await owner.caller.agent.update({
      id: agent.id,
      version: loaded.version,
      ...loaded.settings,
      goal: "Watch the status page and report outages within minutes.",
      budgetUsd: "20",
      tools,
      scheduleCron: "",
    });
    expect(saved.changed.sort()).toEqual(["budgetUsd", "goal", "scheduleCron", "tools"]);
    const row = await db.agent.findUniqueOrThrow({ where: { id: agent.id } });
    expect(row.goal).toBe("Watch the status page and report outages within minutes.");
    expect(row.budgetUsd?.toString()).toBe("20");
    expect(row.scheduleCron).toBeNull();
    expect((row.tools as { name: string; enabled: boolean; approval: string }[]).find((t) => t.name === "http_get")).toMatchObject({
      enabled: true,
      approval: "never",
    });
    expect(row.version).toBe(loaded.version + 1);
    const audit = await db.auditLog.findFirstOrThrow({ where: { targetId: agent.id, action: "agent.edit" } });
    expect(audit.metadata).toMatchObject({ fields: expect.stringContaining("goal") });
    const event = await db.agentEvent.findFirstOrThrow({ where: { agentId: agent.id, type: "status_change" } });
    expect(event.payload).toMatchObject({ change: "settings_edited", fields: expect.arrayContaining(["goal", "tools"]) });

    // The form opened before that save is stale now: refused, nothing overwritten.
    const stale = await failure(
      owner.caller.agent.update({ id: agent.id, version: loaded.version, ...loaded.settings, goal: "An older goal that must not win." }),
    );
    expect(stale.code).toBe("CONFLICT");
    expect(stale.message).toBe("Someone else changed this agent since you opened the form. Reload it to see their changes.");
    expect((await db.agent.findUniqueOrThrow({ where: { id: agent.id } })).goal).toBe(
      "Watch the status page and report outages within minutes.",
    );
  });

  it("gives field messages for limits below what was used, a taken name, a bad schedule or time zone, and an unknown provider", async () => {
    const owner = await createTestTeam();
    const other = await owner.caller.agent.create(agentInput({ name: "Taken name" }));
    const agent = await owner.caller.agent.create(agentInput({ budgetUsd: 10 }));
    await db.agent.update({ where: { id: agent.id }, data: { spentUsd: "3.25", tokensUsed: 5000n, cycleCount: 40 } });
    const { settings, version } = await owner.caller.agent.settings({ id: agent.id });
    const cases: [Record<string, unknown>, string, string][] = [
      [{ budgetUsd: "2" }, "budgetUsd", "This agent has already spent $3.25; the money limit must be at least that."],
      [{ budgetTokens: "100" }, "budgetTokens", "This agent has already used 5,000 tokens; the limit must be at least that."],
      [{ budgetCycles: "39" }, "budgetCycles", "This agent has already run 40 cycles; the limit must be at least that."],
      [{ name: other.name }, "name", `An agent named "Taken name" already exists in this team. Choose another name.`],
      [{ scheduleCron: "61 * * * *" }, "scheduleCron", "That schedule is not a valid cron expression"],
      [{ scheduleCron: "every day" }, "scheduleCron", "Write 5 fields: minute hour day-of-month month day-of-week, e.g. 0 9 * * 1-5."],
      [{ scheduleTimezone: "Mars/Olympus" }, "scheduleTimezone", "That time zone is not known."],
      [{ provider: "00000000-0000-4000-8000-000000000000" }, "provider", "That model provider was not found in this team."],
    ];
    for (const [change, field, message] of cases) {
      const error = await failure(owner.caller.agent.update({ id: agent.id, version, ...settings, ...change }));
      expect(error.code, field).toBe(field === "name" ? "CONFLICT" : "BAD_REQUEST");
      // AppError field messages, or zod's issue for that field (input validation).
      const fieldMessage =
        error.cause?.fieldErrors?.[field]?.[0] ?? error.cause?.issues?.find((i) => i.path.join(".") === field)?.message ?? "";
      expect(fieldMessage, field).toContain(message);
    }
    expect((await db.agent.findUniqueOrThrow({ where: { id: agent.id } })).version).toBe(version);
  });

  it("viewers can read settings but not change them; other teams cannot see them", async () => {
    const owner = await createTestTeam();
    const agent = await owner.caller.agent.create(agentInput());
    const viewer = await addTestMember(owner.team.id, "viewer");
    const { settings, version } = await viewer.caller.agent.settings({ id: agent.id });
    expect((await failure(viewer.caller.agent.update({ id: agent.id, version, ...settings }))).code).toBe("FORBIDDEN");
    const stranger = await createTestTeam();
    const hidden = await failure(stranger.caller.agent.settings({ id: agent.id }));
    expect(hidden.message).toBe("That agent was not found, or you do not have access to it.");
    const blocked = await failure(stranger.caller.agent.update({ id: agent.id, version, ...settings }));
    expect(blocked.message).toBe("That agent was not found, or you do not have access to it.");
  });
});

describe("agent.fork", () => {
  it("creates an idle agent with the checkpoint's state and memories as of then, not what came later", async () => {
    const owner = await createTestTeam();
    const source = await owner.caller.agent.create(agentInput({ budgetCycles: 100, cooldownSeconds: 5 }));
    const ids = { agentId: source.id, teamId: owner.team.id };
    for (let cycle = 1; cycle <= 12; cycle++) {
      await appendEvent({ ...ids, cycle, type: "thought", payload: { content: `thinking ${cycle}` }, costUsd: "0.01" });
      await db.agent.update({
        where: { id: source.id },
        data: { cycleCount: cycle, worldState: { phase: `at ${cycle}` }, summary: `up to ${cycle}` },
      });
      if (cycle === 3) {
        await writeMemory({ ...ids, kind: "episode", content: "Found the pricing page." });
        await rememberFact({ ...ids, key: "plan", content: "Plan: basic", source: "test", confidence: 1, importance: 0.5 });
        await rememberFact({ ...ids, key: "owner", content: "Owner: Dana", source: "test", confidence: 1, importance: 0.5 });
        await new Promise((r) => setTimeout(r, 5));
      }
      if (cycle === 5) await writeSnapshot({ ...ids, cycle });
      if (cycle === 8) {
        await new Promise((r) => setTimeout(r, 5));
        await writeMemory({ ...ids, kind: "episode", content: "Later episode that the fork must not know." });
        await rememberFact({ ...ids, key: "plan", content: "Plan: pro", source: "test", confidence: 1, importance: 0.5 });
      }
      if (cycle === 10) await writeSnapshot({ ...ids, cycle });
    }

    const forked = await owner.caller.agent.fork({ id: source.id, cycle: 5 });
    expect(forked.agent).toMatchObject({ status: "idle", name: `${source.name} (fork at cycle 5)`, spentUsd: "0", cycleCount: 5 });
    const row = await db.agent.findUniqueOrThrow({ where: { id: forked.agent.id } });
    expect(row).toMatchObject({
      worldState: { phase: "at 5" },
      // The checkpoint's summary (its cursor at 0), with the cycles it did not cover folded in: the fork has no history to read them from.
      summary: "up to 5\nc1: no action\nc2: no action\nc3: no action\nc4: no action\nc5: no action",
      summaryThroughCycle: 5,
      cooldownSeconds: 5,
      budgetCycles: 100,
      forkedFromAgentId: source.id,
      teamId: owner.team.id,
    });
    const memories = await db.memory.findMany({ where: { agentId: forked.agent.id }, select: { content: true, kind: true } });
    const contents = memories.map((m) => m.content).sort();
    expect(contents).toContain("Found the pricing page.");
    expect(contents).toContain("Owner: Dana");
    expect(contents).not.toContain("Later episode that the fork must not know.");
    // "plan" changed after the checkpoint: no value as of then is on record, so it is left out (and said so).
    expect(contents.some((c) => c.startsWith("Plan:"))).toBe(false);
    const facts = await db.fact.findMany({ where: { agentId: forked.agent.id }, select: { key: true } });
    expect(facts.map((f) => f.key)).toEqual(["owner"]);
    const start = await db.agentEvent.findFirstOrThrow({ where: { agentId: forked.agent.id } });
    expect(start).toMatchObject({ cycle: 5, type: "status_change" });
    expect(start.payload).toMatchObject({
      change: "forked",
      fromAgentId: source.id,
      fromCycle: 5,
      factsCopied: 1,
      factsChangedSinceCheckpoint: 1,
    });
    // The fork has its own checkpoint to resume from, and the source is untouched.
    expect((await owner.caller.agent.state({ id: forked.agent.id })).checkpoints.map((c) => c.cycle)).toEqual([5]);
    expect((await db.agent.findUniqueOrThrow({ where: { id: source.id } })).worldState).toEqual({ phase: "at 12" });
    expect(await db.auditLog.count({ where: { action: "agent.fork", targetId: forked.agent.id } })).toBe(1);

    // A later checkpoint sees the later state; a chosen name is used, and a second fork with it conflicts.
    const later = await owner.caller.agent.fork({ id: source.id, cycle: 10, name: "Second opinion" });
    expect((await db.agent.findUniqueOrThrow({ where: { id: later.agent.id } })).worldState).toEqual({ phase: "at 10" });
    expect(await db.memory.count({ where: { agentId: later.agent.id, content: "Later episode that the fork must not know." } })).toBe(1);
    const conflict = await failure(owner.caller.agent.fork({ id: source.id, cycle: 10, name: "Second opinion" }));
    expect(conflict.code).toBe("CONFLICT");
    expect(conflict.cause?.fieldErrors?.name?.[0]).toBe(
      'An agent named "Second opinion" already exists in this team. Choose another name.',
    );
  });

  it("a cycle not run yet, a viewer and another team are refused", async () => {
    const owner = await createTestTeam();
    const source = await owner.caller.agent.create(agentInput());
    await appendEvent({ agentId: source.id, teamId: owner.team.id, cycle: 1, type: "thought" });
    await writeSnapshot({ agentId: source.id, teamId: owner.team.id, cycle: 1 });
    await db.agent.update({ where: { id: source.id }, data: { cycleCount: 1 } });
    expect((await failure(owner.caller.agent.fork({ id: source.id, cycle: 2 }))).message).toBe(
      "This agent has run 1 cycle; choose a cycle from 0 to 1 to fork from.",
    );
    const viewer = await addTestMember(owner.team.id, "viewer");
    expect((await failure(viewer.caller.agent.fork({ id: source.id, cycle: 1 }))).code).toBe("FORBIDDEN");
    const stranger = await createTestTeam();
    expect((await failure(stranger.caller.agent.fork({ id: source.id, cycle: 1 }))).message).toBe(
      "That agent was not found, or you do not have access to it.",
    );
    expect(await db.agent.count({ where: { forkedFromAgentId: source.id } })).toBe(0);
  });
});
