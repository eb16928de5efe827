"use client";

import { useQuery } from "@tanstack/react-query";
import { clsx } from "clsx";
import Link from "next/link";
import { formatAbsolute, formatRelative } from "../ui/format";
import { useTRPC } from "../trpc/react";
import { KIND_LABELS } from "./approval-kind";
import type { RecentApproval } from "./types";

const OUTCOME_STYLES: Record<RecentApproval["status"], string> = {
  pending: "bg-zinc-100 text-zinc-700 ring-zinc-300 dark:bg-zinc-800 dark:text-zinc-300 dark:ring-zinc-700",
  approved: "bg-emerald-50 text-emerald-800 ring-emerald-300 dark:bg-emerald-950 dark:text-emerald-300 dark:ring-emerald-800",
  rejected: "bg-red-50 text-red-800 ring-red-300 dark:bg-red-950 dark:text-red-300 dark:ring-red-800",
  expired: "bg-zinc-100 text-zinc-700 ring-zinc-300 dark:bg-zinc-800 dark:text-zinc-300 dark:ring-zinc-700",
  cancelled: "bg-zinc-100 text-zinc-700 ring-zinc-300 dark:bg-zinc-800 dark:text-zinc-300 dark:ring-zinc-700",
};

function outcomeLabel(item: RecentApproval): string {
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
export function RecentDecisions({ now }: { now: number }) {
  const trpc = useTRPC();
  const query = useQuery(trpc.approval.listRecent.queryOptions(undefined, { refetchInterval: 15_000 }));

  return (
    <section aria-labelledby="recent-approvals-heading" className="space-y-3">
      <h2 id="recent-approvals-heading" className="text-base font-semibold">
        Decided in the last day
      </h2>
      {query.isPending ? (
        <div className="h-14 animate-pulse rounded-lg bg-zinc-100 dark:bg-zinc-800" aria-hidden />
      ) : query.isError && !query.data ? (
        <p className="text-sm text-red-700 dark:text-red-300">
          Recent decisions could not be loaded: {query.error.message}{" "}
          <button type="button" className="font-semibold underline" onClick={() => void query.refetch()}>
            Try again
          </button>
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
                <span
                  className={clsx(
                    "inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset",
                    OUTCOME_STYLES[item.status],
                  )}
                >
                  {outcomeLabel(item)}
                </span>
                <Link href={`/agents/${item.agentId}`} className="min-w-0 font-medium break-words hover:underline">
                  {item.agent.name}
                </Link>
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
              {item.answer ? (
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
