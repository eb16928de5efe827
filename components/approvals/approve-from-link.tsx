"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { readFieldErrors } from "../trpc/errors";
import { useTRPC } from "../trpc/react";
import { Alert, AlertAction } from "../ui/alert";
import { formatAbsolute } from "../ui/format";
import { Skeleton } from "../ui/skeleton";
import { useNow } from "../ui/use-now";
import { ApprovalCard, domIds } from "./approval-card";
import { KIND_LABELS } from "./approval-kind";
import { EMPTY_DRAFT, type Choice, type Decision, type Draft, type ItemError } from "./types";

export type LinkIntent = "approve" | "reject" | "answer" | null;

const INTENT_NOTES: Record<Exclude<LinkIntent, null>, string> = {
  approve: "You chose Approve in the message. Nothing is decided yet: check what it does, then press Approve.",
  reject: "You chose Reject in the message. Nothing is decided yet: add a comment if you like, then press Reject.",
  answer: "Write your answer below and send it.",
};

/**
 * An approval opened from a link in a message (e-mail, chat, Slack): the same card as the inbox, in the
 * link's team whatever team is active. Opening it decides nothing; `intent` (the link's `?do=`) only
 * puts the focus on the matching control.
 */
export function ApproveFromLink({ token, intent }: { token: string; intent: LinkIntent }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const now = useNow(15_000);
  const view = useQuery(trpc.approvalLink.view.queryOptions({ token }, { refetchInterval: 10_000, retry: false }));
  const decide = useMutation(trpc.approvalLink.decide.mutationOptions());
  const setActive = useMutation(trpc.team.setActive.mutationOptions());
  const [draft, setDraft] = useState<Draft>(EMPTY_DRAFT);
  const [error, setError] = useState<ItemError | null>(null);
  const [pending, setPending] = useState<Choice | null>(null);
  const focused = useRef(false);
  const data = view.data;
  const approvalId = data?.state === "open" ? data.approval.id : null;
  const canDecide = data?.state === "open" && data.canDecide;

  // Once the card is there: the control the link named gets the focus (never a decision).
  useEffect(() => {
    if (!approvalId || focused.current || !canDecide) return;
    focused.current = true;
    const ids = domIds(approvalId);
    const card = document.getElementById(ids.card);
    if (intent === "answer") document.getElementById(ids.answer)?.focus();
    else if (intent === "reject") document.getElementById(ids.comment)?.focus();
    else if (intent === "approve") card?.querySelector<HTMLButtonElement>('button[aria-label^="Approve"]')?.focus();
  }, [approvalId, canDecide, intent]);

  async function submit(choice: Choice) {
    if (data?.state !== "open" || pending) return;
    const { approval } = data;
    if (approval.kind === "outcome" && choice === "approved") return;
    const decision: Decision = choice === "rejected" ? "rejected" : "approved";
    const answer = draft.answer.trim();
    if (approval.kind === "question" && decision === "approved" && !answer) {
      setError({ message: null, answer: "Write an answer before sending it.", comment: null, gone: false });
      document.getElementById(domIds(approval.id).answer)?.focus();
      return;
    }
    setError(null);
    setPending(choice);
    try {
      await decide.mutateAsync({
        token,
        decision,
        comment: draft.comment.trim() || undefined,
        answer:
          approval.kind === "question" && decision === "approved"
            ? answer
            : approval.kind === "outcome" && (choice === "retry" || choice === "done")
              ? choice
              : undefined,
      });
    } catch (caught) {
      const fieldErrors = readFieldErrors(caught);
      const code = (caught as { data?: { code?: string } | null }).data?.code;
      const message = caught instanceof Error && caught.message ? caught.message : "The decision could not be saved. Try again.";
      const hasFieldError = !!(fieldErrors.answer?.[0] ?? fieldErrors.comment?.[0]);
      setError({
        message: hasFieldError ? null : message,
        answer: fieldErrors.answer?.[0] ?? null,
        comment: fieldErrors.comment?.[0] ?? null,
        gone: code === "CONFLICT" || code === "NOT_FOUND" || code === "FORBIDDEN",
      });
    } finally {
      setPending(null);
      await queryClient.invalidateQueries({ queryKey: trpc.approvalLink.view.queryKey({ token }) });
      void queryClient.invalidateQueries({ queryKey: trpc.approvalLink.pendingCount.queryKey() });
    }
  }

  async function openInbox(teamId: string) {
    await setActive.mutateAsync({ teamId });
    await queryClient.invalidateQueries();
    router.push("/approvals");
  }

  if (view.isPending) return <Skeleton className="h-64 rounded-xl" label="Loading the approval" />;
  if (view.isError) {
    return (
      <Alert>
        The approval could not be loaded: {view.error.message} <AlertAction onClick={() => void view.refetch()}>Try again</AlertAction>
      </Alert>
    );
  }

  const result = view.data;
  if (result.state === "not_found") {
    return (
      <LinkMessage title="This approval link is not valid" testId="link-not-found">
        Check that you opened the whole link from the message. Approvals of your own teams are always on the{" "}
        <Link className="font-medium underline" href="/approvals">
          Approvals
        </Link>{" "}
        page.
      </LinkMessage>
    );
  }
  if (result.state === "not_member") {
    return (
      <LinkMessage title="This link is for a team you are not in" testId="link-not-member">
        It was sent to the people of another team. If it was meant for you, sign out and sign in with the account that is in that team, or
        ask its admins to invite you.
      </LinkMessage>
    );
  }
  if (result.state === "expired") {
    return (
      <LinkMessage title="This link has expired" testId="link-expired">
        {result.agentName} in {result.teamName} no longer waits for this decision through this link (it ended{" "}
        <time dateTime={result.expiredAt.toISOString()}>{formatAbsolute(result.expiredAt)}</time>). If it is still pending, it is on the
        Approvals page of {result.teamName}.
      </LinkMessage>
    );
  }
  if (result.state === "decided") {
    const word = result.status === "approved" ? "Approved" : result.status === "rejected" ? "Rejected" : capitalise(result.status);
    return (
      <LinkMessage title={`${word}${result.decidedBy ? ` by ${result.decidedBy}` : ""}`} testId="link-decided" tone="done">
        {result.agentName} in {result.teamName}:{" "}
        {result.status === "expired" || result.status === "cancelled"
          ? `the approval was ${result.status} before anyone decided it.`
          : `decided${result.decidedAt ? ` ${formatAbsolute(result.decidedAt)}` : ""}${result.usedHere ? " with this link" : ""}.`}{" "}
        Every link to it now says so; none can decide it again.
      </LinkMessage>
    );
  }

  const { approval, team } = result;
  return (
    <section aria-labelledby="approve-heading" className="mx-auto max-w-3xl space-y-4">
      <div>
        <p className="text-sm text-zinc-500 dark:text-zinc-400" data-testid="link-team">
          {team.name} · you are {result.role === "admin" || result.role === "owner" ? "an" : "a"} {result.role}
        </p>
        <h1 id="approve-heading" className="text-xl font-semibold">
          {approval.agent.name}: {KIND_LABELS[approval.kind].toLowerCase()}
        </h1>
      </div>
      {/* A viewer: the card says why its buttons are off. */}
      {result.canDecide && intent ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-300" data-testid="link-intent">
          {INTENT_NOTES[intent]}
        </p>
      ) : null}
      <ApprovalCard
        item={{ ...approval, team: { ...team, canDecide: result.canDecide } }}
        now={now}
        draft={draft}
        error={result.canDecide ? error : { message: null, answer: null, comment: null, gone: true }}
        isSelected={false}
        pendingDecision={pending}
        onSelect={() => undefined}
        onDraftChange={(patch) => {
          setDraft((d) => ({ ...d, ...patch }));
          if (patch.answer !== undefined && error?.answer) setError({ ...error, answer: null });
        }}
        onDecide={(choice) => void submit(choice)}
        onDismiss={() => void view.refetch()}
        onLeaveField={() => document.getElementById(domIds(approval.id).card)?.focus()}
      />
      <p className="text-sm text-zinc-500 dark:text-zinc-400">
        <button type="button" className="font-medium underline" onClick={() => void openInbox(team.id)}>
          Open the Approvals page of {team.name}
        </button>
      </p>
    </section>
  );
}

function capitalise(text: string) {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

function LinkMessage({
  title,
  children,
  testId,
  tone = "info",
}: {
  title: string;
  children: React.ReactNode;
  testId: string;
  tone?: "info" | "done";
}) {
  return (
    <section
      className="mx-auto max-w-xl space-y-2 rounded-xl bg-white p-6 ring-1 ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800"
      data-testid={testId}
    >
      <h1 className={tone === "done" ? "text-lg font-semibold text-emerald-800 dark:text-emerald-300" : "text-lg font-semibold"}>
        {title}
      </h1>
      <p className="text-sm text-zinc-600 dark:text-zinc-300">{children}</p>
      <p className="pt-2 text-sm">
        <Link className="text-brand-600 dark:text-brand-400 font-medium underline" href="/approvals">
          Go to Approvals
        </Link>
      </p>
    </section>
  );
}
