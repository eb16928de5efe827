import { Badge, type BadgeTone } from "../ui/badge";

const TONES: Record<string, BadgeTone> = {
  idle: "neutral",
  running: "green",
  sleeping: "sky",
  waiting_approval: "amber",
  paused: "neutral",
  stuck: "orange",
  budget_exhausted: "red",
  failed: "red",
  completed: "violet",
};

export const STATUS_LABELS: Record<string, string> = {
  idle: "Idle",
  running: "Running",
  sleeping: "Sleeping",
  waiting_approval: "Waiting for approval",
  paused: "Paused",
  stuck: "Stuck",
  budget_exhausted: "Budget exhausted",
  completed: "Completed",
  failed: "Failed",
  stopped: "Stopped",
  hibernated: "Hibernated",
  archived: "Archived",
};

export function StatusBadge({ status }: { status: string }) {
  return <Badge tone={TONES[status] ?? "neutral"}>{STATUS_LABELS[status] ?? status}</Badge>;
}
