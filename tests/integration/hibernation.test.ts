import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadContext } from "~/server/agents/events";
import { eventsAfter } from "~/server/agents/timeline";
import { db } from "~/server/db/client";
import { type FileColdStore, getColdStore } from "~/server/hibernation/cold-store";
import { applyColdRetention, findAgentsToHibernate, hibernateAgent } from "~/server/hibernation/hibernate";
import { getSharedTimeline } from "~/server/sharing/shared-view";
import { exportAgentLines } from "~/server/transfer/export";
import { agentInput } from "../factories/agent";
import { createTestTeam } from "../factories/team";

const EVENTS_PER_CYCLE = 10;
/** Later than any idle cutoff: every agent made here counts as idle for HIBERNATE_AFTER_HOURS. */
const later = () => new Date(Date.now() + 1000 * 3_600_000);
const root = () => (getColdStore() as FileColdStore).root;

type Owner = Awaited<ReturnType<typeof createTestTeam>>;

/** Cycles [from, to] of EVENTS_PER_CYCLE events each, a spend entry on each thought, snapshots every 10 cycles. */
async function addHistory(
  owner: Owner,
  agentId: string,
  { from, to, summaryThroughCycle, at }: { from: number; to: number; summaryThroughCycle: number; at?: Date },
) {
  const teamId = owner.team.id;
  const firstSeq = (from - 1) * EVENTS_PER_CYCLE + 1;
  const rows = [];
  for (let cycle = from; cycle <= to; cycle++) {
    for (let i = 0; i < EVENTS_PER_CYCLE; i++) {
      const seq = (cycle - 1) * EVENTS_PER_CYCLE + i + 1;
      rows.push({
        agentId,
        teamId,
        seq,
        cycle,
        type: i === 0 ? ("thought" as const) : ("tool_result" as const),
        stepId: `cycle-${cycle}`,
        payload: { n: seq, text: `event ${seq} ${"x".repeat(seq % 50)}` },
        tokensIn: seq,
        tokensOut: 1,
        costUsd: "0.00012345",
        durationMs: seq % 7 === 0 ? null : seq,
        ...(at ? { createdAt: at } : {}),
      });
    }
  }
  await db.agentEvent.createMany({ data: rows });
  const thoughts = await db.agentEvent.findMany({
    where: { agentId, seq: { gte: firstSeq }, type: "thought" },
    select: { id: true, cycle: true },
  });
  await db.spendEntry.createMany({
    data: thoughts.map((t) => ({
      agentId,
      teamId,
      eventId: t.id,
      kind: "model" as const,
      model: "simulator-1",
      tokensIn: t.cycle,
      costUsd: "0.00012345",
    })),
  });
  for (let cycle = from; cycle <= to; cycle++) {
    if (cycle % 10 === 0) {
      await db.snapshot.create({
        data: { agentId, teamId, cycle, eventSeq: cycle * EVENTS_PER_CYCLE, worldState: { cycle }, summary: `through ${cycle}` },
      });
    }
  }
  await db.agent.update({
    where: { id: agentId },
    data: { lastEventSeq: to * EVENTS_PER_CYCLE, eventCount: to * EVENTS_PER_CYCLE, cycleCount: to, summaryThroughCycle, status: "idle" },
  });
}

/** Every timeline page, newest first, as the agent page reads them. */
async function allPages(owner: Owner, agentId: string) {
  const pages = [];
  let cursor: number | null | undefined = undefined;
  do {
    const page: Awaited<ReturnType<typeof owner.caller.agent.timeline>> = await owner.caller.agent.timeline({
      id: agentId,
      cycles: 7,
      cursor,
    });
    pages.push(page.cycles);
    cursor = page.nextBeforeCycle;
  } while (cursor !== null);
  return pages;
}

async function allEventsAfter(teamId: string, agentId: string) {
  const seen = [];
  for (let after = 0; ;) {
    const batch = await eventsAfter({ teamId, agentId, afterSeq: after, limit: 173 });
    if (batch.length === 0) return seen;
    seen.push(...batch);
    after = batch[batch.length - 1]!.seq;
  }
}

async function exported(teamId: string, agentId: string) {
  const lines = [];
  for await (const line of exportAgentLines({ teamId, agentId })) if (line.kind !== "longhaul.agent-export") lines.push(line);
  // The agent line carries its status, which hibernation changes on purpose.
  return lines.map((line) => (line.kind === "agent" ? { ...line, status: undefined, statusReason: undefined } : line));
}

const spendDaysOf = (agentId: string) => db.agentSpendDay.findMany({ where: { agentId }, select: { day: true, costUsd: true } });
const spendOf = (agentId: string) =>
  db.spendEntry.findMany({
    where: { agentId },
    orderBy: { id: "asc" },
    select: { id: true, costUsd: true, state: true, tokensIn: true, kind: true },
  });

describe("hibernation", () => {
  it("moves old events to a cold segment and reads them back transparently; a second hibernation appends", async () => {
    const owner = await createTestTeam();
    const agent = await owner.caller.agent.create(agentInput());
    const teamId = owner.team.id;
    await addHistory(owner, agent.id, { from: 1, to: 100, summaryThroughCycle: 80 });
    expect(await db.agentEvent.count({ where: { agentId: agent.id } })).toBe(1000);

    const pagesBefore = await allPages(owner, agent.id);
    const afterBefore = await allEventsAfter(teamId, agent.id);
    const exportBefore = await exported(teamId, agent.id);
    const spendBefore = await spendOf(agent.id);
    const contextBefore = await loadContext({ agentId: agent.id, teamId });
    const spendDaysBefore = await spendDaysOf(agent.id);
    expect(afterBefore).toHaveLength(1000);

    const result = await hibernateAgent({ agentId: agent.id, teamId, now: later() });
    // Snapshot 90 covers seq 900, but cycles after the summary (81+) stay hot for context assembly.
    expect(result).toEqual({
      hibernated: true,
      segments: [{ key: `agents/${agent.id}/1-800.jsonl.gz`, fromSeq: 1, toSeq: 800, eventCount: 800 }],
    });
    const hot = await db.agentEvent.aggregate({ where: { agentId: agent.id }, _count: true, _min: { seq: true } });
    expect(hot).toMatchObject({ _count: 200, _min: { seq: 801 } });
    const file = path.join(root(), "agents", agent.id, "1-800.jsonl.gz");
    expect(existsSync(file)).toBe(true);
    expect([...readFileSync(file).subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    const row = await db.agent.findUniqueOrThrow({ where: { id: agent.id }, select: { status: true, statusReason: true } });
    expect(row.status).toBe("hibernated");
    expect(row.statusReason).toMatch(/Hibernated after/);

    expect(await allPages(owner, agent.id)).toEqual(pagesBefore);
    expect(await allEventsAfter(teamId, agent.id)).toEqual(afterBefore);
    expect(await exported(teamId, agent.id)).toEqual(exportBefore);
    expect(await spendOf(agent.id)).toEqual(spendBefore);
    expect(await spendDaysOf(agent.id)).toEqual(spendDaysBefore);
    // The loop's prompt reads exactly what it read before: compacted history never reaches it.
    expect(await loadContext({ agentId: agent.id, teamId })).toEqual(contextBefore);

    // Hibernating again finds nothing new to move and changes nothing.
    expect(await hibernateAgent({ agentId: agent.id, teamId, now: later() })).toEqual({ hibernated: true, segments: [] });

    // Woken, it runs twenty more cycles and is idle again: the next hibernation appends a segment.
    await addHistory(owner, agent.id, { from: 101, to: 120, summaryThroughCycle: 115 });
    const pagesBeforeSecond = await allPages(owner, agent.id);
    const exportBeforeSecond = await exported(teamId, agent.id);
    const second = await hibernateAgent({ agentId: agent.id, teamId, now: later() });
    expect(second).toEqual({
      hibernated: true,
      segments: [{ key: `agents/${agent.id}/801-1150.jsonl.gz`, fromSeq: 801, toSeq: 1150, eventCount: 350 }],
    });
    expect(await db.coldSegment.count({ where: { agentId: agent.id } })).toBe(2);
    expect(await allPages(owner, agent.id)).toEqual(pagesBeforeSecond);
    expect(await exported(teamId, agent.id)).toEqual(exportBeforeSecond);
    expect((await allEventsAfter(teamId, agent.id)).map((e) => e.seq)).toEqual(Array.from({ length: 1200 }, (_, i) => i + 1));
  });

  it("a damaged or missing segment is a clear error on the old pages only", async () => {
    const owner = await createTestTeam();
    const agent = await owner.caller.agent.create(agentInput());
    await addHistory(owner, agent.id, { from: 1, to: 30, summaryThroughCycle: 20 });
    await hibernateAgent({ agentId: agent.id, teamId: owner.team.id, now: later() });
    const file = path.join(root(), "agents", agent.id, "1-200.jsonl.gz");
    writeFileSync(file, "not gzip at all");
    const newest = await owner.caller.agent.timeline({ id: agent.id, cycles: 5 });
    expect(newest.cycles.map((c) => c.cycle)).toEqual([30, 29, 28, 27]);
    await expect(owner.caller.agent.timeline({ id: agent.id, cycles: 5, cursor: 15 })).rejects.toThrow(
      /archived history of cycles 1–20 could not be read from cold storage: its checksum does not match/,
    );
    await getColdStore().delete(`agents/${agent.id}/1-200.jsonl.gz`);
    await expect(owner.caller.agent.timeline({ id: agent.id, cycles: 5, cursor: 15 })).rejects.toThrow(/its file is missing/);
  });

  it("never hibernates an agent with a live run or a pending approval, nor one active recently", async () => {
    const owner = await createTestTeam();
    const teamId = owner.team.id;
    const running = await owner.caller.agent.create(agentInput());
    const asking = await owner.caller.agent.create(agentInput());
    const fresh = await owner.caller.agent.create(agentInput());
    const idle = await owner.caller.agent.create(agentInput());
    for (const a of [running, asking, fresh, idle]) await addHistory(owner, a.id, { from: 1, to: 20, summaryThroughCycle: 10 });
    await db.agentRun.create({ data: { agentId: running.id, teamId, status: "running" } });
    await db.approval.create({
      data: { agentId: asking.id, teamId, cycle: 20, kind: "question", status: "pending", reason: "Keep going?" },
    });

    // Scoped to this test's team: with a clock days ahead, every other test's agents are idle too.
    const due = (await findAgentsToHibernate({ now: later(), limit: 10_000, teamId })).map((a) => a.id);
    expect(due).toContain(idle.id);
    expect(due).not.toContain(running.id);
    expect(due).not.toContain(asking.id);
    expect(await hibernateAgent({ agentId: running.id, teamId, now: later() })).toEqual({
      hibernated: false,
      reason: "The agent has a live run.",
    });
    expect(await hibernateAgent({ agentId: asking.id, teamId, now: later() })).toEqual({
      hibernated: false,
      reason: "The agent has a pending approval.",
    });
    expect(await hibernateAgent({ agentId: fresh.id, teamId })).toEqual({ hibernated: false, reason: "The agent was active recently." });
    // A paused agent is compacted but stays paused: a trigger must not start what a person paused.
    await db.agent.update({ where: { id: idle.id }, data: { status: "paused" } });
    expect((await hibernateAgent({ agentId: idle.id, teamId, now: later() })).hibernated).toBe(true);
    expect((await db.agent.findUniqueOrThrow({ where: { id: idle.id } })).status).toBe("paused");
    for (const a of [running, asking, fresh]) expect(await db.agentEvent.count({ where: { agentId: a.id } })).toBe(200);
    expect(await db.agentEvent.count({ where: { agentId: idle.id } })).toBe(100);
  });

  it("the retention policy deletes old segments and the timeline says which cycles it lost", async () => {
    const owner = await createTestTeam();
    const agent = await owner.caller.agent.create(agentInput());
    const teamId = owner.team.id;
    const longAgo = new Date(Date.now() - 400 * 86_400_000);
    await addHistory(owner, agent.id, { from: 1, to: 30, summaryThroughCycle: 20, at: longAgo });
    await hibernateAgent({ agentId: agent.id, teamId, now: later() });
    const key = `agents/${agent.id}/1-200.jsonl.gz`;
    expect(await getColdStore().get(key)).not.toBeNull();

    expect(await applyColdRetention({ retentionDays: undefined })).toEqual({ deleted: 0 });
    // 365 days: this agent's segment (400 days old) goes; segments of other tests (events of today) stay.
    const { deleted } = await applyColdRetention({ retentionDays: 365 });
    expect(deleted).toBeGreaterThanOrEqual(1);
    expect(await db.coldSegment.count({ where: { agentId: agent.id } })).toBe(0);
    expect(await getColdStore().get(key)).toBeNull();
    const pages = await owner.caller.agent.timeline({ id: agent.id, cycles: 50 });
    expect(pages.historyDeletedThroughCycle).toBe(20);
    expect(pages.cycles.map((c) => c.cycle)).toEqual(Array.from({ length: 10 }, (_, i) => 30 - i));
    expect(await db.spendEntry.count({ where: { agentId: agent.id } })).toBe(30);
    // The share view says so too.
    const shared = await owner.caller.share.create({ agentId: agent.id });
    const view = await getSharedTimeline({ token: shared.path.split("/").at(-1), cycles: 50 });
    expect(view.historyDeletedThroughCycle).toBe(20);
  });
});
