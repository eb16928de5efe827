import Link from "next/link";
import { REDACTED } from "~/server/sharing/redact";
import type { SharedTimeline } from "~/server/sharing/shared-view";
import { StatusBadge } from "../agents/status-badge";
import { EmptyState } from "../ui/empty-state";
import { SharedEventItem } from "./shared-event";

/** Times in UTC, said so: a visitor's time zone is not known when the page is rendered on the server. */
function formatUtc(date: Date): string {
  return `${date.toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" })} UTC`;
}

/** A call's progress as its newest update only: the earlier ones say less. */
function withLatestProgress(events: SharedTimeline["cycles"][number]["events"]) {
  return events.filter(
    (event, index) =>
      event.type !== "tool_progress" ||
      !events.slice(index + 1).some((later) => later.type === "tool_progress" && later.name === event.name),
  );
}

type SharedCycle = SharedTimeline["cycles"][number];
type SharedRow =
  | { kind: "cycle"; at: number; cycle: number; events: SharedCycle["events"] }
  | { kind: "event"; at: number; event: SharedCycle["events"][number] };

/**
 * The page's rows, newest first: each cycle with the loop's events, and the events that happened
 * outside a cycle (a person's pause, a budget raise) as rows of their own, where they happened in time.
 */
function sharedRows(cycles: SharedCycle[]): SharedRow[] {
  const rows: SharedRow[] = [];
  for (const { cycle, events } of cycles) {
    const inside = events.filter((e) => !e.isOutsideCycle);
    for (const event of events) if (event.isOutsideCycle) rows.push({ kind: "event", at: event.seq, event });
    if (inside.length > 0) rows.push({ kind: "cycle", at: inside[0]!.seq, cycle, events: inside });
  }
  return rows.sort((a, b) => b.at - a.at);
}

/** The frame of a shared page: no navigation into the app, nothing to click but paging. */
export function SharedShell({ children }: { children: React.ReactNode }) {
  return (
    <div className="min-h-screen">
      <header className="border-b border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
        <div className="mx-auto flex max-w-3xl flex-wrap items-center gap-x-3 gap-y-1 px-4 py-3">
          <span className="text-lg font-bold tracking-tight">
            <span className="text-brand-600 dark:text-brand-400">Long</span>haul
          </span>
          <span className="rounded-full bg-zinc-100 px-2 py-0.5 text-xs font-medium text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300">
            Shared, read-only
          </span>
        </div>
      </header>
      <main className="mx-auto max-w-3xl px-4 py-6">{children}</main>
    </div>
  );
}

function hiddenNotice({ redactToolData, redactMemories }: SharedTimeline["redaction"]): string | null {
  if (redactToolData && redactMemories) return "Tool arguments, tool results and memory contents are hidden on this link.";
  if (redactToolData) return "Tool arguments and results (and so the memories made from them) are hidden on this link.";
  if (redactMemories) return "Memory contents are hidden on this link.";
  return null;
}

/** An agent's history as a share link shows it: the agent, then its cycles newest first, a page at a time. */
export function SharedTimelineView({ view, token, beforeCycle }: { view: SharedTimeline; token: string; beforeCycle?: number }) {
  const { agent } = view;
  const notice = hiddenNotice(view.redaction);
  const base = `/share/${token}`;
  return (
    <div className="space-y-6">
      <section className="space-y-3 rounded-xl bg-white p-4 shadow-xs ring-1 ring-zinc-200 sm:p-5 dark:bg-zinc-900 dark:ring-zinc-800">
        <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
          <h1 className="min-w-0 text-xl font-semibold break-words" data-testid="shared-agent-name">
            {agent.name}
          </h1>
          <span data-testid="shared-agent-status" data-status={agent.status}>
            <StatusBadge status={agent.status} />
          </span>
        </div>
        <p className="text-sm break-words whitespace-pre-wrap text-zinc-700 dark:text-zinc-300">{agent.goal}</p>
        {agent.statusReason === REDACTED ? null : agent.statusReason ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">{agent.statusReason}</p>
        ) : null}
        {agent.subAgents > 0 || agent.hasParent ? (
          <p className="text-xs text-zinc-600 dark:text-zinc-400" data-testid="shared-tree-note">
            This page shows this agent only
            {agent.subAgents > 0
              ? `, not its ${agent.subAgents} ${agent.subAgents === 1 ? "sub-agent" : "sub-agents"} (agents it started for parts of its goal)`
              : ""}
            {agent.hasParent ? `${agent.subAgents > 0 ? ", nor" : ", not"} the agent that started it` : ""}.
          </p>
        ) : null}
        <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-sm sm:grid-cols-3">
          <div>
            <dt className="text-xs text-zinc-500 dark:text-zinc-400">Cycles finished</dt>
            <dd className="tabular-nums">{agent.cycleCount}</dd>
          </div>
          <div>
            <dt className="text-xs text-zinc-500 dark:text-zinc-400">Last active</dt>
            <dd>{agent.lastActiveAt ? formatUtc(agent.lastActiveAt) : "Not yet"}</dd>
          </div>
          <div>
            <dt className="text-xs text-zinc-500 dark:text-zinc-400">Link expires</dt>
            <dd>{view.expiresAt ? formatUtc(view.expiresAt) : "Never"}</dd>
          </div>
        </dl>
        {notice ? (
          <p
            className="rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-900 ring-1 ring-amber-200 dark:bg-amber-950 dark:text-amber-200 dark:ring-amber-900"
            data-testid="shared-redaction"
          >
            {notice}
          </p>
        ) : null}
      </section>

      {view.cycles.length === 0 ? (
        <EmptyState data-testid="shared-empty">{beforeCycle ? "No older cycles." : "This agent has not run a cycle yet."}</EmptyState>
      ) : (
        <ol className="space-y-4" aria-label="Cycles, newest first">
          {sharedRows(view.cycles).map((row) =>
            row.kind === "event" ? (
              <li
                key={`event-${row.event.seq}`}
                className="flex flex-wrap items-start gap-x-3 gap-y-1 rounded-xl bg-zinc-50 px-4 py-3 ring-1 ring-zinc-200 dark:bg-zinc-950 dark:ring-zinc-800"
                data-testid="shared-outside-event"
              >
                <SharedEventItem event={row.event} as="div" />
                <time className="ml-auto text-xs text-zinc-500 dark:text-zinc-400" dateTime={row.event.createdAt.toISOString()}>
                  {formatUtc(row.event.createdAt)}
                </time>
              </li>
            ) : (
              <li
                key={row.cycle}
                className="rounded-xl bg-white p-4 shadow-xs ring-1 ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800"
                data-testid="shared-cycle"
                data-cycle={row.cycle}
              >
                <h2 className="mb-3 flex flex-wrap items-baseline justify-between gap-x-3 text-sm font-semibold">
                  <span>
                    {`Cycle ${row.cycle}`}
                    {row.cycle > agent.cycleCount ? (
                      <span className="ml-2 text-xs font-normal text-sky-700 dark:text-sky-300" data-testid="shared-cycle-unfinished">
                        not finished
                      </span>
                    ) : null}
                  </span>
                  {row.events[0] ? (
                    <time className="text-xs font-normal text-zinc-500 dark:text-zinc-400" dateTime={row.events[0].createdAt.toISOString()}>
                      {formatUtc(row.events[0].createdAt)}
                    </time>
                  ) : null}
                </h2>
                <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
                  {withLatestProgress(row.events).map((event) => (
                    <SharedEventItem key={event.seq} event={event} />
                  ))}
                </ul>
              </li>
            ),
          )}
        </ol>
      )}

      <nav aria-label="Pages" className="flex flex-wrap justify-between gap-3 text-sm">
        {beforeCycle ? (
          <Link href={base} className="text-brand-600 dark:text-brand-400 font-medium hover:underline">
            ← Newest cycles
          </Link>
        ) : (
          <span />
        )}
        {view.nextBeforeCycle ? (
          <Link
            href={`${base}?before=${view.nextBeforeCycle}`}
            className="text-brand-600 dark:text-brand-400 font-medium hover:underline"
            data-testid="shared-older"
          >
            Older cycles →
          </Link>
        ) : view.historyDeletedThroughCycle ? (
          <span className="text-zinc-600 dark:text-zinc-400" data-testid="shared-retention">
            History before cycle {view.historyDeletedThroughCycle + 1} was deleted by the retention policy.
          </span>
        ) : null}
      </nav>
    </div>
  );
}
