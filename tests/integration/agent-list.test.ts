import { describe, expect, it } from "vitest";
import { COUNT_CAP, listAgents, SPARKLINE_DAYS, type AgentSort } from "~/server/agents/agent-list";
import { commitSpend, releaseSpend, reserveSpend } from "~/server/spend/budget";
import { db, Prisma } from "~/server/db/client";
import type { AgentStatus } from "~/server/db/generated/enums";
import type { ListedStatus } from "~/shared/agent-status";
import { createTestTeam } from "../factories/team";
import { expectTrpcError } from "../fixtures/trpc-errors";

/** agent.list against the real database: keyset pages, filters, search, team scoping and sparklines. */

const DAY = 86_400_000;
const SORTS: AgentSort[] = ["lastActive", "name", "created", "spend"];
type Caller = Awaited<ReturnType<typeof createTestTeam>>["caller"];
type ListInput = { sort?: AgentSort; status?: ListedStatus; search?: string };

/** Follows nextCursor from the first page to the last; returns the ids in the order shown. */
async function walk(caller: Caller, input: ListInput, limit: number) {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const page: Awaited<ReturnType<Caller["agent"]["list"]>> = await caller.agent.list({ ...input, limit, cursor });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    ids.push(...page.items.map((a) => a.id));
    if (page.nextCursor === null) return ids;
    expect(page.items.length).toBe(limit);
    cursor = page.nextCursor;
  }
  throw new Error("the list never ended");
}

/** The whole filtered set in one ORDER BY: what walking the pages must reproduce exactly. */
async function expectedOrder(teamId: string, { sort = "lastActive", status, search }: ListInput) {
  const orderBy: Prisma.AgentOrderByWithRelationInput[] =
    sort === "name"
      ? [{ name: "asc" }]
      : sort === "created"
        ? [{ createdAt: "desc" }, { id: "desc" }]
        : sort === "spend"
          ? [{ spentUsd: "desc" }, { id: "desc" }]
          : [{ lastActiveAt: { sort: "desc", nulls: "last" } }, { createdAt: "desc" }, { id: "desc" }];
  const rows = await db.agent.findMany({
    where: {
      teamId,
      ...(status ? { status } : {}),
      ...(search ? { OR: [{ name: { contains: search, mode: "insensitive" } }, { goal: { contains: search, mode: "insensitive" } }] } : {}),
    },
    orderBy,
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

/**
 * 23 agents built for ties: creation times in groups of three, last activity in groups of four
 * (with a third of the agents never active), spend from three amounts.
 */
async function seedTeamWithTies() {
  const owner = await createTestTeam();
  const base = Date.now() - 30 * DAY;
  const statuses: AgentStatus[] = ["running", "sleeping", "paused", "waiting_approval", "stuck", "budget_exhausted", "completed"];
  await db.agent.createMany({
    data: Array.from({ length: 23 }, (_, i) => ({
      teamId: owner.team.id,
      name: `Agent ${String(i).padStart(2, "0")}`,
      goal: i % 5 === 0 ? "Watch the PRICING pages of three competitors." : "Summarise the news every morning.",
      model: "simulator-1",
      status: statuses[i % statuses.length]!,
      budgetUsd: new Prisma.Decimal(10),
      spentUsd: new Prisma.Decimal(["0", "1.5", "2.25"][i % 3]!),
      createdAt: new Date(base + Math.floor(i / 3) * 60_000),
      lastActiveAt: i % 3 === 0 ? null : new Date(base + DAY + Math.floor(i / 4) * 60_000),
    })),
  });
  return owner;
}

describe("agent.list: keyset pages", () => {
  it("walks every agent exactly once, in the sort's order, for every sort and page size (ties and never-active agents included)", async () => {
    const owner = await seedTeamWithTies();
    for (const sort of SORTS) {
      const expected = await expectedOrder(owner.team.id, { sort });
      expect(expected).toHaveLength(23);
      for (const limit of [1, 4, 7, 50]) {
        const ids = await walk(owner.caller, { sort }, limit);
        expect(ids, `sort=${sort} limit=${limit}`).toEqual(expected);
      }
    }
  });

  it("puts never-active agents after the active ones, newest first", async () => {
    const owner = await seedTeamWithTies();
    const ids = await walk(owner.caller, { sort: "lastActive" }, 5);
    const rows = await db.agent.findMany({ where: { teamId: owner.team.id }, select: { id: true, lastActiveAt: true, createdAt: true } });
    const byId = new Map(rows.map((r) => [r.id, r]));
    const shown = ids.map((id) => byId.get(id)!);
    const firstNever = shown.findIndex((r) => r.lastActiveAt === null);
    expect(firstNever).toBe(rows.filter((r) => r.lastActiveAt !== null).length);
    expect(shown.slice(firstNever).every((r) => r.lastActiveAt === null)).toBe(true);
    const never = shown.slice(firstNever).map((r) => r.createdAt.getTime());
    expect(never).toEqual([...never].sort((a, b) => b - a));
  });

  it("filters by status and pages through the filtered set", async () => {
    const owner = await seedTeamWithTies();
    for (const status of ["paused", "running", "failed"] as const) {
      for (const sort of SORTS) {
        const expected = await expectedOrder(owner.team.id, { sort, status });
        expect(await walk(owner.caller, { sort, status }, 2)).toEqual(expected);
      }
    }
    const paused = await owner.caller.agent.list({ status: "paused" });
    expect(paused.items.length).toBeGreaterThan(0);
    expect(paused.items.every((a) => a.status === "paused")).toBe(true);
    expect(paused.total).toBe(paused.items.length);
    expect((await owner.caller.agent.list({ status: "failed" })).items).toEqual([]);
  });

  it("searches name and goal case-insensitively, with % and _ taken literally", async () => {
    const owner = await seedTeamWithTies();
    await owner.caller.agent.create({
      name: "Save 50% on ads",
      goal: "Find discounts of at least half.",
      model: "simulator-1",
      budgetUsd: 5,
    });
    await owner.caller.agent.create({
      name: "snake_case checker",
      goal: "Lint variable names in the repository.",
      model: "simulator-1",
      budgetUsd: 5,
    });

    const byName = await owner.caller.agent.list({ search: "aGeNt 1" });
    expect(byName.items.map((a) => a.name).sort()).toEqual([
      "Agent 10",
      "Agent 11",
      "Agent 12",
      "Agent 13",
      "Agent 14",
      "Agent 15",
      "Agent 16",
      "Agent 17",
      "Agent 18",
      "Agent 19",
    ]);
    expect(byName.total).toBe(10);

    const byGoal = await owner.caller.agent.list({ search: "pricing" });
    expect(byGoal.items.map((a) => a.name).sort()).toEqual(["Agent 00", "Agent 05", "Agent 10", "Agent 15", "Agent 20"]);
    for (const sort of SORTS) {
      expect(await walk(owner.caller, { sort, search: "pricing" }, 2)).toEqual(
        await expectedOrder(owner.team.id, { sort, search: "pricing" }),
      );
    }

    expect((await owner.caller.agent.list({ search: "50%" })).items.map((a) => a.name)).toEqual(["Save 50% on ads"]);
    expect((await owner.caller.agent.list({ search: "%" })).items.map((a) => a.name)).toEqual(["Save 50% on ads"]);
    expect((await owner.caller.agent.list({ search: "e_c" })).items.map((a) => a.name)).toEqual(["snake_case checker"]);
    expect((await owner.caller.agent.list({ search: "no such agent" })).items).toEqual([]);
    // Search and status together.
    const pausedPricing = await owner.caller.agent.list({ search: "PRICING", status: "paused" });
    expect(pausedPricing.items.every((a) => a.status === "paused" && /pricing/i.test(a.goal))).toBe(true);
  });

  it("never shows another team's agents, in any sort, filter or search", async () => {
    const a = await seedTeamWithTies();
    const b = await seedTeamWithTies();
    const idsOfB = new Set((await db.agent.findMany({ where: { teamId: b.team.id }, select: { id: true } })).map((r) => r.id));
    for (const sort of SORTS) {
      const ids = await walk(a.caller, { sort }, 10);
      expect(ids).toHaveLength(23);
      expect(ids.some((id) => idsOfB.has(id))).toBe(false);
    }
    const found = await a.caller.agent.list({ search: "Agent" });
    expect(found.total).toBe(23);
    expect(found.items.some((x) => idsOfB.has(x.id))).toBe(false);
    // A cursor made from team B's rows only positions the page: it never brings B's rows into A's list.
    const pageOfB = await b.caller.agent.list({ sort: "name", limit: 5 });
    const fromA = await a.caller.agent.list({ sort: "name", limit: 50, cursor: pageOfB.nextCursor });
    expect(fromA.items.some((x) => idsOfB.has(x.id))).toBe(false);
  });
});

describe("agent.list: cursors and totals", () => {
  it("refuses a malformed cursor, or one from another sort, with a message saying what to do", async () => {
    const owner = await seedTeamWithTies();
    const malformed = [
      "not a cursor",
      Buffer.from("{}").toString("base64url"),
      Buffer.from(JSON.stringify({ s: "name", k: [42, "x"] })).toString("base64url"),
      Buffer.from(JSON.stringify({ s: "created", k: ["yesterday", "00000000-0000-4000-8000-000000000000"] })).toString("base64url"),
      Buffer.from(JSON.stringify({ s: "spend", k: ["1e9999", "00000000-0000-4000-8000-000000000000"] })).toString("base64url"),
      Buffer.from(JSON.stringify({ s: "created", k: [new Date().toISOString(), "'; DROP TABLE agent; --"] })).toString("base64url"),
    ];
    for (const cursor of malformed) {
      const error = await expectTrpcError(owner.caller.agent.list({ sort: "created", cursor }), "BAD_REQUEST");
      expect(error.message).toBe("That page of the agents list is not valid. Go back to the first page and page from there.");
    }
    const byName = await owner.caller.agent.list({ sort: "name", limit: 3 });
    const other = await expectTrpcError(owner.caller.agent.list({ sort: "spend", cursor: byName.nextCursor }), "BAD_REQUEST");
    expect(other.message).toBe("That page of the agents list belongs to another sort order. Go back to the first page.");
  });

  it("counts exactly up to the cap and says '10,000+' beyond it", async () => {
    const owner = await createTestTeam();
    await db.$executeRaw`
      INSERT INTO agent (id, "teamId", name, goal, model, "updatedAt")
      SELECT gen_random_uuid(), ${owner.team.id}, 'Bulk ' || i, 'Bulk goal', 'simulator-1', now()
        FROM generate_series(1, ${COUNT_CAP + 1}::int) AS i`;
    const all = await owner.caller.agent.list({ limit: 10 });
    expect(all.total).toBe(COUNT_CAP);
    expect(all.isTotalExact).toBe(false);
    expect(all.items).toHaveLength(10);
    const some = await owner.caller.agent.list({ search: "Bulk 999", limit: 10 });
    // "Bulk 999" and "Bulk 9990".."Bulk 9999".
    expect(some.total).toBe(11);
    expect(some.isTotalExact).toBe(true);
  });
});

describe("agent.list: spend sparklines", () => {
  it("sums committed spend per UTC day over the last 14 days, equal to the ledger, in one query for the page", async () => {
    const owner = await createTestTeam();
    const teamId = owner.team.id;
    const busy = await owner.caller.agent.create({ name: "Busy", goal: "Spend a little every day.", model: "simulator-1", budgetUsd: 100 });
    await owner.caller.agent.create({ name: "Quiet", goal: "Spend nothing at all.", model: "simulator-1", budgetUsd: 100 });
    const now = new Date();
    const todayMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const at = (daysAgo: number, hour: number) => new Date(todayMs - daysAgo * DAY + hour * 3_600_000);

    // History written straight into the ledger: committed rows count, reserved and released do not.
    await db.spendEntry.createMany({
      data: [
        { daysAgo: 20, hour: 1, cost: "9", state: "committed" as const }, // before the window
        { daysAgo: 13, hour: 0, cost: "0.10", state: "committed" as const }, // the first day of the window
        { daysAgo: 13, hour: 23, cost: "0.05", state: "committed" as const },
        { daysAgo: 7, hour: 12, cost: "0.00000001", state: "committed" as const },
        { daysAgo: 7, hour: 12, cost: "3", state: "released" as const },
        { daysAgo: 2, hour: 5, cost: "1.25", state: "committed" as const },
        { daysAgo: 2, hour: 6, cost: "4", state: "reserved" as const },
      ].map((r) => ({
        agentId: busy.id,
        teamId,
        kind: "model" as const,
        state: r.state,
        costUsd: r.cost,
        createdAt: at(r.daysAgo, r.hour),
      })),
    });
    // Today, through the real budget path: a reservation committed at its real cost, one released.
    const first = await reserveSpend({
      agentId: busy.id,
      teamId,
      kind: "model",
      model: "simulator-1",
      worstCaseUsd: "0.5",
      worstCaseTokens: 100,
      nextCycle: 1,
    });
    const second = await reserveSpend({
      agentId: busy.id,
      teamId,
      kind: "tool",
      model: null,
      worstCaseUsd: "0.5",
      worstCaseTokens: 0,
      nextCycle: 1,
    });
    if (!first.ok || !second.ok) throw new Error("the reservations should fit the budget");
    await commitSpend({ agentId: busy.id, teamId, reservationId: first.reservationId, costUsd: "0.0421", tokensIn: 60, tokensOut: 20 });
    await commitSpend({ agentId: busy.id, teamId, reservationId: first.reservationId, costUsd: "0.0421", tokensIn: 60, tokensOut: 20 }); // a retried step
    await releaseSpend({ agentId: busy.id, teamId, reservationId: second.reservationId });
    // A committed row that is corrected later counts at its new cost, and a deleted one not at all.
    const corrected = await db.spendEntry.create({ data: { agentId: busy.id, teamId, kind: "tool", costUsd: "2", createdAt: at(1, 9) } });
    await db.spendEntry.update({ where: { id: corrected.id }, data: { costUsd: "0.75" } });
    const removed = await db.spendEntry.create({ data: { agentId: busy.id, teamId, kind: "tool", costUsd: "8", createdAt: at(1, 10) } });
    await db.spendEntry.delete({ where: { id: removed.id } });

    const page = await listAgents({ teamId, sort: "name", now });
    const series = new Map(page.items.map((a) => [a.name, a.spendByDay]));
    const expected = Array.from({ length: SPARKLINE_DAYS }, () => "0");
    expected[0] = "0.15";
    expected[6] = "0.00000001";
    expected[11] = "1.25";
    expected[12] = "0.75";
    expected[13] = "0.0421";
    expect(series.get("Busy")).toEqual(expected);
    expect(series.get("Quiet")).toEqual(Array.from({ length: SPARKLINE_DAYS }, () => "0"));

    // The buckets add up to the ledger's committed rows in the window.
    const ledger = await db.spendEntry.aggregate({
      where: { agentId: busy.id, teamId, state: "committed", createdAt: { gte: new Date(todayMs - (SPARKLINE_DAYS - 1) * DAY) } },
      _sum: { costUsd: true },
    });
    const bucketSum = series.get("Busy")!.reduce((sum, v) => sum.plus(v), new Prisma.Decimal(0));
    expect(bucketSum.toFixed()).toBe(ledger._sum.costUsd!.toFixed());

    // Deleting an agent takes its ledger and its daily sums with it.
    await db.agent.delete({ where: { id: busy.id } });
    expect(await db.agentSpendDay.count({ where: { agentId: busy.id } })).toBe(0);
  });

  it("shows heartbeat, spend and budget on each row", async () => {
    const owner = await createTestTeam();
    const agent = await owner.caller.agent.create({
      name: "Heartbeat",
      goal: "Beat regularly and report.",
      model: "simulator-1",
      budgetUsd: 7.5,
    });
    const beat = new Date(Date.now() - 42_000);
    await db.agent.update({ where: { id: agent.id }, data: { heartbeatAt: beat, lastActiveAt: beat, cycleCount: 3 } });
    const [row] = (await owner.caller.agent.list({})).items;
    expect(row).toMatchObject({ name: "Heartbeat", heartbeatAt: beat, lastActiveAt: beat, cycleCount: 3, spentUsd: "0", budgetUsd: "7.5" });
    expect(row!.spendByDay).toHaveLength(SPARKLINE_DAYS);
  });
});
