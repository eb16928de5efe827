"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { toast } from "sonner";
import { useTRPC } from "../trpc/react";
import { usePermissions } from "../teams/use-permissions";
import { Button } from "../ui/button";
import { CompactInput } from "../ui/field";

/** Which agents of the page are ticked (the bulk bar acts on them). */
export function useAgentSelection() {
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  return {
    selected,
    isSelected: (id: string) => selected.has(id),
    toggle: (id: string) =>
      setSelected((s) => {
        const next = new Set(s);
        if (!next.delete(id)) next.add(id);
        return next;
      }),
    setAll: (ids: string[], on: boolean) => setSelected(on ? new Set(ids) : new Set()),
    clear: () => setSelected(new Set()),
  };
}
export type AgentSelection = ReturnType<typeof useAgentSelection>;

export function SelectAgentBox({ selection, id, name }: { selection: AgentSelection; id: string; name: string }) {
  return (
    <input
      type="checkbox"
      aria-label={`Select ${name}`}
      checked={selection.isSelected(id)}
      onChange={() => selection.toggle(id)}
      className="size-4 rounded border-zinc-300"
    />
  );
}

export function SelectAllBox({ selection, ids }: { selection: AgentSelection; ids: string[] }) {
  const all = ids.length > 0 && ids.every((id) => selection.isSelected(id));
  return (
    <input
      type="checkbox"
      aria-label="Select all agents on this page"
      checked={all}
      onChange={() => selection.setAll(ids, !all)}
      className="size-4 rounded border-zinc-300"
    />
  );
}

/** "Active" or "Archived": the list's two views. */
export function ArchivedToggle({ isArchived, onChange }: { isArchived: boolean; onChange: (archived: boolean) => void }) {
  return (
    <div role="group" aria-label="Which agents" className="inline-flex rounded-md ring-1 ring-zinc-300 dark:ring-zinc-700">
      {[false, true].map((value) => (
        <button
          key={String(value)}
          type="button"
          aria-pressed={isArchived === value}
          onClick={() => onChange(value)}
          className={`px-3 py-1 text-sm first:rounded-l-md last:rounded-r-md ${
            isArchived === value ? "bg-zinc-900 text-white dark:bg-zinc-100 dark:text-zinc-900" : "text-zinc-700 dark:text-zinc-300"
          }`}
        >
          {value ? "Archived" : "Active"}
        </button>
      ))}
    </div>
  );
}

/**
 * Archive, restore or delete the ticked agents. Delete (admins and owners) asks to type the agent's
 * name, or "delete N agents" for several; agents with a live run are refused by the server, which says so.
 */
export function AgentBulkBar({
  selection,
  isArchivedView,
  names,
}: {
  selection: AgentSelection;
  isArchivedView: boolean;
  /** Names of the agents on the page, by id (what a single delete asks to type). */
  names: Map<string, string>;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const permissions = usePermissions();
  const [isConfirming, setConfirming] = useState(false);
  const [typed, setTyped] = useState("");
  const ids = [...selection.selected];
  const done = (verb: string) => (outcome: { done: string[]; refused: { name: string; reason: string }[] }) => {
    if (outcome.done.length > 0) toast.success(`${verb} ${outcome.done.length} agent${outcome.done.length === 1 ? "" : "s"}.`);
    for (const r of outcome.refused) toast.error(`${r.name}: ${r.reason}`);
    selection.clear();
    setConfirming(false);
    setTyped("");
    void queryClient.invalidateQueries({ queryKey: trpc.agent.list.pathKey() });
  };
  const onError = (error: { message: string }) => toast.error(error.message);
  const archive = useMutation(trpc.agent.archive.mutationOptions({ onSuccess: done("Archived"), onError }));
  const restore = useMutation(trpc.agent.restore.mutationOptions({ onSuccess: done("Restored"), onError }));
  const remove = useMutation(trpc.agent.delete.mutationOptions({ onSuccess: done("Deleted"), onError }));
  if (ids.length === 0 || !permissions.can("agent:edit")) return null;
  const expected = ids.length === 1 ? (names.get(ids[0]!) ?? "") : `delete ${ids.length} agents`;

  return (
    <div
      className="space-y-2 rounded-lg bg-zinc-50 p-3 text-sm ring-1 ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800"
      data-testid="bulk-bar"
    >
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-medium">{ids.length} selected</span>
        {isArchivedView ? (
          <Button variant="secondary" isLoading={restore.isPending} onClick={() => restore.mutate({ ids })}>
            Restore
          </Button>
        ) : (
          <Button variant="secondary" isLoading={archive.isPending} onClick={() => archive.mutate({ ids })}>
            Archive
          </Button>
        )}
        {permissions.can("agent:delete") ? (
          <Button variant="danger" onClick={() => setConfirming(true)}>
            Delete…
          </Button>
        ) : null}
        <Button variant="ghost" onClick={selection.clear}>
          Clear
        </Button>
      </div>
      {isConfirming ? (
        <form
          className="space-y-2 rounded-md bg-red-50 p-3 text-red-950 ring-1 ring-red-200 dark:bg-red-950 dark:text-red-100 dark:ring-red-900"
          onSubmit={(e) => {
            e.preventDefault();
            if (typed.trim() === expected) remove.mutate({ ids });
          }}
        >
          <p>
            Deleting removes {ids.length === 1 ? "this agent" : `these ${ids.length} agents`} with {ids.length === 1 ? "its" : "their"}{" "}
            runs, events, memories, checkpoints, archived history and share links. The audit log and spend ledger keep their entries. This
            cannot be undone. Type <strong className="font-mono">{expected}</strong> to confirm.
          </p>
          <CompactInput
            aria-label="Type to confirm the deletion"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            className="w-72"
          />
          <div className="flex gap-2">
            <Button type="submit" variant="danger" disabled={typed.trim() !== expected} isLoading={remove.isPending}>
              Delete for good
            </Button>
            <Button type="button" variant="ghost" onClick={() => setConfirming(false)}>
              Cancel
            </Button>
          </div>
        </form>
      ) : null}
    </div>
  );
}
