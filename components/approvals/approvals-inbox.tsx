"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { readFieldErrors } from "../trpc/errors";
import { useTRPC } from "../trpc/react";
import { Alert, AlertAction } from "../ui/alert";
import { EmptyState } from "../ui/empty-state";
import { SkeletonGroup } from "../ui/skeleton";
import { useNow } from "../ui/use-now";
import { ApprovalCard, domIds } from "./approval-card";
import { TeamFilter, useTeamFilter } from "./approval-team";
import { BrowserNotificationsToggle } from "./browser-notifications-toggle";
import { RecentDecisions } from "./recent-decisions";
import { retryButtonId } from "./outcome-choices";
import { EMPTY_DRAFT, type Choice, type Decision, type Draft, type ItemError, type PendingApproval } from "./types";
import { toast } from "sonner";

const POLL_MS = 5_000;

/** Shortcuts are for the page, never for someone typing in a field. */
function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT";
}

function without<T>(record: Record<string, T>, id: string): Record<string, T> {
  const { [id]: _removed, ...rest } = record;
  return rest;
}

function successMessage(item: PendingApproval, choice: Choice): string {
  const agent = item.agent.name;
  if (choice === "retry") return `${agent} will call ${item.toolName ?? "the tool"} again.`;
  if (choice === "done") return `Marked ${item.toolName ?? "the call"} done for ${agent}.`;
  if (choice === "rejected" && item.kind === "outcome")
    return `Skipped ${item.toolName ?? "the call"} for ${agent}: it is told it was not done.`;
  if (choice === "rejected") {
    if (item.kind === "budget" || item.kind === "stuck") return `Rejected: ${agent} will stop.`;
    if (item.kind === "question") return `Rejected ${agent}'s question.`;
    return `Rejected ${item.toolName ?? "the call"} for ${agent}.`;
  }
  if (item.kind === "question") return `Sent your answer to ${agent}.`;
  if (item.kind === "budget") return `${agent} goes on at its current budget.`;
  if (item.kind === "stuck") return `${agent} continues.`;
  return `Approved ${item.toolName ?? "the call"} for ${agent}.`;
}

export function ApprovalsInbox() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const now = useNow(15_000);
  const [teamId, setTeamId] = useTeamFilter();
  const pending = useQuery(trpc.approval.listPending.queryOptions({ teamId }, { refetchInterval: POLL_MS }));
  const decide = useMutation(trpc.approval.decide.mutationOptions());

  const [drafts, setDrafts] = useState<Record<string, Draft>>({});
  const [errors, setErrors] = useState<Record<string, ItemError>>({});
  const [inFlight, setInFlight] = useState<Record<string, Choice>>({});
  // The same, updated at once: a key pressed twice before the next render must not send twice.
  const sending = useRef(new Set<string>());
  // Decided here: hidden at once, even if a poll that started before the decision still lists them.
  const [decided, setDecided] = useState<Record<string, true>>({});
  // No longer pending according to the server (decided by someone else, or gone): kept on screen
  // with the server's message until dismissed, so the reason is not swept away by the next poll.
  const [gone, setGone] = useState<Record<string, PendingApproval>>({});
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [status, setStatus] = useState("");

  const live = (pending.data ?? []).filter((item) => !decided[item.id]);
  const liveIds = new Set(live.map((item) => item.id));
  const items = [...live, ...Object.values(gone).filter((item) => !liveIds.has(item.id) && !decided[item.id])].sort(
    (a, b) => a.createdAt.getTime() - b.createdAt.getTime(),
  );
  const selected = items.find((item) => item.id === selectedId) ?? items[0] ?? null;

  function focusCard(id: string) {
    document.getElementById(domIds(id).card)?.focus();
  }

  function move(delta: number) {
    if (!selected) return;
    const index = items.indexOf(selected);
    const next = items[Math.min(items.length - 1, Math.max(0, index + delta))];
    if (!next) return;
    setSelectedId(next.id);
    focusCard(next.id);
  }

  async function submit(item: PendingApproval, choice: Choice) {
    if (sending.current.has(item.id) || gone[item.id] || !item.team.canDecide) return;
    // An unknown outcome is approved as "retry" or "done" (its own buttons), never by a bare approve.
    if (item.kind === "outcome" && choice === "approved") return;
    const decision: Decision = choice === "rejected" ? "rejected" : "approved";
    const ids = domIds(item.id);
    const draft = drafts[item.id] ?? EMPTY_DRAFT;
    const comment = draft.comment.trim();
    const answer = draft.answer.trim();
    if (item.kind === "question" && decision === "approved" && !answer) {
      setErrors((e) => ({ ...e, [item.id]: { message: null, answer: "Write an answer before sending it.", comment: null, gone: false } }));
      document.getElementById(ids.answer)?.focus();
      return;
    }
    setErrors((e) => without(e, item.id));
    sending.current.add(item.id);
    setInFlight((f) => ({ ...f, [item.id]: choice }));
    try {
      await decide.mutateAsync({
        approvalId: item.id,
        decision,
        comment: comment || undefined,
        answer:
          item.kind === "question" && decision === "approved"
            ? answer
            : item.kind === "outcome" && (choice === "retry" || choice === "done")
              ? choice
              : undefined,
      });
      selectAfterRemoving(item.id);
      setDecided((d) => ({ ...d, [item.id]: true }));
      setDrafts((d) => without(d, item.id));
      setStatus(successMessage(item, choice));
      toast.success(successMessage(item, choice));
    } catch (error) {
      const fieldErrors = readFieldErrors(error);
      const code = (error as { data?: { code?: string } | null }).data?.code;
      const isGone = code === "CONFLICT" || code === "NOT_FOUND";
      const hasFieldError = !!(fieldErrors.answer?.[0] ?? fieldErrors.comment?.[0]);
      const message = error instanceof Error && error.message ? error.message : "The decision could not be saved. Try again.";
      setErrors((e) => ({
        ...e,
        [item.id]: {
          message: hasFieldError ? null : isGone ? `${message} Someone else may have decided it, or it timed out.` : message,
          answer: fieldErrors.answer?.[0] ?? null,
          comment: fieldErrors.comment?.[0] ?? null,
          gone: isGone,
        },
      }));
      if (isGone) setGone((g) => ({ ...g, [item.id]: item }));
    } finally {
      sending.current.delete(item.id);
      setInFlight((f) => without(f, item.id));
      void queryClient.invalidateQueries({ queryKey: trpc.approval.pathKey() });
      void queryClient.invalidateQueries({ queryKey: trpc.approvalLink.pendingCount.queryKey() });
    }
  }

  /** Before a card leaves: select the next one (or the one before, at the end), keeping the keyboard where the person is. */
  function selectAfterRemoving(id: string) {
    const index = items.findIndex((i) => i.id === id);
    const next = items[index + 1] ?? items[index - 1] ?? null;
    const card = document.getElementById(domIds(id).card);
    const focusWasHere = document.activeElement === document.body || (card?.contains(document.activeElement) ?? false);
    if (next) {
      setSelectedId(next.id);
      if (focusWasHere) focusCard(next.id);
    } else if (focusWasHere) {
      document.getElementById("approvals-heading")?.focus();
    }
  }

  function dismiss(id: string) {
    selectAfterRemoving(id);
    setGone((g) => without(g, id));
    setErrors((e) => without(e, id));
    setDrafts((d) => without(d, id));
  }

  // Rebound on each render so the handler always sees the current list, selection and drafts.
  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
      if (isTypingTarget(event.target) || !selected) return;
      const ids = domIds(selected.id);
      if (event.key === "j" || event.key === "k") {
        event.preventDefault();
        move(event.key === "j" ? 1 : -1);
      } else if (event.key === "a") {
        event.preventDefault();
        if (selected.kind === "question") document.getElementById(ids.answer)?.focus();
        else if (selected.kind === "outcome") document.getElementById(retryButtonId(selected.id))?.focus();
        else void submit(selected, "approved");
      } else if (event.key === "r") {
        event.preventDefault();
        document.getElementById(ids.comment)?.focus();
      }
    }
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  });

  return (
    <section aria-labelledby="approvals-heading" className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="min-w-0">
          <h1 id="approvals-heading" tabIndex={-1} className="text-xl font-semibold focus:outline-none">
            Approvals
            {pending.data ? (
              <span className="ml-2 align-middle text-sm font-normal text-zinc-500 tabular-nums dark:text-zinc-400">
                {pending.data.length >= 200 ? "200+" : live.length} waiting
              </span>
            ) : null}
          </h1>
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            Held actions and open questions of the agents of all your teams, oldest first.
          </p>
        </div>
        <div className="flex flex-col items-end gap-2">
          <TeamFilter teamId={teamId} onChange={setTeamId} />
          <BrowserNotificationsToggle />
          <ShortcutLegend />
        </div>
      </div>

      <p
        role="status"
        className={
          status
            ? "rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800 ring-1 ring-emerald-200 dark:bg-emerald-950 dark:text-emerald-200 dark:ring-emerald-900"
            : "sr-only"
        }
      >
        {status}
      </p>

      {pending.isPending ? (
        <SkeletonGroup label="Loading approvals" className="space-y-3" itemClassName="h-40 rounded-xl" />
      ) : pending.isError && !pending.data ? (
        <Alert>
          The approvals could not be loaded: {pending.error.message}{" "}
          <AlertAction onClick={() => void pending.refetch()}>Try again</AlertAction>
        </Alert>
      ) : (
        <>
          {pending.isError ? (
            <p className="text-sm text-amber-700 dark:text-amber-400">
              Could not refresh just now ({pending.error.message}); showing the last list and trying again.
            </p>
          ) : null}
          {items.length === 0 ? (
            <EmptyState size="xl" titleAs="h2" title="Nothing is waiting for you" data-testid="approvals-empty">
              <p className="mx-auto max-w-md">
                When an agent holds a tool call, asks a question, reaches its soft budget limit, gets stuck or cannot tell whether a call
                happened, it shows up here within a few seconds.
              </p>
            </EmptyState>
          ) : (
            <ol className="space-y-3" aria-label="Waiting approvals" data-testid="approvals-list">
              {items.map((item) => (
                <li key={item.id}>
                  <ApprovalCard
                    item={item}
                    now={now}
                    draft={drafts[item.id] ?? EMPTY_DRAFT}
                    error={errors[item.id] ?? null}
                    isSelected={item.id === selected?.id}
                    pendingDecision={inFlight[item.id] ?? null}
                    onSelect={() => setSelectedId(item.id)}
                    onDraftChange={(patch) => {
                      setDrafts((d) => ({ ...d, [item.id]: { ...(d[item.id] ?? EMPTY_DRAFT), ...patch } }));
                      if (patch.answer !== undefined && errors[item.id]?.answer) {
                        setErrors((e) => ({ ...e, [item.id]: { ...e[item.id]!, answer: null } }));
                      }
                    }}
                    onDecide={(decision) => void submit(item, decision)}
                    onDismiss={() => dismiss(item.id)}
                    onLeaveField={() => focusCard(item.id)}
                  />
                </li>
              ))}
            </ol>
          )}
        </>
      )}

      <RecentDecisions now={now} teamId={teamId} />
    </section>
  );
}

function Key({ children }: { children: React.ReactNode }) {
  return (
    <kbd className="rounded border border-zinc-300 bg-white px-1 font-mono text-[0.7rem] text-zinc-700 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-300">
      {children}
    </kbd>
  );
}

function ShortcutLegend() {
  return (
    <div className="text-xs text-zinc-500 dark:text-zinc-400">
      <h2 className="sr-only">Keyboard shortcuts</h2>
      <ul className="flex flex-wrap gap-x-3 gap-y-1">
        <li>
          <Key>j</Key>/<Key>k</Key> next/previous
        </li>
        <li>
          <Key>a</Key> approve (or answer, or choose)
        </li>
        <li>
          <Key>r</Key> reject (or skip) comment
        </li>
        <li>
          <Key>Ctrl</Key>+<Key>Enter</Key> send from a text box
        </li>
        <li>
          <Key>Esc</Key> leave a text box
        </li>
      </ul>
    </div>
  );
}
