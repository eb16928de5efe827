import { describe, expect, it } from "vitest";
import { POST as importRoute } from "~/app/api/agents/import/route";
import { writeSnapshot } from "~/server/agents/events";
import { db } from "~/server/db/client";
import { env } from "~/server/env";
import { EXPORT_KIND, EXPORT_VERSION } from "~/server/transfer/export";
import { agentInput } from "../factories/agent";
import { addTestMember, createTestTeam } from "../factories/team";

/**
 * Guarded fields on every path that changes them: limits need `budget:raise` (admins) whether they
 * are raised by editing, by the budget panel or by forking; settings of every runnable agent pass
 * the form's schema, forks and imports included.
 */

async function teamWithAgent(overrides: Parameters<typeof agentInput>[0] = {}) {
  const owner = await createTestTeam();
  const member = await addTestMember(owner.team.id, "member");
  const admin = await addTestMember(owner.team.id, "admin");
  const agent = await owner.caller.agent.create(
    agentInput({ budgetUsd: 1, budgetTokens: 1000, budgetCycles: 10, softLimitPercent: 50, ...overrides }),
  );
  return { owner, member, admin, agent };
}

const limitsOf = (id: string) =>
  db.agent.findUniqueOrThrow({
    where: { id },
    select: { budgetUsd: true, budgetTokens: true, budgetCycles: true, softLimitPercent: true },
  });

describe("raising a limit needs an admin on every path", () => {
  it("agent.update: a member may lower limits but not raise any (money, tokens, cycles, soft %), nor remove one", async () => {
    const { member, admin, agent } = await teamWithAgent();
    const raises = [
      { budgetUsd: 2 },
      { budgetTokens: 2000 },
      { budgetTokens: "" },
      { budgetCycles: 20 },
      { budgetCycles: "" },
      { softLimitPercent: 90 },
    ];
    for (const raise of raises) {
      const { settings, version } = await member.caller.agent.settings({ id: agent.id });
      const attempt = member.caller.agent.update({ id: agent.id, version, ...settings, ...raise });
      await expect(attempt, JSON.stringify(raise)).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(attempt).rejects.toThrow(/needs an admin \(you are a member\)/);
    }
    expect(await limitsOf(agent.id)).toMatchObject({ budgetTokens: 1000n, budgetCycles: 10, softLimitPercent: 50 });
    expect((await limitsOf(agent.id)).budgetUsd?.toString()).toBe("1");

    // Lowering, and changing other fields, stays a member's right.
    let { settings, version } = await member.caller.agent.settings({ id: agent.id });
    await member.caller.agent.update({
      id: agent.id,
      version,
      ...settings,
      budgetUsd: 0.5,
      budgetCycles: 5,
      softLimitPercent: 40,
      goal: "A new goal for the agent.",
    });
    expect(await limitsOf(agent.id)).toMatchObject({ budgetCycles: 5, softLimitPercent: 40 });

    // An admin raises through the same form.
    ({ settings, version } = await admin.caller.agent.settings({ id: agent.id }));
    await admin.caller.agent.update({ id: agent.id, version, ...settings, budgetUsd: 3, budgetTokens: "", softLimitPercent: 95 });
    const raised = await limitsOf(agent.id);
    expect({ usd: raised.budgetUsd?.toString(), tokens: raised.budgetTokens, soft: raised.softLimitPercent }).toEqual({
      usd: "3",
      tokens: null,
      soft: 95,
    });
  });

  it("agent.fork: a member's fork starts with what the source has left; an admin's with the source's limits; nothing left, no fork", async () => {
    const { owner, member, admin, agent } = await teamWithAgent();
    const ids = { agentId: agent.id, teamId: owner.team.id };
    await db.agent.update({ where: { id: agent.id }, data: { cycleCount: 4, spentUsd: "0.75", tokensUsed: 600n } });
    await writeSnapshot({ ...ids, cycle: 2 });

    const memberFork = await member.caller.agent.fork({ id: agent.id, cycle: 2, name: "Member's fork" });
    const m = await limitsOf(memberFork.agent.id);
    // $0.25 and 400 tokens left; 6 cycles left, counted from the checkpoint's cycle 2.
    expect({ usd: m.budgetUsd?.toString(), tokens: m.budgetTokens, cycles: m.budgetCycles, soft: m.softLimitPercent }).toEqual({
      usd: "0.25",
      tokens: 400n,
      cycles: 8,
      soft: 50,
    });
    const adminFork = await admin.caller.agent.fork({ id: agent.id, cycle: 2, name: "Admin's fork" });
    const a = await limitsOf(adminFork.agent.id);
    expect({ usd: a.budgetUsd?.toString(), tokens: a.budgetTokens, cycles: a.budgetCycles }).toEqual({
      usd: "1",
      tokens: 1000n,
      cycles: 10,
    });

    // Exhausted: a fork would be a fresh budget.
    await db.agent.update({ where: { id: agent.id }, data: { spentUsd: "1", status: "budget_exhausted" } });
    await expect(member.caller.agent.fork({ id: agent.id, cycle: 2, name: "Another fork" })).rejects.toThrow(
      "This agent has no money left; a fork would start with a fresh budget, which needs an admin.",
    );
    expect(await db.agent.count({ where: { teamId: owner.team.id, name: "Another fork" } })).toBe(0);
    await admin.caller.agent.fork({ id: agent.id, cycle: 2, name: "Another fork" });
  });
});

describe("every path to a runnable agent validates with the form's schema", () => {
  const hostileSettings = {
    tools: [{ name: "http_get", enabled: true, approval: "never", allowedHosts: ["*", "[::1]", "169.254.169.254"] }],
    approvalTimeoutSeconds: 0,
    approvalTimeoutPolicy: "approve",
  };

  function exportText(overrides: Record<string, unknown>) {
    const now = new Date().toISOString();
    const header = { kind: EXPORT_KIND, version: EXPORT_VERSION, exportedAt: now };
    const agent = {
      kind: "agent",
      name: "Imported agent",
      goal: "Watch the pricing page and report changes.",
      instructions: "",
      model: "simulator-1",
      temperature: 0.2,
      tools: [],
      budgetUsd: "5",
      budgetTokens: null,
      budgetCycles: null,
      softLimitPercent: 80,
      cooldownSeconds: 60,
      approvalTimeoutSeconds: 86400,
      approvalTimeoutPolicy: "reject",
      memorySettings: {},
      worldState: {},
      summary: "",
      summaryThroughCycle: 0,
      cycleCount: 1,
      spentUsd: "0",
      tokensUsed: "0",
      createdAt: now,
      ...overrides,
    };
    const snapshot = { kind: "snapshot", cycle: 1, eventSeq: 0, worldState: {}, summary: "", counters: {}, createdAt: now };
    return [header, agent, snapshot].map((line) => JSON.stringify(line)).join("\n") + "\n";
  }

  const upload = (text: string, headers: Headers) =>
    importRoute(
      new Request(new URL("/api/agents/import", env.APP_URL), {
        method: "POST",
        headers: new Headers([...headers.entries(), ["content-type", "application/x-ndjson"]]),
        body: text,
      }),
    );

  it("import: an archive whose settings the form would refuse is refused by line, and nothing is imported", async () => {
    const owner = await createTestTeam();
    const response = await upload(exportText(hostileSettings), owner.headers);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { message: string } };
    expect(error.message).toMatch(/^Line 2: the agent's settings are not valid \(/);
    expect(error.message).toMatch(/tools\.0\.allowedHosts\.0: Hosts look like api\.example\.com or \*\.example\.com\./);
    expect(error.message).toContain("approvalTimeoutSeconds: The approval timeout must be at least");
    expect(await db.agent.count({ where: { teamId: owner.team.id } })).toBe(0);

    // The same file with valid settings imports.
    expect((await upload(exportText({}), owner.headers)).status).toBe(201);
    expect(await db.agent.count({ where: { teamId: owner.team.id, isReadOnly: true } })).toBe(1);
  });

  it("fork: an archive stored with such settings (imported before the check existed) is not made runnable", async () => {
    const owner = await createTestTeam();
    expect((await upload(exportText({}), owner.headers)).status).toBe(201);
    const archive = await db.agent.findFirstOrThrow({ where: { teamId: owner.team.id, isReadOnly: true }, select: { id: true } });
    await db.agent.update({ where: { id: archive.id }, data: hostileSettings as never });
    const attempt = owner.caller.agent.fork({ id: archive.id, cycle: 1, name: "Runnable copy" });
    await expect(attempt).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const message = await attempt.catch((error: Error) => error.message);
    expect(message).toMatch(/^These settings are not valid for a runnable agent, so it cannot be forked: /);
    expect(message).toMatch(/tools\.\d+\.allowedHosts\.0: Hosts look like api\.example\.com/);
    expect(message).toContain("approvalTimeoutSeconds: The approval timeout must be at least 60 seconds.");
    expect(await db.agent.count({ where: { teamId: owner.team.id, name: "Runnable copy" } })).toBe(0);
  });
});
