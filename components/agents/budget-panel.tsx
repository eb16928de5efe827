"use client";

import { useQuery } from "@tanstack/react-query";
import { clsx } from "clsx";
import { useId } from "react";
import type { SpendBucket, SpendForecast, SpendReport } from "~/server/spend/report";
import { useTRPC } from "../trpc/react";
import { EmptyState } from "../ui/empty-state";
import { formatAbsolute, formatUsd } from "../ui/format";
import { Panel } from "../ui/panel";
import { QuerySection, RefreshError } from "../ui/query-section";
import { Skeleton } from "../ui/skeleton";

const REFRESH_MS = 5000;

const KIND_LABELS: Record<string, string> = {
  model: "Model calls",
  embedding: "Embeddings",
  tool: "Tools",
  summary: "Summaries (model)",
  delegation: "Sub-agents (carved budgets)",
};

/**
 * An agent's money: spent against the limit (with the soft-limit mark and what is reserved by calls in
 * flight), spend over time, spend by kind and by model, and when the limit is reached at the current
 * pace. Refreshes every few seconds while open.
 */
export function BudgetPanel({ agentId }: { agentId: string }) {
  const trpc = useTRPC();
  const query = useQuery(trpc.spend.forAgent.queryOptions({ agentId }, { refetchInterval: REFRESH_MS }));

  return (
    <Panel title="Budget" className="space-y-5" data-testid="budget-panel" aside={<RefreshError query={query} />}>
      <QuerySection
        query={query}
        what="The budget"
        loading={
          <div className="space-y-3" aria-label="Loading the budget" aria-busy>
            <Skeleton className="h-8 w-40 rounded" />
            <Skeleton className="h-3 rounded-full" />
            <Skeleton className="h-32 rounded-lg" />
          </div>
        }
      >
        {(report) => <Report report={report} />}
      </QuerySection>
    </Panel>
  );
}

function Report({ report }: { report: SpendReport }) {
  const { totals } = report;
  const hasSpend = report.byModel.length > 0 || Number(totals.spentUsd) > 0;
  return (
    <>
      <SpentAgainstLimit totals={totals} />

      <dl className="grid grid-cols-1 gap-3 text-sm min-[420px]:grid-cols-3">
        <Stat label="Reserved now">
          <span className="tabular-nums" data-testid="budget-reserved">
            {formatUsd(totals.reservedUsd)}
          </span>
          <span className="block text-xs text-zinc-500">
            {totals.reservedCalls === 0 ? "no calls in flight" : `${plural(totals.reservedCalls, "call")} in flight, worst case`}
          </span>
        </Stat>
        <Stat label="Tokens">
          <span className="tabular-nums">{formatCount(totals.tokensUsed)}</span>
          <span className="block text-xs text-zinc-500">
            {totals.budgetTokens === null ? "no limit" : `of ${formatCount(totals.budgetTokens)}`}
          </span>
        </Stat>
        <Stat label="Cycles">
          <span className="tabular-nums">{formatCount(totals.cycleCount)}</span>
          <span className="block text-xs text-zinc-500">
            {totals.budgetCycles === null ? "no limit" : `of ${formatCount(totals.budgetCycles)}`}
          </span>
        </Stat>
      </dl>

      <p
        className="rounded-lg bg-zinc-50 px-3 py-2 text-sm text-zinc-700 dark:bg-zinc-800/60 dark:text-zinc-300"
        data-testid="budget-forecast"
      >
        <ForecastSentence forecast={report.forecast} budgetUsd={totals.budgetUsd} now={report.generatedAt} />
      </p>

      {hasSpend ? (
        <>
          <SpendChart series={report.series} />
          <div className="grid min-w-0 gap-5 lg:grid-cols-2">
            <BreakdownTable
              caption="By kind"
              nameHeader="Kind"
              rows={report.byKind.map((k) => ({ key: k.kind, name: KIND_LABELS[k.kind] ?? k.kind, ...k }))}
            />
            <BreakdownTable
              caption="By model or tool"
              nameHeader="Model or tool"
              rows={report.byModel.map((m) => ({
                key: `${m.kind}:${m.model ?? ""}`,
                name: m.model ?? "(unnamed)",
                detail: KIND_LABELS[m.kind] ?? m.kind,
                ...m,
              }))}
            />
          </div>
        </>
      ) : (
        <EmptyState title="No spend yet" data-testid="budget-empty">
          Model, embedding and tool costs appear here as soon as the agent makes its first call.
        </EmptyState>
      )}
    </>
  );
}

function SpentAgainstLimit({ totals }: { totals: SpendReport["totals"] }) {
  const spent = Number(totals.spentUsd);
  const limit = totals.budgetUsd === null ? null : Number(totals.budgetUsd);
  const spentPercent = limit && limit > 0 ? (spent / limit) * 100 : null;

  return (
    <div className="space-y-2">
      <p className="flex flex-wrap items-baseline gap-x-2">
        <span className="text-2xl font-semibold tabular-nums" data-testid="budget-spent">
          {formatUsd(totals.spentUsd)}
        </span>
        <span className="text-sm text-zinc-600 dark:text-zinc-400">
          {limit === null ? "spent, no limit" : `of ${formatUsd(totals.budgetUsd)} spent`}
          {spentPercent !== null ? ` (${formatPercent(spentPercent)})` : ""}
        </span>
      </p>
      {limit !== null && limit > 0 && spentPercent !== null ? (
        <LimitBar
          spentPercent={spentPercent}
          reservedPercent={(Number(totals.reservedUsd) / limit) * 100}
          softLimitPercent={totals.softLimitPercent}
          label={`${formatUsd(totals.spentUsd)} of ${formatUsd(totals.budgetUsd)} spent (${formatPercent(spentPercent)}), ${formatUsd(totals.reservedUsd)} reserved now, soft limit at ${totals.softLimitPercent}%`}
        />
      ) : null}
      {limit !== null && limit > 0 ? (
        <p className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-zinc-500">
          <span className="inline-flex items-center gap-1.5">
            <span className="bg-brand-600 dark:bg-brand-500 size-2.5 rounded-sm" aria-hidden /> Spent
          </span>
          <span className="inline-flex items-center gap-1.5">
            <span className="bg-brand-600/30 dark:bg-brand-500/40 size-2.5 rounded-sm" aria-hidden /> Reserved now
          </span>
          <span className="inline-flex items-center gap-1.5">
            <span className="h-3 w-0.5 bg-amber-500" aria-hidden /> Soft limit {totals.softLimitPercent}% (
            {formatUsd(String((limit * totals.softLimitPercent) / 100))})
          </span>
        </p>
      ) : null}
    </div>
  );
}

function LimitBar({
  spentPercent,
  reservedPercent,
  softLimitPercent,
  label,
}: {
  spentPercent: number;
  reservedPercent: number;
  softLimitPercent: number;
  label: string;
}) {
  const spentWidth = clamp(spentPercent, 0, 100);
  const reservedWidth = clamp(reservedPercent, 0, 100 - spentWidth);
  const tone = spentTone(spentPercent, softLimitPercent);
  return (
    <div
      role="progressbar"
      aria-label="Money spent of the limit"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(spentWidth)}
      aria-valuetext={label}
      title={label}
      className="relative h-3 rounded-full bg-zinc-100 dark:bg-zinc-800"
    >
      <div className="absolute inset-0 overflow-hidden rounded-full">
        <div className={clsx("absolute inset-y-0 left-0", tone)} style={{ width: `${spentWidth}%` }} />
        <div
          className="bg-brand-600/30 dark:bg-brand-500/40 absolute inset-y-0"
          style={{ left: `${spentWidth}%`, width: `${reservedWidth}%` }}
        />
      </div>
      {softLimitPercent > 0 && softLimitPercent < 100 ? (
        <div
          className="absolute -inset-y-1 w-0.5 -translate-x-1/2 rounded bg-amber-500"
          style={{ left: `${softLimitPercent}%` }}
          aria-hidden
        />
      ) : null}
    </div>
  );
}

/** Brand colour below the soft limit, amber past it, red at the limit. */
function spentTone(spentPercent: number, softLimitPercent: number) {
  if (spentPercent >= 100) return "bg-red-600 dark:bg-red-500";
  if (spentPercent >= softLimitPercent) return "bg-amber-500 dark:bg-amber-400";
  return "bg-brand-600 dark:bg-brand-500";
}

function ForecastSentence({ forecast, budgetUsd, now }: { forecast: SpendForecast; budgetUsd: string | null; now: Date }) {
  const pace = formatPace(forecast.paceUsdPerHour);
  switch (forecast.state) {
    case "ended":
      return <>{forecast.endedReason ?? "The agent has ended."}</>;
    case "no_limit":
      return <>No limit{Number(forecast.paceUsdPerHour) > 0 ? `: spending about ${pace}/hour.` : "."}</>;
    case "reached":
      return <>The {formatUsd(budgetUsd)} limit is reached.</>;
    case "no_recent_spend":
      return <>No spend in the last hour.</>;
    case "beyond_horizon":
      return (
        <>
          At the current pace ({pace}/hour) the {formatUsd(budgetUsd)} limit is more than a century away.
        </>
      );
    case "projected": {
      const at = new Date(forecast.reachesLimitAt!);
      return (
        <>
          At the current pace ({pace}/hour) the {formatUsd(budgetUsd)} limit is reached in about {formatSpan(at.getTime() - now.getTime())},
          on{" "}
          <time dateTime={forecast.reachesLimitAt!} title={formatAbsolute(at)}>
            {formatWhen(at, now)}
          </time>
          .
        </>
      );
    }
  }
}

function SpendChart({ series }: { series: SpendReport["series"] }) {
  const titleId = useId();
  const { buckets, bucketSeconds } = series;
  const values = buckets.map((b) => Number(b.usd));
  const max = Math.max(0, ...values);
  const total = values.reduce((a, b) => a + b, 0);
  const peakIndex = values.indexOf(max);
  const per = bucketLabel(bucketSeconds);
  const nonEmpty = buckets.filter((b) => b.calls > 0 || Number(b.usd) > 0);
  const first = buckets[0];
  const summary =
    max > 0 && first
      ? `Spend per ${per} since ${formatBucketTime(first.start, bucketSeconds)}: ${formatUsd(String(total))} in total; ` +
        `the most, ${formatUsd(String(max))}, in the ${per} from ${formatBucketTime(buckets[peakIndex]!.start, bucketSeconds)}.`
      : `No committed spend per ${per} yet.`;

  return (
    <figure className="min-w-0 space-y-2" aria-labelledby={titleId}>
      <figcaption id={titleId} className="flex flex-wrap items-baseline justify-between gap-x-3 text-sm">
        <span className="font-medium">Spend over time</span>
        <span className="text-xs text-zinc-500">per {per}</span>
      </figcaption>
      <div className="relative">
        <span className="absolute top-0 left-0 text-[11px] text-zinc-500 tabular-nums" aria-hidden>
          {formatUsd(String(max))}
        </span>
        <svg
          viewBox={`0 0 ${buckets.length} 100`}
          preserveAspectRatio="none"
          className="h-32 w-full overflow-visible"
          role="img"
          aria-label={summary}
          data-testid="spend-chart"
        >
          <line
            x1={0}
            x2={buckets.length}
            y1={100}
            y2={100}
            className="stroke-zinc-300 dark:stroke-zinc-700"
            vectorEffect="non-scaling-stroke"
          />
          {buckets.map((b, i) => {
            const value = values[i]!;
            if (value <= 0) return null;
            // Tiny amounts still show as a sliver; the top 12 % is left for the scale label.
            const height = Math.max(1.5, (value / max) * 88);
            return (
              <rect
                key={b.start.getTime()}
                x={i + 0.12}
                width={0.76}
                y={100 - height}
                height={height}
                className="fill-brand-600 dark:fill-brand-500"
              >
                <title>{`${formatBucketTime(b.start, bucketSeconds)}: ${formatUsd(b.usd)}, ${plural(b.calls, "call")}`}</title>
              </rect>
            );
          })}
        </svg>
      </div>
      {first ? (
        <div className="flex justify-between gap-2 text-[11px] text-zinc-500" aria-hidden>
          <span>{formatBucketTime(first.start, bucketSeconds)}</span>
          <span>now</span>
        </div>
      ) : null}
      {/* A div, not the table, is visually hidden: a table ignores the 1px width and would widen the page. */}
      <div className="sr-only">
        <table>
          <caption>Committed spend per {per}, oldest first (periods without spend left out)</caption>
          <thead>
            <tr>
              <th scope="col">Period starting</th>
              <th scope="col">Cost</th>
              <th scope="col">Calls</th>
            </tr>
          </thead>
          <tbody>
            {nonEmpty.map((b) => (
              <tr key={b.start.getTime()}>
                <td>{formatBucketTime(b.start, bucketSeconds)}</td>
                <td>{formatUsd(b.usd)}</td>
                <td>{b.calls}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

type BreakdownRow = { key: string; name: string; detail?: string; usd: string; tokens: number; calls: number };

function BreakdownTable({ caption, nameHeader, rows }: { caption: string; nameHeader: string; rows: BreakdownRow[] }) {
  return (
    <div className="min-w-0 overflow-x-auto rounded-lg ring-1 ring-zinc-200 dark:ring-zinc-800">
      <table className="min-w-full divide-y divide-zinc-200 text-sm dark:divide-zinc-800">
        <caption className="px-3 pt-2.5 pb-1 text-left text-sm font-medium">{caption}</caption>
        <thead className="text-left text-xs font-semibold tracking-wide text-zinc-500 uppercase">
          <tr>
            <th scope="col" className="px-3 py-2">
              {nameHeader}
            </th>
            <th scope="col" className="px-3 py-2 text-right">
              Cost
            </th>
            <th scope="col" className="px-3 py-2 text-right">
              Tokens
            </th>
            <th scope="col" className="px-3 py-2 text-right">
              Calls
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
          {rows.map((row) => (
            <tr key={row.key}>
              <th scope="row" className="px-3 py-2 text-left font-normal">
                <span className="font-mono text-xs break-all">{row.name}</span>
                {row.detail ? <span className="block text-xs text-zinc-500">{row.detail}</span> : null}
              </th>
              <td className="px-3 py-2 text-right tabular-nums">{formatUsd(row.usd)}</td>
              <td className="px-3 py-2 text-right tabular-nums">{formatCount(row.tokens)}</td>
              <td className="px-3 py-2 text-right tabular-nums">{formatCount(row.calls)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Stat({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="rounded-lg bg-zinc-50 px-3 py-2 dark:bg-zinc-800/60">
      <dt className="text-xs text-zinc-500">{label}</dt>
      <dd className="mt-0.5 font-medium">{children}</dd>
    </div>
  );
}

function clamp(value: number, min: number, max: number) {
  return Math.min(max, Math.max(min, Number.isFinite(value) ? value : 0));
}

function plural(n: number, word: string) {
  return `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
}

function formatCount(n: number) {
  return n.toLocaleString("en-US");
}

function formatPercent(percent: number) {
  return `${percent < 10 ? percent.toFixed(1) : Math.round(percent)}%`;
}

/** Dollars per hour, with the digits a small pace needs (formatUsd says "under" below the finest one). */
function formatPace(usdPerHour: string) {
  return formatUsd(usdPerHour);
}

/** "about 9 hours", "about 3 days": rounded, since a forecast is an estimate. */
function formatSpan(ms: number) {
  const minutes = Math.max(0, ms) / 60_000;
  if (minutes < 1) return "less than a minute";
  if (minutes < 90) return plural(Math.round(minutes), "minute");
  const hours = minutes / 60;
  if (hours < 48) return plural(Math.round(hours), "hour");
  const days = hours / 24;
  if (days < 60) return plural(Math.round(days), "day");
  if (days < 730) return plural(Math.round(days / 30), "month");
  return plural(Math.round(days / 365), "year");
}

/** "Nov 26 at 03:10", with the year when it is not this year. */
function formatWhen(date: Date, now: Date) {
  const sameYear = date.getFullYear() === now.getFullYear();
  const day = date.toLocaleDateString("en-US", { month: "short", day: "numeric", ...(sameYear ? {} : { year: "numeric" }) });
  const time = date.toLocaleTimeString("en-US", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  return `${day} at ${time}`;
}

function bucketLabel(seconds: number) {
  const unit = (n: number, word: string) => (n === 1 ? word : `${n} ${word}s`);
  if (seconds % 604_800 === 0) return unit(seconds / 604_800, "week");
  if (seconds % 86_400 === 0) return unit(seconds / 86_400, "day");
  if (seconds % 3600 === 0) return unit(seconds / 3600, "hour");
  return unit(Math.round(seconds / 60), "minute");
}

function formatBucketTime(start: SpendBucket["start"], bucketSeconds: number) {
  return bucketSeconds >= 86_400
    ? start.toLocaleDateString("en-US", { month: "short", day: "numeric" })
    : start.toLocaleString("en-US", { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
}
