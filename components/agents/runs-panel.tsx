"use client";

import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/api/root";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../trpc/react";
import { Badge, type BadgeTone } from "../ui/badge";
import { EmptyState } from "../ui/empty-state";
import { Panel } from "../ui/panel";
import { QuerySection, RefreshError } from "../ui/query-section";
import { SkeletonGroup } from "../ui/skeleton";
import { useNow } from "../ui/use-now";
import { formatAbsolute, formatRelative } from "../ui/format";

const REFRESH_MS = 5000;
const RUN_LIMIT = 20;

const STATUS_TONES: Record<string, BadgeTone> = {
  queued: "neutral",
  running: "green",
  completed: "violet",
  failed: "red",
  cancelled: "neutral",
  sleeping: "sky",
  waiting: "amber",
  invoking: "sky",
};

const STATUS_LABELS: Record<string, string> = {
  queued: "Queued",
  running: "Running",
  completed: "Completed",
  failed: "Failed",
  cancelled: "Cancelled",
  sleeping: "Sleeping",
  waiting: "Waiting",
  invoking: "Invoking",
};

/**
 * The agent's executor runs, newest first: status, when each started and ended, how long it took, why
 * it failed, and (folded) its steps with attempts, timings and errors. Refreshes every few seconds.
 */
export function RunsPanel({ agentId }: { agentId: string }) {
  const trpc = useTRPC();
  const query = useQuery(trpc.run.listForAgent.queryOptions({ agentId, limit: RUN_LIMIT }, { refetchInterval: REFRESH_MS }));
  const now = useNow(REFRESH_MS);

  return (
    <Panel
      title="Runs"
      data-testid="runs-panel"
      aside={
        query.data && query.isError ? (
          <RefreshError query={query} />
        ) : query.data && query.data.length === RUN_LIMIT ? (
          <span className="text-xs text-zinc-500">Latest {RUN_LIMIT}</span>
        ) : null
      }
    >
      <QuerySection
        query={query}
        what="The runs"
        loading={<SkeletonGroup label="Loading runs" itemClassName="h-16 rounded-lg" />}
        isEmpty={(runs) => runs.length === 0}
        empty={
          <EmptyState title="No runs yet" data-testid="runs-empty">
            Each start or resume of the agent appears here as a run.
          </EmptyState>
        }
      >
        {(runs) => (
          <ol className="space-y-3" aria-label="Runs, newest first">
            {runs.map((run) => (
              <RunItem key={run.id} run={run} now={now} />
            ))}
          </ol>
        )}
      </QuerySection>
    </Panel>
  );
}

type JsonLike = string | number | boolean | null | JsonLike[] | { [key: string]: JsonLike };

/** A run as the server lists it (server/runs/runs.ts): the app's own record and what the Inngest server says. */
type Run = inferRouterOutputs<AppRouter>["run"]["listForAgent"][number];

function RunItem({ run, now }: { run: Run; now: number }) {
  const error = run.status === "failed" || run.executor?.status === "failed" ? errorMessage(run.executor?.error) : null;
  const steps = run.executor?.steps ?? [];
  const failedSteps = steps.filter((s) => s.status === "failed").length;
  const isOpen = run.endedAt === null && (run.status === "running" || run.status === "queued");
  const duration = (run.endedAt ?? (isOpen ? new Date(now) : null))?.getTime();

  return (
    <li className="min-w-0 rounded-lg p-3 ring-1 ring-zinc-200 dark:ring-zinc-800" data-testid="run-row" data-status={run.status}>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
        <RunBadge status={run.status} />
        <span className="text-zinc-600 dark:text-zinc-400">
          Started{" "}
          <time dateTime={run.startedAt.toISOString()} title={formatAbsolute(run.startedAt)}>
            {formatRelative(run.startedAt, now)}
          </time>
        </span>
        <span className="text-zinc-600 dark:text-zinc-400">
          {run.endedAt ? (
            <>
              ended{" "}
              <time dateTime={run.endedAt.toISOString()} title={formatAbsolute(run.endedAt)}>
                {formatRelative(run.endedAt, now)}
              </time>
            </>
          ) : isOpen ? (
            "still running"
          ) : (
            "end not recorded"
          )}
        </span>
        {duration !== undefined ? (
          <span className="text-zinc-600 tabular-nums dark:text-zinc-400">
            {formatDuration(duration - run.startedAt.getTime())}
            {isOpen ? " so far" : ""}
          </span>
        ) : null}
      </div>
      <p className="mt-1 text-xs text-zinc-500">
        Cycles {run.startCycle}
        {run.endCycle !== null && run.endCycle !== run.startCycle ? `–${run.endCycle}` : ""}
        {run.reason ? ` · ${run.reason}` : ""}
      </p>
      {error ? (
        <p className="mt-2 rounded-md bg-red-50 px-2.5 py-1.5 text-sm break-words text-red-800 dark:bg-red-950 dark:text-red-200">
          {error}
        </p>
      ) : null}
      {steps.length > 0 ? (
        <details className="mt-2 text-sm">
          <summary className="cursor-pointer text-zinc-600 select-none hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100">
            {steps.length} {steps.length === 1 ? "step" : "steps"}
            {failedSteps > 0 ? `, ${failedSteps} failed` : ""}
          </summary>
          <div className="mt-2 overflow-x-auto">
            <table className="min-w-full divide-y divide-zinc-200 text-sm dark:divide-zinc-800">
              <thead className="text-left text-xs font-semibold tracking-wide text-zinc-500 uppercase">
                <tr>
                  <th scope="col" className="py-1.5 pr-3">
                    Step
                  </th>
                  <th scope="col" className="py-1.5 pr-3">
                    Status
                  </th>
                  <th scope="col" className="py-1.5 pr-3 text-right">
                    Attempts
                  </th>
                  <th scope="col" className="py-1.5 text-right">
                    Took
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
                {steps.map((step) => {
                  const stepError = step.status === "failed" || step.error ? errorMessage(step.error) : null;
                  return (
                    <tr key={step.stepId} className="align-top">
                      <td className="py-1.5 pr-3">
                        <span className="font-mono text-xs break-all">{step.name}</span>
                        {stepError ? <span className="block text-xs break-words text-red-700 dark:text-red-300">{stepError}</span> : null}
                      </td>
                      <td className="py-1.5 pr-3">
                        <RunBadge status={step.status} />
                      </td>
                      <td className="py-1.5 pr-3 text-right tabular-nums">{step.attempts}</td>
                      <td className="py-1.5 text-right whitespace-nowrap tabular-nums" title={formatAbsolute(step.startedAt)}>
                        {step.durationMs === null ? "—" : formatDuration(step.durationMs)}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </details>
      ) : null}
      {run.executorRunId && !run.executor ? (
        <p className="mt-1 text-xs text-zinc-500" data-testid="run-server-silent">
          The Inngest server has no details of this run (run {run.executorRunId}).
        </p>
      ) : run.executor && !run.executor.stepsAvailable ? (
        <p className="mt-1 text-xs text-zinc-500" data-testid="run-steps-elsewhere">
          This Inngest server shows the run&apos;s steps in its own dashboard (run {run.executorRunId}).
        </p>
      ) : null}
    </li>
  );
}

function RunBadge({ status }: { status: string }) {
  return (
    <Badge tone={STATUS_TONES[status] ?? "neutral"} className="whitespace-nowrap">
      {STATUS_LABELS[status] ?? status}
    </Badge>
  );
}

/** The readable part of a stored error (usually `{ message }`); a bounded JSON dump otherwise. */
function errorMessage(error: unknown): string | null {
  if (error === null || error === undefined) return null;
  if (typeof error === "string") return error;
  const value = error as JsonLike;
  if (typeof value === "object" && !Array.isArray(value) && value !== null) {
    const message = value.message;
    const name = typeof value.name === "string" && value.name !== "Error" ? `${value.name}: ` : "";
    if (typeof message === "string" && message !== "") return `${name}${message}`;
  }
  const text = JSON.stringify(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** "850 ms", "4.2 s", "3 min 5 s", "2 h 10 min", "3 d 4 h". */
function formatDuration(ms: number): string {
  if (ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.floor(seconds % 60)} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}
