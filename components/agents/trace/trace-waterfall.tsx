import { clsx } from "clsx";
import type { TraceSpanKind, TraceSpanView } from "~/shared/cycle-trace";
import { formatUsd } from "../../ui/format";
import { formatMs } from "./format-ms";

const KIND_LABEL: Record<TraceSpanKind, string> = {
  read: "read",
  context: "context",
  recall: "recall",
  budget: "budget",
  model: "model",
  attempt: "attempt",
  tool: "tool",
  approval: "approval",
  write: "write",
};

const KIND_COLOUR: Record<TraceSpanKind, string> = {
  read: "bg-zinc-400",
  context: "bg-sky-500",
  recall: "bg-cyan-500",
  budget: "bg-amber-500",
  model: "bg-violet-500",
  attempt: "bg-violet-300 dark:bg-violet-400",
  tool: "bg-emerald-500",
  approval: "bg-orange-500",
  write: "bg-zinc-600 dark:bg-zinc-300",
};

/**
 * Spans on one time axis: a table (name, start, duration, tokens, cost) whose bar column draws each
 * span where it sat in the cycle. Screen readers read the numbers; the bars are decoration.
 */
export function TraceWaterfall({ spans, totalMs }: { spans: TraceSpanView[]; totalMs: number }) {
  const scale = totalMs > 0 ? totalMs : 1;
  return (
    // Focusable: on a phone the table scrolls sideways, which a keyboard must be able to do too.
    <div tabIndex={0} className="overflow-x-auto">
      <table className="w-full min-w-[36rem] text-xs tabular-nums" data-testid="trace-spans">
        <caption className="sr-only">Spans of the cycle, in the order they started</caption>
        <thead className="text-left text-zinc-500 dark:text-zinc-400 [&_th]:pr-3 [&_th]:font-medium">
          <tr>
            <th scope="col">Span</th>
            <th scope="col" className="w-1/3">
              Time
            </th>
            <th scope="col">Start</th>
            <th scope="col">Duration</th>
            <th scope="col">Tokens</th>
            <th scope="col">Cost</th>
          </tr>
        </thead>
        <tbody className="[&_td]:py-0.5 [&_td]:pr-3">
          {spans.map((span) => (
            <tr key={span.id} data-testid="trace-span" data-kind={span.kind}>
              <td className={clsx("max-w-[16rem] truncate", span.parentId ? "pl-4" : "")} title={span.name}>
                <span className="mr-1 rounded bg-zinc-100 px-1 text-[10px] text-zinc-600 uppercase dark:bg-zinc-800 dark:text-zinc-300">
                  {KIND_LABEL[span.kind]}
                </span>
                {span.name}
                {span.attrs["error.type"] ? (
                  <span className="ml-1 text-red-700 dark:text-red-300">({String(span.attrs["error.type"])})</span>
                ) : null}
              </td>
              <td aria-hidden>
                <div className="relative h-3 rounded bg-zinc-100 dark:bg-zinc-800">
                  <div
                    className={clsx("absolute inset-y-0 rounded", KIND_COLOUR[span.kind])}
                    style={{ left: `${(span.offsetMs / scale) * 100}%`, width: `max(2px, ${(span.ms / scale) * 100}%)` }}
                  />
                </div>
              </td>
              <td>+{formatMs(span.offsetMs)}</td>
              <td>{formatMs(span.ms)}</td>
              <td>{span.tokensIn !== null ? `${span.tokensIn} in / ${span.tokensOut ?? 0} out` : ""}</td>
              <td>{span.costUsd !== null ? formatUsd(span.costUsd) : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
