"use client";

import { clsx } from "clsx";
import type { ReactNode } from "react";

/**
 * A row of tabs (WAI-ARIA tabs: tab `tab-<id>` controls panel `panel-<id>`). The caller keeps which
 * one is selected and renders the panels with TabPanel.
 */
export function Tabs<Id extends string>({
  tabs,
  selected,
  onSelect,
  label,
}: {
  tabs: readonly (readonly [Id, string])[];
  selected: Id;
  onSelect: (id: Id) => void;
  label: string;
}) {
  return (
    <div role="tablist" aria-label={label} className="flex gap-1 overflow-x-auto border-b border-zinc-200 dark:border-zinc-800">
      {tabs.map(([id, text]) => (
        <button
          key={id}
          type="button"
          role="tab"
          id={`tab-${id}`}
          aria-selected={selected === id}
          aria-controls={`panel-${id}`}
          onClick={() => onSelect(id)}
          className={
            selected === id
              ? "border-brand-600 -mb-px border-b-2 px-3 py-2 text-sm font-semibold"
              : "px-3 py-2 text-sm text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100"
          }
        >
          {text}
        </button>
      ))}
    </div>
  );
}

/** The panel of tab `id`; rendered only while selected unless `keepMounted` (then hidden instead). */
export function TabPanel({
  id,
  selected,
  keepMounted = false,
  className,
  children,
}: {
  id: string;
  selected: string;
  keepMounted?: boolean;
  className?: string;
  children: ReactNode;
}) {
  const isSelected = selected === id;
  if (!isSelected && !keepMounted) return null;
  return (
    <div role="tabpanel" id={`panel-${id}`} aria-labelledby={`tab-${id}`} hidden={!isSelected} className={clsx(className)}>
      {children}
    </div>
  );
}
