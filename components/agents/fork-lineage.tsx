"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import { useTRPC } from "../trpc/react";
import { usePermissions } from "../teams/use-permissions";
import { Button } from "../ui/button";
import { CompactInput } from "../ui/field";

/** "Forked from X at cycle N" and "Forks: A, B": an agent's place in its fork family. */
export function ForkLineage({ agentId }: { agentId: string }) {
  const trpc = useTRPC();
  const lineage = useQuery(trpc.agent.lineage.queryOptions({ id: agentId }));
  if (!lineage.data) return null;
  const { forkedFrom, forks } = lineage.data;
  if (!forkedFrom && forks.length === 0) return null;
  return (
    <div className="mt-1 space-y-0.5 text-xs text-zinc-600 dark:text-zinc-400" data-testid="fork-lineage">
      {forkedFrom ? (
        <p>
          Forked from{" "}
          {forkedFrom.name !== null ? (
            <Link href={`/agents/${forkedFrom.id}`} className="font-medium underline">
              {forkedFrom.name}
            </Link>
          ) : (
            <span>an agent that was deleted</span>
          )}
          {forkedFrom.cycle !== null ? ` at cycle ${forkedFrom.cycle}` : ""}.
        </p>
      ) : null}
      {forks.length > 0 ? (
        <p>
          Forks:{" "}
          {forks.map((f, i) => (
            <span key={f.id}>
              {i > 0 ? ", " : ""}
              <Link href={`/agents/${f.id}`} className="font-medium underline">
                {f.name}
              </Link>
              {f.archivedAt ? " (archived)" : ""}
            </span>
          ))}
        </p>
      ) : null}
    </div>
  );
}

/** Archive or restore this agent (members and up), or delete it after typing its name (admins and owners). */
export function AgentLifecycleControls({ agentId, name, archivedAt }: { agentId: string; name: string; archivedAt: Date | null }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const permissions = usePermissions();
  const [isConfirming, setConfirming] = useState(false);
  const [typed, setTyped] = useState("");
  const report = (verb: string) => (outcome: { refused: { reason: string }[] }) => {
    const refused = outcome.refused[0];
    if (refused) toast.error(refused.reason);
    else toast.success(verb);
    void queryClient.invalidateQueries({ queryKey: trpc.agent.byId.queryKey({ id: agentId }) });
    void queryClient.invalidateQueries({ queryKey: trpc.agent.list.pathKey() });
  };
  const onError = (error: { message: string }) => toast.error(error.message);
  const archive = useMutation(
    trpc.agent.archive.mutationOptions({ onSuccess: report("Archived: hidden from the agents list (see Archived)."), onError }),
  );
  const restore = useMutation(trpc.agent.restore.mutationOptions({ onSuccess: report("Restored to the agents list."), onError }));
  const remove = useMutation(
    trpc.agent.delete.mutationOptions({
      onSuccess: (outcome) => {
        if (outcome.refused[0]) return toast.error(outcome.refused[0].reason);
        toast.success(`Deleted “${name}”.`);
        void queryClient.invalidateQueries({ queryKey: trpc.agent.list.pathKey() });
        router.push("/agents");
      },
      onError,
    }),
  );
  if (!permissions.can("agent:edit")) return null;
  return (
    <div className="space-y-2 text-sm" data-testid="agent-lifecycle">
      <div className="flex flex-wrap items-center gap-2 sm:justify-end">
        {archivedAt ? <span className="rounded bg-zinc-100 px-1.5 text-xs dark:bg-zinc-800">Archived</span> : null}
        {archivedAt ? (
          <Button variant="secondary" isLoading={restore.isPending} onClick={() => restore.mutate({ ids: [agentId] })}>
            Restore
          </Button>
        ) : (
          <Button variant="secondary" isLoading={archive.isPending} onClick={() => archive.mutate({ ids: [agentId] })}>
            Archive
          </Button>
        )}
        {permissions.can("agent:delete") ? (
          <Button variant="danger" onClick={() => setConfirming((c) => !c)} aria-expanded={isConfirming}>
            Delete…
          </Button>
        ) : null}
      </div>
      {isConfirming ? (
        <form
          className="max-w-full space-y-2 rounded-md bg-red-50 p-3 text-red-950 ring-1 ring-red-200 sm:w-md dark:bg-red-950 dark:text-red-100 dark:ring-red-900"
          onSubmit={(e) => {
            e.preventDefault();
            if (typed.trim() === name) remove.mutate({ ids: [agentId] });
          }}
        >
          <p>
            Deleting removes this agent with its runs, events, memories, checkpoints, archived history and share links; the audit log and
            spend ledger keep their entries. Type <strong className="font-mono">{name}</strong> to confirm.
          </p>
          <CompactInput aria-label="Type the agent's name to confirm" value={typed} onChange={(e) => setTyped(e.target.value)} />
          <div className="flex gap-2">
            <Button type="submit" variant="danger" disabled={typed.trim() !== name} isLoading={remove.isPending}>
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
