"use client";

import { clsx } from "clsx";
import { memo, type Ref } from "react";
import type { TimelineEvent } from "~/server/agents/timeline";
import { readMcpProgress, readMcpResult, UNKNOWN_OUTCOME_STATUS, UNKNOWN_OUTCOME_TEXT, type McpToolProgress } from "~/shared/mcp-results";
import { describeEvent } from "~/shared/event-text";
import { formatDuration, formatUsd } from "../ui/format";
import { RelativeTime } from "../ui/relative-time";
import { EventSentence } from "./event-sentence";
import { ChildTriggerEvent, DelegateChildren, isChildTrigger } from "./delegation-events";
import { latestProgress, McpProgressLine, McpResult } from "./mcp-result";
import { SummaryEvent } from "./summary-event";
import { CycleTraceSection } from "./trace/cycle-trace";

type ThoughtPayload = {
  content?: string | null;
  model?: string;
  /** HTTP attempts of the model call (1 = no retry). */
  attempts?: number;
  /** The server reported no token usage; the tokens shown are Longhaul's own count. */
  usageCounted?: boolean;
  call?: { name: string; arguments: string } | null;
  context?: { promptTokens?: number; recentCycles?: number; summaryThroughCycle?: number; truncated?: boolean };
  memory?: { embedder?: string; pinned?: string[]; degraded?: string };
  recalled?: { id: string; kind: string; score: number; components: Record<string, number> }[];
};

type CycleRowProps = {
  agentId: string;
  /** The viewer may edit the agent (undo a model-written summary). */
  canEdit: boolean;
  cycle: number;
  /** Counted in the agent's Cycles (finished); a newer cycle is still under way, or was cut short by a pause or stop. */
  isFinished: boolean;
  events: TimelineEvent[];
  isOpen: boolean;
  onToggle: (cycle: number, isOpen: boolean) => void;
  /** Virtualizer bookkeeping: the row's index (read back by `measureRef`), its offset in the list, the set size. */
  index: number;
  offset: number;
  setSize: number;
  measureRef: Ref<HTMLLIElement>;
};

/**
 * One cycle of the timeline: a one-line summary (tool, outcome, tokens, cost, duration, age) that
 * opens to what the model saw and did. A native <details>, so Enter and Space open it and screen
 * readers hear "expanded/collapsed"; it is controlled by the timeline because the row unmounts when
 * scrolled out of the virtual window and must come back as it was. The body is only rendered while
 * open, which keeps a closed row at a few elements.
 */
export const CycleRow = memo(function CycleRow({
  agentId,
  canEdit,
  cycle,
  isFinished,
  events,
  isOpen,
  onToggle,
  index,
  offset,
  setSize,
  measureRef,
}: CycleRowProps) {
  const thought = events.find((e) => e.type === "thought");
  const call = events.find((e) => e.type === "tool_call");
  const result = events.find((e) => e.type === "tool_result");
  const tp = (thought?.payload ?? {}) as ThoughtPayload;
  const cp = (call?.payload ?? {}) as { name?: string; arguments?: unknown; approvalId?: string | null };
  const rp = (result?.payload ?? {}) as { status?: string; result?: unknown; error?: string; reason?: string };
  const resultLabel = resultLabelOf(rp);
  // The budget refused the cycle's model call (decision 006): the cycle began and stopped there, for good.
  const refusedBeforeModel = !thought && events.some((e) => e.type === "budget" && (e.payload as { stage?: string }).stage === "think");
  const tokens = events.reduce((n, e) => n + e.tokensIn + e.tokensOut, 0);
  const cost = events.reduce((n, e) => n + Number(e.costUsd), 0);
  const duration = cycleWallTimeMs(events);
  const mcpResult = result ? readMcpResult(rp.result) : null;
  // An MCP call's progress (observations while it ran): shown as a line per call, not as raw events.
  const progress = events
    .flatMap((e) => (e.type === "observation" ? [readMcpProgress(e.payload)] : []))
    .filter((p): p is McpToolProgress => p !== null);
  const other = events.filter((e) => !["thought", "tool_call", "tool_result"].includes(e.type) && !isProgressEvent(e));
  return (
    <li
      ref={measureRef}
      data-index={index}
      aria-posinset={index + 1}
      aria-setsize={setSize}
      style={{ transform: `translateY(${offset}px)` }}
      className="absolute inset-x-0 top-0 rounded-lg bg-white ring-1 ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800"
      data-testid="cycle"
      data-cycle={cycle}
    >
      <details open={isOpen} onToggle={(e) => onToggle(cycle, e.currentTarget.open)}>
        <summary className="focus-visible:outline-brand-600 flex cursor-pointer flex-wrap items-center gap-x-3 gap-y-1 rounded-lg px-4 py-2.5 text-sm focus-visible:outline-2 focus-visible:outline-offset-2">
          <span className="font-semibold tabular-nums">{cycle === 0 ? "Outside a cycle" : `Cycle ${cycle}`}</span>
          <span className="min-w-0 font-mono text-xs break-all">
            {cp.name ?? tp.call?.name ?? (other[0] ? describeEvent(other[0].type, other[0].payload).label : "…")}
          </span>
          {resultLabel ? (
            <span
              className={clsx(
                "text-xs",
                rp.status === "refused" || mcpResult?.isError
                  ? "font-medium text-red-700 dark:text-red-300"
                  : rp.status === UNKNOWN_OUTCOME_STATUS
                    ? "font-medium text-amber-700 dark:text-amber-300"
                    : "text-zinc-500 dark:text-zinc-400",
              )}
              data-testid="cycle-result"
            >
              {resultLabel}
            </span>
          ) : refusedBeforeModel ? (
            <span className="text-xs font-medium text-amber-700 dark:text-amber-300" data-testid="cycle-result">
              not run: budget limit
            </span>
          ) : !isFinished ? (
            <span className="text-xs text-sky-700 dark:text-sky-300" data-testid="cycle-unfinished">
              not finished
            </span>
          ) : progress.length > 0 ? (
            <span className="text-xs text-zinc-500 dark:text-zinc-400" data-testid="cycle-result">
              in progress
            </span>
          ) : null}
          <span className="ml-auto flex flex-wrap gap-x-3 text-xs text-zinc-500 tabular-nums dark:text-zinc-400">
            <span>{tokens.toLocaleString("en-US")} tokens</span>
            <span>{formatUsd(String(cost))}</span>
            <span title="Wall time of the cycle, from the model call to its last event" data-testid="cycle-duration">
              {formatDuration(duration)}
            </span>
            {(tp.attempts ?? 1) > 1 ? (
              <span className="text-amber-700 dark:text-amber-300" data-testid="cycle-retries">
                {tp.attempts! - 1} {tp.attempts === 2 ? "retry" : "retries"}
              </span>
            ) : null}
            <RelativeTime date={events[0]?.createdAt} />
          </span>
        </summary>
        {isOpen ? (
          <div className="space-y-3 border-t border-zinc-100 px-4 py-3 text-sm dark:border-zinc-800">
            {thought || result ? <CycleTraceSection agentId={agentId} cycle={cycle} /> : null}
            {thought ? (
              <section>
                <h3 className="text-xs font-semibold text-zinc-500 uppercase">Thought</h3>
                <p className="mt-1 break-words whitespace-pre-wrap">
                  {tp.content || <em className="text-zinc-500">(no text; a tool call)</em>}
                </p>
                <p className="mt-1 text-xs text-zinc-500">
                  {tp.model} · {thought.tokensIn} in / {thought.tokensOut} out
                  {tp.usageCounted ? " (counted by Longhaul: the server reported no usage)" : ""} · prompt {tp.context?.promptTokens ?? "?"}{" "}
                  tokens, {tp.context?.recentCycles ?? 0} recent cycles in full, summary through cycle{" "}
                  {tp.context?.summaryThroughCycle ?? 0}
                  {tp.context?.truncated ? " · shortened to fit the model's window" : ""}
                </p>
              </section>
            ) : null}
            {call ? (
              <section>
                <h3 className="text-xs font-semibold text-zinc-500 uppercase">Tool call</h3>
                {cp.name === "delegate" ? <EventSentence className="mt-1" text={describeEvent("tool_call", cp)} /> : null}
                <pre
                  tabIndex={0}
                  className="mt-1 max-h-64 overflow-auto rounded bg-zinc-50 p-2 text-xs dark:bg-zinc-950"
                >{`${cp.name ?? ""} ${pretty(cp.arguments)}`}</pre>
              </section>
            ) : null}
            {progress.length > 0 ? (
              <section className="space-y-2">
                <h3 className="text-xs font-semibold text-zinc-500 uppercase">Progress</h3>
                {latestProgress(progress).map(({ progress: p, updates }) => (
                  <McpProgressLine key={p.name} progress={p} updates={updates} />
                ))}
              </section>
            ) : null}
            {result ? (
              <section data-testid="cycle-tool-result">
                <h3 className="text-xs font-semibold text-zinc-500 uppercase">Result: {resultLabel}</h3>
                {rp.status === UNKNOWN_OUTCOME_STATUS ? (
                  <p className="mt-1 text-sm text-amber-800 dark:text-amber-300" data-testid="cycle-outcome-unknown">
                    {UNKNOWN_OUTCOME_TEXT}
                  </p>
                ) : null}
                {cp.name === "delegate" && rp.status === "succeeded" ? (
                  <DelegateChildren payload={{ name: "delegate", ...rp }} />
                ) : mcpResult ? (
                  <div className="mt-1 space-y-1">
                    <McpResult result={mcpResult} />
                    {rp.error ? <p className="text-sm break-words text-red-700 dark:text-red-300">{rp.error}</p> : null}
                  </div>
                ) : rp.status === UNKNOWN_OUTCOME_STATUS && rp.result === undefined && !rp.error ? null : (
                  <pre tabIndex={0} className="mt-1 max-h-64 overflow-auto rounded bg-zinc-50 p-2 text-xs dark:bg-zinc-950">
                    {rp.error ?? pretty(rp.result)}
                  </pre>
                )}
              </section>
            ) : null}
            {tp.recalled || tp.memory ? <RecalledMemories thought={tp} /> : null}
            {other.map((e) =>
              e.type === "summary" ? (
                <SummaryEvent
                  key={e.seq}
                  agentId={agentId}
                  event={e}
                  canEdit={canEdit}
                  isRestored={events.some((r) => r.type === "summary" && (r.payload as { restoresSeq?: number }).restoresSeq === e.seq)}
                />
              ) : isChildTrigger(e.type, e.payload) ? (
                <ChildTriggerEvent key={e.seq} payload={e.payload} />
              ) : (
                <EventSentence key={e.seq} text={describeEvent(e.type, e.payload, { actorName: e.actorName })} />
              ),
            )}
          </div>
        ) : null}
      </details>
    </li>
  );
});

function RecalledMemories({ thought }: { thought: ThoughtPayload }) {
  return (
    <section>
      <h3 className="text-xs font-semibold text-zinc-500 uppercase">Recalled memories</h3>
      {thought.memory?.degraded ? (
        <p className="mt-1 text-xs text-amber-700 dark:text-amber-300">Recall fell back to pinned memories: {thought.memory.degraded}</p>
      ) : null}
      {thought.recalled && thought.recalled.length > 0 ? (
        <div tabIndex={0} className="mt-1 overflow-x-auto">
          <table className="w-full text-xs tabular-nums" data-testid="recalled">
            <thead className="text-left text-zinc-500 [&_th]:pr-3">
              <tr>
                <th scope="col">Memory</th>
                <th scope="col">Score</th>
                <th scope="col">Similarity</th>
                <th scope="col">Recency</th>
                <th scope="col">Frequency</th>
                <th scope="col">Importance</th>
              </tr>
            </thead>
            <tbody className="[&_td]:pr-3">
              {thought.recalled.map((m) => (
                <tr key={m.id}>
                  <td className="font-mono whitespace-nowrap">
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
        </div>
      ) : (
        <p className="mt-1 text-xs text-zinc-500">
          None beyond what the prompt already held{thought.memory?.pinned?.length ? ` (${thought.memory.pinned.length} pinned shown)` : ""}.
        </p>
      )}
    </section>
  );
}

/**
 * A result's status as the row shows it; a request the outbound guard refused names why
 * ("refused: private address"), so it does not read as a network error.
 */
function resultLabelOf(payload: { status?: string; reason?: string }): string | null {
  if (!payload.status) return null;
  if (payload.status === UNKNOWN_OUTCOME_STATUS) return "outcome unknown";
  return payload.status === "refused" && payload.reason ? `refused: ${payload.reason}` : payload.status;
}

/**
 * The cycle's real wall time: from the start of its first event's work (the model call, whose
 * duration the thought carries) to its last event. null when nothing was measured.
 */
export function cycleWallTimeMs(events: readonly Pick<TimelineEvent, "createdAt" | "durationMs">[]): number | null {
  const first = events[0];
  const last = events.at(-1);
  if (!first || !last) return null;
  const start = first.createdAt.getTime() - (first.durationMs ?? 0);
  const wall = last.createdAt.getTime() - start;
  return events.length === 1 && first.durationMs === null ? null : Math.max(0, wall);
}

function isProgressEvent(event: TimelineEvent): boolean {
  return event.type === "observation" && readMcpProgress(event.payload) !== null;
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
