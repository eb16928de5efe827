"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { DELEGATION_LIMITS } from "~/shared/delegation";
import { useTRPC } from "../trpc/react";
import { EmptyState } from "../ui/empty-state";
import { formatUsd } from "../ui/format";
import { Panel } from "../ui/panel";
import { QuerySection, RefreshError } from "../ui/query-section";
import { Skeleton } from "../ui/skeleton";
import { StatusBadge } from "./status-badge";

/** The agent's tree of sub-agents (issue 23): refreshed while the page is open, as children come and go. */
export function useAgentTree(agentId: string) {
  const trpc = useTRPC();
  return useQuery(trpc.agent.tree.queryOptions({ id: agentId }, { refetchInterval: 3000 }));
}

const MODE_WORDS = { wait: "waits for its result", go_on: "goes on while it works" } as const;

/** "Started by X (cycle N); X waits for its result": on a child's page, under its goal. */
export function ParentLine({ agentId }: { agentId: string }) {
  const tree = useAgentTree(agentId);
  const node = tree.data?.agent;
  if (!node || !node.parentId) return null;
  const parent = tree.data?.parent;
  return (
    <p className="mt-1 text-xs text-zinc-600 dark:text-zinc-400" data-testid="parent-line">
      Started by{" "}
      {parent ? (
        <Link href={`/agents/${parent.id}`} className="font-medium underline" data-testid="parent-link">
          {parent.name}
        </Link>
      ) : (
        "an agent"
      )}
      {node.parentCycle !== null ? ` (cycle ${node.parentCycle})` : ""}
      {node.delegationMode ? `; it ${MODE_WORDS[node.delegationMode]}` : ""}.
    </p>
  );
}

function tokens(used: string, budget: string | null) {
  const fmt = (value: string) => Number(value).toLocaleString("en-US");
  return budget === null ? `${fmt(used)} tokens` : `${fmt(used)} / ${fmt(budget)} tokens`;
}

/** The Sub-agents tab: every descendant, indented under its parent, with its status, spend and cycles. */
export function TreePanel({ agentId }: { agentId: string }) {
  const tree = useAgentTree(agentId);
  return (
    <Panel
      title="Sub-agents"
      description={`Agents this one started with its delegate tool, and theirs (at most ${DELEGATION_LIMITS.maxDepth} levels deep). Each child's budget was carved out of its parent's.`}
      aside={<RefreshError query={tree} />}
      data-testid="tree-panel"
    >
      <QuerySection
        query={tree}
        what="The sub-agents"
        loading={<Skeleton className="h-24 rounded-lg" label="Loading the sub-agents" />}
        isEmpty={(data) => data.descendants.length === 0}
        empty={
          <EmptyState size="sm" data-testid="tree-empty">
            No sub-agents. An agent with the delegate tool enabled starts children for parts of its goal; they are listed here.
          </EmptyState>
        }
      >
        {(data) => (
          <ul className="divide-y divide-zinc-200 dark:divide-zinc-800" aria-label="Sub-agents" data-testid="tree-list">
            {data.descendants.map((node) => (
              <li
                key={node.id}
                className="py-2.5"
                style={{ paddingLeft: `${(node.level - 1) * 1.25}rem` }}
                data-testid="tree-node"
                data-level={node.level}
                data-status={node.status}
              >
                <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
                  {node.level > 1 ? (
                    <span aria-hidden="true" className="text-zinc-400">
                      ↳
                    </span>
                  ) : null}
                  <Link href={`/agents/${node.id}`} className="min-w-0 font-medium break-words underline" data-testid="tree-node-link">
                    {node.name}
                  </Link>
                  <StatusBadge status={node.status} />
                  <span className="text-xs text-zinc-500 dark:text-zinc-400">
                    {node.delegationMode === "go_on" ? "parent goes on" : "parent waits"}
                    {node.parentCycle !== null ? ` · started at cycle ${node.parentCycle}` : ""}
                  </span>
                </div>
                <p className="mt-0.5 text-xs text-zinc-600 tabular-nums dark:text-zinc-400">
                  <span data-testid="tree-node-spend">
                    {formatUsd(node.spentUsd)} of {formatUsd(node.budgetUsd)}
                  </span>
                  {" · "}
                  {tokens(node.tokensUsed, node.budgetTokens)}
                  {" · "}
                  {node.cycleCount.toLocaleString("en-US")} {node.cycleCount === 1 ? "cycle" : "cycles"}
                </p>
                {node.statusReason ? (
                  <p className="mt-0.5 text-xs break-words text-zinc-600 dark:text-zinc-400">{node.statusReason}</p>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </QuerySection>
    </Panel>
  );
}
