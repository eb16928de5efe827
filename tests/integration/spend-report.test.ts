import { describe, expect, it } from "vitest";
import { forecastLimit } from "~/server/spend/report";
import { db, Prisma } from "~/server/db/client";
import type { SpendKind, SpendState } from "~/server/db/generated/enums";
import { agentInput } from "../factories/agent";
import { addTestMember, createTestTeam } from "../factories/team";
import { expectTrpcError } from "../fixtures/trpc-errors";

/** spend.forAgent against the real database: the ledger is written directly, the way budget.ts leaves it. */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

type Row = { kind: SpendKind; model: string | null; costUsd: string; tokensIn?: number; tokensOut?: number; state?: SpendState; at?: Date };

/** Writes spend rows; committed ones also move the agent's counters, as commitSpend does. */
async function writeSpend(ids: { agentId: string; teamId: string }, rows: Row[]) {
  await db.spendEntry.createMany({
    data: rows.map((r) => ({
      ...ids,
      kind: r.kind,
      model: r.model,
      state: r.state ?? "committed",
      costUsd: r.costUsd,
      tokensIn: r.tokensIn ?? 0,
      tokensOut: r.tokensOut ?? 0,
      ...(r.at ? { createdAt: r.at } : {}),
    })),
  });
  const committed = rows.filter((r) => (r.state ?? "committed") === "committed");
  await db.agent.update({
    where: { id: ids.agentId },
    data: {
      spentUsd: { increment: committed.reduce((sum, r) => sum.plus(r.costUsd), new Prisma.Decimal(0)) },
      tokensUsed: { increment: committed.reduce((sum, r) => sum + (r.tokensIn ?? 0) + (r.tokensOut ?? 0), 0) },
    },
  });
}

async function newAgent(overrides: Parameters<typeof agentInput>[0] = {}, createdAgoMs = 0) {
  const owner = await createTestTeam();
  const agent = await owner.caller.agent.create(agentInput(overrides));
  if (createdAgoMs > 0) await db.agent.update({ where: { id: agent.id }, data: { createdAt: new Date(Date.now() - createdAgoMs) } });
  return { owner, ids: { agentId: agent.id, teamId: owner.team.id } };
}

/** Decimal strings compared exactly, whatever their trailing zeros. */
const usd = (value: string) => new Prisma.Decimal(value).toFixed(8);
const sum = (values: string[]) => values.reduce((total, v) => total.plus(v), new Prisma.Decimal(0)).toFixed(8);

describe("spend.forAgent", () => {
  it("reports committed totals by kind and by model; reserved apart; released ignored", async () => {
    const { owner, ids } = await newAgent({ budgetUsd: 5 });
    await writeSpend(ids, [
      { kind: "model", model: "gpt-4o-mini", costUsd: "0.1", tokensIn: 1000, tokensOut: 200 },
      { kind: "model", model: "gpt-4o-mini", costUsd: "0.2", tokensIn: 2000, tokensOut: 300 },
      { kind: "model", model: "gpt-4o-mini", costUsd: "0.3", tokensIn: 3000, tokensOut: 400 },
      { kind: "model", model: "gpt-4.1", costUsd: "0.05", tokensIn: 100, tokensOut: 50 },
      { kind: "embedding", model: "text-embedding-3-small", costUsd: "0.001", tokensIn: 500 },
      { kind: "embedding", model: "text-embedding-3-small", costUsd: "0.001", tokensIn: 700 },
      { kind: "tool", model: "web_search", costUsd: "0.01" },
      { kind: "model", model: "gpt-4o-mini", costUsd: "0.5", tokensIn: 4000, state: "reserved" },
      { kind: "tool", model: "web_search", costUsd: "0.25", state: "reserved" },
      { kind: "model", model: "gpt-4o-mini", costUsd: "9", tokensIn: 9000, state: "released" },
    ]);

    const report = await owner.caller.spend.forAgent({ agentId: ids.agentId });

    expect(report.agentId).toBe(ids.agentId);
    expect(usd(report.totals.spentUsd)).toBe(usd("0.662"));
    expect(report.totals.tokensUsed).toBe(1000 + 200 + 2000 + 300 + 3000 + 400 + 150 + 500 + 700);
    expect(usd(report.totals.reservedUsd)).toBe(usd("0.75"));
    expect(report.totals.reservedCalls).toBe(2);
    expect(report.totals.budgetUsd).not.toBeNull();
    expect(usd(report.totals.budgetUsd!)).toBe(usd("5"));
    expect(report.totals.softLimitPercent).toBe(80);

    expect(report.byKind.map((k) => [k.kind, usd(k.usd), k.tokens, k.calls])).toEqual([
      ["model", usd("0.65"), 7050, 4],
      ["tool", usd("0.01"), 0, 1],
      ["embedding", usd("0.002"), 1200, 2],
    ]);
    expect(report.byModel.map((m) => [m.kind, m.model, usd(m.usd), m.tokensIn, m.tokensOut, m.calls])).toEqual([
      ["model", "gpt-4o-mini", usd("0.6"), 6000, 900, 3],
      ["model", "gpt-4.1", usd("0.05"), 100, 50, 1],
      ["tool", "web_search", usd("0.01"), 0, 0, 1],
      ["embedding", "text-embedding-3-small", usd("0.002"), 1200, 0, 2],
    ]);
    // The groups are the ledger's committed rows: they add up to the agent's counter.
    expect(sum(report.byKind.map((k) => k.usd))).toBe(usd(report.totals.spentUsd));
    expect(sum(report.byModel.map((m) => m.usd))).toBe(usd(report.totals.spentUsd));
  });

  it("buckets spend over the agent's life, oldest first, adding up to the committed total", async () => {
    const now = Date.now();
    const { owner, ids } = await newAgent({ budgetUsd: 50 }, 3 * 24 * HOUR);
    await writeSpend(ids, [
      { kind: "model", model: "m", costUsd: "1.25", at: new Date(now - 3 * 24 * HOUR + MINUTE) },
      { kind: "model", model: "m", costUsd: "0.5", at: new Date(now - 2 * 24 * HOUR) },
      { kind: "tool", model: "t", costUsd: "0.125", at: new Date(now - 2 * 24 * HOUR) },
      { kind: "model", model: "m", costUsd: "0.00000001", at: new Date(now - 5 * HOUR) },
      { kind: "embedding", model: "e", costUsd: "0.3", at: new Date(now - MINUTE) },
      { kind: "model", model: "m", costUsd: "7", state: "reserved", at: new Date(now - MINUTE) },
      { kind: "model", model: "m", costUsd: "3", state: "released", at: new Date(now - MINUTE) },
    ]);

    const report = await owner.caller.spend.forAgent({ agentId: ids.agentId });
    const { bucketSeconds, buckets } = report.series;
    // Three days in at most 60 buckets: two-hour buckets, aligned on the epoch.
    expect(bucketSeconds).toBe(2 * 3600);
    expect(buckets.length).toBeLessThanOrEqual(60);
    expect(buckets.length).toBeGreaterThanOrEqual(36);
    for (const [i, b] of buckets.entries()) {
      expect(b.start.getTime() % (bucketSeconds * 1000)).toBe(0);
      if (i > 0) expect(b.start.getTime() - buckets[i - 1]!.start.getTime()).toBe(bucketSeconds * 1000);
    }
    expect(buckets[0]!.start.getTime()).toBeLessThanOrEqual(now - 3 * 24 * HOUR);
    expect(buckets.at(-1)!.start.getTime()).toBeLessThanOrEqual(now);
    expect(buckets.at(-1)!.start.getTime() + bucketSeconds * 1000).toBeGreaterThan(now);

    expect(sum(buckets.map((b) => b.usd))).toBe(usd("2.17500001"));
    expect(sum(buckets.map((b) => b.usd))).toBe(usd(report.totals.spentUsd));
    expect(buckets.reduce((n, b) => n + b.calls, 0)).toBe(5);
    expect(usd(buckets[0]!.usd)).toBe(usd("1.25"));
    // Money is a plain decimal string, even a hundred-millionth of a dollar (never "1e-8").
    expect(buckets.map((b) => b.usd)).toContain("0.00000001");
    expect(usd(buckets.at(-1)!.usd)).toBe(usd("0.3"));
    const twoDaysAgo = buckets.find((b) => b.start.getTime() <= now - 2 * 24 * HOUR && now - 2 * 24 * HOUR < b.start.getTime() + 7_200_000);
    expect(usd(twoDaysAgo!.usd)).toBe(usd("0.625"));
    expect(twoDaysAgo!.calls).toBe(2);

    // Fewer buckets asked for: bigger buckets, same total.
    const coarse = await owner.caller.spend.forAgent({ agentId: ids.agentId, buckets: 12 });
    expect(coarse.series.buckets.length).toBeLessThanOrEqual(12);
    expect(coarse.series.bucketSeconds).toBe(12 * 3600);
    expect(sum(coarse.series.buckets.map((b) => b.usd))).toBe(usd(report.totals.spentUsd));
  });

  it("uses minute buckets for a young agent and says nothing when it has not spent", async () => {
    const { owner, ids } = await newAgent({ budgetUsd: 5 }, 20 * MINUTE);
    const empty = await owner.caller.spend.forAgent({ agentId: ids.agentId });
    expect(empty.series.bucketSeconds).toBe(60);
    expect(empty.series.buckets.length).toBeGreaterThanOrEqual(20);
    expect(empty.series.buckets.every((b) => b.usd === "0" && b.calls === 0)).toBe(true);
    expect(empty.byKind).toEqual([]);
    expect(empty.byModel).toEqual([]);
    expect(usd(empty.totals.spentUsd)).toBe(usd("0"));
    expect(usd(empty.totals.reservedUsd)).toBe(usd("0"));
    expect(empty.forecast).toMatchObject({ state: "no_recent_spend", reachesLimitAt: null, paceUsdPerHour: "0" });
  });

  it("forecasts from the last hour's committed spend only", async () => {
    const now = Date.now();
    const { owner, ids } = await newAgent({ budgetUsd: 5 }, 3 * HOUR);
    await writeSpend(ids, [
      { kind: "model", model: "m", costUsd: "0.6", at: new Date(now - 2 * HOUR) },
      { kind: "model", model: "m", costUsd: "0.25", at: new Date(now - 40 * MINUTE) },
      { kind: "tool", model: "t", costUsd: "0.15", at: new Date(now - 10 * MINUTE) },
      { kind: "model", model: "m", costUsd: "2", state: "reserved", at: new Date(now - MINUTE) },
      { kind: "model", model: "m", costUsd: "2", state: "released", at: new Date(now - MINUTE) },
    ]);
    const { forecast, totals } = await owner.caller.spend.forAgent({ agentId: ids.agentId });
    expect(usd(totals.spentUsd)).toBe(usd("1"));
    expect(forecast.state).toBe("projected");
    expect(forecast.windowMs).toBe(HOUR);
    expect(Number(forecast.paceUsdPerHour)).toBeCloseTo(0.4, 8);
    // $4 left at $0.40/hour: ten hours from now.
    expect(Math.abs(Date.parse(forecast.reachesLimitAt!) - (now + 10 * HOUR))).toBeLessThan(MINUTE);
  });

  it("measures a young agent's pace over its life so far", async () => {
    const now = Date.now();
    const { owner, ids } = await newAgent({ budgetUsd: 5 }, 10 * MINUTE);
    await writeSpend(ids, [{ kind: "model", model: "m", costUsd: "0.1", at: new Date(now - 5 * MINUTE) }]);
    const { forecast } = await owner.caller.spend.forAgent({ agentId: ids.agentId });
    expect(forecast.state).toBe("projected");
    expect(Math.abs(forecast.windowMs - 10 * MINUTE)).toBeLessThan(MINUTE / 2);
    expect(Number(forecast.paceUsdPerHour)).toBeCloseTo(0.6, 1);
  });

  it("says there is nothing to forecast without a money limit, and when nothing was spent recently", async () => {
    const now = Date.now();
    const { owner, ids } = await newAgent({ budgetUsd: 5 }, 5 * HOUR);
    await writeSpend(ids, [{ kind: "model", model: "m", costUsd: "1", at: new Date(now - 3 * HOUR) }]);
    const quiet = await owner.caller.spend.forAgent({ agentId: ids.agentId });
    expect(quiet.forecast).toMatchObject({ state: "no_recent_spend", reachesLimitAt: null, paceUsdPerHour: "0" });

    await writeSpend(ids, [{ kind: "model", model: "m", costUsd: "0.5", at: new Date(now - 5 * MINUTE) }]);
    await db.agent.update({ where: { id: ids.agentId }, data: { budgetUsd: null } });
    const unlimited = await owner.caller.spend.forAgent({ agentId: ids.agentId });
    expect(unlimited.totals.budgetUsd).toBeNull();
    expect(unlimited.forecast.state).toBe("no_limit");
    expect(unlimited.forecast.reachesLimitAt).toBeNull();
    expect(Number(unlimited.forecast.paceUsdPerHour)).toBeCloseTo(0.5, 8);
  });

  it("is readable by a viewer, and another team's agent is not found exactly like a missing one", async () => {
    const a = await newAgent();
    await writeSpend(a.ids, [{ kind: "model", model: "secret-model", costUsd: "1.5" }]);
    const viewer = await addTestMember(a.ids.teamId, "viewer");
    expect(usd((await viewer.caller.spend.forAgent({ agentId: a.ids.agentId })).totals.spentUsd)).toBe(usd("1.5"));

    const b = await createTestTeam();
    const other = await expectTrpcError(b.caller.spend.forAgent({ agentId: a.ids.agentId }), "NOT_FOUND");
    const missing = await expectTrpcError(b.caller.spend.forAgent({ agentId: "00000000-0000-4000-8000-000000000000" }), "NOT_FOUND");
    expect(other.message).toBe(missing.message);
    expect(other.message).toBe("That agent was not found, or you do not have access to it.");

    await expectTrpcError(b.caller.spend.forAgent({ agentId: "not-a-uuid" }), "BAD_REQUEST");
    await expectTrpcError(b.caller.spend.forAgent({ agentId: a.ids.agentId, buckets: 1000 }), "BAD_REQUEST");
  });

  it("stays fast with 100,000 committed rows", async () => {
    const { owner, ids } = await newAgent({ budgetUsd: 500 }, 2 * 24 * HOUR);
    await db.$executeRaw`
      INSERT INTO spend_entry ("agentId", "teamId", kind, state, model, "tokensIn", "tokensOut", "costUsd", "createdAt")
      SELECT ${ids.agentId}::uuid, ${ids.teamId},
             (CASE WHEN i % 10 = 0 THEN 'tool' WHEN i % 10 = 1 THEN 'embedding' ELSE 'model' END)::"SpendKind",
             (CASE WHEN i % 1000 = 7 THEN 'released' ELSE 'committed' END)::"SpendState",
             'model-' || (i % 7), 100, 50, 0.001,
             (now() AT TIME ZONE 'UTC') - make_interval(secs => i * 1.5)
        FROM generate_series(1, 100000) AS i`;
    await db.agent.update({ where: { id: ids.agentId }, data: { spentUsd: "99.9", tokensUsed: 99_900 * 150 } });
    await db.$executeRawUnsafe("ANALYZE spend_entry");

    await owner.caller.spend.forAgent({ agentId: ids.agentId }); // warm up the connection and plans
    const started = performance.now();
    const report = await owner.caller.spend.forAgent({ agentId: ids.agentId });
    const elapsed = performance.now() - started;

    expect(report.byKind.reduce((n, k) => n + k.calls, 0)).toBe(99_900);
    expect(sum(report.series.buckets.map((b) => b.usd))).toBe(usd("99.9"));
    expect(report.series.buckets.length).toBeLessThanOrEqual(60);
    expect(elapsed, `forAgent took ${Math.round(elapsed)} ms`).toBeLessThan(2000);
  });
});

describe("forecastLimit", () => {
  const now = new Date("2026-11-25T17:10:00.000Z");

  it("extrapolates the recent pace to the money limit", () => {
    const forecast = forecastLimit({ now, budgetUsd: "5", spentUsd: "1.22", recentUsd: "0.42", windowMs: HOUR });
    expect(forecast.state).toBe("projected");
    expect(forecast.paceUsdPerHour).toBe("0.42");
    expect(forecast.windowMs).toBe(HOUR);
    // $3.78 left at $0.42/hour: 9 hours.
    expect(forecast.reachesLimitAt).toBe("2026-11-26T02:10:00.000Z");
  });

  it("scales a shorter window to an hourly pace", () => {
    const forecast = forecastLimit({ now, budgetUsd: "10", spentUsd: "4", recentUsd: "0.5", windowMs: 15 * MINUTE });
    expect(forecast.paceUsdPerHour).toBe("2");
    expect(forecast.reachesLimitAt).toBe("2026-11-25T20:10:00.000Z");
  });

  it("has no reach date without a limit, but still reports the pace", () => {
    expect(forecastLimit({ now, budgetUsd: null, spentUsd: "3", recentUsd: "1", windowMs: HOUR })).toEqual({
      state: "no_limit",
      paceUsdPerHour: "1",
      windowMs: HOUR,
      reachesLimitAt: null,
    });
  });

  it("has no reach date without recent spend", () => {
    expect(forecastLimit({ now, budgetUsd: "5", spentUsd: "3", recentUsd: "0", windowMs: HOUR })).toEqual({
      state: "no_recent_spend",
      paceUsdPerHour: "0",
      windowMs: HOUR,
      reachesLimitAt: null,
    });
  });

  it("says the limit is reached once spend meets it", () => {
    const forecast = forecastLimit({ now, budgetUsd: "5", spentUsd: "5", recentUsd: "0", windowMs: HOUR });
    expect(forecast).toMatchObject({ state: "reached", reachesLimitAt: now.toISOString() });
  });

  it("gives no date for a limit centuries away", () => {
    const forecast = forecastLimit({ now, budgetUsd: "1000000", spentUsd: "0", recentUsd: "0.00000001", windowMs: HOUR });
    expect(forecast).toMatchObject({ state: "beyond_horizon", reachesLimitAt: null, paceUsdPerHour: "0.00000001" });
  });
});
