"use client";

import { useCallback, useSyncExternalStore } from "react";

/**
 * The page's one clock: a single timer ticking every second while anything shows a time, so every
 * "5 minutes ago" on a page moves together and none freezes. Each reader sees the time rounded down
 * to its own `intervalMs`, and re-renders only when that rounded time changes.
 */
const TICK_MS = 1000;
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | null = null;
let current = Date.now();

function subscribe(listener: () => void) {
  listeners.add(listener);
  if (timer === null) {
    current = Date.now();
    timer = setInterval(() => {
      current = Date.now();
      for (const l of listeners) l();
    }, TICK_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  };
}

/** The current time (ms), moving every `intervalMs` (at least a second), so "5 minutes ago" stays true while a page stays open. */
export function useNow(intervalMs = TICK_MS): number {
  const step = Math.max(TICK_MS, intervalMs);
  const read = useCallback(() => Math.floor((timer === null ? Date.now() : current) / step) * step, [step]);
  return useSyncExternalStore(subscribe, read, read);
}

/** How often a time `ageMs` old changes its words: every second under a minute, every 15 seconds after. */
const stepForAge = (ageMs: number) => (ageMs < 60_000 ? TICK_MS : 15_000);

/** The current time for showing how long ago (or until) `date` is: it moves as often as the words can change. */
export function useNowNear(date: Date | null | undefined): number {
  const at = date?.getTime() ?? null;
  const read = useCallback(() => {
    const now = timer === null ? Date.now() : current;
    const step = at === null ? 15_000 : stepForAge(Math.abs(now - at));
    return Math.floor(now / step) * step;
  }, [at]);
  return useSyncExternalStore(subscribe, read, read);
}
