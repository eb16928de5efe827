"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import { useTRPC } from "../trpc/react";
import { Button } from "../ui/button";

/** A memory's embedding as the list reports it (server/memory/embedding-retry.ts embeddingStateOf). */
export type EmbeddingState =
  | { status: "embedded" }
  | { status: "pending"; attempts: number; error: string | null; nextTryAt: Date | null }
  | { status: "failed"; attempts: number; error: string | null };

function nextTryText(nextTryAt: Date | null): string {
  if (!nextTryAt) return "";
  const seconds = Math.max(0, Math.round((new Date(nextTryAt).getTime() - Date.now()) / 1000));
  return seconds < 90 ? `, next try in ${seconds} s` : `, next try in ${Math.round(seconds / 60)} min`;
}

/** "embedding pending (attempt 2, next try in 30 s)", or "Embedding failed: <reason>" with a Retry button. */
export function EmbeddingStatus({ memoryId, embedding }: { memoryId: string; embedding: EmbeddingState }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const retry = useMutation(
    trpc.memory.retryEmbedding.mutationOptions({
      onSuccess: () => {
        toast.success("Embedding queued: it is tried again within a minute.");
        void queryClient.invalidateQueries({ queryKey: trpc.memory.list.pathKey() });
      },
      onError: (error) => toast.error(error.message),
    }),
  );
  if (embedding.status === "embedded") return null;
  if (embedding.status === "pending") {
    const detail = embedding.attempts > 0 ? ` (attempt ${embedding.attempts + 1}${nextTryText(embedding.nextTryAt)})` : "";
    return (
      <span title={embedding.error ?? undefined} data-testid="embedding-status">
        embedding pending{detail}
      </span>
    );
  }
  return (
    <span className="inline-flex items-center gap-2 text-red-700 dark:text-red-300" data-testid="embedding-status">
      <span>Embedding failed: {embedding.error ?? "unknown reason"}</span>
      <Button variant="secondary" onClick={() => retry.mutate({ memoryId })} isLoading={retry.isPending}>
        Retry
      </Button>
    </span>
  );
}
