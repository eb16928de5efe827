import { clsx } from "clsx";
import type { ReactNode } from "react";

const SIZES = { sm: "rounded-lg p-4", md: "rounded-xl p-6", lg: "rounded-xl p-8", xl: "rounded-xl p-10" } as const;

/**
 * Nothing to show yet: a dashed box with an optional title and what to do about it. Plain text children
 * are the description; pass `title` for a heading line above it.
 */
export function EmptyState({
  title,
  titleAs: Title = "p",
  size = "md",
  className,
  children,
  ...data
}: {
  title?: ReactNode;
  titleAs?: "p" | "h2";
  size?: keyof typeof SIZES;
  className?: string;
  children?: ReactNode;
  "data-testid"?: string;
}) {
  return (
    <div
      className={clsx(
        "border border-dashed border-zinc-300 text-center text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400",
        SIZES[size],
        className,
      )}
      {...data}
    >
      {title ? (
        <Title className={clsx("text-base text-zinc-900 dark:text-zinc-100", Title === "h2" ? "font-semibold" : "font-medium")}>
          {title}
        </Title>
      ) : null}
      {title && children ? <div className="mt-1">{children}</div> : children}
    </div>
  );
}
