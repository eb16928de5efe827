"use client";

import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { defaultRangeExtractor, useWindowVirtualizer, type Range } from "@tanstack/react-virtual";
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import type { TimelineEvent } from "~/server/agents/timeline";
import { useTRPC } from "../trpc/react";
import { usePermissions } from "../teams/use-permissions";
import { Alert, AlertAction } from "../ui/alert";
import { Button } from "../ui/button";
import { EmptyState } from "../ui/empty-state";
import { Skeleton } from "../ui/skeleton";
import { CycleRow } from "./cycle-row";
import { EventRow } from "./event-row";
import { useOpenCycles } from "./agent-page-params";
import { mergeCycles, toRows, withLiveEvent, type TimelineRow } from "./timeline-rows";

/** Cycles a page: the first page is the one the 50 ms API target is measured on (bench/dashboard.ts). */
const PAGE_CYCLES = 20;
/**
 * A closed row is 40 px, or 60 px where its summary wraps (phones). Rows are measured once rendered;
 * an exact guess spares the re-layout of the rows below each one measured while scrolling.
 */
const estimateRowSize = () => (typeof window !== "undefined" && window.innerWidth < 640 ? 60 : 40);
const ROW_GAP_PX = 8;
/** Rows rendered beyond the viewport on each side, so a fast scroll shows rows rather than blanks. */
const OVERSCAN_ROWS = 8;
/** The next older page is fetched when the last rendered row is this close to the end of what is loaded. */
const PREFETCH_ROWS = PAGE_CYCLES;
/** Scrolled less than this into the list counts as "at the top", watching cycles arrive. */
const AT_TOP_SLACK_PX = 24;

type Trpc = ReturnType<typeof useTRPC>;

function timelineQueryOptions(trpc: Trpc, agentId: string) {
  return trpc.agent.timeline.infiniteQueryOptions(
    { id: agentId, cycles: PAGE_CYCLES },
    {
      getNextPageParam: (last) => last.nextBeforeCycle,
      // History does not change and new events arrive over the subscription: refetching would
      // re-download every page the reader has scrolled through, one after another.
      staleTime: Infinity,
    },
  );
}

/** Starts the first timeline page with the agent's own query rather than after it (no waterfall). */
export function usePrefetchTimeline(agentId: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  useEffect(() => {
    void queryClient.prefetchInfiniteQuery(timelineQueryOptions(trpc, agentId));
  }, [queryClient, trpc, agentId]);
}

/**
 * The agent's history grouped by cycle, newest first. The newest page loads first, new events
 * stream in over the tRPC subscription (server-sent events, tracked by sequence number), older
 * pages load as the reader scrolls towards the end. Only the rows in and near the viewport are in
 * the DOM (window virtualizer), so a reader can scroll through thousands of cycles.
 *
 * Kept mounted while another tab is shown (hidden), so the live stream and what was loaded survive
 * a tab switch; the rows themselves are only rendered while the timeline is visible.
 */
/** The server ended the stream because the viewer lost access (removed, signed out): it will not come back by retrying. */
function isAccessLost(error: { data?: { code?: string } | null } | null): error is { message: string; data: { code: string } } {
  const code = error?.data?.code;
  return code === "FORBIDDEN" || code === "UNAUTHORIZED";
}

export function Timeline({ agentId, hidden, completedCycles }: { agentId: string; hidden: boolean; completedCycles: number }) {
  const trpc = useTRPC();
  const pages = useInfiniteQuery(timelineQueryOptions(trpc, agentId));
  const canEdit = usePermissions().can("agent:edit");
  const firstLastSeq = pages.data?.pages[0]?.lastSeq;
  const [live, setLive] = useState<ReadonlyMap<number, TimelineEvent[]>>(() => new Map());
  const subscription = useSubscription(
    trpc.agent.events.subscriptionOptions(
      { id: agentId, afterSeq: firstLastSeq ?? 0 },
      {
        enabled: firstLastSeq !== undefined,
        onData: (tracked) => setLive((previous) => withLiveEvent(previous, tracked.data)),
      },
    ),
  );
  const cycles = useMemo(() => toRows(mergeCycles(pages.data?.pages ?? [], live)), [pages.data, live]);
  const olderCycles = pages.data?.pages.at(-1)?.nextBeforeCycle ?? 0;

  // Which cycles are open, by number: rows unmount when scrolled away and come back as they were.
  // They live in the URL (?cycle=), so a reload or a shared link opens the same rows.
  const [openCycles, setOpenCycles] = useOpenCycles();
  const expanded = useMemo<ReadonlySet<number>>(() => new Set(openCycles), [openCycles]);
  const toggle = useCallback(
    (cycle: number, isOpen: boolean) => {
      void setOpenCycles((previous) => {
        if (previous.includes(cycle) === isOpen) return previous;
        const next = isOpen ? [...previous, cycle] : previous.filter((c) => c !== cycle);
        return next.length > 0 ? next : null;
      });
    },
    [setOpenCycles],
  );

  const { hasNextPage, isFetchingNextPage, isFetchNextPageError, fetchNextPage } = pages;
  const fetchOlder = useCallback(() => void fetchNextPage(), [fetchNextPage]);

  // A link to cycles (?cycle=N): the pages down to the oldest of them load, then the first is scrolled to.
  // Only the URL the page opened with: opening a row later must not move the page.
  const [linked, setLinked] = useState<{ cycle: number; lowest: number } | null>(() =>
    openCycles.length > 0 ? { cycle: openCycles[0]!, lowest: Math.min(...openCycles) } : null,
  );
  const deletedThrough = pages.data?.pages[0]?.historyDeletedThroughCycle ?? null;
  const loadedDownTo = pages.data ? (pages.data.pages.at(-1)!.nextBeforeCycle ?? 0) : null;
  const linkedState = deepLinkState(linked, { cycles, loadedDownTo, deletedThrough, completedCycles });
  useEffect(() => {
    if (linkedState === "loading" && hasNextPage && !isFetchingNextPage && !isFetchNextPageError) void fetchNextPage();
  }, [linkedState, hasNextPage, isFetchingNextPage, isFetchNextPageError, fetchNextPage]);
  const onScrolledToLinked = useCallback(() => setLinked(null), []);

  return (
    <section aria-labelledby="timeline-heading" className="space-y-3" role="tabpanel" id="panel-timeline" hidden={hidden}>
      <div className="flex items-center justify-between gap-3">
        <h2 id="timeline-heading" className="text-lg font-semibold">
          Timeline
        </h2>
        <span className="text-xs text-zinc-500" role="status" data-testid="live-status">
          {subscription.status === "pending"
            ? "Live"
            : subscription.status === "connecting"
              ? "Connecting…"
              : subscription.status === "error"
                ? isAccessLost(subscription.error)
                  ? `Live updates stopped: ${subscription.error.message}`
                  : "Live updates lost; retrying"
                : ""}
        </span>
      </div>
      {!hidden && linked && linkedState && linkedState !== "found" ? (
        <DeepLinkNote
          cycle={linked.cycle}
          state={linkedState}
          deletedThrough={deletedThrough}
          completedCycles={completedCycles}
          error={isFetchNextPageError ? pages.error.message : null}
          onDismiss={() => setLinked(null)}
        />
      ) : null}
      {pages.isPending ? (
        <Skeleton className="h-24 rounded-lg" label="Loading the timeline" />
      ) : pages.isError && cycles.length === 0 ? (
        <Alert className="flex flex-wrap items-center justify-between gap-3">
          <span>The timeline could not be loaded: {pages.error.message}</span>
          <Button variant="secondary" onClick={() => void pages.refetch()}>
            Try again
          </Button>
        </Alert>
      ) : cycles.length === 0 ? (
        <EmptyState size="lg" data-testid="timeline-empty">
          Nothing has happened yet. Start the agent to see its cycles here as they happen.
        </EmptyState>
      ) : hidden ? null : (
        <CycleList
          scrollToCycle={linkedState === "found" ? linked!.cycle : null}
          onScrolledToCycle={onScrolledToLinked}
          agentId={agentId}
          canEdit={canEdit}
          completedCycles={completedCycles}
          cycles={cycles}
          olderCycles={olderCycles}
          expanded={expanded}
          onToggle={toggle}
          hasOlder={hasNextPage}
          isFetchingOlder={isFetchingNextPage}
          olderError={isFetchNextPageError ? pages.error.message : null}
          fetchOlder={fetchOlder}
        />
      )}
      {!hidden && !hasNextPage && pages.data?.pages[0]?.historyDeletedThroughCycle ? (
        <p className="mt-3 text-center text-sm text-zinc-600 dark:text-zinc-400" data-testid="timeline-retention">
          History before cycle {pages.data.pages[0].historyDeletedThroughCycle + 1} was deleted by the retention policy.
        </p>
      ) : null}
    </section>
  );
}

type CycleListProps = {
  /** A linked cycle that is loaded: scrolled to once its row is in the list, then `onScrolledToCycle`. */
  scrollToCycle: number | null;
  onScrolledToCycle: () => void;
  agentId: string;
  canEdit: boolean;
  /** The agent's finished cycles (its Cycles count): a newer cycle's row says it is not finished. */
  completedCycles: number;
  cycles: TimelineRow[];
  /** How many cycles are older than the loaded ones (for "cycle n of m" in screen readers). */
  olderCycles: number;
  expanded: ReadonlySet<number>;
  onToggle: (cycle: number, isOpen: boolean) => void;
  hasOlder: boolean;
  isFetchingOlder: boolean;
  olderError: string | null;
  fetchOlder: () => void;
};

/**
 * The virtual window over the loaded cycles. The page itself scrolls (one scrollbar, natural on a
 * phone), so the list is positioned by its offset in the document (`scrollMargin`).
 *
 * Live cycles: a reader at the top sees them arrive there. A reader scrolled into older history is
 * not moved: new cycles are held back above what they are reading and counted in a "N new cycles"
 * button that shows them and scrolls up; events of cycles already shown update in place.
 */
function CycleList({
  scrollToCycle,
  onScrolledToCycle,
  agentId,
  canEdit,
  completedCycles,
  cycles,
  olderCycles,
  expanded,
  onToggle,
  hasOlder,
  isFetchingOlder,
  olderError,
  fetchOlder,
}: CycleListProps) {
  const listRef = useRef<HTMLOListElement>(null);
  const [listTop, setListTop] = useState(0);
  const listTopRef = useRef(0);

  // The list's offset in the document moves when the content above it changes height (a message
  // under the controls, the window's width); the document's height changes with it.
  useLayoutEffect(() => {
    const list = listRef.current;
    if (!list) return;
    const measure = () => {
      const top = Math.round(list.getBoundingClientRect().top + window.scrollY);
      listTopRef.current = top;
      setListTop((previous) => (previous === top ? previous : top));
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(document.body);
    return () => observer.disconnect();
  }, []);

  // The newest cycle shown while the reader is away from the top; newer ones wait. null: following live.
  const [heldAt, setHeldAt] = useState<number | null>(null);
  const heldIndex = heldAt === null ? 0 : cycles.findIndex((c) => c.at <= heldAt);
  const firstShown = Math.max(0, heldIndex);
  const shown = useMemo(() => (firstShown === 0 ? cycles : cycles.slice(firstShown)), [cycles, firstShown]);
  const newestCycleRef = useRef<number | undefined>(undefined);
  useLayoutEffect(() => {
    newestCycleRef.current = shown[0]?.at;
  }, [shown]);

  useEffect(() => {
    let isAtTop: boolean | null = null;
    const onScroll = () => {
      const next = window.scrollY <= listTopRef.current + AT_TOP_SLACK_PX;
      if (next === isAtTop) return;
      isAtTop = next;
      setHeldAt(next ? null : (newestCycleRef.current ?? null));
    };
    onScroll();
    window.addEventListener("scroll", onScroll, { passive: true });
    return () => window.removeEventListener("scroll", onScroll);
  }, []);

  // A row holding the keyboard focus stays rendered when scrolled out of view, so focus is not lost.
  const [focusedCycle, setFocusedCycle] = useState<number | null>(null);
  const rangeExtractor = useCallback(
    (range: Range) => {
      const indexes = defaultRangeExtractor(range);
      if (focusedCycle === null) return indexes;
      const index = shown.findIndex((c) => c.kind === "cycle" && c.cycle === focusedCycle);
      if (index < 0 || indexes.includes(index)) return indexes;
      return [...indexes, index].sort((a, b) => a - b);
    },
    [shown, focusedCycle],
  );
  const getItemKey = useCallback((index: number) => shown[index]?.key ?? -index - 1, [shown]);

  const virtualizer = useWindowVirtualizer({
    count: shown.length,
    estimateSize: estimateRowSize,
    overscan: OVERSCAN_ROWS,
    gap: ROW_GAP_PX,
    scrollMargin: listTop,
    getItemKey,
    rangeExtractor,
  });
  const items = virtualizer.getVirtualItems();

  // The linked cycle's row at the top of the window, its summary focused (keyboard and screen readers start there).
  useEffect(() => {
    // Not before the list's offset in the page is known: the position scrolled to counts from it.
    if (scrollToCycle === null || listTop === 0) return;
    const index = shown.findIndex((c) => c.kind === "cycle" && c.cycle === scrollToCycle);
    if (index < 0) return;
    virtualizer.scrollToIndex(index, { align: "start" });
    let tries = 0;
    const focusLinked = () => {
      const summary = listRef.current?.querySelector<HTMLElement>(`[data-cycle="${scrollToCycle}"] summary`);
      if (summary) summary.focus({ preventScroll: true });
      else if (++tries < 20) requestAnimationFrame(focusLinked);
    };
    requestAnimationFrame(focusLinked);
    onScrolledToCycle();
  }, [scrollToCycle, listTop, shown, virtualizer, onScrolledToCycle]);

  const lastRendered = items.at(-1)?.index ?? -1;
  useEffect(() => {
    if (lastRendered >= shown.length - PREFETCH_ROWS && hasOlder && !isFetchingOlder && !olderError) fetchOlder();
  }, [lastRendered, shown.length, hasOlder, isFetchingOlder, olderError, fetchOlder]);

  const showNewest = () => {
    setHeldAt(null);
    window.scrollTo({ top: Math.max(0, listTopRef.current - 64) });
    // Keyboard users land on the newest cycle rather than at the top of the document.
    let tries = 0;
    const focusNewest = () => {
      const summary = listRef.current?.querySelector<HTMLElement>('[data-index="0"] summary');
      if (summary) summary.focus({ preventScroll: true });
      else if (++tries < 10) requestAnimationFrame(focusNewest);
    };
    requestAnimationFrame(focusNewest);
  };

  const setSize = shown.length + olderCycles;
  // Held back: new cycles, or (between cycles) only a person's pause or raise.
  const newCycles = cycles.slice(0, firstShown).filter((row) => row.kind === "cycle").length;
  const newCount = newCycles > 0 ? newCycles : firstShown;
  const newWhat = newCycles > 0 ? (newCount === 1 ? "cycle" : "cycles") : newCount === 1 ? "event" : "events";
  return (
    <div>
      {newCount > 0 ? (
        // No height of its own: appearing must not push the rows the reader is looking at.
        <div className="sticky top-3 z-10 flex h-0 items-start justify-center">
          <button
            type="button"
            onClick={showNewest}
            className="bg-brand-600 hover:bg-brand-700 focus-visible:outline-brand-600 rounded-full px-4 py-1.5 text-sm font-semibold text-white shadow-lg focus-visible:outline-2 focus-visible:outline-offset-2"
            data-testid="new-cycles"
          >
            <span aria-hidden>↑ </span>
            {newCount.toLocaleString("en-US")} new {newWhat}
          </button>
        </div>
      ) : null}
      <ol
        ref={listRef}
        className="relative"
        style={{ height: virtualizer.getTotalSize() }}
        aria-label="Cycles, newest first"
        data-testid="timeline"
        data-loaded={shown.length}
        onFocus={(e) => {
          const row = e.target.closest<HTMLElement>("[data-cycle]");
          setFocusedCycle(row ? Number(row.dataset.cycle) : null);
        }}
        onBlur={(e) => {
          if (!e.currentTarget.contains(e.relatedTarget)) setFocusedCycle(null);
        }}
      >
        {items.map((item) => {
          const row = shown[item.index]!;
          return row.kind === "event" ? (
            <EventRow
              key={item.key}
              event={row.event}
              index={item.index}
              offset={item.start - virtualizer.options.scrollMargin}
              setSize={setSize}
              measureRef={virtualizer.measureElement}
            />
          ) : (
            <CycleRow
              key={item.key}
              agentId={agentId}
              canEdit={canEdit}
              cycle={row.cycle}
              isFinished={row.cycle <= completedCycles}
              events={row.events}
              isOpen={expanded.has(row.cycle)}
              onToggle={onToggle}
              index={item.index}
              offset={item.start - virtualizer.options.scrollMargin}
              setSize={setSize}
              measureRef={virtualizer.measureElement}
            />
          );
        })}
      </ol>
      <div className="flex min-h-10 items-center justify-center pt-3 text-sm">
        {isFetchingOlder ? (
          <p role="status" className="text-zinc-500 dark:text-zinc-400">
            Loading older cycles…
          </p>
        ) : olderError ? (
          <div role="alert" className="flex flex-wrap items-center justify-center gap-3 text-red-800 dark:text-red-200">
            <span>Older cycles could not be loaded: {olderError}</span>
            <Button variant="secondary" onClick={fetchOlder}>
              Try again
            </Button>
          </div>
        ) : hasOlder ? (
          <Button variant="secondary" onClick={fetchOlder}>
            Load older cycles
          </Button>
        ) : (
          <p className="text-xs text-zinc-500 dark:text-zinc-400">The beginning of this agent&apos;s history.</p>
        )}
      </div>
    </div>
  );
}

type DeepLinkState = "loading" | "found" | "missing" | "deleted";

/**
 * Where a link to cycle N stands: its row is loaded ("found"), the pages down to it are still loading,
 * or it cannot be shown: its history was deleted by the retention policy, or the agent has no such cycle.
 */
function deepLinkState(
  linked: { cycle: number; lowest: number } | null,
  {
    cycles,
    loadedDownTo,
    deletedThrough,
    completedCycles,
  }: { cycles: TimelineRow[]; loadedDownTo: number | null; deletedThrough: number | null; completedCycles: number },
): DeepLinkState | null {
  if (!linked) return null;
  if (deletedThrough !== null && linked.cycle <= deletedThrough) return "deleted";
  // The cycle under way is the one after the finished ones; a newer one does not exist (yet).
  if (linked.cycle > completedCycles + 1 || linked.cycle < 1) return "missing";
  if (loadedDownTo === null) return "loading";
  if (loadedDownTo > linked.lowest) return "loading";
  return cycles.some((row) => row.kind === "cycle" && row.cycle === linked.cycle) ? "found" : "missing";
}

/** What became of a link to a cycle that is not on the page (yet): loading down to it, or why it cannot be shown. */
function DeepLinkNote({
  cycle,
  state,
  deletedThrough,
  completedCycles,
  error,
  onDismiss,
}: {
  cycle: number;
  state: Exclude<DeepLinkState, "found">;
  deletedThrough: number | null;
  completedCycles: number;
  error: string | null;
  onDismiss: () => void;
}) {
  if (state === "loading") {
    return error ? (
      <Alert variant="inline" data-testid="deep-link-note">
        Cycle {cycle} could not be loaded: {error}
      </Alert>
    ) : (
      <p role="status" className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="deep-link-note">
        Loading the history down to cycle {cycle}…
      </p>
    );
  }
  return (
    <Alert variant="inline" className="flex flex-wrap items-center justify-between gap-2" data-testid="deep-link-note">
      <span className="min-w-0">
        {state === "deleted"
          ? `Cycle ${cycle} cannot be shown: its history was deleted by the retention policy (history is kept from cycle ${deletedThrough! + 1}).`
          : completedCycles === 0
            ? `There is no cycle ${cycle}: this agent has not run a cycle yet.`
            : `There is no cycle ${cycle} in this agent's history: its cycles run from 1 to ${completedCycles.toLocaleString("en-US")}.`}
      </span>
      <AlertAction onClick={onDismiss}>Dismiss</AlertAction>
    </Alert>
  );
}
