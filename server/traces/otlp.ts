import "server-only";
import { createHash } from "node:crypto";
import type { CycleTraceView, TraceAttributes } from "../../shared/cycle-trace";

/**
 * A cycle's trace as OTLP/JSON (the body an OpenTelemetry collector takes at /v1/traces), following the
 * GenAI semantic conventions: a root `invoke_agent <name>` span (gen_ai.operation.name, gen_ai.agent.id,
 * gen_ai.agent.name), a `chat <model>` span per model call with its usage and finish reason, its HTTP
 * attempts under it, and an `execute_tool <name>` span per tool call; the messages sent and the reply
 * as gen_ai.input.messages / gen_ai.output.messages (opt-in attributes in the conventions: this export
 * is made on request, by someone who may read them). Ids are derived from the agent and cycle, so the
 * same cycle exports to the same trace id.
 */
export function cycleTraceToOtlp(trace: CycleTraceView, agent: { name: string }) {
  const startNs = (offsetMs: number) => String(BigInt(Math.round(((trace.startedAt?.getTime() ?? 0) + offsetMs) * 1000)) * 1000n);
  const traceId = hex(`${trace.agentId}:${trace.cycle}`, 16);
  const spanId = (id: string) => hex(`${trace.agentId}:${trace.cycle}:${id}`, 8);
  const rootId = spanId("root");
  const spans = trace.spans.map((s) => {
    const attrs: TraceAttributes = { ...s.attrs, "longhaul.span.kind": s.kind };
    if (s.costUsd !== null) attrs["longhaul.cost_usd"] = s.costUsd;
    if (s.kind === "model" && trace.prompt) attrs["gen_ai.input.messages"] = JSON.stringify(trace.prompt.messages);
    if (s.kind === "model" && trace.reply)
      attrs["gen_ai.output.messages"] = JSON.stringify([
        {
          role: "assistant",
          content: trace.reply.content,
          tool_calls: trace.reply.toolCalls.map((c) => ({ name: c.name, arguments: c.arguments })),
        },
      ]);
    return {
      traceId,
      spanId: spanId(s.id),
      parentSpanId: s.parentId ? spanId(s.parentId) : rootId,
      name: s.name,
      kind: s.kind === "model" || s.kind === "attempt" ? 3 : 1, // CLIENT for calls out, else INTERNAL
      startTimeUnixNano: startNs(s.offsetMs),
      endTimeUnixNano: startNs(s.offsetMs + s.ms),
      attributes: attributesOf(attrs),
      status: s.attrs["error.type"] ? { code: 2, message: String(s.attrs["longhaul.error"] ?? s.attrs["error.type"]) } : { code: 1 },
    };
  });
  const root = {
    traceId,
    spanId: rootId,
    name: `invoke_agent ${agent.name}`,
    kind: 1,
    startTimeUnixNano: startNs(0),
    endTimeUnixNano: startNs(trace.totalMs),
    attributes: attributesOf({
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.agent.id": trace.agentId,
      "gen_ai.agent.name": agent.name,
      "longhaul.cycle": trace.cycle,
    }),
    status: { code: 1 },
  };
  return {
    resourceSpans: [
      {
        resource: { attributes: attributesOf({ "service.name": "longhaul" }) },
        scopeSpans: [{ scope: { name: "longhaul.cycle-trace" }, spans: [root, ...spans] }],
      },
    ],
  };
}

function attributesOf(attrs: TraceAttributes) {
  return Object.entries(attrs)
    .filter(([, v]) => v !== null)
    .map(([key, value]) => ({
      key,
      value:
        typeof value === "number"
          ? Number.isInteger(value)
            ? { intValue: String(value) }
            : { doubleValue: value }
          : typeof value === "boolean"
            ? { boolValue: value }
            : { stringValue: String(value) },
    }));
}

function hex(seed: string, bytes: number) {
  return createHash("sha256").update(seed).digest().subarray(0, bytes).toString("hex");
}
