"use client";

import { useEffect, useRef } from "react";
import { GO_TO } from "./shortcuts";

const GROUPS: { title: string; keys: [string, string][] }[] = [
  {
    title: "Anywhere",
    keys: [
      ["Ctrl K / ⌘K", "Open the command palette: jump to an agent, approve the next call, pause or resume"],
      ["?", "Show these shortcuts"],
      ...Object.entries(GO_TO).map(([key, to]): [string, string] => [`g then ${key}`, `Go to ${to.label}`]),
    ],
  },
  {
    title: "Approvals inbox",
    keys: [
      ["j / k", "Next / previous approval"],
      ["a", "Approve the selected one (send the answer, for a question)"],
      ["r", "Reject the selected one"],
    ],
  },
];

/** The keyboard shortcuts, listed on `?`: a native <dialog> (focus kept inside, Escape closes it). */
export function ShortcutsHelp({ open, onClose }: { open: boolean; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      onClose={onClose}
      aria-labelledby="shortcuts-title"
      className="m-auto w-[min(36rem,calc(100vw-2rem))] rounded-xl bg-white p-5 text-zinc-900 shadow-xl ring-1 ring-zinc-200 backdrop:bg-zinc-950/40 dark:bg-zinc-900 dark:text-zinc-100 dark:ring-zinc-800 dark:backdrop:bg-black/70"
      data-testid="shortcuts-help"
    >
      <div className="flex items-baseline justify-between">
        <h2 id="shortcuts-title" className="text-lg font-semibold">
          Keyboard shortcuts
        </h2>
        <button type="button" onClick={onClose} className="rounded px-2 py-1 text-sm hover:bg-zinc-100 dark:hover:bg-zinc-800">
          Close
        </button>
      </div>
      {GROUPS.map((group) => (
        <section key={group.title} className="mt-4">
          <h3 className="text-xs font-semibold text-zinc-500 uppercase dark:text-zinc-400">{group.title}</h3>
          <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
            {group.keys.map(([key, what]) => (
              <div key={key} className="contents">
                <dt>
                  <kbd className="rounded bg-zinc-100 px-1.5 py-0.5 text-xs dark:bg-zinc-800">{key}</kbd>
                </dt>
                <dd>{what}</dd>
              </div>
            ))}
          </dl>
        </section>
      ))}
    </dialog>
  );
}
