"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import { useTRPC } from "../trpc/react";
import { Button } from "../ui/button";
import { Alert } from "../ui/alert";
import { PageHeader } from "../ui/page-header";
import { Field } from "../ui/field";
import { AgentsBreadcrumb } from "./agents-breadcrumb";

/** How often the page asks how far the running import got. */
const PROGRESS_POLL_MS = 1000;

/**
 * Upload an agent's export (a .jsonl file from another Longhaul team) as a read-only archive. A large
 * file takes a while (it is written in small batches, docs/decisions/021): the page shows how far it got.
 */
export function ImportAgent({ maxMegabytes }: { maxMegabytes: number }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [isSending, setIsSending] = useState(false);
  const progress = useQuery(
    trpc.agent.importProgress.queryOptions(undefined, { enabled: isSending, refetchInterval: isSending ? PROGRESS_POLL_MS : false }),
  );

  async function onSubmit(event: React.FormEvent) {
    event.preventDefault();
    setError(null);
    if (!file) return setError("Choose an export file (.jsonl) first.");
    if (file.size > maxMegabytes * 1024 * 1024) return setError(`The file is larger than ${maxMegabytes} MB. Nothing was imported.`);
    setIsSending(true);
    try {
      const response = await fetch("/api/agents/import", {
        method: "POST",
        headers: { "content-type": "application/x-ndjson" },
        body: file,
      });
      const body = (await response.json().catch(() => null)) as {
        agent?: { id: string; name: string };
        counts?: { events: number; memories: number };
        error?: { message: string };
      } | null;
      if (!response.ok || !body?.agent) {
        setError(body?.error?.message ?? `The import failed (HTTP ${response.status}). Nothing was imported.`);
        return;
      }
      await queryClient.invalidateQueries({ queryKey: trpc.agent.list.pathKey() });
      toast.success(`Imported “${body.agent.name}”: ${body.counts?.events ?? 0} events, ${body.counts?.memories ?? 0} memories.`);
      router.push(`/agents/${body.agent.id}`);
    } catch {
      setError("The upload did not reach the server. Check the connection and try again.");
    } finally {
      setIsSending(false);
    }
  }

  return (
    <div className="mx-auto max-w-2xl">
      <AgentsBreadcrumb />
      <PageHeader
        title="Import an agent's history"
        description="An export (the Export button on an agent's page) becomes a read-only, archived agent in this team: its timeline, state, checkpoints, memories, approvals and spend, to inspect or fork. It never runs by itself."
        className="mt-1 mb-8"
      />
      <form onSubmit={onSubmit} className="space-y-5" aria-label="Import an agent" noValidate>
        {error ? <Alert variant="inline">{error}</Alert> : null}
        <Field id="import-file" label="Export file" hint={`A .jsonl file, at most ${maxMegabytes} MB.`}>
          <input
            id="import-file"
            type="file"
            accept=".jsonl,application/x-ndjson,application/json,text/plain"
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setError(null);
            }}
            className="file:bg-brand-600 block w-full text-sm file:mr-3 file:rounded-md file:border-0 file:px-3 file:py-1.5 file:font-semibold file:text-white"
          />
        </Field>
        <Button type="submit" isLoading={isSending}>
          Import
        </Button>
        {isSending ? <ImportProgress progress={progress.data ?? null} /> : null}
      </form>
    </div>
  );
}

/** What the server has done so far: checking the file (nothing written yet), then rows written of all. */
function ImportProgress({ progress }: { progress: { rowsWritten: number; rowsTotal: number } | null }) {
  const isWriting = progress !== null && progress.rowsTotal > 0;
  const percent = isWriting ? Math.min(100, Math.round((progress.rowsWritten / progress.rowsTotal) * 100)) : 0;
  const label = isWriting
    ? `Writing the history: ${progress.rowsWritten.toLocaleString("en-US")} of ${progress.rowsTotal.toLocaleString("en-US")} rows.`
    : "Uploading and checking every line of the file…";
  return (
    <div className="space-y-2" aria-live="polite">
      <p className="text-sm text-zinc-600 dark:text-zinc-300">{label}</p>
      <div
        role="progressbar"
        aria-label="Import progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={label}
        className="h-2 overflow-hidden rounded-full bg-zinc-100 dark:bg-zinc-800"
      >
        <div className="bg-brand-600 h-full transition-[width]" style={{ width: `${percent}%` }} />
      </div>
      <p className="text-xs text-zinc-500">Other people can keep working meanwhile; the archive appears in the list once it is complete.</p>
    </div>
  );
}
