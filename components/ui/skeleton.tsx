import { clsx } from "clsx";

/** A grey block standing in for content that is loading; give it a height and a rounding. */
export function Skeleton({ className, label }: { className: string; label?: string }) {
  return (
    <div
      className={clsx("animate-pulse bg-zinc-100 dark:bg-zinc-800", className)}
      role={label ? "status" : undefined}
      aria-label={label}
      aria-busy={label ? true : undefined}
      aria-hidden={label ? undefined : true}
    />
  );
}

/** Several skeleton blocks under one label ("Loading runs"), e.g. three rows of a list. */
export function SkeletonGroup({
  label,
  count = 3,
  itemClassName,
  className = "space-y-2",
}: {
  label: string;
  count?: number;
  itemClassName: string;
  className?: string;
}) {
  return (
    <div className={className} role="status" aria-label={label} aria-busy>
      {Array.from({ length: count }, (_, i) => (
        <Skeleton key={i} className={itemClassName} />
      ))}
    </div>
  );
}
