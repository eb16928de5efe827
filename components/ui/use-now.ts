"use client";

import { useEffect, useState } from "react";

/** The current time, moving every `intervalMs`, so "5 minutes ago" stays true while a page stays open. */
export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
