"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { TeamOverview as Overview } from "~/shared/fleet";
import { useTRPC } from "../trpc/react";
import { PageHeader } from "../ui/page-header";
import { Panel } from "../ui/panel";
import { QuerySection } from "../ui/query-section";
import { SkeletonGroup } from "../ui/skeleton";
import { formatUsd } from "../ui/format";
import { AttentionList } from "./attention-list";
import { BarList, HourBars } from "./bars";

/**
 * The team at a glance: the agents that need a person first, then how many are in each status, cycles
 * per hour with the failures among them, and spend per day, per model and per agent.
 */
export function TeamOverview() {
  const trpc = useTRPC();
  const overview = useQuery({ ...trpc.fleet.overview.queryOptions({ days: 14 }), refetchInterval: 30_000 });
  return (
    <div className="space-y-6">
      <PageHeader title="Overview" description="The team's agents at a glance: what needs you first, then what they do and spend." />
      <QuerySection
        query={overview}
        what="The overview"
        loading={<SkeletonGroup label="Loading the overview" count={4} itemClassName="h-24 rounded-xl" />}
      >
        {(data) => <OverviewBody overview={data} />}
      </QuerySection>
    </div>
  );
}

function OverviewBody({ overview }: { overview: Overview }) {
  const total = overview.statusCounts.reduce((n, s) => n + s.count, 0);
  const rate = overview.last24h.errorRate;
  return (
    <>
      <AttentionList attention={overview.attention} />
      <Panel title="Agents" description={`${total.toLocaleString("en-US")} in the team, by status.`} data-testid="status-counts">
        <ul className="flex flex-wrap gap-2 text-sm">
          {overview.statusCounts.map((s) => (
            <li
              key={s.status}
              className="rounded-md bg-zinc-50 px-2.5 py-1 tabular-nums ring-1 ring-zinc-200 dark:bg-zinc-950 dark:ring-zinc-800"
            >
              <span className="font-semibold">{s.count.toLocaleString("en-US")}</span> {s.status.replace(/_/g, " ")}
            </li>
          ))}
        </ul>
      </Panel>
      <Panel
        title="Cycles, last 24 hours"
        description={
          overview.last24h.cycles === 0
            ? "No cycles ran in the last 24 hours."
            : `${overview.last24h.cycles.toLocaleString("en-US")} cycles; ${overview.last24h.failed.toLocaleString("en-US")} failed (${((rate ?? 0) * 100).toFixed(1)} % error rate).`
        }
        data-testid="cycles-per-hour"
        aside={
          <span className="flex gap-3 text-sm">
            {overview.last24h.failed > 0 ? (
              <Link href="/activity?outcome=failed" className="text-brand-700 dark:text-brand-400 font-medium hover:underline">
                Failed cycles
              </Link>
            ) : null}
            <Link href="/activity" className="text-brand-700 dark:text-brand-400 font-medium hover:underline">
              All activity
            </Link>
          </span>
        }
      >
        <HourBars hours={overview.cyclesPerHour} />
      </Panel>
      <div className="grid gap-6 lg:grid-cols-3">
        <Panel title="Spend per day" description={`The last ${overview.days} days.`} data-testid="spend-per-day">
          <BarList
            label="Spend per day"
            items={overview.spendPerDay.map((d) => ({ key: d.day, label: d.day, value: Number(d.costUsd), text: formatUsd(d.costUsd) }))}
            empty="Nothing spent yet."
          />
        </Panel>
        <Panel
          title="Spend per model"
          description={`The last ${overview.days} days; "tools" are priced tool calls.`}
          data-testid="spend-per-model"
        >
          <BarList
            label="Spend per model"
            items={overview.spendPerModel.map((m) => ({
              key: m.model,
              label: m.model,
              value: Number(m.costUsd),
              text: formatUsd(m.costUsd),
            }))}
            empty="Nothing spent yet."
          />
        </Panel>
        <Panel
          title="Spend per agent"
          description={`The ten that spent most in the last ${overview.days} days.`}
          data-testid="spend-per-agent"
        >
          <BarList
            label="Spend per agent"
            items={overview.spendPerAgent.map((a) => ({
              key: a.id,
              label: a.name,
              href: `/agents/${a.id}`,
              value: Number(a.costUsd),
              text: formatUsd(a.costUsd),
            }))}
            empty="Nothing spent yet."
          />
        </Panel>
      </div>
    </>
  );
}
