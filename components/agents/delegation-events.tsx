"use client";

import Link from "next/link";
import { describeEvent } from "~/shared/event-text";
import { clip, delegateResultChildren, type ChildLine } from "~/shared/delegation-text";
import { EventSentence } from "./event-sentence";
import { StatusBadge } from "./status-badge";

/**
 * Sub-agents in an agent's timeline (issue 23): the `delegate` call and its result in words, each child
 * named with a link to its page (the dashboard only; the share page says the same words without links).
 */
function ChildName({ child }: { child: ChildLine }) {
  if (!child.id || child.status === "deleted") return <span className="font-medium">{child.name}</span>;
  return (
    <Link href={`/agents/${child.id}`} className="font-medium break-words underline" data-testid="child-link">
      {child.name}
    </Link>
  );
}

/** The children a `delegate` result names: link, status, and the result or the reason it ended without one. */
export function DelegateChildren({ payload }: { payload: unknown }) {
  const p = (payload ?? {}) as { result?: unknown };
  const { children } = delegateResultChildren(p.result);
  return (
    <div className="mt-1 space-y-2" data-testid="delegate-result">
      <EventSentence text={describeEvent("tool_result", payload)} />
      {children.length > 0 ? (
        <ul className="space-y-1.5" aria-label="Children">
          {children.map((child, i) => (
            <li key={child.id ?? i} className="flex flex-wrap items-baseline gap-x-2 gap-y-1" data-testid="delegate-child">
              <ChildName child={child} />
              {child.status ? <StatusBadge status={child.status} /> : null}
              {child.text ? <span className="min-w-0 break-words text-zinc-700 dark:text-zinc-300">{clip(child.text, 240)}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** A go-on child's end, as its parent received it: the sentence, with the child's name linking to its page. */
export function ChildTriggerEvent({ payload }: { payload: unknown }) {
  const body = ((payload ?? {}) as { body?: unknown }).body;
  const [child] = delegateResultChildren({ children: [body] }).children;
  return (
    <EventSentence
      text={describeEvent("trigger", payload)}
      detail={
        child?.id ? (
          <p className="mt-1 text-xs">
            Its page: <ChildName child={child} />
          </p>
        ) : null
      }
    />
  );
}

export const isChildTrigger = (type: string, payload: unknown) =>
  type === "trigger" && ((payload ?? {}) as { source?: unknown }).source === "child";
