"use client";

import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { parseAsString, useQueryStates } from "nuqs";
import { readFieldErrors } from "../trpc/errors";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { CompactInput, CompactSelect } from "../ui/field";
import { formatAbsolute } from "../ui/format";
import { RelativeText } from "../ui/relative-time";
import { PageHeader } from "../ui/page-header";
import { Skeleton } from "../ui/skeleton";

const GROUPS = [
  ["agent", "Agents (create, edit, start, pause, resume, stop, fork)"],
  ["approval", "Approvals (approve, reject)"],
  ["budget", "Budgets (raise)"],
  ["memory", "Memory (pin, edit, forget)"],
  ["provider", "Model providers"],
  ["secret", "Team secrets (add, rotate, delete)"],
  ["share", "Share links"],
  ["team", "Team and roles"],
] as const;

/** The team's audit log for admins: filter by action, person, target and dates; newest first. */
export function AuditLog() {
  const trpc = useTRPC();
  // The filters live in the URL: a reload keeps them, a copied link opens the same view. A choice is a
  // step Back undoes; typing an id replaces the entry instead of adding one per key.
  const [{ action, actor: actorId, target: targetId, from, to }, setFilters] = useQueryStates(
    {
      action: parseAsString.withDefault(""),
      actor: parseAsString.withDefault(""),
      target: parseAsString.withDefault(""),
      from: parseAsString.withDefault(""),
      to: parseAsString.withDefault(""),
    },
    { history: "push" },
  );
  const set = (key: "action" | "actor" | "from" | "to") => (value: string) => void setFilters({ [key]: value || null });
  const [setAction, setActorId, setFrom, setTo] = [set("action"), set("actor"), set("from"), set("to")];
  const setTargetId = (value: string) => void setFilters({ target: value || null }, { history: "replace" });
  const filters = useQuery(trpc.audit.filters.queryOptions(undefined, { retry: false }));
  const input = {
    action: action || undefined,
    actorId: actorId || undefined,
    targetId: targetId.trim() || undefined,
    from: from ? new Date(`${from}T00:00:00`) : undefined,
    to: to ? new Date(`${to}T23:59:59.999`) : undefined,
    limit: 50,
  };
  const log = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(input, {
      getNextPageParam: (page) => page.nextCursor,
      placeholderData: keepPreviousData,
      retry: false,
    }),
  );
  const fieldErrors = readFieldErrors(log.error);
  const items = log.data?.pages.flatMap((p) => p.items) ?? [];

  if (filters.isError) {
    return <Alert>{filters.error.message}</Alert>;
  }

  return (
    <section aria-labelledby="audit-heading" className="space-y-4">
      <PageHeader
        id="audit-heading"
        title="Audit log"
        description="Who did what in this team, newest first. Visible to admins and owners."
      />
      <form className="flex flex-wrap items-end gap-3 text-sm" onSubmit={(e) => e.preventDefault()} aria-label="Filter the audit log">
        <label>
          <span className="block text-xs font-medium text-zinc-600 dark:text-zinc-400">Action</span>
          <CompactSelect value={action} onChange={(e) => setAction(e.target.value)} aria-label="Action">
            <option value="">All actions</option>
            {GROUPS.map(([group, label]) => (
              <option key={group} value={group}>
                {label}
              </option>
            ))}
            {(filters.data?.actions ?? []).map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </CompactSelect>
        </label>
        <label>
          <span className="block text-xs font-medium text-zinc-600 dark:text-zinc-400">Person</span>
          <CompactSelect value={actorId} onChange={(e) => setActorId(e.target.value)} aria-label="Person">
            <option value="">Everyone</option>
            {(filters.data?.members ?? []).map((m) => (
              <option key={m.id} value={m.id}>
                {m.name} ({m.email})
              </option>
            ))}
          </CompactSelect>
        </label>
        <label>
          <span className="block text-xs font-medium text-zinc-600 dark:text-zinc-400">Target id</span>
          <CompactInput value={targetId} onChange={(e) => setTargetId(e.target.value)} placeholder="an agent id" className="w-72" />
        </label>
        <label>
          <span className="block text-xs font-medium text-zinc-600 dark:text-zinc-400">From</span>
          <CompactInput
            type="date"
            value={from}
            onChange={(e) => setFrom(e.target.value)}

            aria-invalid={!!fieldErrors.from || undefined}
          />
        </label>
        <label>
          <span className="block text-xs font-medium text-zinc-600 dark:text-zinc-400">To</span>
          <CompactInput type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
      </form>
      {log.isError ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300" data-field-error="audit-filter">
          {fieldErrors.from?.[0] ?? log.error.message}
        </p>
      ) : null}

      {log.isPending ? (
        <Skeleton className="h-32 rounded-lg" label="Loading the audit log" />
      ) : items.length === 0 && !log.isError ? (
        <p
          className="rounded-lg bg-white p-6 text-sm text-zinc-600 ring-1 ring-zinc-200 dark:bg-zinc-900 dark:text-zinc-400 dark:ring-zinc-800"
          data-testid="audit-empty"
        >
          Nothing recorded{action || actorId || targetId || from || to ? " for these filters" : " yet"}.
        </p>
      ) : (
        <div className="overflow-x-auto rounded-lg bg-white ring-1 ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Audit log entries</caption>
            <thead className="text-xs text-zinc-500">
              <tr>
                <th scope="col" className="px-3 py-2">
                  When
                </th>
                <th scope="col" className="px-3 py-2">
                  Who
                </th>
                <th scope="col" className="px-3 py-2">
                  Action
                </th>
                <th scope="col" className="px-3 py-2">
                  Target
                </th>
                <th scope="col" className="px-3 py-2">
                  Details
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
              {items.map((entry) => (
                <tr key={entry.id} data-testid="audit-row" data-action={entry.action}>
                  <td className="px-3 py-2 whitespace-nowrap" title={formatAbsolute(entry.createdAt)}>
                    <RelativeText date={entry.createdAt} />
                  </td>
                  <td className="px-3 py-2">
                    {entry.actor ? entry.actor.name : <em className="text-zinc-500">system or removed user</em>}
                  </td>
                  <td className="px-3 py-2 font-mono text-xs">{entry.action}</td>
                  <td className="px-3 py-2 text-xs">
                    {entry.targetType === "agent" && entry.targetId ? (
                      <Link href={`/agents/${entry.targetId}`} className="text-brand-600 dark:text-brand-400 hover:underline">
                        agent {entry.targetId.slice(0, 8)}
                      </Link>
                    ) : (
                      <span>
                        {entry.targetType} {entry.targetId?.slice(0, 8) ?? ""}
                      </span>
                    )}
                  </td>
                  <td className="max-w-md truncate px-3 py-2 font-mono text-xs text-zinc-500" title={JSON.stringify(entry.metadata)}>
                    {Object.entries((entry.metadata ?? {}) as Record<string, unknown>)
                      .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
                      .join(" · ")}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {log.hasNextPage ? (
        <Button variant="secondary" onClick={() => void log.fetchNextPage()} isLoading={log.isFetchingNextPage}>
          Older entries
        </Button>
      ) : null}
    </section>
  );
}
