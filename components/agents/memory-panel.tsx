"use client";

import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { parseAsBoolean, parseAsString, parseAsStringLiteral, useQueryStates } from "nuqs";
import { useState } from "react";
import { readFieldErrors } from "../trpc/errors";
import { EmbeddingStatus, type EmbeddingState } from "./embedding-status";
import { useTRPC } from "../trpc/react";
import { toast } from "sonner";
import { Alert, Notice } from "../ui/alert";
import { Button } from "../ui/button";
import { ConfirmButton } from "../ui/confirm";
import { GatedButton, PermissionGate } from "../teams/permission-gate";
import { EmptyState } from "../ui/empty-state";
import { formatAbsolute } from "../ui/format";
import { RelativeText } from "../ui/relative-time";
import { Section } from "../ui/panel";
import { Skeleton } from "../ui/skeleton";
import { CompactInput, CompactSelect } from "../ui/field";

const KINDS = [
  ["", "All kinds"],
  ["episode", "Episodes"],
  ["fact", "Facts"],
  ["summary", "Summaries"],
  ["reflection", "Reflections"],
] as const;

type Kind = "episode" | "fact" | "summary" | "reflection";
const KIND_IDS: Kind[] = ["episode", "fact", "summary", "reflection"];

/** The agent's long-term memory: search, filter, pin, edit and forget (members and up); its facts. */
export function MemoryPanel({ agentId }: { agentId: string }) {
  const trpc = useTRPC();
  // In the URL (?memory=&kind=&archived=true): a reload or a copied link shows the same memories.
  // A kind or the archive switch is a step Back undoes; typing replaces the entry.
  const [{ memory: query, kind: kindParam, archived: includeArchived }, setFilters] = useQueryStates(
    {
      memory: parseAsString.withDefault(""),
      kind: parseAsStringLiteral(KIND_IDS),
      archived: parseAsBoolean.withDefault(false),
    },
    { history: "push" },
  );
  const kind: "" | Kind = kindParam ?? "";
  const setQuery = (value: string) => void setFilters({ memory: value || null }, { history: "replace" });
  const setKind = (value: "" | Kind) => void setFilters({ kind: value || null });
  const setIncludeArchived = (value: boolean) => void setFilters({ archived: value || null });
  const input = { agentId, query: query.trim() || undefined, kind: kind || undefined, includeArchived, limit: 50 };
  const list = useInfiniteQuery(trpc.memory.list.infiniteQueryOptions(input, { getNextPageParam: (last) => last.nextCursor ?? undefined }));
  const facts = useQuery(trpc.memory.facts.queryOptions({ agentId }));
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <div className="space-y-6">
      <Section title="Memories">
        <div className="flex flex-wrap items-center gap-2">
          <CompactInput
            type="search"
            aria-label="Search memories"
            placeholder="Search memories…"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            maxLength={200}
            className="min-w-0 flex-1"
          />
          <CompactSelect aria-label="Filter by kind" value={kind} onChange={(e) => setKind(e.target.value as "" | Kind)}>
            {KINDS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </CompactSelect>
          <label className="flex items-center gap-1.5 text-sm">
            <input type="checkbox" checked={includeArchived} onChange={(e) => setIncludeArchived(e.target.checked)} />
            Show archived
          </label>
        </div>
        {list.isPending ? (
          <Skeleton className="h-24 rounded-lg" label="Loading memories" />
        ) : list.isError ? (
          <Alert>The memories could not be loaded: {list.error.message}</Alert>
        ) : items.length === 0 ? (
          <EmptyState data-testid="memories-empty">
            {query || kind ? "No memories match." : "No memories yet. The agent writes one for every cycle it completes."}
          </EmptyState>
        ) : (
          <ul className="space-y-2" data-testid="memories">
            {items.map((m) => (
              <MemoryItem key={m.id} agentId={agentId} memory={m} />
            ))}
          </ul>
        )}
        {list.hasNextPage ? (
          <Button variant="secondary" onClick={() => void list.fetchNextPage()} isLoading={list.isFetchingNextPage}>
            Show more
          </Button>
        ) : null}
      </Section>

      <Section title="Facts" className="space-y-2">
        {facts.isPending ? null : facts.isError ? (
          <p role="alert" className="text-sm text-red-700 dark:text-red-300">
            The facts could not be loaded: {facts.error.message}
          </p>
        ) : facts.data.length === 0 ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">No facts yet.</p>
        ) : (
          // Focusable: on a phone the table scrolls sideways, which a keyboard must be able to do too.
          <div tabIndex={0} className="overflow-x-auto rounded-lg ring-1 ring-zinc-200 dark:ring-zinc-800">
            <table className="min-w-full text-sm" data-testid="facts">
              <thead className="bg-zinc-50 text-left text-xs text-zinc-500 dark:bg-zinc-900">
                <tr>
                  <th scope="col" className="px-3 py-2">
                    Key
                  </th>
                  <th scope="col" className="px-3 py-2">
                    Value
                  </th>
                  <th scope="col" className="px-3 py-2">
                    Source
                  </th>
                  <th scope="col" className="px-3 py-2">
                    Confidence
                  </th>
                  <th scope="col" className="px-3 py-2">
                    Updated
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-zinc-100 bg-white dark:divide-zinc-800 dark:bg-zinc-900">
                {facts.data.map((f) => (
                  <tr key={f.id}>
                    <td className="px-3 py-2 font-mono text-xs">{f.key}</td>
                    <td className="px-3 py-2">{typeof f.value === "string" ? f.value : JSON.stringify(f.value)}</td>
                    <td className="px-3 py-2 text-zinc-500">{f.source}</td>
                    <td className="px-3 py-2 tabular-nums">{f.confidence.toFixed(2)}</td>
                    <td className="px-3 py-2 text-zinc-500" title={formatAbsolute(f.updatedAt)}>
                      <RelativeText date={f.updatedAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
    </div>
  );
}

type MemoryRow = {
  id: string;
  kind: string;
  content: string;
  importance: number;
  recallCount: number;
  isPinned: boolean;
  archivedAt: Date | null;
  isEmbedded: boolean;
  embedding: EmbeddingState;
  createdAt: Date;
};

function MemoryItem({ agentId, memory }: { agentId: string; memory: MemoryRow }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [content, setContent] = useState(memory.content);
  const [importance, setImportance] = useState(String(memory.importance));
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.memory.list.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.memory.facts.queryKey({ agentId }) });
  };
  const onError = (error: { message: string }) => {
    setMessage({ kind: "error", text: error.message });
    toast.error(error.message);
  };
  const pin = useMutation(
    trpc.memory.setPinned.mutationOptions({
      onSuccess: (row) => {
        const text = row.isPinned ? "Pinned: shown to the agent every cycle, never pruned." : "Unpinned.";
        setMessage({ kind: "ok", text });
        toast.success(text);
        refresh();
      },
      onError,
    }),
  );
  const edit = useMutation(
    trpc.memory.edit.mutationOptions({
      onSuccess: () => {
        setEditing(false);
        setMessage({ kind: "ok", text: "Saved. The agent recalls the new text from its next cycle." });
        toast.success("Memory saved. The agent recalls the new text from its next cycle.");
        refresh();
      },
      onError,
    }),
  );
  const forget = useMutation(
    trpc.memory.forget.mutationOptions({
      onSuccess: () => {
        toast.success("Forgotten: the memory is deleted and will not be recalled.");
        refresh();
      },
      onError,
    }),
  );
  const fieldErrors = readFieldErrors(edit.error);

  return (
    <li
      className="rounded-lg bg-white p-3 text-sm ring-1 ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800"
      data-testid="memory"
      data-memory-id={memory.id}
    >
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-zinc-500">
        <span className="font-semibold text-zinc-700 uppercase dark:text-zinc-300">{memory.kind}</span>
        {memory.isPinned ? (
          <span className="rounded bg-amber-100 px-1.5 text-amber-800 dark:bg-amber-950 dark:text-amber-300">Pinned</span>
        ) : null}
        {memory.archivedAt ? <span className="rounded bg-zinc-100 px-1.5 dark:bg-zinc-800">Archived</span> : null}
        <span className="tabular-nums">importance {memory.importance.toFixed(2)}</span>
        <span className="tabular-nums">recalled {memory.recallCount}×</span>
        <EmbeddingStatus memoryId={memory.id} embedding={memory.embedding} />
        <span title={formatAbsolute(memory.createdAt)}>
          <RelativeText date={memory.createdAt} />
        </span>
      </div>
      {editing ? (
        <form
          className="mt-2 space-y-2"
          onSubmit={(e) => {
            e.preventDefault();
            edit.mutate({ memoryId: memory.id, edit: { content, importance } });
          }}
        >
          <label className="block">
            <span className="text-xs font-medium">Memory text</span>
            <textarea
              value={content}
              onChange={(e) => setContent(e.target.value)}
              rows={3}
              aria-invalid={fieldErrors.content ? true : undefined}
              className="mt-1 w-full rounded-md border-0 bg-white px-2.5 py-1.5 ring-1 ring-zinc-300 ring-inset dark:bg-zinc-950 dark:ring-zinc-700"
            />
            {fieldErrors.content ? <span className="text-xs text-red-700 dark:text-red-300">{fieldErrors.content[0]}</span> : null}
          </label>
          <label className="block">
            <span className="text-xs font-medium">Importance (0 to 1)</span>
            <input
              value={importance}
              onChange={(e) => setImportance(e.target.value)}
              inputMode="decimal"
              aria-invalid={fieldErrors.importance ? true : undefined}
              className="mt-1 block w-28 rounded-md border-0 bg-white px-2.5 py-1.5 ring-1 ring-zinc-300 ring-inset dark:bg-zinc-950 dark:ring-zinc-700"
            />
            {fieldErrors.importance ? <span className="text-xs text-red-700 dark:text-red-300">{fieldErrors.importance[0]}</span> : null}
          </label>
          <div className="flex gap-2">
            <Button type="submit" isLoading={edit.isPending}>
              Save
            </Button>
            <Button type="button" variant="ghost" onClick={() => setEditing(false)}>
              Cancel
            </Button>
          </div>
        </form>
      ) : (
        <p className="mt-1.5 break-words whitespace-pre-wrap">{memory.content}</p>
      )}
      {!editing ? (
        <div className="mt-2 flex flex-wrap gap-2">
          <GatedButton
            permission="memory:manage"
            action={memory.isPinned ? "unpin memories" : "pin memories"}
            variant="secondary"
            onClick={() => pin.mutate({ memoryId: memory.id, pinned: !memory.isPinned })}
            isLoading={pin.isPending}
          >
            {memory.isPinned ? "Unpin" : "Pin"}
          </GatedButton>
          <GatedButton permission="memory:manage" action="edit memories" variant="secondary" onClick={() => setEditing(true)}>
            Edit
          </GatedButton>
          <PermissionGate permission="memory:manage" action="forget memories" disabledLabel="Forget…" variant="secondary">
            <ConfirmButton
              confirmLabel="Forget for good"
              cancelLabel="Keep it"
              isLoading={forget.isPending}
              onConfirm={() => forget.mutate({ memoryId: memory.id })}
            >
              Forget…
            </ConfirmButton>
          </PermissionGate>
        </div>
      ) : null}
      <Notice message={message} size="xs" className="mt-1" />
    </li>
  );
}
