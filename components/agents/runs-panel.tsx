"use client";

import { useQuery } from "@tanstack/react-query";
import { clsx } from "clsx";
import { useEffect, useId, useState } from "react";
import { useTRPC } from "../trpc/react";
import { Button } from "../ui/button";
import { formatAbsolute, formatRelative } from "../ui/format";

const REFRESH_MS = 5000;
const RUN_LIMIT = 20;

const STATUS_STYLES: Record<string, string> = {
  queued: "bg-zinc-100 text-zinc-700 ring-zinc-300 dark:bg-zinc-800 dark:text-zinc-300 dark:ring-zinc-700",
  running: "bg-emerald-50 text-emerald-800 ring-emerald-300 dark:bg-emerald-950 dark:text-emerald-300 dark:ring-emerald-800",
  completed: "bg-violet-50 text-violet-800 ring-violet-300 dark:bg-violet-950 dark:text-violet-300 dark:ring-violet-800",
  failed: "bg-red-50 text-red-800 ring-red-300 dark:bg-red-950 dark:text-red-300 dark:ring-red-800",
  cancelled: "bg-zinc-100 text-zinc-700 ring-zinc-300 dark:bg-zinc-800 dark:text-zinc-300 dark:ring-zinc-700",
  sleeping: "bg-sky-50 text-sky-800 ring-sky-300 dark:bg-sky-950 dark:text-sky-300 dark:ring-sky-800",
  waiting: "bg-amber-50 text-amber-800 ring-amber-300 dark:bg-amber-950 dark:text-amber-300 dark:ring-amber-800",
  invoking: "bg-sky-50 text-sky-800 ring-sky-300 dark:bg-sky-950 dark:text-sky-300 dark:ring-sky-800",
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
  const headingId = useId();
  const query = useQuery(trpc.run.listForAgent.queryOptions({ agentId, limit: RUN_LIMIT }, { refetchInterval: REFRESH_MS }));
  const now = useNow(REFRESH_MS);

  return (
    <section
      aria-labelledby={headingId}
      className="min-w-0 space-y-4 rounded-xl bg-white p-4 ring-1 ring-zinc-200 sm:p-5 dark:bg-zinc-900 dark:ring-zinc-800"
      data-testid="runs-panel"
    >
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id={headingId} className="text-lg font-semibold">
          Runs
        </h2>
        {query.data && query.isError ? (
          <span className="text-xs text-amber-700 dark:text-amber-400" role="status">
            Could not refresh: {query.error.message}
          </span>
        ) : query.data && query.data.length === RUN_LIMIT ? (
          <span className="text-xs text-zinc-500">Latest {RUN_LIMIT}</span>
        ) : null}
      </div>

      {query.isPending ? (
        <div className="space-y-2" aria-label="Loading runs" aria-busy>
          {[0, 1, 2].map((i) => (
            <div key={i} className="h-16 animate-pulse rounded-lg bg-zinc-100 dark:bg-zinc-800" />
          ))}
        </div>
      ) : !query.data ? (
        <div role="alert" className="rounded-lg bg-red-50 p-4 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
          <p>The runs could not be loaded: {query.error?.message ?? "unknown error"}</p>
          <Button variant="secondary" className="mt-3" isLoading={query.isFetching} onClick={() => void query.refetch()}>
            Try again
          </Button>
        </div>
      ) : query.data.length === 0 ? (
        <div className="rounded-lg border border-dashed border-zinc-300 p-6 text-center dark:border-zinc-700" data-testid="runs-empty">
          <p className="font-medium">No runs yet</p>
          <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">Each start or resume of the agent appears here as a run.</p>
        </div>
      ) : (
        <ol className="space-y-3" aria-label="Runs, newest first">
          {query.data.map((run) => (
            <RunItem key={run.id} run={run} now={now} />
          ))}
        </ol>
      )}
    </section>
  );
}

type JsonLike = string | number | boolean | null | JsonLike[] | { [key: string]: JsonLike };

type Step = {
  stepId: string;
  name: string;
  op: string;
  status: string;
  attempts: number;
  error: unknown;
  startedAt: Date;
  endedAt: Date | null;
  durationMs: number | null;
};

type Run = {
  id: string;
  status: string;
  startCycle: number;
  endCycle: number | null;
  reason: string | null;
  startedAt: Date;
  endedAt: Date | null;
  executor: { status: string; error: unknown; steps: Step[] } | null;
};

function RunItem({ run, now }: { run: Run; now: number }) {
  const error = run.status === "failed" || run.executor?.status === "failed" ? errorMessage(run.executor?.error) : null;
  const steps = run.executor?.steps ?? [];
  const failedSteps = steps.filter((s) => s.status === "failed").length;
  const isOpen = run.endedAt === null && (run.status === "running" || run.status === "queued");
  const duration = (run.endedAt ?? (isOpen ? new Date(now) : null))?.getTime();

  return (
    <li className="min-w-0 rounded-lg p-3 ring-1 ring-zinc-200 dark:ring-zinc-800" data-testid="run-row" data-status={run.status}>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
        <Badge status={run.status} />
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
                        <Badge status={step.status} />
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
    </li>
  );
}

function Badge({ status }: { status: string }) {
  return (
    <span
      className={clsx(
        "inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset",
        STATUS_STYLES[status] ?? STATUS_STYLES.queued,
      )}
    >
      {STATUS_LABELS[status] ?? status}
    </span>
  );
}

/** The current time, moving every `intervalMs`, so relative times stay true between refetches. */
function useNow(intervalMs: number) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
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
