import { Badge, type BadgeTone } from "../ui/badge";
import type { ApprovalKind } from "./types";

export const KIND_LABELS: Record<ApprovalKind, string> = {
  tool: "Held tool call",
  question: "Question",
  budget: "Budget soft limit",
  stuck: "Stuck",
  outcome: "Outcome unknown",
};

/** What each button does for each kind, said once under the buttons. */
export const KIND_HINTS: Record<ApprovalKind, string> = {
  tool: "Approve runs this call once; reject tells the agent it was not allowed.",
  question: "Send answer gives the agent your answer; reject tells it nobody will answer.",
  budget: "Approve lets the agent go on up to its hard budget limit; reject stops it. To raise the budget, open the agent.",
  stuck: "Approve lets the agent continue (its stuck counters start again); reject stops it.",
  outcome:
    "The call was in flight when its attempt died: it may or may not have happened. Retry calls it again, Mark done tells the agent it happened, Skip tells the agent it did not.",
};

const TONES: Record<ApprovalKind, BadgeTone> = { tool: "amber", question: "sky", budget: "red", stuck: "orange", outcome: "violet" };

export function KindBadge({ kind }: { kind: ApprovalKind }) {
  return <Badge tone={TONES[kind]}>{KIND_LABELS[kind] ?? kind}</Badge>;
}
