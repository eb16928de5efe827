import { describe, expect, it } from "vitest";
import { appendEvent, writeSnapshot } from "~/server/agents/events";
import { db } from "~/server/db/client";
import { agentInput } from "../factories/agent";
import { addTestMember, createTestTeam } from "../factories/team";

describe("audit.list", () => {
  it("records who did what to an agent, newest first, filterable by action group, exact action, person and dates", async () => {
    const owner = await createTestTeam();
    const admin = await addTestMember(owner.team.id, "admin");
    const agent = await owner.caller.agent.create(agentInput({ name: "Audited agent" }));
    const { settings, version } = await admin.caller.agent.settings({ id: agent.id });
    await admin.caller.agent.update({ id: agent.id, version, ...settings, goal: "A changed goal, long enough to be valid." });
    await appendEvent({ agentId: agent.id, teamId: owner.team.id, cycle: 1, type: "thought" });
    // Cycle 1 finished, as the loop's act records it (a fork takes a cycle the agent has run).
    await db.agent.update({ where: { id: agent.id }, data: { cycleCount: 1 } });
    await writeSnapshot({ agentId: agent.id, teamId: owner.team.id, cycle: 1 });
    const fork = await admin.caller.agent.fork({ id: agent.id, cycle: 1 });

    const all = await admin.caller.audit.list({});
    expect(all.items.map((e) => e.action)).toEqual(["agent.fork", "agent.edit", "agent.create"]);
    expect(all.items[0]).toMatchObject({ targetType: "agent", targetId: fork.agent.id, actor: { id: admin.user.id } });
    expect(all.items[1]!.metadata).toMatchObject({ fields: "goal" });

    const agentActions = await admin.caller.audit.list({ action: "agent" });
    expect(agentActions.items.every((e) => e.action.startsWith("agent."))).toBe(true);
    expect(agentActions.items).toHaveLength(3);
    expect((await admin.caller.audit.list({ action: "agent.edit" })).items).toHaveLength(1);
    const byOwner = await admin.caller.audit.list({ actorId: owner.user.id });
    expect(byOwner.items.map((e) => e.action)).toEqual(["agent.create"]);
    expect((await admin.caller.audit.list({ targetId: fork.agent.id })).items.map((e) => e.action)).toEqual(["agent.fork"]);
    const tomorrow = new Date(Date.now() + 24 * 3600 * 1000);
    expect((await admin.caller.audit.list({ from: tomorrow })).items).toHaveLength(0);

    const filters = await admin.caller.audit.filters();
    expect(filters.actions).toEqual(expect.arrayContaining(["agent.create", "agent.edit", "agent.fork"]));
    expect(filters.members.map((m) => m.id).sort()).toEqual([owner.user.id, admin.user.id].sort());
  });

  it("pages through rows with equal timestamps without skipping or repeating any", async () => {
    const owner = await createTestTeam();
    const at = new Date("2026-11-20T10:00:00.000Z");
    await db.auditLog.createMany({
      data: Array.from({ length: 130 }, (_, i) => ({
        teamId: owner.team.id,
        actorId: owner.user.id,
        action: "agent.pause",
        targetType: "agent",
        targetId: `t-${i}`,
        createdAt: new Date(at.getTime() + (i % 3) * 1000),
      })),
    });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof owner.caller.audit.list>> = await owner.caller.audit.list({
        action: "agent.pause",
        cursor,
        limit: 40,
      });
      seen.push(...page.items.map((e) => e.targetId!));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(130);
    expect(new Set(seen).size).toBe(130);
  });

  it("is for admins and owners of the team only, and explains bad filters", async () => {
    const owner = await createTestTeam();
    const mine = await owner.caller.agent.create(agentInput());
    for (const role of ["member", "viewer"] as const) {
      const someone = await addTestMember(owner.team.id, role);
      await expect(someone.caller.audit.list({})).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    // Another team's admin sees only their own team's log.
    const stranger = await createTestTeam();
    const their = await stranger.caller.agent.create(agentInput());
    const theirs = await stranger.caller.audit.list({});
    expect(theirs.items.map((e) => e.targetId)).toEqual([their.id]);
    expect((await stranger.caller.audit.list({ targetId: mine.id })).items).toHaveLength(0);
    await expect(owner.caller.audit.list({ cursor: "not-a-cursor" })).rejects.toThrow(
      "That page of the audit log does not exist; start from the first page.",
    );
    await expect(owner.caller.audit.list({ from: new Date("2026-11-02"), to: new Date("2026-11-01") })).rejects.toThrow(
      "The start date must be before the end date.",
    );
  });
});
