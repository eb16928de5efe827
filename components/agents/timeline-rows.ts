import type { TimelineCycle, TimelineEvent } from "~/server/agents/timeline";
import { isOutsideCycleEvent } from "~/shared/event-text";

/**
 * One row of the timeline: a cycle (what the loop did in it), or an event of its own (a person's pause,
 * stop, resume, budget raise or edit, a watchdog restart): those happened between cycles, not in one,
 * and are never shown inside a cycle's row. Rows are ordered by when they happened (sequence number):
 * a cycle at its first event, newest first.
 */
export type TimelineRow =
  | { kind: "cycle"; key: string; at: number; cycle: number; events: TimelineEvent[] }
  | { kind: "event"; key: string; at: number; cycle: number; event: TimelineEvent };

export function toRows(cycles: readonly TimelineCycle[]): TimelineRow[] {
  const rows: TimelineRow[] = [];
  for (const { cycle, events } of cycles) {
    const inside: TimelineEvent[] = [];
    for (const event of events) {
      // Cycle 0 is no cycle at all: what was written there happened outside the loop's cycles.
      if (cycle === 0 || isOutsideCycleEvent(event.type, event.payload)) {
        rows.push({ kind: "event", key: `event-${event.seq}`, at: event.seq, cycle, event });
      } else inside.push(event);
    }
    if (inside.length > 0) rows.push({ kind: "cycle", key: `cycle-${cycle}`, at: inside[0]!.seq, cycle, events: inside });
  }
  return rows.sort((a, b) => b.at - a.at);
}

/** The live events by cycle, with one more (a repeat after a reconnect is dropped). */
export function withLiveEvent(live: ReadonlyMap<number, TimelineEvent[]>, event: TimelineEvent): ReadonlyMap<number, TimelineEvent[]> {
  const events = live.get(event.cycle) ?? [];
  if (events.some((e) => e.seq === event.seq)) return live;
  const next = new Map(live);
  const last = events.at(-1);
  next.set(event.cycle, !last || last.seq < event.seq ? [...events, event] : [...events, event].sort((a, b) => a.seq - b.seq));
  return next;
}

/**
 * The loaded pages (disjoint cycle ranges, newest first) with the live events merged in. Rows of
 * cycles only the live stream knows keep their event arrays until an event of theirs arrives.
 */
export function mergeCycles(pages: { cycles: TimelineCycle[] }[], live: ReadonlyMap<number, TimelineEvent[]>): TimelineCycle[] {
  const loaded = pages.flatMap((page) => page.cycles);
  if (live.size === 0) return loaded;
  const merged = loaded.map((c) => {
    const more = live.get(c.cycle);
    if (!more) return c;
    const bySeq = new Map<number, TimelineEvent>();
    for (const e of [...c.events, ...more]) bySeq.set(e.seq, e);
    return { cycle: c.cycle, events: [...bySeq.values()].sort((a, b) => a.seq - b.seq) };
  });
  const loadedCycles = new Set(loaded.map((c) => c.cycle));
  const added = [...live.entries()].filter(([cycle]) => !loadedCycles.has(cycle)).map(([cycle, events]) => ({ cycle, events }));
  const all = [...added, ...merged];
  // Live cycles are newer than every loaded one; sort only if that ever does not hold.
  for (let i = 1; i < all.length; i++) if (all[i - 1]!.cycle < all[i]!.cycle) return all.sort((a, b) => b.cycle - a.cycle);
  return all;
}
