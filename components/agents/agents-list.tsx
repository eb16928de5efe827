"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { SIMULATOR_LABEL, SIMULATOR_PROVIDER } from "~/server/agents/agent-input";
import { Button } from "../ui/button";
import { formatAbsolute, formatRelative, formatUsd } from "../ui/format";
import { useTRPC } from "../trpc/react";
import { STATUS_LABELS, StatusBadge } from "./status-badge";

const PAGE_SIZE = 50;
type Sort = "lastActive" | "name" | "created" | "spend";

export function AgentsList() {
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  const [status, setStatus] = useState<string>("");
  const [sort, setSort] = useState<Sort>("lastActive");
  const [page, setPage] = useState(0);
  const query = useQuery(
    trpc.agent.list.queryOptions(
      {
        search: search.trim() || undefined,
        status: (status || undefined) as never,
        sort,
        cursor: page * PAGE_SIZE,
        limit: PAGE_SIZE,
      },
      { placeholderData: keepPreviousData },
    ),
  );
  const isFiltered = search.trim() !== "" || status !== "";

  return (
    <section aria-labelledby="agents-heading" className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 id="agents-heading" className="text-xl font-semibold">
            Agents
          </h1>
          <p className="text-sm text-zinc-500">Long-running agents of your active team.</p>
        </div>
        <Link href="/agents/new">
          <Button>New agent</Button>
        </Link>
      </div>

      <div className="flex flex-wrap gap-2">
        <input
          type="search"
          aria-label="Search agents"
          placeholder="Search by name or goal"
          value={search}
          onChange={(e) => {
            setSearch(e.target.value);
            setPage(0);
          }}
          className="w-64 rounded-md border-0 bg-white px-3 py-1.5 text-sm ring-1 ring-zinc-300 ring-inset dark:bg-zinc-900 dark:ring-zinc-700"
        />
        <select
          aria-label="Filter by status"
          value={status}
          onChange={(e) => {
            setStatus(e.target.value);
            setPage(0);
          }}
          className="rounded-md border-0 bg-white py-1.5 pr-8 pl-2.5 text-sm ring-1 ring-zinc-300 ring-inset dark:bg-zinc-900 dark:ring-zinc-700"
        >
          <option value="">All statuses</option>
          {Object.entries(STATUS_LABELS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        <select
          aria-label="Sort agents"
          value={sort}
          onChange={(e) => setSort(e.target.value as Sort)}
          className="rounded-md border-0 bg-white py-1.5 pr-8 pl-2.5 text-sm ring-1 ring-zinc-300 ring-inset dark:bg-zinc-900 dark:ring-zinc-700"
        >
          <option value="lastActive">Last activity</option>
          <option value="name">Name</option>
          <option value="created">Newest</option>
          <option value="spend">Spend</option>
        </select>
      </div>

      {query.isPending ? (
        <div className="space-y-2" aria-label="Loading agents">
          {[0, 1, 2].map((i) => (
            <div key={i} className="h-14 animate-pulse rounded-lg bg-zinc-100 dark:bg-zinc-800" />
          ))}
        </div>
      ) : query.isError ? (
        <div role="alert" className="rounded-lg bg-red-50 p-4 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
          The agents could not be loaded: {query.error.message}{" "}
          <button className="font-semibold underline" onClick={() => void query.refetch()}>
            Try again
          </button>
        </div>
      ) : query.data.items.length === 0 ? (
        <div className="rounded-xl border border-dashed border-zinc-300 p-10 text-center dark:border-zinc-700" data-testid="agents-empty">
          {isFiltered ? (
            <p className="text-sm text-zinc-600 dark:text-zinc-400">No agents match these filters.</p>
          ) : (
            <>
              <h2 className="font-semibold">No agents yet</h2>
              <p className="mx-auto mt-1 max-w-md text-sm text-zinc-600 dark:text-zinc-400">
                An agent pursues a goal for hours or days within the budget you give it. Create one to see it here.
              </p>
              <Link href="/agents/new" className="mt-4 inline-block">
                <Button>Create your first agent</Button>
              </Link>
            </>
          )}
        </div>
      ) : (
        <>
          <div className="overflow-x-auto rounded-xl ring-1 ring-zinc-200 dark:ring-zinc-800">
            <table
              className="min-w-full divide-y divide-zinc-200 bg-white text-sm dark:divide-zinc-800 dark:bg-zinc-900"
              data-testid="agents-table"
            >
              <thead className="bg-zinc-50 text-left text-xs font-semibold tracking-wide text-zinc-500 uppercase dark:bg-zinc-900">
                <tr>
                  <th scope="col" className="px-4 py-2.5">
                    Name
                  </th>
                  <th scope="col" className="px-4 py-2.5">
                    Status
                  </th>
                  <th scope="col" className="px-4 py-2.5">
                    Spend / budget
                  </th>
                  <th scope="col" className="px-4 py-2.5">
                    Cycles
                  </th>
                  <th scope="col" className="px-4 py-2.5">
                    Model
                  </th>
                  <th scope="col" className="px-4 py-2.5">
                    Last activity
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
                {query.data.items.map((agent) => (
                  <tr key={agent.id} data-testid="agent-row">
                    <td className="px-4 py-3">
                      <Link href={`/agents/${agent.id}`} className="font-medium hover:underline">
                        {agent.name}
                      </Link>
                      <div className="max-w-xs truncate text-xs text-zinc-500" title={agent.goal}>
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
                    <td className="px-4 py-3">
                      <StatusBadge status={agent.status} />
                    </td>
                    <td className="px-4 py-3 tabular-nums">
                      {formatUsd(agent.spentUsd)} / {formatUsd(agent.budgetUsd)}
                    </td>
                    <td className="px-4 py-3 tabular-nums">{agent.cycleCount.toLocaleString("en-US")}</td>
                    <td className="px-4 py-3 font-mono text-xs">
                      {agent.provider === SIMULATOR_PROVIDER ? <span title={SIMULATOR_LABEL}>{SIMULATOR_LABEL}</span> : agent.model}
                    </td>
                    <td className="px-4 py-3 text-zinc-600 dark:text-zinc-400">
                      <time
                        dateTime={(agent.lastActiveAt ?? agent.createdAt).toISOString()}
                        title={formatAbsolute(agent.lastActiveAt ?? agent.createdAt)}
                      >
                        {agent.lastActiveAt ? formatRelative(agent.lastActiveAt) : `created ${formatRelative(agent.createdAt)}`}
                      </time>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="flex items-center justify-between text-sm text-zinc-600 dark:text-zinc-400">
            <span>
              {page * PAGE_SIZE + 1}–{page * PAGE_SIZE + query.data.items.length} of {query.data.total.toLocaleString("en-US")}
            </span>
            <div className="flex gap-2">
              <Button variant="secondary" disabled={page === 0} onClick={() => setPage((p) => p - 1)}>
                Previous
              </Button>
              <Button variant="secondary" disabled={query.data.nextCursor === null} onClick={() => setPage((p) => p + 1)}>
                Next
              </Button>
            </div>
          </div>
        </>
      )}
    </section>
  );
}
