"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { diffWorldStates } from "~/shared/state-diff";
import { ForkForm, ForkFromAnyCycle } from "./fork-dialog";
import { useTRPC } from "../trpc/react";
import { GatedButton } from "../teams/permission-gate";
import { CompactSelect } from "../ui/field";
import { formatAbsolute } from "../ui/format";
import { RelativeText } from "../ui/relative-time";
import { Section } from "../ui/panel";
import { LoadError } from "../ui/query-section";
import { Skeleton } from "../ui/skeleton";

const NOW = "now";

/** World state now, the rolling summary, and the difference between any two checkpoints. */
export function StatePanel({ agentId }: { agentId: string }) {
  const trpc = useTRPC();
  const state = useQuery(trpc.agent.state.queryOptions({ id: agentId }, { refetchInterval: 5000 }));
  const [from, setFrom] = useState<string>("");
  const [to, setTo] = useState<string>(NOW);
  const fromCycle = from === "" ? null : Number(from);
  const toCycle = to === NOW ? null : Number(to);
  const before = useQuery(trpc.agent.checkpoint.queryOptions({ id: agentId, cycle: fromCycle ?? 0 }, { enabled: fromCycle !== null }));
  const after = useQuery(trpc.agent.checkpoint.queryOptions({ id: agentId, cycle: toCycle ?? 0 }, { enabled: toCycle !== null }));

  if (state.isPending) return <Skeleton className="h-24 rounded-lg" label="Loading the state" />;
  if (!state.data) return <LoadError what="The state" query={state} />;
  const afterState = toCycle === null ? state.data.worldState : after.data?.worldState;
  const changes =
    fromCycle !== null && before.data && afterState !== undefined ? diffWorldStates(before.data.worldState, afterState) : null;

  return (
    <div className="space-y-6">
      <Section title="World state now" className="">
        <pre
          className="mt-2 max-h-96 overflow-auto rounded-lg bg-white p-3 text-xs ring-1 ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800"
          data-testid="world-state"
        >
          {JSON.stringify(state.data.worldState ?? {}, null, 2)}
        </pre>
      </Section>
      <Section title="Rolling summary" className="">
        <p className="text-xs text-zinc-500">
          {state.data.summaryThroughCycle > 0
            ? `Cycles 1 to ${state.data.summaryThroughCycle} as the model sees them; later cycles reach it in full.`
            : "No cycle is summarized yet: the model sees the recent cycles in full."}
        </p>
        <pre className="mt-2 max-h-72 overflow-auto rounded-lg bg-white p-3 text-xs whitespace-pre-wrap ring-1 ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800">
          {state.data.summary || "(empty)"}
        </pre>
      </Section>
      <Section title="Compare checkpoints" className="space-y-2">
        {state.data.checkpoints.length === 0 ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">No checkpoints yet: one is written every 10 cycles.</p>
        ) : (
          <>
            <div className="flex flex-wrap items-center gap-2 text-sm">
              <label>
                From{" "}
                <CompactSelect aria-label="From checkpoint" value={from} onChange={(e) => setFrom(e.target.value)}>
                  <option value="">Choose…</option>
                  {state.data.checkpoints.map((c) => (
                    <option key={c.cycle} value={c.cycle}>
                      Cycle {c.cycle} ({formatAbsolute(c.createdAt)})
                    </option>
                  ))}
                </CompactSelect>
              </label>
              <label>
                to{" "}
                <CompactSelect aria-label="To checkpoint" value={to} onChange={(e) => setTo(e.target.value)}>
                  <option value={NOW}>Now</option>
                  {state.data.checkpoints.map((c) => (
                    <option key={c.cycle} value={c.cycle}>
                      Cycle {c.cycle}
                    </option>
                  ))}
                </CompactSelect>
              </label>
            </div>
            {changes === null ? null : changes.length === 0 ? (
              <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="state-diff">
                No differences.
              </p>
            ) : (
              <ul className="space-y-1 text-sm" data-testid="state-diff">
                {changes.map((c) => (
                  <li key={c.key} className="rounded bg-white p-2 ring-1 ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800">
                    <span className="font-mono text-xs">{c.key}</span>{" "}
                    <span
                      className={
                        c.change === "added"
                          ? "text-emerald-700 dark:text-emerald-300"
                          : c.change === "removed"
                            ? "text-red-700 dark:text-red-300"
                            : "text-amber-700 dark:text-amber-300"
                      }
                    >
                      {c.change}
                    </span>
                    {c.change !== "added" ? (
                      <pre className="mt-1 overflow-auto text-xs text-zinc-500">− {JSON.stringify(c.before)}</pre>
                    ) : null}
                    {c.change !== "removed" ? <pre className="overflow-auto text-xs">+ {JSON.stringify(c.after)}</pre> : null}
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </Section>
      <Section title="Checkpoints" className="space-y-2">
        <p className="text-xs text-zinc-500">
          Fork a new agent from the end of any cycle: it starts idle with the world state, summary and memories as of that cycle (edit the
          state, instructions or model to try “what if”), its own budget spend, and this agent&apos;s other settings. This agent is not
          changed.
        </p>
        <ForkFromAnyCycle agentId={agentId} cycleCount={state.data.cycleCount} />
        {state.data.checkpoints.length === 0 ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            No checkpoints yet (one every 10 cycles); any cycle can be forked above.
          </p>
        ) : (
          <ul className="max-h-96 divide-y divide-zinc-100 overflow-auto rounded-lg bg-white ring-1 ring-zinc-200 dark:divide-zinc-800 dark:bg-zinc-900 dark:ring-zinc-800">
            {state.data.checkpoints.map((c) => (
              <CheckpointRow key={c.cycle} agentId={agentId} cycle={c.cycle} createdAt={c.createdAt} />
            ))}
          </ul>
        )}
      </Section>
    </div>
  );
}

function CheckpointRow({ agentId, cycle, createdAt }: { agentId: string; cycle: number; createdAt: Date }) {
  const [open, setOpen] = useState(false);
  return (
    <li className="px-3 py-2 text-sm" data-testid="checkpoint">
      <div className="flex flex-wrap items-center gap-3">
        <span className="font-medium tabular-nums">Cycle {cycle}</span>
        <span className="text-xs text-zinc-500" title={formatAbsolute(createdAt)}>
          <RelativeText date={createdAt} />
        </span>
        <GatedButton
          permission="agent:edit"
          action="fork agents"
          variant="secondary"
          className="ml-auto"
          onClick={() => setOpen((o) => !o)}
          aria-expanded={open}
        >
          Fork from cycle {cycle}…
        </GatedButton>
      </div>
      {open ? <ForkForm agentId={agentId} cycle={cycle} onCancel={() => setOpen(false)} /> : null}
    </li>
  );
}
