"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/api/root";
import { useTRPC } from "../trpc/react";
import { Notice } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Panel } from "../ui/panel";
import { QuerySection, RefreshError } from "../ui/query-section";
import { Skeleton } from "../ui/skeleton";
import type { Provider } from "./describe";
import { EmbeddingForm } from "./embedding-form";

export type TeamEmbedder = inferRouterOutputs<AppRouter>["provider"]["embedder"];

const count = (n: number) => `${n.toLocaleString("en-US")} ${n === 1 ? "memory" : "memories"}`;

/** What embeds the team's memories, in words. */
export function embedderName(choice: TeamEmbedder["choice"]): string {
  return choice.kind === "offline" ? "Offline (Longhaul's own, lexical, free)" : `${choice.model} through ${choice.providerName}`;
}

/**
 * Model providers → Memory embeddings (docs/decisions/033): the one embedder of every agent's memories
 * in the team, how many memories still wait for it (recall does not find those until they are
 * re-embedded), the re-embedding's progress and failures. Admins and owners change it; others read it.
 */
export function EmbeddingSettings({ providers, canManage }: { providers: Provider[]; canManage: boolean }) {
  const trpc = useTRPC();
  const embedder = useQuery(
    trpc.provider.embedder.queryOptions(undefined, {
      retry: false,
      // While memories are being moved, the counts are read again every two seconds.
      refetchInterval: (query) => (query.state.data?.isReembedding ? 2000 : false),
    }),
  );
  return (
    <Panel
      title="Memory embeddings"
      description="How every agent of this team turns its memories into vectors, so that recall can find them. One choice for the whole team."
      aside={<RefreshError query={embedder} />}
      data-testid="embedding-settings"
    >
      <QuerySection
        query={embedder}
        what="The memory embedder"
        loading={<Skeleton className="h-24 rounded-lg" label="Loading the embedder" />}
      >
        {(data) => (
          <>
            <EmbedderStatus data={data} canManage={canManage} />
            {canManage ? (
              <EmbeddingForm current={data} providers={providers} />
            ) : (
              <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="embedding-read-only">
                Admins and owners choose the embedder.
              </p>
            )}
          </>
        )}
      </QuerySection>
    </Panel>
  );
}

/** The current embedder, the memories waiting for it (with the re-embedding's progress), and what failed. */
function EmbedderStatus({ data, canManage }: { data: TeamEmbedder; canManage: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const again = useMutation(
    trpc.provider.reembedMemories.mutationOptions({
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.provider.embedder.queryKey() }),
    }),
  );
  const done = data.memories - data.waiting;
  const failures = data.reembed?.failures ?? [];
  return (
    <div className="space-y-3" data-testid="embedder-status" data-waiting={data.waiting} data-reembedding={data.isReembedding}>
      <p className="text-sm break-words">
        <span className="font-medium">Now: </span>
        <span data-testid="embedder-current">{embedderName(data.choice)}</span>
      </p>
      {data.isReembedding ? (
        <div className="space-y-1.5">
          <p className="text-sm" role="status">
            <Badge tone="sky" className="mr-2 align-middle">
              Re-embedding
            </Badge>
            {done.toLocaleString("en-US")} of {count(data.memories)} done, {data.waiting.toLocaleString("en-US")} still waiting. Until it
            finishes, recall finds only the ones done.
          </p>
          <div
            className="h-2 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800"
            role="progressbar"
            aria-label="Memories re-embedded"
            aria-valuemin={0}
            aria-valuemax={data.memories}
            aria-valuenow={done}
          >
            <div className="bg-brand-600 h-full" style={{ width: `${data.memories === 0 ? 100 : (done / data.memories) * 100}%` }} />
          </div>
        </div>
      ) : data.waiting > 0 ? (
        <p className="text-sm text-amber-800 dark:text-amber-300" data-testid="embedder-waiting">
          {count(data.waiting)} {data.waiting === 1 ? "is" : "are"} not on this embedder yet: recall does not find{" "}
          {data.waiting === 1 ? "it" : "them"} until {data.waiting === 1 ? "it is" : "they are"} re-embedded.
        </p>
      ) : (
        <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="embedder-all-done">
          {data.memories === 0 ? "No memories yet." : `All ${count(data.memories)} are on this embedder.`}
        </p>
      )}
      {failures.length > 0 && !data.isReembedding ? (
        <ul
          className="space-y-1 text-sm text-red-700 dark:text-red-300"
          aria-label="Agents not re-embedded"
          data-testid="embedder-failures"
        >
          {failures.map((f) => (
            <li key={f.agentId} className="break-words">
              <span className="font-medium">{f.agentName}</span>: {f.message}
            </li>
          ))}
        </ul>
      ) : null}
      {canManage && data.waiting > 0 && !data.isReembedding ? (
        <div className="flex flex-wrap items-center gap-2">
          <Button type="button" variant="secondary" isLoading={again.isPending} onClick={() => again.mutate()}>
            Re-embed waiting memories
          </Button>
          <Notice
            message={
              again.error
                ? { kind: "error", text: again.error.message }
                : again.data && !again.data.isReembedRequested
                  ? { kind: "error", text: "Re-embedding could not be started; try again in a moment." }
                  : null
            }
          />
        </div>
      ) : null}
    </div>
  );
}
