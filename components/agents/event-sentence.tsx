import { clsx } from "clsx";
import type { EventText } from "~/shared/event-text";

const TONES: Record<EventText["tone"], string> = {
  neutral: "text-zinc-800 dark:text-zinc-200",
  success: "text-emerald-800 dark:text-emerald-300",
  warning: "text-amber-800 dark:text-amber-300",
  danger: "text-red-700 dark:text-red-300",
};

/**
 * An event in words (shared/event-text.ts): its label, its sentence and the words that go with it.
 * The agent timeline and the share page both show events through this, so they read the same.
 * `detail` replaces the text's own detail (the share page's "hidden by this link" notice).
 */
export function EventSentence({ text, detail, className }: { text: EventText; detail?: React.ReactNode; className?: string }) {
  return (
    <div className={clsx("min-w-0 text-sm", className)} data-testid="event-sentence" data-label={text.label}>
      <p className={TONES[text.tone]}>
        <span className="mr-1.5 text-xs font-semibold tracking-wide text-zinc-500 uppercase dark:text-zinc-400">{text.label}</span>
        {text.sentence}
      </p>
      {detail !== undefined ? (
        detail
      ) : text.detail ? (
        <p className="mt-1 break-words whitespace-pre-wrap text-zinc-700 dark:text-zinc-300">“{text.detail}”</p>
      ) : null}
    </div>
  );
}
