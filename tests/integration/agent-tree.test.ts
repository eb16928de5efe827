import { afterAll, describe, expect, it } from "vitest";
import { agentTree } from "~/server/agents/agent-tree";
import { getSharedTimeline } from "~/server/sharing/shared-view";
import { exportAgentLines } from "~/server/transfer/export";
import { db, Prisma } from "~/server/db/client";
import type { AgentStatus } from "~/server/db/generated/enums";
import { agentInput } from "../factories/agent";
import { pendingApproval } from "../factories/approval";
import { createTestTeam } from "../factories/team";
import { LOOP_STATUSES } from "~/shared/agent-status";
import { expectTrpcError } from "../fixtures/trpc-errors";

/** agent.tree against the real database: the tree's shape and order, team scoping, a deleted parent. */

type Team = Awaited<ReturnType<typeof createTestTeam>>;

// Agents made here never run: nothing of this file may stay "running" for the watchdog passes of later files on this database.
const teams = new Set<string>();
afterAll(async () => {
  await db.agent.updateMany({ where: { teamId: { in: [...teams] }, status: { in: LOOP_STATUSES.active } }, data: { status: "stopped" } });
});

async function child(
  team: Team,
  parent: { id: string; depth: number },
  name: string,
  extra: { status?: AgentStatus; cycle?: number; mode?: "wait" | "go_on"; createdAt?: Date } = {},
) {
  teams.add(team.team.id);
  return db.agent.create({
    data: {
      teamId: team.team.id,
      name: `${name} ${Date.now()}-${Math.random()}`,
      goal: "Read one source and report what it says.",
      model: "simulator-1",
      status: extra.status ?? "running",
      budgetUsd: new Prisma.Decimal("0.5"),
      budgetTokens: 20_000n,
      spentUsd: new Prisma.Decimal("0.125"),
      tokensUsed: 1234n,
      cycleCount: 2,
      parentId: parent.id,
      depth: parent.depth + 1,
      parentCycle: extra.cycle ?? 1,
      delegationMode: extra.mode ?? "wait",
      createdAt: extra.createdAt,
    },
    select: { id: true, depth: true, name: true },
  });
}

describe("agent.tree", () => {
  it("lists the parent and the descendants in tree order, each child right after its parent", async () => {
    const team = await createTestTeam();
    const root = await team.caller.agent.create(agentInput());
    const rootRow = { id: root.id, depth: 0 };
    const t0 = Date.now() - 60_000;
    const a = await child(team, rootRow, "a", { createdAt: new Date(t0), cycle: 3 });
    const b = await child(team, rootRow, "b", { createdAt: new Date(t0 + 1000), status: "completed", mode: "go_on" });
    const a1 = await child(team, a, "a1", { createdAt: new Date(t0 + 2000), cycle: 2 });
    const a1x = await child(team, a1, "a1x", { createdAt: new Date(t0 + 3000) });

    const tree = await team.caller.agent.tree({ id: root.id });
    expect(tree.parent).toBeNull();
    expect(tree.agent).toMatchObject({ id: root.id, level: 0, depth: 0, parentId: null });
    expect(tree.descendants.map((n) => [n.id, n.level, n.parentId])).toEqual([
      [a.id, 1, root.id],
      [a1.id, 2, a.id],
      [a1x.id, 3, a1.id],
      [b.id, 1, root.id],
    ]);
    expect(tree.descendants[0]).toMatchObject({
      name: a.name,
      status: "running",
      depth: 1,
      parentCycle: 3,
      delegationMode: "wait",
      spentUsd: "0.125",
      budgetUsd: "0.5",
      tokensUsed: "1234",
      budgetTokens: "20000",
      cycleCount: 2,
    });
    expect(tree.descendants[3]).toMatchObject({ status: "completed", delegationMode: "go_on" });

    // From the middle of the tree: its parent, and only its own descendants.
    const middle = await team.caller.agent.tree({ id: a1.id });
    expect(middle.parent).toEqual({ id: a.id, name: a.name, status: "running" });
    expect(middle.descendants.map((n) => [n.id, n.level])).toEqual([[a1x.id, 1]]);
  });

  it("is scoped to the team: another team's agent is not found, and a foreign row never joins a tree", async () => {
    const team = await createTestTeam();
    const other = await createTestTeam();
    const root = await team.caller.agent.create(agentInput());
    const kid = await child(team, { id: root.id, depth: 0 }, "kid");
    await expectTrpcError(other.caller.agent.tree({ id: root.id }), "NOT_FOUND");
    await expectTrpcError(other.caller.agent.tree({ id: kid.id }), "NOT_FOUND");
    // A row of another team pointing at this parent (which the engine never writes) is not listed.
    const stray = await child(other, { id: root.id, depth: 0 }, "stray");
    const tree = await agentTree({ teamId: team.team.id, agentId: root.id });
    expect(tree.descendants.map((n) => n.id)).toEqual([kid.id]);
    await db.agent.delete({ where: { id: stray.id } });
  });

  it("a deleted parent leaves its children as agents of their own", async () => {
    const team = await createTestTeam();
    const root = await team.caller.agent.create(agentInput());
    const kid = await child(team, { id: root.id, depth: 0 }, "orphan", { status: "completed" });
    const viewer = await team.caller.agent.tree({ id: kid.id });
    expect(viewer.parent).toMatchObject({ id: root.id, name: root.name });

    await team.caller.agent.delete({ ids: [root.id] });
    const after = await team.caller.agent.tree({ id: kid.id });
    expect(after.parent).toBeNull();
    expect(after.agent).toMatchObject({ id: kid.id, parentId: null, status: "completed" });
  });

  it("the inbox names a child's parent on its approvals, and nothing for an agent a person made", async () => {
    const team = await createTestTeam();
    const root = await team.caller.agent.create(agentInput());
    const kid = await child(team, { id: root.id, depth: 0 }, "asker", { status: "waiting_approval" });
    await pendingApproval({ teamId: team.team.id, agentId: kid.id, kind: "question" });
    await pendingApproval({ teamId: team.team.id, agentId: root.id });
    const pending = await team.caller.approval.listPending({ teamId: team.team.id });
    expect(pending.find((a) => a.agentId === kid.id)?.agent.parent).toEqual({ id: root.id, name: root.name });
    expect(pending.find((a) => a.agentId === root.id)?.agent.parent).toBeNull();
  });

  it("the agents list grouped by tree: children under their parent, even when a filter would separate them", async () => {
    const team = await createTestTeam();
    const root = await team.caller.agent.create(agentInput());
    await db.agent.update({ where: { id: root.id }, data: { status: "completed" } });
    const alone = await team.caller.agent.create(agentInput());
    const kid = await child(team, { id: root.id, depth: 0 }, "runner", { status: "running" });
    const grandchild = await child(team, kid, "grand", { status: "completed" });

    // Flat, a status filter shows the child without its parent.
    const flat = await team.caller.agent.list({ status: "running" });
    expect(flat.items.map((a) => a.id)).toEqual([kid.id]);
    expect(flat.items[0]!.children).toBeUndefined();

    // Grouped: the tree whose child matches, its whole tree under it, each descendant saying whether it matches.
    const grouped = await team.caller.agent.list({ status: "running", tree: true });
    expect(grouped.items.map((a) => a.id)).toEqual([root.id]);
    expect(grouped.total).toBe(1);
    expect(grouped.items[0]!.children!.map((c) => [c.id, c.level, c.matchesFilter])).toEqual([
      [kid.id, 1, true],
      [grandchild.id, 2, false],
    ]);

    // Without a filter: the top agents only, the children under theirs, never as rows of their own.
    const all = await team.caller.agent.list({ tree: true, sort: "name" });
    expect(all.items.map((a) => a.id).sort()).toEqual([root.id, alone.id].sort());
    expect(all.total).toBe(2);
    expect(all.items.find((a) => a.id === alone.id)!.children).toEqual([]);

    // A search for a grandchild's name finds its tree.
    const searched = await team.caller.agent.list({ search: grandchild.name, tree: true });
    expect(searched.items.map((a) => a.id)).toEqual([root.id]);
    expect(searched.items[0]!.children!.find((c) => c.id === grandchild.id)?.matchesFilter).toBe(true);
  });

  it("a share link and an export say they hold this agent only, naming how many sub-agents they leave out", async () => {
    const team = await createTestTeam();
    const root = await team.caller.agent.create(agentInput());
    const kid = await child(team, { id: root.id, depth: 0 }, "kid");
    await child(team, kid, "grandkid");
    await child(team, { id: root.id, depth: 0 }, "kid2");

    const header = async (agentId: string) => {
      for await (const line of exportAgentLines({ teamId: team.team.id, agentId })) return line as { tree?: unknown };
      throw new Error("no header");
    };
    expect((await header(root.id)).tree).toEqual({
      hasParent: false,
      subAgents: 3,
      note: "This export holds this agent only. Its 3 sub-agents are not included; export each on its own.",
    });
    expect((await header(kid.id)).tree).toMatchObject({ hasParent: true, subAgents: 1 });

    const link = await team.caller.share.create({ agentId: root.id });
    const token = link.path.split("/").pop()!;
    const view = await getSharedTimeline({ token });
    expect(view.agent).toMatchObject({ subAgents: 3, hasParent: false });
  });
});
