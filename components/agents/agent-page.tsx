"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useState } from "react";
import { toast } from "sonner";
import { useTRPC } from "../trpc/react";
import { Button } from "../ui/button";
import { formatAbsolute, formatRelative, formatUsd } from "../ui/format";
import { BudgetPanel } from "./budget-panel";
import { MemoryPanel } from "./memory-panel";
import { SharePanel } from "../share/share-panel";
import { RunsPanel } from "./runs-panel";
import { RaiseBudgetForm } from "./raise-budget-form";
import { StatePanel } from "./state-panel";
import { StatusBadge } from "./status-badge";
import { TriggersPanel } from "./triggers-panel";
import { Timeline, usePrefetchTimeline } from "./timeline";

const TABS = [
  ["timeline", "Timeline"],
  ["memory", "Memory"],
  ["state", "State"],
  ["budget", "Budget"],
  ["runs", "Runs"],
  ["triggers", "Triggers"],
  ["share", "Share"],
] as const;
type Tab = (typeof TABS)[number][0];

const ACTIVE = ["running", "sleeping", "waiting_approval"];
const RESUMABLE = ["idle", "paused", "stopped", "stuck", "completed", "failed", "budget_exhausted", "hibernated"];

/**
 * One agent: its state and controls, and its history grouped by cycle. The newest cycles load first;
 * new events stream in over server-sent events (tRPC subscription) without a reload; older cycles
 * load a page at a time.
 */
export function AgentPage({ agentId }: { agentId: string }) {
  const trpc = useTRPC();
  const [tab, setTab] = useState<Tab>("timeline");
  const agent = useQuery(trpc.agent.byId.queryOptions({ id: agentId }, { refetchInterval: 3000 }));
  usePrefetchTimeline(agentId);

  if (agent.isPending) return <div className="h-40 animate-pulse rounded-xl bg-zinc-100 dark:bg-zinc-800" aria-label="Loading the agent" />;
  if (agent.isError) {
    return (
      <div role="alert" className="rounded-lg bg-red-50 p-4 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
        {agent.error.message}{" "}
        <Link href="/agents" className="font-semibold underline">
          Back to agents
        </Link>
      </div>
    );
  }
  const a = agent.data;
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <p className="text-sm">
            <Link href="/agents" className="text-zinc-500 hover:underline">
              Agents
            </Link>
          </p>
          <h1 className="mt-1 text-2xl font-bold tracking-tight break-words" data-testid="agent-name">
            {a.name}
          </h1>
          <p className="mt-1 max-w-3xl text-sm text-zinc-600 dark:text-zinc-400">{a.goal}</p>
        </div>
        <Controls agentId={agentId} status={a.status} />
      </div>

      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-5" aria-label="Agent state">
        <Stat label="Status">
          <span data-testid="agent-status" data-status={a.status}>
            <StatusBadge status={a.status} />
          </span>
        </Stat>
        <Stat label="Spend / budget">
          <span className="tabular-nums">
            {formatUsd(a.spentUsd)} / {formatUsd(a.budgetUsd)}
          </span>
        </Stat>
        <Stat label="Cycles">
          <span className="tabular-nums" data-testid="agent-cycles">
            {a.cycleCount.toLocaleString("en-US")}
          </span>
        </Stat>
        <Stat label="Last activity">
          <span title={formatAbsolute(a.lastActiveAt)}>{formatRelative(a.lastActiveAt)}</span>
        </Stat>
        <Stat label="Heartbeat">
          <span title={formatAbsolute(a.heartbeatAt)}>{formatRelative(a.heartbeatAt)}</span>
        </Stat>
      </dl>

      {a.statusReason ? (
        <p className="-mt-3 text-sm text-zinc-600 dark:text-zinc-400" data-testid="agent-status-reason">
          {a.statusReason}
        </p>
      ) : null}

      <div role="tablist" aria-label="Agent views" className="flex gap-1 overflow-x-auto border-b border-zinc-200 dark:border-zinc-800">
        {TABS.map(([id, label]) => (
          <button
            key={id}
            role="tab"
            id={`tab-${id}`}
            aria-selected={tab === id}
            aria-controls={`panel-${id}`}
            onClick={() => setTab(id)}
            className={
              tab === id
                ? "border-brand-600 -mb-px border-b-2 px-3 py-2 text-sm font-semibold"
                : "px-3 py-2 text-sm text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100"
            }
          >
            {label}
          </button>
        ))}
      </div>

      {tab === "memory" ? (
        <div role="tabpanel" id="panel-memory" aria-labelledby="tab-memory">
          <MemoryPanel agentId={agentId} />
        </div>
      ) : null}
      {tab === "state" ? (
        <div role="tabpanel" id="panel-state" aria-labelledby="tab-state">
          <StatePanel agentId={agentId} />
        </div>
      ) : null}
      {tab === "budget" ? (
        <div role="tabpanel" id="panel-budget" aria-labelledby="tab-budget" className="space-y-6">
          <BudgetPanel agentId={agentId} />
          <section aria-labelledby="raise-heading" className="space-y-2">
            <h2 id="raise-heading" className="text-lg font-semibold">
              Raise the budget
            </h2>
            <RaiseBudgetForm agentId={agentId} />
          </section>
        </div>
      ) : null}

      {tab === "runs" ? (
        <div role="tabpanel" id="panel-runs" aria-labelledby="tab-runs">
          <RunsPanel agentId={agentId} />
        </div>
      ) : null}

      {tab === "triggers" ? (
        <div role="tabpanel" id="panel-triggers" aria-labelledby="tab-triggers">
          <TriggersPanel agentId={agentId} />
        </div>
      ) : null}

      {tab === "share" ? (
        <div role="tabpanel" id="panel-share" aria-labelledby="tab-share">
          <SharePanel agentId={agentId} />
        </div>
      ) : null}

      <Timeline agentId={agentId} hidden={tab !== "timeline"} />
    </div>
  );
}

function Stat({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="rounded-lg bg-white p-3 ring-1 ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800">
      <dt className="text-xs font-medium text-zinc-500">{label}</dt>
      <dd className="mt-1 text-sm">{children}</dd>
    </div>
  );
}

function Controls({ agentId, status }: { agentId: string; status: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [stopping, setStopping] = useState(false);
  const [reason, setReason] = useState("");
  // A confirmation fades after a while (the toast said it too); an error stays until the next action.
  useEffect(() => {
    if (message?.kind !== "ok") return;
    const timer = setTimeout(() => setMessage(null), 10_000);
    return () => clearTimeout(timer);
  }, [message]);
  const done = (text: string) => {
    setMessage({ kind: "ok", text });
    toast.success(text);
    void queryClient.invalidateQueries({ queryKey: trpc.agent.byId.queryKey({ id: agentId }) });
  };
  const failed = (error: { message: string }) => {
    setMessage({ kind: "error", text: error.message });
    toast.error(error.message);
  };
  const start = useMutation(trpc.agent.start.mutationOptions({ onSuccess: () => done("Started."), onError: failed }));
  const pause = useMutation(trpc.agent.pause.mutationOptions({ onSuccess: () => done("Paused at the next safe point."), onError: failed }));
  const stop = useMutation(
    trpc.agent.stop.mutationOptions({
      onSuccess: () => {
        setStopping(false);
        done("Stopped.");
      },
      onError: failed,
    }),
  );
  return (
    <div className="flex flex-col items-end gap-2">
      <div className="flex flex-wrap gap-2">
        {RESUMABLE.includes(status) ? (
          <Button onClick={() => start.mutate({ id: agentId })} isLoading={start.isPending}>
            {status === "idle" ? "Start" : "Resume"}
          </Button>
        ) : null}
        {ACTIVE.includes(status) ? (
          <Button variant="secondary" onClick={() => pause.mutate({ id: agentId })} isLoading={pause.isPending}>
            Pause
          </Button>
        ) : null}
        <a
          href={`/api/agents/${agentId}/export`}
          download
          className="inline-flex items-center rounded-md px-3.5 py-2 text-sm font-semibold ring-1 ring-zinc-300 ring-inset hover:bg-zinc-50 dark:ring-zinc-700 dark:hover:bg-zinc-800"
        >
          Export
        </a>
        {status !== "archived" ? (
          <Link
            href={`/agents/${agentId}/edit`}
            className="inline-flex items-center rounded-md px-3.5 py-2 text-sm font-semibold ring-1 ring-zinc-300 ring-inset hover:bg-zinc-50 dark:ring-zinc-700 dark:hover:bg-zinc-800"
          >
            Edit
          </Link>
        ) : null}
        {!["stopped", "archived", "completed", "failed"].includes(status) ? (
          <Button variant="danger" onClick={() => setStopping((s) => !s)} aria-expanded={stopping}>
            Stop…
          </Button>
        ) : null}
      </div>
      {stopping ? (
        <form
          className="flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            stop.mutate({ id: agentId, reason: reason.trim() || "Stopped by a person." });
          }}
        >
          <label className="text-sm">
            <span className="block text-xs font-medium text-zinc-600 dark:text-zinc-400">Reason (optional)</span>
            <input
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              maxLength={500}
              className="mt-1 rounded-md border-0 bg-white px-2.5 py-1.5 ring-1 ring-zinc-300 ring-inset dark:bg-zinc-900 dark:ring-zinc-700"
            />
          </label>
          <Button type="submit" variant="danger" isLoading={stop.isPending}>
            Stop the agent
          </Button>
        </form>
      ) : null}
      {message ? (
        <p
          role={message.kind === "error" ? "alert" : "status"}
          className={message.kind === "error" ? "text-sm text-red-700 dark:text-red-300" : "text-sm text-emerald-700 dark:text-emerald-300"}
        >
          {message.text}
        </p>
      ) : null}
    </div>
  );
}
