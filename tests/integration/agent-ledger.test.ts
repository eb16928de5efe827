import { describe, expect, it } from "vitest";
import { commitSpend, releaseSpend, reserveSpend } from "~/server/spend/budget";
import { settleOrphanedReservations } from "~/server/operations/watchdog";
import { appendEvent, loadContext, MAX_EVENTS_IN_CONTEXT, writeSnapshot } from "~/server/agents/events";
import { db } from "~/server/db/client";
import { agentInput } from "../factories/agent";
import { createTestTeam } from "../factories/team";

async function newAgent(overrides: Parameters<typeof agentInput>[0] = {}) {
  const { caller, team } = await createTestTeam();
  const agent = await caller.agent.create(agentInput(overrides));
  return { agentId: agent.id, teamId: team.id };
}

const reserve = (ids: { agentId: string; teamId: string }, usd: string, tokens = 100, nextCycle = 1) =>
  reserveSpend({ ...ids, kind: "model", model: "gpt-4o-mini", worstCaseUsd: usd, worstCaseTokens: tokens, nextCycle });

describe("event log", () => {
  it("gives concurrent appends gap-free, unique sequence numbers", async () => {
    const ids = await newAgent();
    const written = await Promise.all(
      Array.from({ length: 20 }, (_, i) => appendEvent({ ...ids, cycle: 1, type: "thought", payload: { i } })),
    );
    expect(written.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const agent = await db.agent.findUniqueOrThrow({ where: { id: ids.agentId }, select: { eventCount: true, lastEventSeq: true } });
    expect(agent).toEqual({ eventCount: 20, lastEventSeq: 20 });
  });

  it("refuses to append to another team's agent", async () => {
    const ids = await newAgent();
    const other = await newAgent();
    await expect(appendEvent({ agentId: ids.agentId, teamId: other.teamId, cycle: 1, type: "thought" })).rejects.toThrow(/was not found/);
  });

  it("loads a bounded context: only the most recent events, however long the history", async () => {
    const ids = await newAgent();
    for (let cycle = 1; cycle <= 60; cycle++) await appendEvent({ ...ids, cycle, type: "observation", payload: { cycle } });
    await db.agent.update({
      where: { id: ids.agentId },
      data: { summary: "Cycles 1-40: found three pricing pages.", summaryThroughCycle: 40, cycleCount: 60 },
    });
    // The cycles the summary does not cover yet (folding keeps them few), nothing older.
    const { agent, events } = await loadContext(ids);
    expect(events.map((e) => e.cycle)).toEqual(Array.from({ length: 20 }, (_, i) => 41 + i));
    expect(agent.summary).toBe("Cycles 1-40: found three pricing pages.");
    await db.agent.update({ where: { id: ids.agentId }, data: { summaryThroughCycle: 58 } });
    expect((await loadContext(ids)).events.map((e) => e.cycle)).toEqual([59, 60]);
    // A summary that lags far behind still yields a bounded read: the newest MAX_EVENTS_IN_CONTEXT events.
    await db.agent.update({ where: { id: ids.agentId }, data: { summaryThroughCycle: 0 } });
    for (let cycle = 61; cycle <= 200; cycle++) await appendEvent({ ...ids, cycle, type: "observation", payload: { cycle } });
    const capped = (await loadContext(ids)).events;
    expect(capped).toHaveLength(MAX_EVENTS_IN_CONTEXT);
    expect(capped.at(-1)?.cycle).toBe(200);
  });

  it("writes one snapshot per cycle with the event cursor", async () => {
    const ids = await newAgent();
    await appendEvent({ ...ids, cycle: 1, type: "thought" });
    const first = await writeSnapshot({ ...ids, cycle: 1 });
    await appendEvent({ ...ids, cycle: 2, type: "thought" });
    const again = await writeSnapshot({ ...ids, cycle: 1 });
    expect(again).toEqual(first);
    expect(first.eventSeq).toBe(1);
  });
});

describe("budget reservations", () => {
  it("never starts a call that could cross the hard limit, and flags the soft limit", async () => {
    const ids = await newAgent({ budgetUsd: 0.01, softLimitPercent: 80 });
    const a = await reserve(ids, "0.006");
    expect(a).toMatchObject({ ok: true, isOverSoftLimit: false });
    expect(await reserve(ids, "0.006")).toMatchObject({ ok: false, reason: "money" });
    if (!a.ok) throw new Error("unreachable");
    await commitSpend({ ...ids, reservationId: a.reservationId, costUsd: "0.002", tokensIn: 300, tokensOut: 50 });
    const b = await reserve(ids, "0.006");
    expect(b).toMatchObject({ ok: true, isOverSoftLimit: true }); // 0.008 of 0.01 = 80 %
    const agent = await db.agent.findUniqueOrThrow({ where: { id: ids.agentId }, select: { spentUsd: true, tokensUsed: true } });
    expect(agent.spentUsd.toString()).toBe("0.002");
    expect(agent.tokensUsed).toBe(350n);
  });

  it("commits once even when the committing step is retried, and releases unused reservations", async () => {
    const ids = await newAgent({ budgetUsd: 1 });
    const r = await reserve(ids, "0.5");
    if (!r.ok) throw new Error("reservation refused");
    await commitSpend({ ...ids, reservationId: r.reservationId, costUsd: "0.1", tokensIn: 10, tokensOut: 10 });
    await commitSpend({ ...ids, reservationId: r.reservationId, costUsd: "0.1", tokensIn: 10, tokensOut: 10 });
    const agent = await db.agent.findUniqueOrThrow({ where: { id: ids.agentId }, select: { spentUsd: true } });
    expect(agent.spentUsd.toString()).toBe("0.1");
    const unused = await reserve(ids, "0.9");
    expect(unused).toMatchObject({ ok: true });
    expect(await reserve(ids, "0.05")).toMatchObject({ ok: false, reason: "money" });
    if (!unused.ok) throw new Error("unreachable");
    await releaseSpend({ ...ids, reservationId: unused.reservationId });
    expect(await reserve(ids, "0.05")).toMatchObject({ ok: true });
  });

  it("serialises concurrent reservations: they cannot jointly overspend", async () => {
    const ids = await newAgent({ budgetUsd: 0.01 });
    const verdicts = await Promise.all(Array.from({ length: 10 }, () => reserve(ids, "0.004")));
    expect(verdicts.filter((v) => v.ok)).toHaveLength(2);
  });

  it("enforces token and cycle limits", async () => {
    const ids = await newAgent({ budgetUsd: 100, budgetTokens: 1000, budgetCycles: 5 });
    expect(await reserve(ids, "0.001", 1200)).toMatchObject({ ok: false, reason: "tokens" });
    expect(await reserve(ids, "0.001", 100, 6)).toMatchObject({ ok: false, reason: "cycles", message: "The cycle limit of 5 is reached." });
    expect(await reserve(ids, "0.001", 100, 5)).toMatchObject({ ok: true });
  });
});

describe("reservations left by crashed calls", () => {
  it("charges only reservations older than the bound at their worst case, once, and tells the agent's timeline", async () => {
    const ids = await newAgent({ budgetUsd: 10 });
    const orphan = await reserve(ids, "0.25", 300);
    const live = await reserve(ids, "0.50", 500);
    if (!orphan.ok || !live.ok) throw new Error("reservations refused");
    // The orphan was made 20 minutes ago; the live one just now.
    await db.spendEntry.update({ where: { id: orphan.reservationId }, data: { createdAt: new Date(Date.now() - 20 * 60_000) } });

    const settled = await settleOrphanedReservations({ olderThanSeconds: 900 });
    expect(settled.filter((s) => s.agentId === ids.agentId)).toEqual([
      { agentId: ids.agentId, teamId: ids.teamId, calls: 1, costUsd: expect.stringMatching(/^0\.25/), tokens: 300 },
    ]);
    const rows = await db.spendEntry.findMany({ where: { agentId: ids.agentId }, orderBy: { id: "asc" }, select: { state: true } });
    expect(rows.map((r) => r.state)).toEqual(["committed", "reserved"]);
    const agent = await db.agent.findUniqueOrThrow({ where: { id: ids.agentId }, select: { spentUsd: true, tokensUsed: true } });
    expect([agent.spentUsd.toFixed(2), Number(agent.tokensUsed)]).toEqual(["0.25", 300]);
    const events = await db.agentEvent.findMany({ where: { agentId: ids.agentId, type: "budget" }, select: { payload: true } });
    expect(events).toEqual([{ payload: expect.objectContaining({ reason: "orphaned_reservation", calls: 1 }) }]);

    // A second pass finds nothing more for this agent; the live reservation can still be committed normally.
    expect((await settleOrphanedReservations({ olderThanSeconds: 900 })).filter((s) => s.agentId === ids.agentId)).toEqual([]);
    await commitSpend({ ...ids, reservationId: live.reservationId, costUsd: "0.10", tokensIn: 80, tokensOut: 20 });
    const after = await db.agent.findUniqueOrThrow({ where: { id: ids.agentId }, select: { spentUsd: true, tokensUsed: true } });
    expect([after.spentUsd.toFixed(2), Number(after.tokensUsed)]).toEqual(["0.35", 400]);
  });
});
