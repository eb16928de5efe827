"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { AlertAction } from "../ui/alert";
import { Badge, type BadgeTone } from "../ui/badge";
import { formatAbsolute, formatRelative } from "../ui/format";
import { Skeleton } from "../ui/skeleton";
import { useTRPC } from "../trpc/react";
import { KIND_LABELS } from "./approval-kind";
import { TeamBadge } from "./approval-team";
import type { RecentApproval } from "./types";

const OUTCOME_TONES: Record<RecentApproval["status"], BadgeTone> = {
  pending: "neutral",
  approved: "green",
  rejected: "red",
  expired: "neutral",
  cancelled: "neutral",
};

function outcomeLabel(item: RecentApproval): string {
  if (item.kind === "outcome" && item.status === "approved") return item.answer === "done" ? "Marked done" : "Retried";
  if (item.kind === "outcome" && item.status === "rejected") return "Skipped";
  if (item.status === "approved") return item.kind === "question" ? "Answered" : "Approved";
  if (item.status === "rejected") return "Rejected";
  if (item.status === "expired") return "Timed out";
  if (item.status === "cancelled") return "Cancelled";
  return item.status;
}

function deciderOf(item: RecentApproval): string {
  if (item.decidedBy) return item.decidedBy.name;
  // Nobody decided: the agent's timeout policy did (an "approve" policy leaves it approved), or the
  // person who decided has since deleted their account.
  if (item.status === "expired" || item.comment?.startsWith("No answer in time")) return "the timeout policy";
  return "a former member";
}

/** The team's approvals decided in the last day: who decided what, and when. */
export function RecentDecisions({ now, teamId }: { now: number; teamId: string | undefined }) {
  const trpc = useTRPC();
  const query = useQuery(trpc.approval.listRecent.queryOptions({ teamId }, { refetchInterval: 15_000 }));

  return (
    <section aria-labelledby="recent-approvals-heading" className="space-y-3">
      <h2 id="recent-approvals-heading" className="text-base font-semibold">
        Decided in the last day
      </h2>
      {query.isPending ? (
        <Skeleton className="h-14 rounded-lg" />
      ) : query.isError && !query.data ? (
        <p className="text-sm text-red-700 dark:text-red-300">
          Recent decisions could not be loaded: {query.error.message}{" "}
          <AlertAction onClick={() => void query.refetch()}>Try again</AlertAction>
        </p>
      ) : query.data.length === 0 ? (
        <p className="text-sm text-zinc-500 dark:text-zinc-400">No decisions in the last day.</p>
      ) : (
        <ul
          className="divide-y divide-zinc-100 rounded-xl bg-white ring-1 ring-zinc-200 dark:divide-zinc-800 dark:bg-zinc-900 dark:ring-zinc-800"
          data-testid="recent-approvals"
        >
          {query.data.map((item) => (
            <li key={item.id} className="min-w-0 space-y-1 px-4 py-3 text-sm" data-testid="recent-approval">
              <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
                <Badge tone={OUTCOME_TONES[item.status]}>{outcomeLabel(item)}</Badge>
                <Link href={`/agents/${item.agentId}`} className="min-w-0 font-medium break-words hover:underline">
                  {item.agent.name}
                </Link>
                <TeamBadge name={item.team.name} />
                <span className="min-w-0 text-zinc-500 dark:text-zinc-400">
                  {item.toolName ? <code className="font-mono text-xs break-all">{item.toolName}</code> : KIND_LABELS[item.kind]}
                </span>
                <span className="text-xs text-zinc-500 sm:ml-auto dark:text-zinc-400">
                  by {deciderOf(item)}
                  {item.decidedAt ? (
                    <>
                      {", "}
                      <time dateTime={item.decidedAt.toISOString()} title={formatAbsolute(item.decidedAt)}>
                        {formatRelative(item.decidedAt, now)}
                      </time>
                    </>
                  ) : null}
                </span>
              </div>
              {item.answer && item.kind !== "outcome" ? (
                <p className="break-words whitespace-pre-wrap text-zinc-700 dark:text-zinc-300">
                  <span className="font-medium">Answer:</span> {item.answer}
                </p>
              ) : null}
              {item.comment ? (
                <p className="break-words whitespace-pre-wrap text-zinc-600 dark:text-zinc-400">
                  <span className="font-medium">Comment:</span> {item.comment}
                </p>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
