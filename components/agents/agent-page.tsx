"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useState } from "react";
import { toast } from "sonner";
import { allows, SHOWN_AS_LIVE, type AgentStatus } from "~/shared/agent-status";
import { SIMULATOR_LABEL, SIMULATOR_PROVIDER } from "~/shared/agent-input";
import { isMissingPriceRefusal } from "~/shared/provider-kinds";
import { useTRPC } from "../trpc/react";
import { Alert, Notice } from "../ui/alert";
import { Button, ButtonLink } from "../ui/button";
import { formatUsd } from "../ui/format";
import { RelativeTime } from "../ui/relative-time";
import { Section } from "../ui/panel";
import { Skeleton } from "../ui/skeleton";
import { TabPanel, Tabs } from "../ui/tabs";
import { BudgetPanel } from "./budget-panel";
import { MemoryPanel } from "./memory-panel";
import { SharePanel } from "../share/share-panel";
import { RunsPanel } from "./runs-panel";
import { RaiseBudgetForm } from "./raise-budget-form";
import { DisabledWithReason, GatedButton, PermissionGate } from "../teams/permission-gate";
import { StatePanel } from "./state-panel";
import { StatusBadge } from "./status-badge";
import { TriggersPanel } from "./triggers-panel";
import { Timeline, usePrefetchTimeline } from "./timeline";
import { AgentsBreadcrumb } from "./agents-breadcrumb";
import { AGENT_TABS, useAgentTab } from "./agent-page-params";
import { AgentLifecycleControls, ForkLineage } from "./fork-lineage";
import { ParentLine, TreePanel, useAgentTree } from "./tree-panel";
import { CHILD_BUDGET_FIXED, CHILD_ENDED_NO_RESTART, isEndedChild } from "~/shared/delegation";

/**
 * One agent: its state and controls, and its history grouped by cycle. The newest cycles load first;
 * new events stream in over server-sent events (tRPC subscription) without a reload; older cycles
 * load a page at a time.
 */
export function AgentPage({ agentId }: { agentId: string }) {
  const trpc = useTRPC();
  const [tab, setTab] = useAgentTab();
  const agent = useQuery(trpc.agent.byId.queryOptions({ id: agentId }, { refetchInterval: 3000 }));
  const tree = useAgentTree(agentId);
  usePrefetchTimeline(agentId);

  if (agent.isPending) return <Skeleton className="h-40 rounded-xl" label="Loading the agent" />;
  if (agent.isError) {
    return (
      <Alert>
        {agent.error.message}{" "}
        <Link href="/agents" className="font-semibold underline">
          Back to agents
        </Link>
      </Alert>
    );
  }
  const a = agent.data;
  // A child (started by another agent's delegate call): its limits are its parent's carve, and once it ended it does not run again.
  const parentId = tree.data?.agent.parentId ?? null;
  const childCount = tree.data?.descendants.length ?? 0;
  // The Sub-agents tab only where there is a tree (children, or a parent), or a link asked for it: most agents never delegate.
  const tabs = AGENT_TABS.filter(([id]) => id !== "tree" || childCount > 0 || parentId !== null || tab === "tree").map(
    ([id, label]) => [id, id === "tree" && childCount > 0 ? `${label} (${childCount})` : label] as const,
  );
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <AgentsBreadcrumb />
          <h1 className="mt-1 text-2xl font-bold tracking-tight break-words" data-testid="agent-name">
            {a.name}
          </h1>
          <p className="mt-1 max-w-3xl text-sm text-zinc-600 dark:text-zinc-400">{a.goal}</p>
          <ModelLine model={a.model} provider={a.provider} />
          <ParentLine agentId={agentId} />
          <ForkLineage agentId={agentId} />
        </div>
        <div className="space-y-2 sm:flex sm:flex-col sm:items-end">
          <Controls
            agentId={agentId}
            status={a.status}
            startBlocked={isEndedChild({ parentId, status: a.status }) ? CHILD_ENDED_NO_RESTART : null}
          />
          <AgentLifecycleControls agentId={agentId} name={a.name} archivedAt={a.archivedAt} />
        </div>
      </div>

      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-5" aria-label="Agent state">
        <Stat label="Status">
          <span data-testid="agent-status" data-status={a.status}>
            <StatusBadge status={a.status} />
          </span>
        </Stat>
        <Stat label="Spend / budget">
          <span className="tabular-nums" data-testid="agent-spend">
            {formatUsd(a.spentUsd)} / {formatUsd(a.budgetUsd)}
          </span>
        </Stat>
        <Stat label="Cycles finished">
          <span className="tabular-nums" data-testid="agent-cycles">
            {a.cycleCount.toLocaleString("en-US")}
          </span>
        </Stat>
        <Stat label="Last activity">
          <RelativeTime date={a.lastActiveAt} />
        </Stat>
        <Stat label="Heartbeat">
          <RelativeTime date={a.heartbeatAt} />
        </Stat>
      </dl>

      {a.statusReason ? (
        <p className="-mt-3 text-sm text-zinc-600 dark:text-zinc-400" data-testid="agent-status-reason">
          {a.statusReason}
        </p>
      ) : null}

      <Tabs tabs={tabs} selected={tab} onSelect={(next) => void setTab(next)} label="Agent views" />

      <TabPanel id="memory" selected={tab}>
        <MemoryPanel agentId={agentId} />
      </TabPanel>
      <TabPanel id="state" selected={tab}>
        <StatePanel agentId={agentId} />
      </TabPanel>
      <TabPanel id="budget" selected={tab} className="space-y-6">
        <BudgetPanel agentId={agentId} />
        <Section title="Raise the budget" className="space-y-2">
          {parentId ? (
            <div data-testid="raise-budget-child">
              <DisabledWithReason reason={CHILD_BUDGET_FIXED} label="Raise the budget" variant="outline" />
            </div>
          ) : (
            <PermissionGate permission="budget:raise" action="raise budgets">
              <RaiseBudgetForm agentId={agentId} />
            </PermissionGate>
          )}
        </Section>
      </TabPanel>
      <TabPanel id="runs" selected={tab}>
        <RunsPanel agentId={agentId} />
      </TabPanel>
      <TabPanel id="triggers" selected={tab}>
        <TriggersPanel agentId={agentId} />
      </TabPanel>
      <TabPanel id="tree" selected={tab}>
        <TreePanel agentId={agentId} />
      </TabPanel>
      <TabPanel id="share" selected={tab}>
        <SharePanel agentId={agentId} />
      </TabPanel>

      <Timeline agentId={agentId} hidden={tab !== "timeline"} completedCycles={a.cycleCount} />
    </div>
  );
}

/** Which model thinks for the agent, and on which of the team's providers (or the simulator). */
function ModelLine({ model, provider }: { model: string; provider: string }) {
  const trpc = useTRPC();
  const isSimulator = provider === SIMULATOR_PROVIDER;
  const providers = useQuery(trpc.provider.list.queryOptions(undefined, { enabled: !isSimulator, retry: false }));
  const name = isSimulator ? SIMULATOR_LABEL : (providers.data?.find((p) => p.id === provider)?.name ?? null);
  return (
    <p className="mt-1 text-xs text-zinc-500 dark:text-zinc-400" data-testid="agent-model">
      <span className="font-mono">{model}</span>
      {name ? ` on ${name}` : null}
    </p>
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

function Controls({ agentId, status, startBlocked }: { agentId: string; status: AgentStatus; startBlocked: string | null }) {
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
    <div className="flex flex-col items-start gap-2 sm:items-end">
      <div className="flex flex-wrap gap-2 sm:justify-end">
        {allows("start", status) ? (
          <GatedButton
            permission="agent:control"
            action={status === "idle" ? "start agents" : "resume agents"}
            blockedReason={startBlocked}
            onClick={() => start.mutate({ id: agentId })}
            isLoading={start.isPending}
          >
            {status === "idle" ? "Start" : "Resume"}
          </GatedButton>
        ) : null}
        {SHOWN_AS_LIVE.includes(status) ? (
          <GatedButton
            permission="agent:control"
            action="pause agents"
            variant="secondary"
            onClick={() => pause.mutate({ id: agentId })}
            isLoading={pause.isPending}
          >
            Pause
          </GatedButton>
        ) : null}
        <ButtonLink href={`/api/agents/${agentId}/export`} download variant="outline">
          Export
        </ButtonLink>
        {status !== "archived" ? (
          <PermissionGate permission="agent:edit" action="edit agents" disabledLabel="Edit">
            <ButtonLink href={`/agents/${agentId}/edit`} variant="outline">
              Edit
            </ButtonLink>
          </PermissionGate>
        ) : null}
        {!["stopped", "archived", "completed", "failed"].includes(status) ? (
          <GatedButton
            permission="agent:control"
            action="stop agents"
            variant="danger"
            onClick={() => setStopping((s) => !s)}
            aria-expanded={stopping}
          >
            Stop…
          </GatedButton>
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
      {message?.kind === "error" && isMissingPriceRefusal(message.text) ? (
        <Alert variant="inline" className="max-w-md" data-testid="start-refused">
          {message.text}{" "}
          <Link href="/team/providers" className="font-semibold underline">
            Set a price on the Model providers page
          </Link>
        </Alert>
      ) : (
        <Notice message={message} />
      )}
    </div>
  );
}
