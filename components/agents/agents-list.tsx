"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Fragment, useEffect, useState } from "react";
import { AgentRow } from "./agent-row";
import type { AgentSort } from "~/server/agents/agent-list";
import type { ListedStatus } from "~/shared/agent-status";
import { Alert, AlertAction } from "../ui/alert";
import { Button, ButtonLink } from "../ui/button";
import { PermissionGate } from "../teams/permission-gate";
import { EmptyState } from "../ui/empty-state";
import { PageHeader } from "../ui/page-header";
import { SkeletonGroup } from "../ui/skeleton";
import { useTRPC } from "../trpc/react";
import { CompactInput, CompactSelect } from "../ui/field";
import { STATUS_LABELS } from "./status-badge";
import { useAgentsListParams } from "./agents-list-params";
import { AgentBulkBar, ArchivedToggle, SelectAllBox, useAgentSelection } from "./agent-bulk-actions";

const PAGE_SIZE = 50;
/** Typing pauses this long before the list is asked again. */
const SEARCH_DELAY_MS = 250;
/** Statuses, heartbeats and spend move while the page is open; a cheap refresh keeps them honest. */
const REFRESH_MS = 30_000;

export function AgentsList() {
  const trpc = useTRPC();
  const [params, setParams] = useAgentsListParams();
  const { q: search, sort, tree } = params;
  const status = params.status ?? "";
  const [searchInput, setSearchInput] = useState(search);
  const [isArchived, setArchived] = useState(false);
  const selection = useAgentSelection();
  // Keyset paging: the cursor of every page visited so far, so "Previous" can go back. The first
  // page has no cursor; the last entry is the page shown.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const pageIndex = cursors.length - 1;
  // The filters moved (a choice, Back, a link): paging starts again, and the search box shows the
  // URL's search when that changed (not while a typed one waits for its pause).
  const filterKey = `${search}|${status}|${sort}|${tree}`;
  const [shown, setShown] = useState({ filterKey, search });
  if (filterKey !== shown.filterKey) {
    setShown({ filterKey, search });
    setCursors([null]);
    if (search !== shown.search && search !== searchInput.trim()) setSearchInput(search);
  }

  useEffect(() => {
    const next = searchInput.trim();
    if (next === search) return;
    const timer = setTimeout(() => {
      void setParams({ q: next || null }, { history: "replace" });
      setCursors([null]);
    }, SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [searchInput, search, setParams]);

  const query = useQuery(
    trpc.agent.list.queryOptions(
      {
        search: search || undefined,
        status: status || undefined,
        archived: isArchived || undefined,
        sort,
        cursor: cursors[pageIndex],
        limit: PAGE_SIZE,
        tree: tree || undefined,
      },
      { placeholderData: keepPreviousData, refetchInterval: REFRESH_MS },
    ),
  );
  const isFiltered = search !== "" || status !== "";

  return (
    <section aria-labelledby="agents-heading" className="space-y-4">
      <PageHeader
        id="agents-heading"
        title="Agents"
        description="Long-running agents of your active team."
        actions={
          <>
            <PermissionGate permission="agent:create" action="import agents" disabledLabel="Import">
              <ButtonLink href="/agents/import" variant="outline">
                Import
              </ButtonLink>
            </PermissionGate>
            <PermissionGate permission="agent:create" action="create agents" disabledLabel="New agent" variant="primary">
              <ButtonLink href="/agents/new">New agent</ButtonLink>
            </PermissionGate>
          </>
        }
      />

      <div className="flex flex-wrap gap-2">
        <ArchivedToggle
          isArchived={isArchived}
          onChange={(archived) => {
            setArchived(archived);
            setCursors([null]);
            selection.clear();
          }}
        />
        <CompactInput
          type="search"
          aria-label="Search agents"
          placeholder="Search by name or goal"
          value={searchInput}
          onChange={(e) => setSearchInput(e.target.value)}
          className="w-64"
        />
        <CompactSelect
          aria-label="Filter by status"
          value={status}
          onChange={(e) => {
            void setParams({ status: (e.target.value as ListedStatus) || null });
            setCursors([null]);
          }}
        >
          <option value="">All statuses</option>
          {Object.entries(STATUS_LABELS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </CompactSelect>
        <CompactSelect
          aria-label="Sort agents"
          value={sort}
          onChange={(e) => {
            void setParams({ sort: e.target.value as AgentSort });
            setCursors([null]);
          }}
        >
          <option value="lastActive">Last activity</option>
          <option value="name">Name</option>
          <option value="created">Newest</option>
          <option value="spend">Spend</option>
        </CompactSelect>
        <label className="flex items-center gap-2 text-sm text-zinc-700 dark:text-zinc-300">
          <input
            type="checkbox"
            checked={tree}
            onChange={(e) => {
              void setParams({ tree: e.target.checked || null });
              setCursors([null]);
            }}
            className="accent-brand-600 size-4"
            data-testid="group-by-tree"
          />
          Group by tree
        </label>
      </div>

      {query.isPending ? (
        <SkeletonGroup label="Loading agents" itemClassName="h-14 rounded-lg" />
      ) : query.isError ? (
        <Alert>
          The agents could not be loaded: {query.error.message}{" "}
          {pageIndex > 0 ? (
            <AlertAction onClick={() => setCursors([null])}>Back to the first page</AlertAction>
          ) : (
            <AlertAction onClick={() => void query.refetch()}>Try again</AlertAction>
          )}
        </Alert>
      ) : query.data.items.length === 0 ? (
        <EmptyState size="xl" data-testid="agents-empty">
          {isArchived && !isFiltered ? (
            <p>No archived agents. Archive an agent from the list to hide it here; restore it any time.</p>
          ) : isFiltered ? (
            <p>No agents match these filters.</p>
          ) : pageIndex > 0 ? (
            <p>
              No more agents. <AlertAction onClick={() => setCursors([null])}>Back to the first page</AlertAction>
            </p>
          ) : (
            <>
              <h2 className="text-base font-semibold text-zinc-900 dark:text-zinc-100">No agents yet</h2>
              <p className="mx-auto mt-1 max-w-md">
                An agent pursues a goal for hours or days within the budget you give it. Create one to see it here.
              </p>
              <PermissionGate permission="agent:create" action="create agents" className="mt-4">
                <ButtonLink href="/agents/new" className="mt-4">
                  Create your first agent
                </ButtonLink>
              </PermissionGate>
            </>
          )}
        </EmptyState>
      ) : (
        <>
          <AgentBulkBar selection={selection} isArchivedView={isArchived} names={new Map(query.data.items.map((a) => [a.id, a.name]))} />
          <div className="overflow-x-auto rounded-xl ring-1 ring-zinc-200 dark:ring-zinc-800">
            <table
              className="min-w-full divide-y divide-zinc-200 bg-white text-sm dark:divide-zinc-800 dark:bg-zinc-900"
              data-testid="agents-table"
            >
              <thead className="bg-zinc-50 text-left text-xs font-semibold tracking-wide text-zinc-500 uppercase dark:bg-zinc-900">
                <tr>
                  <th scope="col" className="w-8 py-2.5 pl-3">
                    <SelectAllBox selection={selection} ids={query.data.items.map((a) => a.id)} />
                  </th>
                  <th scope="col" className="px-3 py-2.5">
                    Name
                  </th>
                  <th scope="col" className="px-3 py-2.5">
                    Status
                  </th>
                  <th scope="col" className="px-3 py-2.5">
                    Spend / budget
                  </th>
                  <th scope="col" className="hidden px-3 py-2.5 md:table-cell">
                    Last 14 days
                  </th>
                  <th scope="col" className="hidden px-3 py-2.5 xl:table-cell">
                    Cycles
                  </th>
                  <th scope="col" className="hidden px-3 py-2.5 lg:table-cell">
                    Model
                  </th>
                  <th scope="col" className="px-3 py-2.5">
                    Last activity
                  </th>
                  <th scope="col" className="hidden px-3 py-2.5 xl:table-cell">
                    Heartbeat
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
                {query.data.items.map((agent) => (
                  <Fragment key={agent.id}>
                    <AgentRow agent={agent} selection={selection} />
                    {agent.children?.map((child) => (
                      <AgentRow
                        key={child.id}
                        agent={child}
                        selection={selection}
                        level={child.level}
                        outsideFilter={!child.matchesFilter}
                      />
                    ))}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
          <nav aria-label="Pages of agents" className="flex items-center justify-between text-sm text-zinc-600 dark:text-zinc-400">
            <span data-testid="agents-range">
              {(pageIndex * PAGE_SIZE + 1).toLocaleString("en-US")}–
              {(pageIndex * PAGE_SIZE + query.data.items.length).toLocaleString("en-US")} of {query.data.total.toLocaleString("en-US")}
              {query.data.isTotalExact ? "" : "+"}
            </span>
            <div className="flex gap-2">
              <Button variant="secondary" disabled={pageIndex === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
                Previous
              </Button>
              <Button
                variant="secondary"
                disabled={query.data.nextCursor === null || query.isPlaceholderData}
                onClick={() => {
                  const next = query.data.nextCursor;
                  if (next) setCursors((c) => [...c, next]);
                }}
              >
                Next
              </Button>
            </div>
          </nav>
        </>
      )}
    </section>
  );
}
