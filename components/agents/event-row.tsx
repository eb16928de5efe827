"use client";

import { memo, type Ref } from "react";
import type { TimelineEvent } from "~/server/agents/timeline";
import { describeEvent } from "~/shared/event-text";
import { RelativeTime } from "../ui/relative-time";
import { EventSentence } from "./event-sentence";

/**
 * A timeline row for an event that happened between cycles (a person's pause, stop, resume, budget
 * raise or edit; a watchdog restart): one line in words with the person's name and when.
 */
export const EventRow = memo(function EventRow({
  event,
  index,
  offset,
  setSize,
  measureRef,
}: {
  event: TimelineEvent;
  index: number;
  offset: number;
  setSize: number;
  measureRef: Ref<HTMLLIElement>;
}) {
  const text = describeEvent(event.type, event.payload, { actorName: event.actorName });
  return (
    <li
      ref={measureRef}
      data-index={index}
      aria-posinset={index + 1}
      aria-setsize={setSize}
      style={{ transform: `translateY(${offset}px)` }}
      className="absolute inset-x-0 top-0 flex flex-wrap items-start gap-x-3 gap-y-1 rounded-lg bg-zinc-50 px-4 py-2.5 ring-1 ring-zinc-200 dark:bg-zinc-950 dark:ring-zinc-800"
      data-testid="timeline-event"
      data-type={event.type}
    >
      <EventSentence text={text} className="min-w-0 flex-1" />
      <RelativeTime date={event.createdAt} className="ml-auto text-xs text-zinc-500 tabular-nums dark:text-zinc-400" />
    </li>
  );
});
