"use client";

import { formatAbsolute, formatRelative } from "./format";
import { useNowNear } from "./use-now";

/**
 * A time as "3 minutes ago" (the exact time on hover), moving with the page's one clock: every second
 * while it is under a minute old, every 15 seconds after that.
 */
export function RelativeTime({
  date,
  className,
  fallback = "never",
}: {
  date: Date | null | undefined;
  className?: string;
  fallback?: string;
}) {
  const now = useNowNear(date);
  if (!date) return <span className={className}>{fallback}</span>;
  return (
    <time className={className} dateTime={date.toISOString()} title={formatAbsolute(date)} data-testid="relative-time">
      {formatRelative(date, now)}
    </time>
  );
}

/** Only the words ("3 minutes ago"), for a place that has its own <time> element and title. */
export function RelativeText({ date }: { date: Date }) {
  const now = useNowNear(date);
  return <>{formatRelative(date, now)}</>;
}
