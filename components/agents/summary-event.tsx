"use client";

import { useMutation } from "@tanstack/react-query";
import { toast } from "sonner";
import type { TimelineEvent } from "~/server/agents/timeline";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { ConfirmButton } from "../ui/confirm";
import { formatUsd } from "../ui/format";

/** A `summary` event's payload as the timeline reads it (server/loop/summary-fold.ts writes it). */
type SummaryPayload = {
  stage?: "fold" | "restore";
  by?: "model" | "rules";
  fromCycle?: number;
  throughCycle?: number;
  previous?: string;
  next?: string;
  model?: string | null;
  reason?: string;
  restoresSeq?: number;
};

/**
 * A fold of older cycles into the rolling summary on a real model (docs/decisions/032): who wrote the
 * new summary and at what cost, or why the digest lines were kept; the summary before and after; and,
 * for a model's summary, Undo (members and up), which puts that fold's digest lines back.
 */
export function SummaryEvent({
  agentId,
  event,
  isRestored,
  canEdit,
}: {
  agentId: string;
  event: TimelineEvent;
  /** A later event restored the digest in place of this one's summary. */
  isRestored: boolean;
  canEdit: boolean;
}) {
  const trpc = useTRPC();
  const p = (event.payload ?? {}) as SummaryPayload;
  const restore = useMutation(
    trpc.agent.restoreSummary.mutationOptions({
      onSuccess: () => toast.success(`The summary of cycles ${p.fromCycle ?? "?"}–${p.throughCycle ?? "?"} is the digest again.`),
    }),
  );
  const cycles = `cycles ${p.fromCycle ?? "?"}–${p.throughCycle ?? "?"}`;
  const title =
    p.stage === "restore"
      ? `Summary restored to the digest of ${cycles}`
      : p.by === "model"
        ? `Summary of ${cycles} written by ${p.model ?? "the model"}`
        : `Summary of ${cycles} kept as digest lines`;
  return (
    <section data-testid="summary-event" data-by={p.by} data-stage={p.stage}>
      <h3 className="text-xs font-semibold text-zinc-500 uppercase">{title}</h3>
      <p className="mt-1 text-xs text-zinc-500">
        {p.stage === "restore" ? "A person undid the model's summary." : null}
        {p.stage === "fold" && event.tokensIn + event.tokensOut > 0
          ? `${event.tokensIn} in / ${event.tokensOut} out · ${formatUsd(event.costUsd)}`
          : null}
        {p.stage === "fold" && event.durationMs !== null && event.durationMs > 0 ? ` · ${event.durationMs} ms` : null}
      </p>
      {p.reason ? (
        <p className="mt-1 text-xs text-amber-700 dark:text-amber-300" data-testid="summary-reason">
          {p.reason}
        </p>
      ) : null}
      <details className="mt-1 text-xs">
        <summary className="cursor-pointer text-zinc-600 dark:text-zinc-400">Before and after</summary>
        <h4 className="mt-2 font-medium">Before</h4>
        <pre tabIndex={0} className="mt-1 max-h-48 overflow-auto rounded bg-zinc-50 p-2 whitespace-pre-wrap dark:bg-zinc-950">
          {p.previous || "(empty)"}
        </pre>
        <h4 className="mt-2 font-medium">After</h4>
        <pre
          tabIndex={0}
          className="mt-1 max-h-48 overflow-auto rounded bg-zinc-50 p-2 whitespace-pre-wrap dark:bg-zinc-950"
          data-testid="summary-next"
        >
          {p.next || "(empty)"}
        </pre>
      </details>
      {p.stage === "fold" && p.by === "model" ? (
        isRestored ? (
          <p className="mt-1 text-xs text-zinc-500">Undone: the digest lines were put back.</p>
        ) : canEdit ? (
          <div className="mt-2">
            <ConfirmButton
              variant="secondary"
              className="px-2 py-1 text-xs"
              confirmLabel="Put the digest back"
              isLoading={restore.isPending}
              onConfirm={() => restore.mutate({ id: agentId, seq: event.seq })}
            >
              Undo this summary…
            </ConfirmButton>
          </div>
        ) : null
      ) : null}
      {restore.error ? (
        <Alert variant="inline" data-testid="summary-restore-error">
          {restore.error.message}
        </Alert>
      ) : null}
    </section>
  );
}
