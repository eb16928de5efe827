import { clsx } from "clsx";
import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes, TextareaHTMLAttributes } from "react";

const CONTROL =
  "block w-full rounded-md border-0 bg-white px-3 py-2 text-sm text-zinc-900 ring-1 ring-inset placeholder:text-zinc-400 " +
  "focus:ring-2 focus:ring-inset dark:bg-zinc-900 dark:text-zinc-100";
// One ring colour or the other, never both: two classes setting the same colour leave the winner to the stylesheet's order.
const CONTROL_VALID = "ring-zinc-300 focus:ring-brand-600 dark:ring-zinc-700";
const CONTROL_INVALID = "ring-red-500 focus:ring-red-600 dark:ring-red-500";

/** A labelled form control with its help text and its error message, wired for screen readers. */
export function Field({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: string;
  hint?: ReactNode;
  error?: string | null;
  children: ReactNode;
}) {
  return (
    <div className="space-y-1.5">
      <label htmlFor={id} className="block text-sm font-medium text-zinc-800 dark:text-zinc-200">
        {label}
      </label>
      {children}
      {error ? (
        <p id={`${id}-error`} role="alert" className="text-sm text-red-600 dark:text-red-400" data-field-error={id}>
          {error}
        </p>
      ) : hint ? (
        <p id={`${id}-hint`} className="text-xs text-zinc-500 dark:text-zinc-400">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

function describedBy(id: string | undefined, invalid: boolean) {
  if (!id) return undefined;
  return invalid ? `${id}-error` : `${id}-hint`;
}

export function Input({ invalid = false, className, ...props }: InputHTMLAttributes<HTMLInputElement> & { invalid?: boolean }) {
  return (
    <input
      {...props}
      aria-invalid={invalid || undefined}
      aria-describedby={describedBy(props.id, invalid)}
      className={clsx(CONTROL, invalid ? CONTROL_INVALID : CONTROL_VALID, className)}
    />
  );
}

export function Textarea({ invalid = false, className, ...props }: TextareaHTMLAttributes<HTMLTextAreaElement> & { invalid?: boolean }) {
  return (
    <textarea
      {...props}
      aria-invalid={invalid || undefined}
      aria-describedby={describedBy(props.id, invalid)}
      className={clsx(CONTROL, invalid ? CONTROL_INVALID : CONTROL_VALID, className)}
    />
  );
}

export function Select({ invalid = false, className, ...props }: SelectHTMLAttributes<HTMLSelectElement> & { invalid?: boolean }) {
  return (
    <select
      {...props}
      aria-invalid={invalid || undefined}
      aria-describedby={describedBy(props.id, invalid)}
      className={clsx(CONTROL, invalid ? CONTROL_INVALID : CONTROL_VALID, className)}
    />
  );
}

const COMPACT =
  "rounded-md border-0 bg-white py-1.5 text-sm ring-1 ring-zinc-300 ring-inset disabled:opacity-60 dark:bg-zinc-900 dark:ring-zinc-700";

/** A small select in a toolbar (filters, sorting, a row's role), labelled by `aria-label` or a wrapping label. */
export function CompactSelect({ className, ...props }: SelectHTMLAttributes<HTMLSelectElement>) {
  return <select {...props} className={clsx(COMPACT, "pr-8 pl-2.5", className)} />;
}

/** A small text or search input in a toolbar. */
export function CompactInput({ className, ...props }: InputHTMLAttributes<HTMLInputElement>) {
  return <input {...props} className={clsx(COMPACT, "px-2.5", className)} />;
}

/** A value to copy (a link, a secret shown once): read-only, monospaced, all of it selected on focus. `className` sets its surface. */
export function CopyableValue({ className, ...props }: Omit<InputHTMLAttributes<HTMLInputElement>, "readOnly" | "onFocus">) {
  return (
    <input
      {...props}
      readOnly
      onFocus={(e) => e.currentTarget.select()}
      className={clsx(
        "block w-full min-w-0 rounded-md border-0 px-3 font-mono text-xs ring-1 ring-zinc-300 ring-inset dark:ring-zinc-700",
        className,
      )}
    />
  );
}
