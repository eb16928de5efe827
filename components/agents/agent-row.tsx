"use client";

import { clsx } from "clsx";
import Link from "next/link";
import type { AgentListItem } from "~/server/agents/agent-list";
import { SIMULATOR_LABEL, SIMULATOR_PROVIDER } from "~/shared/agent-input";
import { formatAbsolute, formatUsd } from "../ui/format";
import { RelativeText } from "../ui/relative-time";
import { StatusBadge } from "./status-badge";
import { SelectAgentBox, type AgentSelection } from "./agent-bulk-actions";

/**
 * One row of the agents list. Grouped by tree, a sub-agent's row is indented by its `level` under its
 * parent, and one listed only because its tree matches the filters says so (`outsideFilter`).
 */
export function AgentRow({
  agent,
  selection,
  level = 0,
  outsideFilter = false,
}: {
  agent: Omit<AgentListItem, "children">;
  selection: AgentSelection;
  level?: number;
  outsideFilter?: boolean;
}) {
  return (
    <tr data-testid="agent-row" data-level={level} className={clsx(outsideFilter && "bg-zinc-50 dark:bg-zinc-950")}>
      <td className="py-3 pl-3">
        <SelectAgentBox selection={selection} id={agent.id} name={agent.name} />
      </td>
      <td className="px-3 py-3">
        <div className="flex items-baseline gap-1.5" style={level > 0 ? { paddingLeft: `${(level - 1) * 1.25}rem` } : undefined}>
          {level > 0 ? (
            <span aria-hidden="true" className="text-zinc-400">
              ↳
            </span>
          ) : null}
          {level > 0 ? <span className="sr-only">{`Sub-agent, level ${level}: `}</span> : null}
          <Link href={`/agents/${agent.id}`} className="font-medium hover:underline">
            {agent.name}
          </Link>
          {outsideFilter ? <span className="text-xs text-zinc-500 dark:text-zinc-400">(outside the filter)</span> : null}
        </div>
        <div className="max-w-64 truncate text-xs text-zinc-500" title={agent.goal}>
          {agent.goal}
        </div>
        {/* Phones: the other columns scroll out of view, so repeat the essentials here. */}
        <div className="mt-1.5 flex items-center gap-2 text-xs text-zinc-500 sm:hidden">
          <StatusBadge status={agent.status} />
          <span className="tabular-nums">
            {formatUsd(agent.spentUsd)} / {formatUsd(agent.budgetUsd)}
          </span>
        </div>
      </td>
      <td className="px-3 py-3">
        <StatusBadge status={agent.status} />
      </td>
      <td className="px-3 py-3">
        <SpendAgainstBudget spentUsd={agent.spentUsd} budgetUsd={agent.budgetUsd} />
      </td>
      <td className="hidden px-3 py-3 md:table-cell">
        <SpendSparkline spendByDay={agent.spendByDay} />
      </td>
      <td className="hidden px-3 py-3 tabular-nums xl:table-cell">{agent.cycleCount.toLocaleString("en-US")}</td>
      <td className="hidden px-3 py-3 font-mono text-xs lg:table-cell">
        {/* Long model names are cut short; the whole name is in the tooltip. */}
        <span className="block max-w-36 truncate" title={agent.provider === SIMULATOR_PROVIDER ? SIMULATOR_LABEL : agent.model}>
          {agent.provider === SIMULATOR_PROVIDER ? SIMULATOR_LABEL : agent.model}
        </span>
      </td>
      <td className="px-3 py-3 whitespace-nowrap text-zinc-600 dark:text-zinc-400">
        <time
          dateTime={(agent.lastActiveAt ?? agent.createdAt).toISOString()}
          title={formatAbsolute(agent.lastActiveAt ?? agent.createdAt)}
        >
          {agent.lastActiveAt ? (
            <RelativeText date={agent.lastActiveAt} />
          ) : (
            <>
              created <RelativeText date={agent.createdAt} />
            </>
          )}
        </time>
      </td>
      <td className="hidden px-3 py-3 whitespace-nowrap text-zinc-600 xl:table-cell dark:text-zinc-400">
        {agent.heartbeatAt ? (
          <time dateTime={agent.heartbeatAt.toISOString()} title={`Last heartbeat: ${formatAbsolute(agent.heartbeatAt)}`}>
            <RelativeText date={agent.heartbeatAt} />
          </time>
        ) : (
          <span title="This agent has not run yet">none yet</span>
        )}
      </td>
    </tr>
  );
}

/** "$1.23 / $10.00" with a bar; amber from 80 % of the budget, red at or over it. */
function SpendAgainstBudget({ spentUsd, budgetUsd }: { spentUsd: string; budgetUsd: string | null }) {
  const spent = Number(spentUsd);
  const budget = budgetUsd === null ? null : Number(budgetUsd);
  const share = budget === null ? null : budget > 0 ? spent / budget : spent > 0 ? 1 : 0;
  return (
    <div className="w-32 space-y-1">
      <div className="tabular-nums">
        {formatUsd(spentUsd)} / {formatUsd(budgetUsd)}
      </div>
      {share !== null ? (
        <div
          role="progressbar"
          aria-label={`Spent ${formatUsd(spentUsd)} of ${formatUsd(budgetUsd)}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(Math.min(share, 1) * 100)}
          className="h-1.5 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-700"
        >
          <div
            className={clsx("h-full rounded-full", share >= 1 ? "bg-red-500" : share >= 0.8 ? "bg-amber-500" : "bg-emerald-500")}
            style={{ width: `${Math.min(share, 1) * 100}%` }}
          />
        </div>
      ) : null}
    </div>
  );
}

const SPARK_WIDTH = 84;
const SPARK_HEIGHT = 20;

/** Committed spend per day, oldest on the left; the line's height is relative to the agent's busiest day. */
function SpendSparkline({ spendByDay }: { spendByDay: string[] }) {
  const values = spendByDay.map(Number);
  const total = values.reduce((sum, v) => sum + v, 0);
  const max = Math.max(...values, 0);
  const step = values.length > 1 ? SPARK_WIDTH / (values.length - 1) : 0;
  const points = values.map((v, i) => {
    const x = i * step;
    // One pixel of margin so a flat line at zero or at the maximum stays visible.
    const y = max > 0 ? SPARK_HEIGHT - 1 - (v / max) * (SPARK_HEIGHT - 2) : SPARK_HEIGHT - 1;
    return `${x.toFixed(1)},${y.toFixed(1)}`;
  });
  const label = `Spend over the last ${values.length} days: ${formatUsd(String(total))}`;
  return (
    <svg
      role="img"
      aria-label={label}
      width={SPARK_WIDTH}
      height={SPARK_HEIGHT}
      viewBox={`0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`}
      className={clsx("overflow-visible", total > 0 ? "text-brand-600 dark:text-brand-500" : "text-zinc-300 dark:text-zinc-600")}
    >
      <title>{label}</title>
      {total > 0 ? (
        <polygon points={`0,${SPARK_HEIGHT} ${points.join(" ")} ${SPARK_WIDTH},${SPARK_HEIGHT}`} className="fill-current opacity-15" />
      ) : null}
      <polyline
        points={points.join(" ")}
        fill="none"
        stroke="currentColor"
        strokeWidth={1.5}
        strokeLinejoin="round"
        strokeLinecap="round"
      />
    </svg>
  );
}
