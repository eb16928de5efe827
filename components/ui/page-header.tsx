import { clsx } from "clsx";
import type { ReactNode } from "react";

/** A page's h1, the sentence under it and, on the right, its main actions. */
export function PageHeader({
  title,
  description,
  actions,
  id,
  className,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  /** The heading's id, for a section labelled by it. */
  id?: string;
  /** Room around the header (e.g. "mb-8" above a form). */
  className?: string;
}) {
  const text = (
    <div className={actions ? "min-w-0" : clsx("min-w-0", className)}>
      <h1 id={id} className="text-xl font-semibold break-words">
        {title}
      </h1>
      {description ? <p className="mt-1 text-sm text-zinc-500">{description}</p> : null}
    </div>
  );
  if (!actions) return text;
  return (
    <div className={clsx("flex flex-wrap items-end justify-between gap-3", className)}>
      {text}
      <div className="flex gap-2">{actions}</div>
    </div>
  );
}
