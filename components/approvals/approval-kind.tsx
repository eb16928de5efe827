import { clsx } from "clsx";
import type { ApprovalKind } from "./types";

export const KIND_LABELS: Record<ApprovalKind, string> = {
  tool: "Held tool call",
  question: "Question",
  budget: "Budget soft limit",
  stuck: "Stuck",
};

/** What each button does for each kind, said once under the buttons. */
export const KIND_HINTS: Record<ApprovalKind, string> = {
  tool: "Approve runs this call once; reject tells the agent it was not allowed.",
  question: "Send answer gives the agent your answer; reject tells it nobody will answer.",
  budget: "Approve lets the agent go on up to its hard budget limit; reject stops it. To raise the budget, open the agent.",
  stuck: "Approve lets the agent continue (its stuck counters start again); reject stops it.",
};

const STYLES: Record<ApprovalKind, string> = {
  tool: "bg-amber-50 text-amber-800 ring-amber-300 dark:bg-amber-950 dark:text-amber-300 dark:ring-amber-800",
  question: "bg-sky-50 text-sky-800 ring-sky-300 dark:bg-sky-950 dark:text-sky-300 dark:ring-sky-800",
  budget: "bg-red-50 text-red-800 ring-red-300 dark:bg-red-950 dark:text-red-300 dark:ring-red-800",
  stuck: "bg-orange-50 text-orange-800 ring-orange-300 dark:bg-orange-950 dark:text-orange-300 dark:ring-orange-800",
};

export function KindBadge({ kind }: { kind: ApprovalKind }) {
  return (
    <span className={clsx("inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset", STYLES[kind])}>
      {KIND_LABELS[kind] ?? kind}
    </span>
  );
}
