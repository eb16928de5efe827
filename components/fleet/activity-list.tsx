"use client";

import { useInfiniteQuery, type InfiniteData } from "@tanstack/react-query";
import { clsx } from "clsx";
import Link from "next/link";
import { useEffect, useState, type ReactNode } from "react";
import {
  ACTIVITY_WINDOW_LABELS,
  CYCLE_OUTCOME_LABELS,
  CYCLE_OUTCOMES,
  RUN_STATUS_LABELS,
  RUN_STATUSES,
  type ActivityWindow,
  type CycleOutcome,
  type FleetCycle,
  type FleetRun,
  type RunStatus,
} from "~/shared/fleet";
import { useTRPC } from "../trpc/react";
import { Badge, type BadgeTone } from "../ui/badge";
import { Button } from "../ui/button";
import { EmptyState } from "../ui/empty-state";
import { CompactInput, CompactSelect } from "../ui/field";
import { formatAbsolute, formatDuration, formatUsd } from "../ui/format";
import { PageHeader } from "../ui/page-header";
import { QuerySection, RefreshError } from "../ui/query-section";
import { RelativeText } from "../ui/relative-time";
import { SkeletonGroup } from "../ui/skeleton";
import { TabPanel, Tabs } from "../ui/tabs";
import { ACTIVITY_VIEWS, useActivityParams } from "./activity-params";

const PAGE_SIZE = 50;
/** Typing pauses this long before the list is asked again. */
const SEARCH_DELAY_MS = 250;
/** New cycles keep coming while the page is open. */
const REFRESH_MS = 30_000;

const OUTCOME_TONES: Record<CycleOutcome, BadgeTone> = { succeeded: "green", failed: "red", waiting: "amber", unfinished: "sky" };
const RUN_TONES: Record<RunStatus, BadgeTone> = {
  queued: "neutral",
  running: "sky",
  completed: "green",
  failed: "red",
  cancelled: "neutral",
};

const TH = "px-3 py-2.5";
const TD = "px-3 py-3";

/**
 * The team's activity (issue 22, fleet views): every cycle and every run of every agent, newest first,
 * searchable by agent, tool, outcome or status, error text and time, with latency, tokens and cost. A
 * cycle opens on its agent's timeline; a run on its agent's Runs tab.
 */
export function ActivityPage() {
  const [params, setParams] = useActivityParams();
  const filter = {
    agent: params.agent || undefined,
    tool: params.tool || undefined,
    error: params.error || undefined,
    window: params.window,
  };
  const isFiltered = Boolean(params.agent || params.tool || params.error || params.outcome || params.status);
  return (
    <section aria-labelledby="activity-heading" className="space-y-4">
      <PageHeader
        id="activity-heading"
        title="Activity"
        description="Every cycle and run of the team's agents, newest first: search them by agent, tool, outcome, error and time."
      />
      <Tabs tabs={ACTIVITY_VIEWS} selected={params.view} onSelect={(view) => void setParams({ view })} label="Show" />
      <div className="flex flex-wrap items-center gap-2" role="search" aria-label="Filter the activity">
        <SearchBox name="agent" label="Agent" placeholder="Agent name" />
        <SearchBox name="tool" label="Tool" placeholder="Tool name" />
        <SearchBox name="error" label="Error text" placeholder="Error text" />
        {params.view === "cycles" ? (
          <CompactSelect
            aria-label="Outcome"
            value={params.outcome ?? ""}
            onChange={(e) => void setParams({ outcome: (e.target.value as CycleOutcome) || null })}
          >
            <option value="">All outcomes</option>
            {CYCLE_OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {CYCLE_OUTCOME_LABELS[o]}
              </option>
            ))}
          </CompactSelect>
        ) : (
          <CompactSelect
            aria-label="Run status"
            value={params.status ?? ""}
            onChange={(e) => void setParams({ status: (e.target.value as RunStatus) || null })}
          >
            <option value="">All statuses</option>
            {RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {RUN_STATUS_LABELS[s]}
              </option>
            ))}
          </CompactSelect>
        )}
        <CompactSelect
          aria-label="Time"
          value={params.window}
          onChange={(e) => void setParams({ window: e.target.value as ActivityWindow })}
        >
          {Object.entries(ACTIVITY_WINDOW_LABELS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </CompactSelect>
        {isFiltered ? (
          <Button
            type="button"
            variant="ghost"
            onClick={() => void setParams({ agent: null, tool: null, error: null, outcome: null, status: null })}
          >
            Clear filters
          </Button>
        ) : null}
      </div>
      <TabPanel id="cycles" selected={params.view}>
        <CycleList filter={filter} outcome={params.outcome ?? undefined} isFiltered={isFiltered} window={params.window} />
      </TabPanel>
      <TabPanel id="runs" selected={params.view}>
        <RunList filter={filter} status={params.status ?? undefined} isFiltered={isFiltered} window={params.window} />
      </TabPanel>
    </section>
  );
}

type Filter = { agent?: string; tool?: string; error?: string; window: ActivityWindow };

/** A search box that writes its filter to the URL once typing pauses, and shows the URL's text when that changes (Back, a link). */
function SearchBox({ name, label, placeholder }: { name: "agent" | "tool" | "error"; label: string; placeholder: string }) {
  const [params, setParams] = useActivityParams();
  const value = params[name];
  const [typed, setTyped] = useState(value);
  const [shown, setShown] = useState(value);
  if (value !== shown) {
    setShown(value);
    if (value !== typed.trim()) setTyped(value);
  }
  useEffect(() => {
    const next = typed.trim();
    if (next === value) return;
    // Written as it is typed: it replaces the history entry instead of adding one per word.
    const timer = setTimeout(() => void setParams({ [name]: next || null }, { history: "replace" }), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [typed, value, name, setParams]);
  return (
    <CompactInput
      type="search"
      aria-label={label}
      placeholder={placeholder}
      value={typed}
      onChange={(e) => setTyped(e.target.value)}
      className="w-full sm:w-44"
    />
  );
}

function emptyText(isFiltered: boolean, window: ActivityWindow, what: string): ReactNode {
  const when = window === "all" ? "" : ` in the ${ACTIVITY_WINDOW_LABELS[window].toLowerCase()}`;
  return isFiltered ? `No ${what} match these filters${when}.` : `No ${what}${when}. Start an agent, or choose a longer time.`;
}

function CycleList({
  filter,
  outcome,
  isFiltered,
  window,
}: {
  filter: Filter;
  outcome?: CycleOutcome;
  isFiltered: boolean;
  window: ActivityWindow;
}) {
  const trpc = useTRPC();
  const list = useInfiniteQuery(
    trpc.fleet.cycles.infiniteQueryOptions(
      { ...filter, outcome, limit: PAGE_SIZE },
      { getNextPageParam: (last) => last.nextCursor ?? undefined, refetchInterval: REFRESH_MS },
    ),
  );
  return (
    <PagedTable
      list={list}
      what="cycles"
      label="Cycles, newest first"
      testId="fleet-cycles"
      head={["Agent and cycle", "Outcome", "Tool", "Error", "Started", "Latency", "Tokens", "Cost"]}
      empty={emptyText(isFiltered, window, "cycles")}
      row={(c) => <CycleRow key={`${c.agentId}:${c.cycle}`} cycle={c} />}
    />
  );
}

/** Which columns a phone, a tablet and a laptop show: the essentials stay, the rest are repeated under the name on a phone. */
const COLUMN_CLASSES = [
  "",
  "hidden sm:table-cell",
  "hidden md:table-cell",
  "hidden lg:table-cell",
  "hidden sm:table-cell",
  "",
  "hidden xl:table-cell",
  "",
];

function Table({ label, testId, head, children }: { label: string; testId: string; head: string[]; children: ReactNode }) {
  return (
    <div className="overflow-x-auto rounded-xl ring-1 ring-zinc-200 dark:ring-zinc-800">
      <table
        aria-label={label}
        className="min-w-full divide-y divide-zinc-200 bg-white text-sm dark:divide-zinc-800 dark:bg-zinc-900"
        data-testid={testId}
      >
        <thead className="bg-zinc-50 text-left text-xs font-semibold tracking-wide text-zinc-500 uppercase dark:bg-zinc-900">
          <tr>
            {head.map((h, i) => (
              <th key={h} scope="col" className={clsx(TH, COLUMN_CLASSES[i], i >= 5 && "text-right")}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">{children}</tbody>
      </table>
    </div>
  );
}

function Started({ at }: { at: Date }) {
  return (
    <time dateTime={at.toISOString()} title={formatAbsolute(at)} className="whitespace-nowrap text-zinc-600 dark:text-zinc-400">
      <RelativeText date={at} />
    </time>
  );
}

function CycleRow({ cycle: c }: { cycle: FleetCycle }) {
  const tool = c.tools.join(", ");
  return (
    <tr data-testid="fleet-cycle" data-agent={c.agentName} data-cycle={c.cycle} data-outcome={c.outcome}>
      <td className={TD}>
        <Link href={`/agents/${c.agentId}?cycle=${c.cycle}`} className="font-medium hover:underline">
          {c.agentName} <span className="text-zinc-500 tabular-nums">· cycle {c.cycle}</span>
        </Link>
        {/* Phones: the outcome, tool, error and age, which have no column there. */}
        <div className="mt-1 space-y-1 text-xs text-zinc-500 sm:hidden">
          <div className="flex flex-wrap items-center gap-2">
            <Badge tone={OUTCOME_TONES[c.outcome]}>{CYCLE_OUTCOME_LABELS[c.outcome]}</Badge>
            {tool ? <span className="font-mono break-all">{tool}</span> : null}
            <Started at={c.endedAt} />
          </div>
          {c.error ? <p className="line-clamp-2 text-red-700 dark:text-red-300">{c.error}</p> : null}
        </div>
      </td>
      <td className={clsx(TD, COLUMN_CLASSES[1])}>
        <Badge tone={OUTCOME_TONES[c.outcome]}>{CYCLE_OUTCOME_LABELS[c.outcome]}</Badge>
      </td>
      <td className={clsx(TD, COLUMN_CLASSES[2], "font-mono text-xs")}>
        <span className="block max-w-44 truncate" title={tool}>
          {tool || "—"}
        </span>
      </td>
      <td className={clsx(TD, COLUMN_CLASSES[3], "text-xs")}>
        {c.error ? (
          <span className="line-clamp-2 max-w-72 text-red-700 dark:text-red-300" title={c.error} data-testid="fleet-cycle-error">
            {c.error}
          </span>
        ) : (
          <span className="text-zinc-400">—</span>
        )}
      </td>
      <td className={clsx(TD, COLUMN_CLASSES[4])}>
        <Started at={c.endedAt} />
      </td>
      <td
        className={clsx(TD, "text-right whitespace-nowrap tabular-nums")}
        title={c.modelMs !== null ? `Model: ${formatDuration(c.modelMs)}` : undefined}
      >
        {formatDuration(c.latencyMs)}
      </td>
      <td className={clsx(TD, COLUMN_CLASSES[6], "text-right tabular-nums")}>{c.tokens.toLocaleString("en-US")}</td>
      <td className={clsx(TD, "text-right whitespace-nowrap tabular-nums")}>{formatUsd(c.costUsd)}</td>
    </tr>
  );
}

function RunList({
  filter,
  status,
  isFiltered,
  window,
}: {
  filter: Filter;
  status?: RunStatus;
  isFiltered: boolean;
  window: ActivityWindow;
}) {
  const trpc = useTRPC();
  const list = useInfiniteQuery(
    trpc.fleet.runs.infiniteQueryOptions(
      { ...filter, status, limit: PAGE_SIZE },
      { getNextPageParam: (last) => last.nextCursor ?? undefined, refetchInterval: REFRESH_MS },
    ),
  );
  return (
    <PagedTable
      list={list}
      what="runs"
      label="Runs, newest first"
      testId="fleet-runs"
      head={["Agent", "Status", "Cycles", "Why it ended", "Started", "Duration", "Tokens", "Cost"]}
      empty={emptyText(isFiltered, window, "runs")}
      row={(r) => <RunRow key={r.id} run={r} />}
    />
  );
}

function cycleSpan(r: FleetRun): string {
  const count = `${r.cycles.toLocaleString("en-US")} ${r.cycles === 1 ? "cycle" : "cycles"}`;
  const failed = r.failedCycles > 0 ? `, ${r.failedCycles.toLocaleString("en-US")} failed` : "";
  const range =
    r.endCycle !== null && r.endCycle > r.startCycle ? ` (${r.startCycle}–${r.endCycle})` : r.cycles > 0 ? ` (from ${r.startCycle})` : "";
  return `${count}${failed}${range}`;
}

function RunRow({ run: r }: { run: FleetRun }) {
  return (
    <tr data-testid="fleet-run" data-agent={r.agentName} data-status={r.status}>
      <td className={TD}>
        <Link href={`/agents/${r.agentId}?tab=runs`} className="font-medium hover:underline">
          {r.agentName}
        </Link>
        <div className="mt-1 space-y-1 text-xs text-zinc-500 sm:hidden">
          <div className="flex flex-wrap items-center gap-2">
            <Badge tone={RUN_TONES[r.status]}>{RUN_STATUS_LABELS[r.status]}</Badge>
            <span>{cycleSpan(r)}</span>
            <Started at={r.startedAt} />
          </div>
          {r.reason ? <p className="line-clamp-2">{r.reason}</p> : null}
        </div>
      </td>
      <td className={clsx(TD, COLUMN_CLASSES[1])}>
        <Badge tone={RUN_TONES[r.status]}>{RUN_STATUS_LABELS[r.status]}</Badge>
      </td>
      <td
        className={clsx(
          TD,
          COLUMN_CLASSES[2],
          "text-xs whitespace-nowrap tabular-nums",
          r.failedCycles > 0 && "text-red-700 dark:text-red-300",
        )}
      >
        {cycleSpan(r)}
      </td>
      <td className={clsx(TD, COLUMN_CLASSES[3], "text-xs")}>
        <span className="line-clamp-2 max-w-72" title={r.reason ?? undefined}>
          {r.reason ?? <span className="text-zinc-400">—</span>}
        </span>
      </td>
      <td className={clsx(TD, COLUMN_CLASSES[4])}>
        <Started at={r.startedAt} />
      </td>
      <td className={clsx(TD, "text-right whitespace-nowrap tabular-nums")}>
        {r.latencyMs !== null ? formatDuration(r.latencyMs) : <span className="text-zinc-500">still going</span>}
      </td>
      <td className={clsx(TD, COLUMN_CLASSES[6], "text-right tabular-nums")}>{r.tokens.toLocaleString("en-US")}</td>
      <td className={clsx(TD, "text-right whitespace-nowrap tabular-nums")}>{formatUsd(r.costUsd)}</td>
    </tr>
  );
}

/** A page of an activity list as TanStack Query's infinite query holds it. */
type PagedList<T> = {
  data: InfiniteData<{ items: T[] }> | undefined;
  error: { message: string } | null;
  isPending: boolean;
  isError: boolean;
  isFetching: boolean;
  refetch: () => unknown;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => Promise<unknown>;
};

/** An activity list's pages as one table: loading, errors, the empty state, and "Show older" for the next page. */
function PagedTable<T>({
  list,
  what,
  label,
  testId,
  head,
  empty,
  row,
}: {
  list: PagedList<T>;
  what: string;
  label: string;
  testId: string;
  head: string[];
  empty: ReactNode;
  row: (item: T) => ReactNode;
}) {
  return (
    <div className="space-y-3">
      <RefreshError query={list} />
      <QuerySection
        query={list}
        what={`The ${what}`}
        loading={<SkeletonGroup label={`Loading ${what}`} count={6} itemClassName="h-12 rounded-lg" />}
        isEmpty={(data) => data.pages[0]!.items.length === 0}
        empty={<EmptyState data-testid="activity-empty">{empty}</EmptyState>}
      >
        {(data) => (
          <Table label={label} testId={testId} head={head}>
            {data.pages.flatMap((page) => page.items).map(row)}
          </Table>
        )}
      </QuerySection>
      {list.hasNextPage ? (
        <Button type="button" variant="secondary" isLoading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
          Show older
        </Button>
      ) : null}
    </div>
  );
}
