/**
 * A cycle's trace as the dashboard and the API show it (server/traces builds it): spans on a time
 * axis, the exact messages the model was sent, rebuilt from what they were made of, and its reply.
 * Span attributes use the OpenTelemetry GenAI semantic conventions' names where one exists
 * (gen_ai.operation.name, gen_ai.request.model, gen_ai.usage.input_tokens, gen_ai.tool.name, ...), and
 * `longhaul.*` for the rest, so an export needs no renaming.
 */
export const TRACE_SPAN_KINDS = ["read", "context", "recall", "budget", "model", "attempt", "tool", "approval", "write"] as const;
export type TraceSpanKind = (typeof TRACE_SPAN_KINDS)[number];

export type TraceAttributes = Record<string, string | number | boolean | null>;

/**
 * The fields of a stored prompt (cycle_trace.prompt, server/loop/trace-parts.ts) that name a trace_blob:
 * by its hash, or as the [memory id, hash] pairs of the memories shown. Read where blobs are fetched
 * and where the ones no trace names any more are deleted (server/hibernation: the retention policy).
 */
export const PROMPT_BLOB_FIELDS = ["system", "world", "summary", "tools", "note"] as const;
export const PROMPT_MEMORY_FIELDS = ["pinned", "recalled"] as const;

/** A span as stored: its start in epoch milliseconds and its length. */
export type TraceSpan = { kind: TraceSpanKind; name: string; start: number; ms: number; attrs?: TraceAttributes };

/** A span as shown: its start relative to the cycle's first span, its place in the tree, and what it cost. */
export type TraceSpanView = {
  id: string;
  parentId: string | null;
  kind: TraceSpanKind;
  name: string;
  /** Milliseconds after the cycle's first span started. */
  offsetMs: number;
  ms: number;
  attrs: TraceAttributes;
  tokensIn: number | null;
  tokensOut: number | null;
  costUsd: string | null;
};

export type TraceMessage = { role: string; content: string };

export type TraceMemory = {
  id: string;
  kind: string;
  content: string;
  /** "pinned", or recalled with its score and the parts of it. */
  why:
    { pinned: true } | { pinned: false; score: number; similarity: number; recency: number; frequency: number; importance: number } | null;
};

export type CycleTraceView = {
  agentId: string;
  cycle: number;
  /** When the cycle's first span started. */
  startedAt: Date | null;
  totalMs: number;
  /** "recorded": the loop timed this cycle; "events": only the events' own durations are known (a cycle from before traces, or one whose trace was not written). */
  source: "recorded" | "events";
  spans: TraceSpanView[];
  prompt: {
    messages: TraceMessage[];
    /** Whether the rebuilt messages are byte for byte the ones sent (their hash matches); null when it cannot be told. */
    isExact: boolean | null;
    /** Why the messages could not be rebuilt exactly (e.g. the events were deleted by retention). */
    note: string | null;
    promptTokens: number | null;
    parts: {
      system: string;
      worldState: string;
      summary: string;
      memories: TraceMemory[];
      recentEvents: number;
      toolSchemas: unknown[];
    };
  } | null;
  reply: {
    content: string | null;
    toolCalls: { name: string; arguments: string }[];
    inputTokens: number;
    outputTokens: number;
    costUsd: string;
    finishReason: string | null;
    attempts: number | null;
    model: string | null;
  } | null;
};
