import "server-only";
import type { TraceSpan, TraceSpanKind, TraceAttributes } from "../../shared/cycle-trace";
import type { PromptParts } from "./trace-parts";

/** Milliseconds since the epoch, to a tenth of a millisecond (Date.now() has whole milliseconds only). */
export function preciseNow(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 10) / 10;
}

const tenth = (ms: number) => Math.round(ms * 10) / 10;

/**
 * What one step of a cycle timed, for the cycle's trace (docs/decisions/038): the think's context,
 * recall, budget reservation, model call with each HTTP attempt, and write; the act's tool call and
 * write. The step's session holds it (server/loop/session.ts) and writes it when the step ends
 * (store.ts). It only observes: nothing the loop decides depends on it.
 */
export class CycleTraceRecorder {
  readonly spans: TraceSpan[] = [];
  /** What the model was sent, when this step called it. */
  prompt: PromptParts | null = null;

  constructor(readonly ids: { agentId: string; teamId: string; agentRunId: string; cycle: number }) {}

  /** Starts a span now; the function returned ends it with the attributes known by then. */
  begin(kind: TraceSpanKind, name: string, attrs?: TraceAttributes): (more?: TraceAttributes) => TraceSpan {
    const start = preciseNow();
    return (more) => {
      const span: TraceSpan = {
        kind,
        name,
        start,
        ms: tenth(preciseNow() - start),
        ...(attrs || more ? { attrs: { ...attrs, ...more } } : {}),
      };
      this.spans.push(span);
      return span;
    };
  }

  /** Times `fn` as a span (ended whether it resolves or throws). */
  async time<T>(kind: TraceSpanKind, name: string, fn: () => Promise<T>, attrsOf?: (result: T) => TraceAttributes): Promise<T> {
    const end = this.begin(kind, name);
    try {
      const result = await fn();
      end(attrsOf?.(result));
      return result;
    } catch (error) {
      end({ "error.type": error instanceof Error ? error.name : "error" });
      throw error;
    }
  }

  /** Forgets what was recorded: the step found that its cycle does not begin (the cycle limit), so it has no trace. */
  discard() {
    this.spans.length = 0;
    this.prompt = null;
  }

  /** A span measured elsewhere (a model call's attempts, a reservation that ran beside recall). */
  add(span: TraceSpan) {
    this.spans.push({ ...span, start: tenth(span.start), ms: tenth(span.ms) });
  }
}
