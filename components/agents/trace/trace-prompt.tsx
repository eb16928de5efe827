import type { CycleTraceView, TraceMemory } from "~/shared/cycle-trace";
import { Badge } from "../../ui/badge";

type Prompt = NonNullable<CycleTraceView["prompt"]>;

/**
 * The exact messages the model was sent (rebuilt from what the prompt was made of and checked against
 * their hash), then what they were made of: the memories shown and why, the world state, the summary
 * and the tool schemas.
 */
export function TracePrompt({ prompt }: { prompt: Prompt }) {
  return (
    <section className="space-y-2" data-testid="trace-prompt">
      <div className="flex flex-wrap items-center gap-2">
        <h3 className="text-xs font-semibold text-zinc-500 uppercase dark:text-zinc-400">Sent to the model</h3>
        {prompt.isExact ? <Badge tone="green">exact: matches what was sent</Badge> : <Badge tone="amber">not exact</Badge>}
        {prompt.promptTokens !== null ? (
          <span className="text-xs text-zinc-500 dark:text-zinc-400">about {prompt.promptTokens} tokens</span>
        ) : null}
      </div>
      {prompt.note ? <p className="text-xs text-amber-800 dark:text-amber-300">{prompt.note}</p> : null}
      {prompt.messages.map((m, i) => (
        <details key={i} open={i > 0} className="rounded ring-1 ring-zinc-200 dark:ring-zinc-800">
          <summary className="cursor-pointer px-2 py-1 text-xs font-medium">
            {m.role} message · {m.content.length.toLocaleString("en-US")} characters
          </summary>
          <pre tabIndex={0} className="max-h-80 overflow-auto p-2 text-xs break-words whitespace-pre-wrap" data-testid="trace-message">
            {m.content}
          </pre>
        </details>
      ))}
      <Memories memories={prompt.parts.memories} />
      <details className="rounded ring-1 ring-zinc-200 dark:ring-zinc-800">
        <summary className="cursor-pointer px-2 py-1 text-xs font-medium">
          Tool schemas ({prompt.parts.toolSchemas.length}) · {prompt.parts.recentEvents} recent events shown
        </summary>
        <pre tabIndex={0} className="max-h-80 overflow-auto p-2 text-xs">
          {JSON.stringify(prompt.parts.toolSchemas, null, 2)}
        </pre>
      </details>
    </section>
  );
}

function Memories({ memories }: { memories: TraceMemory[] }) {
  if (memories.length === 0) return <p className="text-xs text-zinc-500 dark:text-zinc-400">No memories were shown.</p>;
  return (
    <div>
      <h4 className="text-xs font-medium">Memories shown, and why</h4>
      <ul className="mt-1 space-y-1 text-xs" data-testid="trace-memories">
        {memories.map((m) => (
          <li key={m.id} className="rounded bg-zinc-50 p-1.5 dark:bg-zinc-950">
            <span className="font-mono">({m.kind})</span> {m.content}
            <span className="block text-zinc-500 tabular-nums dark:text-zinc-400">
              {m.why === null
                ? "recalled"
                : m.why.pinned
                  ? "pinned: always shown"
                  : `recalled: score ${m.why.score.toFixed(3)} = similarity ${m.why.similarity.toFixed(3)}, recency ${m.why.recency.toFixed(3)}, frequency ${m.why.frequency.toFixed(3)}, importance ${m.why.importance.toFixed(3)} (weighted)`}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
