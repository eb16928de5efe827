import Link from "next/link";
import type { FleetAttentionReason, TeamOverview } from "~/shared/fleet";
import { Badge, type BadgeTone } from "../ui/badge";
import { EmptyState } from "../ui/empty-state";
import { formatUsd } from "../ui/format";
import { Panel } from "../ui/panel";

const REASONS: Record<FleetAttentionReason, { label: string; tone: BadgeTone }> = {
  failed: { label: "failed", tone: "red" },
  stuck: { label: "stuck", tone: "orange" },
  waiting: { label: "waiting for a person", tone: "amber" },
  budget_exhausted: { label: "out of budget", tone: "red" },
  near_budget: { label: "past its soft budget limit", tone: "amber" },
};

/** The agents that need a person, most urgent first, each with why and a link to it. */
export function AttentionList({ attention }: { attention: TeamOverview["attention"] }) {
  return (
    <Panel
      title="Needs attention"
      description="Failed, stuck, waiting for a person, out of budget or past the soft limit: most urgent first."
      data-testid="attention"
    >
      {attention.length === 0 ? (
        <EmptyState title="Nothing needs you right now." />
      ) : (
        <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
          {attention.map((a) => (
            <li key={a.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2 text-sm" data-testid="attention-agent">
              <Link href={`/agents/${a.id}`} className="font-medium underline-offset-2 hover:underline">
                {a.name}
              </Link>
              <Badge tone={REASONS[a.reason].tone}>{REASONS[a.reason].label}</Badge>
              <span className="text-xs text-zinc-600 tabular-nums dark:text-zinc-400">
                {formatUsd(a.spentUsd)} of {a.budgetUsd === null ? "no limit" : formatUsd(a.budgetUsd)}
              </span>
              {a.statusReason ? <span className="w-full truncate text-xs text-zinc-600 dark:text-zinc-400">{a.statusReason}</span> : null}
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}
