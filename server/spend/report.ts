import "server-only";
import { db, Prisma } from "../db/client";
import { col } from "../db/columns";
import { rows, sqlRow } from "../db/rows";
import type { SpendKind } from "../db/generated/enums";
import { notFound } from "../errors";
import { hasEnded } from "../../shared/agent-status";

/**
 * What one agent has spent, for the budget panel: totals from the agent's counters, the open
 * reservations, the committed ledger grouped by kind, by model and by time bucket, and a forecast of
 * when the money limit will be reached at the recent pace.
 *
 * Only `committed` rows are real spend; `reserved` rows are in-flight worst cases (reported apart as
 * "reserved now"); `released` rows cost nothing and are ignored. Every query is scoped by agent and
 * team, and the whole report is read from one snapshot (repeatable read), so the buckets add up to
 * the totals even while the agent keeps spending.
 */

const HOUR_MS = 3_600_000;
/** A younger agent's pace comes from its last few committed calls rather than a whole hour. */
const RECENT_ROWS = 50;
/** Never extrapolate from less than a minute: one call a second ago is not a pace of $3,600/hour. */
const MIN_WINDOW_MS = 60_000;
/** A reach date further out than this is not worth a date. */
const HORIZON_MS = 100 * 365 * 24 * HOUR_MS;

export const DEFAULT_SPEND_BUCKETS = 60;

/** Bucket sizes, smallest first; the smallest that fits the agent's history into the bucket count wins. */
const BUCKET_SECONDS = [
  60,
  2 * 60,
  5 * 60,
  10 * 60,
  15 * 60,
  30 * 60,
  3600,
  2 * 3600,
  3 * 3600,
  6 * 3600,
  12 * 3600,
  86_400,
  2 * 86_400,
  7 * 86_400,
  14 * 86_400,
  30 * 86_400,
];

export type SpendAmount = { usd: string; tokensIn: number; tokensOut: number; tokens: number; calls: number };
export type SpendByKind = SpendAmount & { kind: SpendKind };
export type SpendByModel = SpendAmount & { kind: SpendKind; model: string | null };
export type SpendBucket = { start: Date; usd: string; calls: number };

export type ForecastState =
  /** The agent has ended (shared/agent-status.ts ENDED_STATUSES): no forecast; `endedReason` says why it ended. */
  | "ended"
  /** No money limit: nothing to reach. */
  | "no_limit"
  /** Already at or over the limit. */
  | "reached"
  /** No committed spend in the recent window: no pace to extrapolate. */
  | "no_recent_spend"
  /** The pace is so slow the limit is more than a century away. */
  | "beyond_horizon"
  | "projected";

export type SpendForecast = {
  state: ForecastState;
  /** USD per hour over the recent window, as a decimal string ("0" without recent spend). */
  paceUsdPerHour: string;
  /** How much history the pace was measured over, in milliseconds. */
  windowMs: number;
  /** When the money limit is reached at that pace (ISO 8601), or null (see `state`). */
  reachesLimitAt: string | null;
  /** Why the agent ended, in words with the amounts (its status reason), for state "ended". */
  endedReason?: string | null;
};

export type SpendReport = {
  agentId: string;
  generatedAt: Date;
  totals: {
    /** Committed spend, from the agent's counters. */
    spentUsd: string;
    tokensUsed: number;
    cycleCount: number;
    /** Worst-case cost of the calls in flight right now (open reservations). */
    reservedUsd: string;
    reservedCalls: number;
    budgetUsd: string | null;
    budgetTokens: number | null;
    budgetCycles: number | null;
    softLimitPercent: number;
  };
  byKind: SpendByKind[];
  byModel: SpendByModel[];
  series: { bucketSeconds: number; buckets: SpendBucket[] };
  forecast: SpendForecast;
};

/**
 * When the money limit is reached if spending continues at the recent pace. Pure: the pace is
 * `recentUsd` over `windowMs`, extrapolated from `now` with what is left of the limit.
 */
export function forecastLimit({
  now,
  budgetUsd,
  spentUsd,
  recentUsd,
  windowMs,
  ended = null,
}: {
  /** Set when the agent has ended: its reason, shown instead of a forecast. */
  ended?: { reason: string | null } | null;
  now: Date;
  budgetUsd: string | null;
  spentUsd: string;
  recentUsd: string;
  windowMs: number;
}): SpendForecast {
  const recent = Number(recentUsd);
  const pace = recent > 0 && windowMs > 0 ? (recent / windowMs) * HOUR_MS : 0;
  const base = { paceUsdPerHour: formatDecimal(pace), windowMs };
  if (ended) return { ...base, state: "ended", reachesLimitAt: null, endedReason: ended.reason };
  if (budgetUsd === null) return { ...base, state: "no_limit", reachesLimitAt: null };
  const left = Number(budgetUsd) - Number(spentUsd);
  if (left <= 0) return { ...base, state: "reached", reachesLimitAt: now.toISOString() };
  if (pace <= 0) return { ...base, state: "no_recent_spend", reachesLimitAt: null };
  const ms = (left / pace) * HOUR_MS;
  if (!Number.isFinite(ms) || ms > HORIZON_MS) return { ...base, state: "beyond_horizon", reachesLimitAt: null };
  // To the second: the pace is an estimate, and float noise should not show up as milliseconds.
  return { ...base, state: "projected", reachesLimitAt: new Date(now.getTime() + Math.round(ms / 1000) * 1000).toISOString() };
}

/** A non-negative number as a plain decimal string with at most 8 places ("0.42", not "4.2e-1"). */
function formatDecimal(value: number): string {
  return value
    .toFixed(8)
    .replace(/(\.\d*?)0+$/, "$1")
    .replace(/\.$/, "");
}

/**
 * The smallest bucket size (seconds) that covers `from`..`now` in at most `maxBuckets` buckets
 * aligned on the Unix epoch (so a bucket of a day starts at midnight UTC).
 */
export function chooseBucketSeconds(from: Date, now: Date, maxBuckets: number): number {
  const fits = (seconds: number) => bucketCount(from, now, seconds) <= maxBuckets;
  const found = BUCKET_SECONDS.find(fits);
  if (found !== undefined) return found;
  let days = Math.ceil((now.getTime() - from.getTime()) / (maxBuckets * 86_400_000));
  while (!fits(days * 86_400)) days++;
  return days * 86_400;
}

function alignedStartMs(from: Date, seconds: number): number {
  const step = seconds * 1000;
  return Math.floor(from.getTime() / step) * step;
}

function bucketCount(from: Date, now: Date, seconds: number): number {
  const start = alignedStartMs(from, seconds);
  return Math.max(1, Math.floor((now.getTime() - start) / (seconds * 1000)) + 1);
}

const ZERO = new Prisma.Decimal(0);

// Money leaves as plain decimal strings: toFixed(), since Decimal's toString() writes 1e-8 for tiny amounts.

function amount(sum: { costUsd: Prisma.Decimal | null; tokensIn: number | null; tokensOut: number | null }, calls: number) {
  const tokensIn = sum.tokensIn ?? 0;
  const tokensOut = sum.tokensOut ?? 0;
  return { usd: (sum.costUsd ?? ZERO).toFixed(), tokensIn, tokensOut, tokens: tokensIn + tokensOut, calls };
}

export async function getSpendReport({
  teamId,
  agentId,
  buckets = DEFAULT_SPEND_BUCKETS,
  now = new Date(),
}: {
  teamId: string;
  agentId: string;
  /** At most this many time buckets in the series. */
  buckets?: number;
  now?: Date;
}): Promise<SpendReport> {
  return db.$transaction(
    async (tx) => {
      const agent = await tx.agent.findFirst({
        where: { id: agentId, teamId },
        select: {
          createdAt: true,
          spentUsd: true,
          tokensUsed: true,
          cycleCount: true,
          budgetUsd: true,
          budgetTokens: true,
          budgetCycles: true,
          softLimitPercent: true,
          status: true,
          statusReason: true,
        },
      });
      if (!agent) throw notFound("That agent");
      const committed = { agentId, teamId, state: "committed" } as const;

      // Open reservations: few rows, found through the (agentId, state) index.
      const reserved = await tx.spendEntry.aggregate({
        where: { agentId, teamId, state: "reserved" },
        _sum: { costUsd: true },
        _count: { _all: true },
      });

      // One pass over the committed rows, grouped by kind and model; kinds are summed from these groups.
      const groups = await tx.spendEntry.groupBy({
        by: ["kind", "model"],
        where: committed,
        _sum: { costUsd: true, tokensIn: true, tokensOut: true },
        _count: { _all: true },
        _min: { createdAt: true },
      });
      const byModel: SpendByModel[] = groups
        .map((g) => ({ kind: g.kind, model: g.model, ...amount(g._sum, g._count._all) }))
        .sort((a, b) => Number(b.usd) - Number(a.usd) || b.calls - a.calls);
      const kinds = new Map<SpendKind, { usd: Prisma.Decimal; tokensIn: number; tokensOut: number; calls: number }>();
      for (const g of groups) {
        const k = kinds.get(g.kind) ?? { usd: ZERO, tokensIn: 0, tokensOut: 0, calls: 0 };
        kinds.set(g.kind, {
          usd: k.usd.plus(g._sum.costUsd ?? ZERO),
          tokensIn: k.tokensIn + (g._sum.tokensIn ?? 0),
          tokensOut: k.tokensOut + (g._sum.tokensOut ?? 0),
          calls: k.calls + g._count._all,
        });
      }
      const byKind: SpendByKind[] = [...kinds.entries()]
        .map(([kind, k]) => ({ kind, ...amount({ costUsd: k.usd, tokensIn: k.tokensIn, tokensOut: k.tokensOut }, k.calls) }))
        .sort((a, b) => Number(b.usd) - Number(a.usd) || b.calls - a.calls);

      // Spend over time: the series starts at the agent's creation (or its oldest committed row, for
      // imported history), in buckets sized so the whole life fits.
      const from = groups.reduce((min, g) => (g._min.createdAt && g._min.createdAt < min ? g._min.createdAt : min), agent.createdAt);
      const bucketSeconds = chooseBucketSeconds(from, now, buckets);
      const startMs = alignedStartMs(from, bucketSeconds);
      const count = bucketCount(from, now, bucketSeconds);
      const binned = await rows(
        tx,
        spendBinRow,
        Prisma.sql`
        SELECT (extract(epoch FROM date_bin(make_interval(secs => ${bucketSeconds}::double precision), "createdAt", TIMESTAMP '1970-01-01')) * 1000)::bigint AS bin,
               sum("costUsd")::text AS usd,
               count(*)::int AS calls
          FROM spend_entry
         WHERE "agentId" = ${agentId}::uuid AND "teamId" = ${teamId} AND state = 'committed'
         GROUP BY 1`,
      );
      const series = Array.from({ length: count }, (_, i) => ({ usd: ZERO, calls: 0, start: startMs + i * bucketSeconds * 1000 }));
      for (const row of binned) {
        // Rows stamped after `now` (clock skew) land in the last bucket rather than being lost.
        const index = Math.min(count - 1, Math.max(0, Math.round((Number(row.bin) - startMs) / (bucketSeconds * 1000))));
        const bucket = series[index]!;
        bucket.usd = bucket.usd.plus(row.usd);
        bucket.calls += row.calls;
      }

      // The recent pace: the last hour, or, for an agent younger than that, its last few committed calls.
      const hourAgo = new Date(now.getTime() - HOUR_MS);
      let recentUsd = ZERO;
      let windowMs = HOUR_MS;
      if (now.getTime() - agent.createdAt.getTime() >= HOUR_MS) {
        const lastHour = await tx.spendEntry.aggregate({ where: { ...committed, createdAt: { gte: hourAgo } }, _sum: { costUsd: true } });
        recentUsd = lastHour._sum.costUsd ?? ZERO;
      } else {
        const lastRows = await tx.spendEntry.findMany({
          where: { ...committed, createdAt: { gte: hourAgo } },
          orderBy: { createdAt: "desc" },
          take: RECENT_ROWS,
          select: { costUsd: true, createdAt: true },
        });
        recentUsd = lastRows.reduce((sum, r) => sum.plus(r.costUsd), ZERO);
        // Fewer rows than asked for: that is all the agent spent, so the window is its whole life.
        const first = lastRows.length === RECENT_ROWS ? lastRows.at(-1)!.createdAt : agent.createdAt;
        windowMs = Math.min(HOUR_MS, Math.max(MIN_WINDOW_MS, now.getTime() - first.getTime()));
      }

      const spentUsd = agent.spentUsd.toFixed();
      const budgetUsd = agent.budgetUsd?.toFixed() ?? null;
      return {
        agentId,
        generatedAt: now,
        totals: {
          spentUsd,
          tokensUsed: Number(agent.tokensUsed),
          cycleCount: agent.cycleCount,
          reservedUsd: (reserved._sum.costUsd ?? ZERO).toFixed(),
          reservedCalls: reserved._count._all,
          budgetUsd,
          budgetTokens: agent.budgetTokens === null ? null : Number(agent.budgetTokens),
          budgetCycles: agent.budgetCycles,
          softLimitPercent: agent.softLimitPercent,
        },
        byKind,
        byModel,
        series: {
          bucketSeconds,
          buckets: series.map((b) => ({ start: new Date(b.start), usd: b.usd.toFixed(), calls: b.calls })),
        },
        forecast: forecastLimit({
          now,
          budgetUsd,
          spentUsd,
          recentUsd: recentUsd.toFixed(),
          windowMs,
          ended: hasEnded(agent.status) ? { reason: agent.statusReason } : null,
        }),
      };
    },
    // Two passes over the committed rows take ~0.2 s at 100,000 rows; leave room for much longer ledgers.
    { isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead, timeout: 15_000 },
  );
}

const spendBinRow = sqlRow("binning an agent's spend over time", { bin: col.int8, usd: col.text, calls: col.int });
