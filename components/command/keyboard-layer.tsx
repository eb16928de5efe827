"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { CommandPalette } from "./command-palette";
import { ShortcutsHelp } from "./shortcuts-help";
import { GO_TO } from "./shortcuts";

/** Typing into a field, or a key with a modifier that belongs to the browser: not a shortcut. */
function isTyping(target: EventTarget | null) {
  const element = target as HTMLElement | null;
  return !!element && (element.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName));
}

/**
 * The dashboard's keyboard: Ctrl+K or ⌘K opens the command palette, `?` lists the shortcuts, `g` then
 * a letter goes to a page. Pages add their own (the inbox's j/k/a/r), which the help lists too.
 */
export function KeyboardLayer() {
  const router = useRouter();
  const [isPaletteOpen, setIsPaletteOpen] = useState(false);
  const [isHelpOpen, setIsHelpOpen] = useState(false);
  const pendingG = useRef<number | null>(null);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.metaKey || event.ctrlKey) && event.key.toLowerCase() === "k") {
        event.preventDefault();
        setIsPaletteOpen((open) => !open);
        return;
      }
      if (event.metaKey || event.ctrlKey || event.altKey || isTyping(event.target) || event.defaultPrevented) return;
      if (event.key === "?") {
        event.preventDefault();
        setIsHelpOpen(true);
      } else if (event.key === "g") {
        pendingG.current = window.setTimeout(() => (pendingG.current = null), 1500);
      } else if (pendingG.current !== null && GO_TO[event.key]) {
        window.clearTimeout(pendingG.current);
        pendingG.current = null;
        event.preventDefault();
        router.push(GO_TO[event.key]!.path);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [router]);
  return (
    <>
      <button
        type="button"
        onClick={() => setIsPaletteOpen(true)}
        className="hidden items-center gap-2 rounded-md px-2.5 py-1.5 text-sm text-zinc-600 ring-1 ring-zinc-300 ring-inset hover:bg-zinc-50 sm:inline-flex dark:text-zinc-300 dark:ring-zinc-700 dark:hover:bg-zinc-800"
        aria-keyshortcuts="Control+K Meta+K"
        data-testid="open-palette"
      >
        Jump to…
        <kbd className="rounded bg-zinc-100 px-1 font-sans text-xs dark:bg-zinc-800">Ctrl K</kbd>
      </button>
      <CommandPalette open={isPaletteOpen} onOpenChange={setIsPaletteOpen} onShowHelp={() => setIsHelpOpen(true)} />
      <ShortcutsHelp open={isHelpOpen} onClose={() => setIsHelpOpen(false)} />
    </>
  );
}
