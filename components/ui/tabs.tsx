"use client";

import { clsx } from "clsx";
import { useEffect, useRef, type KeyboardEvent, type ReactNode } from "react";

/**
 * A row of tabs (WAI-ARIA tabs: tab `tab-<id>` controls panel `panel-<id>`). The caller keeps which
 * one is selected and renders the panels with TabPanel. On a narrow screen the row scrolls sideways
 * inside its own box (never the page), and the selected tab is scrolled into view; arrow keys, Home
 * and End move between tabs, and only the selected tab is a tab stop.
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
  const list = useRef<HTMLDivElement>(null);

  useEffect(() => {
    list.current?.querySelector<HTMLElement>('[aria-selected="true"]')?.scrollIntoView({ block: "nearest", inline: "nearest" });
  }, [selected]);

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const index = tabs.findIndex(([id]) => id === selected);
    const last = tabs.length - 1;
    const next =
      event.key === "ArrowRight" ? (index === last ? 0 : index + 1) : event.key === "ArrowLeft" ? (index === 0 ? last : index - 1) : null;
    const target = event.key === "Home" ? 0 : event.key === "End" ? last : next;
    if (target === null) return;
    event.preventDefault();
    const id = tabs[target]![0];
    onSelect(id);
    document.getElementById(`tab-${id}`)?.focus();
  }

  return (
    <div
      ref={list}
      role="tablist"
      aria-label={label}
      onKeyDown={onKeyDown}
      className="flex max-w-full min-w-0 gap-1 overflow-x-auto overscroll-x-contain border-b border-zinc-200 dark:border-zinc-800"
    >
      {tabs.map(([id, text]) => (
        <button
          key={id}
          type="button"
          role="tab"
          id={`tab-${id}`}
          aria-selected={selected === id}
          aria-controls={`panel-${id}`}
          tabIndex={selected === id ? 0 : -1}
          onClick={() => onSelect(id)}
          className={clsx(
            "shrink-0 px-3 py-2 text-sm whitespace-nowrap",
            // The underline is an inset shadow, not a border pulled over the row's: the row scrolls, and
            // would clip anything drawn outside it.
            selected === id
              ? "font-semibold shadow-[inset_0_-2px_0_var(--color-brand-600)]"
              : "text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100",
          )}
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
