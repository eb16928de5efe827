import type { CycleTraceView } from "~/shared/cycle-trace";
import { formatUsd } from "../../ui/format";

/** The model's reply: its text, the tool calls it asked for, its usage, finish reason and cost. */
export function TraceReply({ reply }: { reply: NonNullable<CycleTraceView["reply"]> }) {
  return (
    <section data-testid="trace-reply">
      <h3 className="text-xs font-semibold text-zinc-500 uppercase dark:text-zinc-400">Reply</h3>
      <p className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">
        {reply.model ?? "model"} · {reply.inputTokens} tokens in / {reply.outputTokens} out · {formatUsd(reply.costUsd)} · finish reason{" "}
        {reply.finishReason ?? "not reported"}
        {reply.attempts && reply.attempts > 1 ? ` · ${reply.attempts} HTTP attempts` : ""}
      </p>
      {reply.content ? <p className="mt-1 text-sm break-words whitespace-pre-wrap">{reply.content}</p> : null}
      {reply.toolCalls.map((call, i) => (
        <pre key={i} tabIndex={0} className="mt-1 max-h-48 overflow-auto rounded bg-zinc-50 p-2 text-xs dark:bg-zinc-950">
          {call.arguments ? `${call.name} ${call.arguments}` : `${call.name} (not called: one tool per cycle)`}
        </pre>
      ))}
    </section>
  );
}
