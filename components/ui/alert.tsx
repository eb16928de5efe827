import { clsx } from "clsx";
import type { ReactNode } from "react";

const VARIANTS = {
  /** A block of its own: a panel or a page that could not load. */
  block: "rounded-lg bg-red-50 p-4 text-sm text-red-800 dark:bg-red-950 dark:text-red-200",
  /** Inside a form or a card, under the thing that failed. */
  inline: "rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 ring-1 ring-red-200 dark:bg-red-950 dark:text-red-200 dark:ring-red-900",
} as const;

/** Something went wrong: read out at once by screen readers (role="alert"). */
export function Alert({
  variant = "block",
  className,
  children,
  ...data
}: {
  variant?: keyof typeof VARIANTS;
  className?: string;
  children: ReactNode;
  "data-testid"?: string;
}) {
  return (
    <div role="alert" className={clsx(VARIANTS[variant], className)} {...data}>
      {children}
    </div>
  );
}

/** A link-like button inside an alert ("Try again", "Back to the first page"). */
export function AlertAction({ onClick, children }: { onClick: () => void; children: ReactNode }) {
  return (
    <button type="button" className="font-semibold underline" onClick={onClick}>
      {children}
    </button>
  );
}

/** A one-line outcome of an action: a confirmation (role="status") or an error (role="alert"). */
export function Notice({
  message,
  size = "sm",
  className,
}: {
  message: { kind: "ok" | "error"; text: string } | null;
  size?: "sm" | "xs";
  className?: string;
}) {
  if (!message) return null;
  const isError = message.kind === "error";
  return (
    <p
      role={isError ? "alert" : "status"}
      className={clsx(
        size === "sm" ? "text-sm" : "text-xs",
        isError ? "text-red-700 dark:text-red-300" : "text-emerald-700 dark:text-emerald-300",
        className,
      )}
    >
      {message.text}
    </p>
  );
}

/** Something was just made and is shown once (a secret, a link): the green box with what to do now. */
export function SuccessBox({ title, children, ...data }: { title: ReactNode; children: ReactNode; "data-testid"?: string }) {
  return (
    <div className="space-y-2 rounded-lg bg-emerald-50 p-3 ring-1 ring-emerald-200 dark:bg-emerald-950 dark:ring-emerald-900" {...data}>
      <p className="text-sm font-medium text-emerald-900 dark:text-emerald-200" role="status">
        {title}
      </p>
      {children}
    </div>
  );
}
