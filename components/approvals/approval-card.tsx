"use client";

import { clsx } from "clsx";
import Link from "next/link";
import { Alert } from "../ui/alert";
import { Field, Input, Textarea } from "../ui/field";
import { formatAbsolute, formatRelative } from "../ui/format";
import { KIND_HINTS, KIND_LABELS, KindBadge } from "./approval-kind";
import { Button } from "../ui/button";
import { TeamBadge, ViewerNote } from "./approval-team";
import { OutcomeChoices, useMcpServerName } from "./outcome-choices";
import type { Choice, Decision, Draft, ItemError, PendingApproval } from "./types";

export const COMMENT_MAX = 2000;
export const ANSWER_MAX = 10_000;

/** DOM ids of an approval's card and fields, used by the inbox's keyboard shortcuts. */
export const domIds = (id: string) => ({
  card: `approval-${id}`,
  title: `approval-${id}-title`,
  comment: `approval-${id}-comment`,
  answer: `approval-${id}-answer`,
  hint: `approval-${id}-kind-hint`,
});

/** The question an ask_human call carries, when its arguments have one. */
export function questionOf(item: PendingApproval): string | null {
  const args = item.toolArgs;
  if (item.kind !== "question" || !args || typeof args !== "object" || Array.isArray(args)) return null;
  const question = (args as Record<string, unknown>).question;
  return typeof question === "string" ? question : null;
}

/** "send_email for Researcher": what the buttons of this card act on, for screen readers. */
export function subjectOf(item: PendingApproval): string {
  return `${item.toolName ?? KIND_LABELS[item.kind].toLowerCase()} for ${item.agent.name}`;
}

function isSubmitChord(event: React.KeyboardEvent) {
  return event.key === "Enter" && (event.ctrlKey || event.metaKey);
}

export function ApprovalCard({
  item,
  now,
  draft,
  error,
  isSelected,
  pendingDecision,
  onSelect,
  onDraftChange,
  onDecide,
  onDismiss,
  onLeaveField,
}: {
  item: PendingApproval;
  now: number;
  draft: Draft;
  error: ItemError | null;
  isSelected: boolean;
  pendingDecision: Choice | null;
  onSelect: () => void;
  onDraftChange: (patch: Partial<Draft>) => void;
  onDecide: (choice: Choice) => void;
  onDismiss: () => void;
  onLeaveField: () => void;
}) {
  const ids = domIds(item.id);
  const question = questionOf(item);
  const isQuestion = item.kind === "question";
  const isGone = error?.gone ?? false;
  // Deciding is checked in the approval's own team: a viewer there follows it, the buttons are off.
  const isReadOnly = !item.team.canDecide;
  const isBusy = pendingDecision !== null || isReadOnly;
  const hasArgs = item.toolArgs !== null && item.toolArgs !== undefined;
  const argsText = hasArgs ? JSON.stringify(item.toolArgs, null, 2) : "";
  const subject = subjectOf(item);
  const isOutcome = item.kind === "outcome";
  const serverName = useMcpServerName(isOutcome ? item.toolName : null);
  // Decided in the approval's own team (the inbox lists every team of the person's): its role there, not the active team's.
  const mayDecide = item.team.canDecide;

  const onFieldKeyDown = (decision: Decision) => (event: React.KeyboardEvent) => {
    if (isSubmitChord(event)) {
      event.preventDefault();
      if (!isBusy && !isGone) onDecide(decision);
    } else if (event.key === "Escape") {
      event.preventDefault();
      onLeaveField();
    }
  };

  const args = hasArgs ? (
    <pre
      tabIndex={0}
      className="max-h-80 overflow-auto rounded-md bg-zinc-50 p-3 font-mono text-xs leading-relaxed whitespace-pre text-zinc-800 ring-1 ring-zinc-200 ring-inset dark:bg-zinc-950 dark:text-zinc-200 dark:ring-zinc-800"
      data-testid="approval-args"
    >
      {argsText}
    </pre>
  ) : (
    <p className="text-xs text-zinc-500">No arguments.</p>
  );

  return (
    <article
      id={ids.card}
      tabIndex={-1}
      aria-labelledby={ids.title}
      aria-current={isSelected ? "true" : undefined}
      data-selected={isSelected || undefined}
      data-testid="approval-item"
      onFocus={onSelect}
      className={clsx(
        "min-w-0 space-y-3 rounded-xl bg-white p-4 shadow-xs transition focus:outline-none sm:p-5 dark:bg-zinc-900",
        isSelected ? "ring-brand-500 ring-2" : "ring-1 ring-zinc-200 dark:ring-zinc-800",
        isGone && "opacity-80",
      )}
    >
      <header className="flex flex-wrap items-center gap-x-3 gap-y-1.5">
        <h2 id={ids.title} className="min-w-0 font-semibold break-words">
          <Link
            href={`/agents/${item.agentId}`}
            className="hover:text-brand-600 dark:hover:text-brand-500 underline-offset-2 hover:underline"
          >
            {item.agent.name}
          </Link>
          <span className="sr-only">: {KIND_LABELS[item.kind]}</span>
        </h2>
        <span aria-hidden>
          <KindBadge kind={item.kind} />
        </span>
        <TeamBadge name={item.team.name} />
        {item.agent.parent ? (
          <span className="text-xs text-zinc-600 dark:text-zinc-400" data-testid="approval-parent">
            Child of{" "}
            <Link href={`/agents/${item.agent.parent.id}`} className="font-medium underline">
              {item.agent.parent.name}
            </Link>
          </span>
        ) : null}
        <dl className="flex w-full flex-wrap gap-x-4 gap-y-1 text-xs text-zinc-500 sm:ml-auto sm:w-auto dark:text-zinc-400">
          <div className="flex gap-1">
            <dt>Cycle</dt>
            <dd className="tabular-nums">{item.cycle.toLocaleString("en-US")}</dd>
          </div>
          <div className="flex gap-1">
            <dt>Requested</dt>
            <dd>
              <time dateTime={item.createdAt.toISOString()} title={formatAbsolute(item.createdAt)}>
                {formatRelative(item.createdAt, now)}
              </time>
            </dd>
          </div>
          <div className="flex gap-1">
            <Expiry expiresAt={item.expiresAt} now={now} />
          </div>
        </dl>
      </header>

      {question !== null ? (
        <blockquote className="rounded-md border-l-4 border-sky-400 bg-sky-50 px-3 py-2 text-sm whitespace-pre-wrap text-sky-950 dark:border-sky-700 dark:bg-sky-950/50 dark:text-sky-100">
          {question}
        </blockquote>
      ) : null}

      <div className="space-y-1">
        <h3 className="text-xs font-semibold tracking-wide text-zinc-500 uppercase">Reason</h3>
        <p className="text-sm break-words whitespace-pre-wrap text-zinc-800 dark:text-zinc-200">{item.reason}</p>
      </div>

      {item.toolName !== null ? (
        <div className="min-w-0 space-y-1.5">
          <h3 className="text-xs font-semibold tracking-wide text-zinc-500 uppercase">
            Tool{" "}
            <code className="font-mono text-sm font-medium tracking-normal break-all text-zinc-900 normal-case dark:text-zinc-100">
              {item.toolName}
            </code>
            {serverName ? (
              <span className="ml-2 font-normal tracking-normal normal-case" data-testid="approval-server">
                on the MCP server <span className="font-medium text-zinc-900 dark:text-zinc-100">{serverName}</span>
              </span>
            ) : null}
          </h3>
          {isQuestion && question !== null && hasArgs ? (
            <details className="text-sm">
              <summary className="cursor-pointer text-xs text-zinc-500 select-none">Show the call&apos;s arguments</summary>
              <div className="mt-1.5">{args}</div>
            </details>
          ) : (
            args
          )}
        </div>
      ) : null}

      <div className="space-y-3 border-t border-zinc-100 pt-3 dark:border-zinc-800">
        {isQuestion && mayDecide ? (
          <Field
            id={ids.answer}
            label="Answer"
            error={error?.answer}
            hint="Enter starts a new line; Ctrl+Enter (⌘+Enter on a Mac) sends it."
          >
            <Textarea
              id={ids.answer}
              rows={3}
              maxLength={ANSWER_MAX}
              value={draft.answer}
              invalid={!!error?.answer}
              required
              disabled={isGone || !mayDecide}
              onChange={(e) => onDraftChange({ answer: e.target.value })}
              onKeyDown={onFieldKeyDown("approved")}
            />
          </Field>
        ) : null}
        {mayDecide ? (
          <Field
            id={ids.comment}
            label="Comment (optional)"
            error={error?.comment}
            hint={`Kept with your decision. Ctrl+Enter (⌘+Enter) here ${isOutcome ? "skips" : "rejects"}.`}
          >
            <Input
              id={ids.comment}
              maxLength={COMMENT_MAX}
              value={draft.comment}
              invalid={!!error?.comment}
              disabled={isGone || !mayDecide}
              onChange={(e) => onDraftChange({ comment: e.target.value })}
              onKeyDown={onFieldKeyDown("rejected")}
            />
          </Field>
        ) : null}

        {isReadOnly ? <ViewerNote id={`${ids.hint}-viewer`} teamName={item.team.name} /> : null}
        {error?.message ? (
          <Alert variant="inline" className="flex flex-wrap items-center justify-between gap-2">
            <span className="min-w-0 break-words">{error.message}</span>
            {isGone ? (
              <button type="button" className="font-semibold underline" onClick={onDismiss} aria-label={`Dismiss ${subject}`}>
                Dismiss
              </button>
            ) : null}
          </Alert>
        ) : null}

        {isOutcome ? (
          <div className="space-y-2">
            <OutcomeChoices item={item} subject={subject} pending={pendingDecision} isDisabled={isGone || isReadOnly} onChoose={onDecide} />
            <p id={ids.hint} className="text-xs text-zinc-500 dark:text-zinc-400">
              {KIND_HINTS[item.kind]}
            </p>
          </div>
        ) : (
          <div className="flex flex-wrap items-center gap-2">
            <Button
              type="button"
              variant="secondary"
              className="disabled:opacity-50"
              disabled={isBusy || isGone}
              isLoading={pendingDecision === "rejected"}
              aria-label={`Reject ${subject}`}
              aria-describedby={isReadOnly ? `${ids.hint}-viewer` : ids.hint}
              onClick={() => onDecide("rejected")}
            >
              Reject
            </Button>
            <Button
              type="button"
              disabled={isBusy || isGone}
              isLoading={pendingDecision === "approved"}
              aria-label={isQuestion ? `Send answer to ${item.agent.name}` : `Approve ${subject}`}
              aria-describedby={isReadOnly ? `${ids.hint}-viewer` : ids.hint}
              onClick={() => onDecide("approved")}
            >
              {isQuestion ? "Send answer" : "Approve"}
            </Button>
            <p id={ids.hint} className="min-w-0 basis-full text-xs text-zinc-500 sm:grow sm:basis-0 dark:text-zinc-400">
              {KIND_HINTS[item.kind]}
            </p>
          </div>
        )}
      </div>
    </article>
  );
}

function Expiry({ expiresAt, now }: { expiresAt: Date | null; now: number }) {
  if (!expiresAt) {
    return (
      <>
        <dt className="sr-only">Expires</dt>
        <dd>No time limit</dd>
      </>
    );
  }
  const left = expiresAt.getTime() - now;
  return (
    <>
      <dt>{left > 0 ? "Expires" : "Timed out"}</dt>
      <dd className={clsx(left < 60 * 60 * 1000 && "font-medium text-amber-700 dark:text-amber-400")}>
        <time dateTime={expiresAt.toISOString()} title={formatAbsolute(expiresAt)}>
          {formatRelative(expiresAt, now)}
        </time>
      </dd>
    </>
  );
}
