"use client";

import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import Link from "next/link";
import { useMemo, useState } from "react";
import type { TimelineEvent } from "~/server/agents/timeline";
import { useTRPC } from "../trpc/react";
import { Button } from "../ui/button";
import { formatAbsolute, formatRelative, formatUsd } from "../ui/format";
import { BudgetPanel } from "./budget-panel";
import { MemoryPanel } from "./memory-panel";
import { RunsPanel } from "./runs-panel";
import { RaiseBudgetForm } from "./raise-budget-form";
import { StatePanel } from "./state-panel";
import { StatusBadge } from "./status-badge";

const TABS = [
  ["timeline", "Timeline"],
  ["memory", "Memory"],
  ["state", "State"],
  ["budget", "Budget"],
  ["runs", "Runs"],
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
  const pages = useInfiniteQuery(
    trpc.agent.timeline.infiniteQueryOptions({ id: agentId, cycles: 20 }, { getNextPageParam: (last) => last.nextBeforeCycle }),
  );
  const firstLastSeq = pages.data?.pages[0]?.lastSeq;
  const [live, setLive] = useState<TimelineEvent[]>([]);
  const subscription = useSubscription(
    trpc.agent.events.subscriptionOptions(
      { id: agentId, afterSeq: firstLastSeq ?? 0 },
      {
        enabled: firstLastSeq !== undefined,
        onData: (tracked) => setLive((previous) => [...previous, tracked.data]),
      },
    ),
  );

  const cycles = useMemo(() => {
    const bySeq = new Map<number, TimelineEvent>();
    for (const page of pages.data?.pages ?? []) for (const c of page.cycles) for (const e of c.events) bySeq.set(e.seq, e);
    for (const e of live) bySeq.set(e.seq, e);
    const grouped = new Map<number, TimelineEvent[]>();
    for (const e of [...bySeq.values()].sort((a, b) => a.seq - b.seq)) {
      const list = grouped.get(e.cycle) ?? [];
      list.push(e);
      grouped.set(e.cycle, list);
    }
    return [...grouped.entries()].sort((a, b) => b[0] - a[0]);
  }, [pages.data, live]);

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

      <section aria-labelledby="timeline-heading" className="space-y-3" role="tabpanel" id="panel-timeline" hidden={tab !== "timeline"}>
        <div className="flex items-center justify-between gap-3">
          <h2 id="timeline-heading" className="text-lg font-semibold">
            Timeline
          </h2>
          <span className="text-xs text-zinc-500" role="status" data-testid="live-status">
            {subscription.status === "pending"
              ? "Live"
              : subscription.status === "connecting"
                ? "Connecting…"
                : subscription.status === "error"
                  ? "Live updates lost; retrying"
                  : ""}
          </span>
        </div>
        {pages.isPending ? (
          <div className="h-24 animate-pulse rounded-lg bg-zinc-100 dark:bg-zinc-800" aria-label="Loading the timeline" />
        ) : pages.isError ? (
          <div role="alert" className="rounded-lg bg-red-50 p-4 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
            The timeline could not be loaded: {pages.error.message}
          </div>
        ) : cycles.length === 0 ? (
          <p
            className="rounded-xl border border-dashed border-zinc-300 p-8 text-center text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400"
            data-testid="timeline-empty"
          >
            Nothing has happened yet. Start the agent to see its cycles here as they happen.
          </p>
        ) : (
          <ol className="space-y-2" data-testid="timeline">
            {cycles.map(([cycle, events]) => (
              <CycleItem key={cycle} cycle={cycle} events={events} />
            ))}
          </ol>
        )}
        {pages.hasNextPage ? (
          <Button variant="secondary" onClick={() => void pages.fetchNextPage()} isLoading={pages.isFetchingNextPage}>
            Load older cycles
          </Button>
        ) : null}
      </section>
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
  const done = (text: string) => {
    setMessage({ kind: "ok", text });
    void queryClient.invalidateQueries({ queryKey: trpc.agent.byId.queryKey({ id: agentId }) });
  };
  const failed = (error: { message: string }) => setMessage({ kind: "error", text: error.message });
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
        {status !== "stopped" && status !== "archived" ? (
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

type ThoughtPayload = {
  content?: string | null;
  model?: string;
  call?: { name: string; arguments: string } | null;
  context?: { promptTokens?: number; recentCycles?: number; summaryThroughCycle?: number; truncated?: boolean };
  memory?: { embedder?: string; pinned?: string[]; degraded?: string };
  recalled?: { id: string; kind: string; score: number; components: Record<string, number> }[];
};

function CycleItem({ cycle, events }: { cycle: number; events: TimelineEvent[] }) {
  const thought = events.find((e) => e.type === "thought");
  const call = events.find((e) => e.type === "tool_call");
  const result = events.find((e) => e.type === "tool_result");
  const tp = (thought?.payload ?? {}) as ThoughtPayload;
  const cp = (call?.payload ?? {}) as { name?: string; arguments?: unknown; approvalId?: string | null };
  const rp = (result?.payload ?? {}) as { status?: string; result?: unknown; error?: string };
  const tokens = events.reduce((n, e) => n + e.tokensIn + e.tokensOut, 0);
  const cost = events.reduce((n, e) => n + Number(e.costUsd), 0);
  const duration = thought?.durationMs ?? null;
  const other = events.filter((e) => !["thought", "tool_call", "tool_result"].includes(e.type));
  return (
    <li className="rounded-lg bg-white ring-1 ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800" data-testid="cycle" data-cycle={cycle}>
      <details>
        <summary className="flex cursor-pointer flex-wrap items-center gap-x-3 gap-y-1 px-4 py-2.5 text-sm">
          <span className="font-semibold tabular-nums">{cycle === 0 ? "Start" : `Cycle ${cycle}`}</span>
          <span className="font-mono text-xs">{cp.name ?? tp.call?.name ?? other[0]?.type ?? "…"}</span>
          {rp.status ? <span className="text-xs text-zinc-500">{rp.status}</span> : null}
          <span className="ml-auto flex gap-3 text-xs text-zinc-500 tabular-nums">
            <span>{tokens.toLocaleString("en-US")} tokens</span>
            <span>{formatUsd(String(cost))}</span>
            {duration !== null ? <span>{duration} ms</span> : null}
            <span title={formatAbsolute(events[0]?.createdAt)}>{formatRelative(events[0]?.createdAt)}</span>
          </span>
        </summary>
        <div className="space-y-3 border-t border-zinc-100 px-4 py-3 text-sm dark:border-zinc-800">
          {thought ? (
            <section>
              <h3 className="text-xs font-semibold text-zinc-500 uppercase">Thought</h3>
              <p className="mt-1 whitespace-pre-wrap">{tp.content || <em className="text-zinc-500">(no text; a tool call)</em>}</p>
              <p className="mt-1 text-xs text-zinc-500">
                {tp.model} · {thought.tokensIn} in / {thought.tokensOut} out · prompt {tp.context?.promptTokens ?? "?"} tokens,{" "}
                {tp.context?.recentCycles ?? 0} recent cycles in full, summary through cycle {tp.context?.summaryThroughCycle ?? 0}
                {tp.context?.truncated ? " · shortened to fit the model's window" : ""}
              </p>
            </section>
          ) : null}
          {call ? (
            <section>
              <h3 className="text-xs font-semibold text-zinc-500 uppercase">Tool call</h3>
              <pre className="mt-1 max-h-64 overflow-auto rounded bg-zinc-50 p-2 text-xs dark:bg-zinc-950">{`${cp.name ?? ""} ${pretty(cp.arguments)}`}</pre>
            </section>
          ) : null}
          {result ? (
            <section>
              <h3 className="text-xs font-semibold text-zinc-500 uppercase">Result: {rp.status}</h3>
              <pre className="mt-1 max-h-64 overflow-auto rounded bg-zinc-50 p-2 text-xs dark:bg-zinc-950">
                {rp.error ?? pretty(rp.result)}
              </pre>
            </section>
          ) : null}
          {tp.recalled || tp.memory ? (
            <section>
              <h3 className="text-xs font-semibold text-zinc-500 uppercase">Recalled memories</h3>
              {tp.memory?.degraded ? (
                <p className="mt-1 text-xs text-amber-700 dark:text-amber-300">Recall fell back to pinned memories: {tp.memory.degraded}</p>
              ) : null}
              {tp.recalled && tp.recalled.length > 0 ? (
                <table className="mt-1 w-full text-xs tabular-nums" data-testid="recalled">
                  <thead className="text-left text-zinc-500">
                    <tr>
                      <th scope="col">Memory</th>
                      <th scope="col">Score</th>
                      <th scope="col">Similarity</th>
                      <th scope="col">Recency</th>
                      <th scope="col">Frequency</th>
                      <th scope="col">Importance</th>
                    </tr>
                  </thead>
                  <tbody>
                    {tp.recalled.map((m) => (
                      <tr key={m.id}>
                        <td className="font-mono">
                          {m.kind} {m.id.slice(0, 8)}
                        </td>
                        <td>{m.score.toFixed(3)}</td>
                        <td>{(m.components.similarity ?? 0).toFixed(3)}</td>
                        <td>{(m.components.recency ?? 0).toFixed(3)}</td>
                        <td>{(m.components.frequency ?? 0).toFixed(3)}</td>
                        <td>{(m.components.importance ?? 0).toFixed(3)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <p className="mt-1 text-xs text-zinc-500">
                  None beyond what the prompt already held{tp.memory?.pinned?.length ? ` (${tp.memory.pinned.length} pinned shown)` : ""}.
                </p>
              )}
            </section>
          ) : null}
          {other.map((e) => (
            <section key={e.seq}>
              <h3 className="text-xs font-semibold text-zinc-500 uppercase">{e.type.replace(/_/g, " ")}</h3>
              <pre className="mt-1 max-h-48 overflow-auto rounded bg-zinc-50 p-2 text-xs dark:bg-zinc-950">{pretty(e.payload)}</pre>
            </section>
          ))}
        </div>
      </details>
    </li>
  );
}

function pretty(value: unknown): string {
  if (typeof value === "string") {
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  return JSON.stringify(value ?? null, null, 2);
}
