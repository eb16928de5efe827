import "server-only";
import OpenAI from "openai";
import { processMetrics } from "../operations/process-metrics";
import { annotateSpan, withSpan } from "../operations/tracing";
import { instanceKeyWithheldMessage } from "../providers/instance-key";
import { providerClient } from "../providers/client";
import { outboundGuard, type OutboundGuard } from "../security/outbound";
import { OPENAI_COMPAT } from "../../shared/provider-kinds";
import { simulate } from "./simulator";
import { collectStream, fromCompletion } from "../providers/completion";
import { readToolCallsFromText, withToolsInPrompt } from "../providers/text-tool-calls";
import { estimateTokens } from "./tokens";
import { preciseNow } from "./trace-recorder";
import type { ModelEndpoint } from "../providers/endpoint";
import type { ModelReply, ModelRequest } from "./model-types";

export type { ModelReply, ModelRequest, ToolCallRequest } from "./model-types";

/**
 * One model call, through the `openai` SDK against OpenAI or any compatible endpoint (Ollama, vLLM,
 * a local test server), or the built-in simulator. Failures come back as values the loop records as
 * error events and tells the model about; nothing here throws for a bad reply.
 */

type ModelOutcome =
  | { ok: true; reply: ModelReply; attempts: number; durationMs: number }
  | {
      ok: false;
      error: string;
      kind: "rate-limited" | "server" | "timeout" | "malformed" | "auth" | "bad-request" | "connection" | "refused";
      attempts?: number;
      durationMs: number;
    };

export type ModelResult = ModelOutcome & {
  /** When each HTTP attempt started (epoch ms), for the cycle's trace; none for the simulator. */
  attemptStarts: number[];
};

export type ModelCallOptions = {
  /** Overrides the provider's own timeout (60 s when it has none). */
  timeoutMs?: number;
  maxRetries?: number;
  /** The outbound guard the call goes through: the process's "model" guard unless a test gives one with its own policy. */
  outbound?: OutboundGuard;
};

export async function callModel(endpoint: ModelEndpoint, request: ModelRequest, options: ModelCallOptions = {}): Promise<ModelResult> {
  // GenAI semantic-convention attributes beside the older names (docs/decisions/038).
  const attributes = {
    model: request.model,
    cycle: request.cycle,
    "model.endpoint": endpoint.kind,
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": request.model,
    "gen_ai.provider.name": endpoint.kind === "simulator" ? "longhaul.simulator" : "openai",
  };
  return withSpan("model.call", attributes, async () => {
    const attemptStarts: number[] = [];
    const result = { ...(await requestModel(endpoint, request, options, () => attemptStarts.push(preciseNow()))), attemptStarts };
    annotateSpan(
      result.ok
        ? {
            "tokens.input": result.reply.usage.inputTokens,
            "tokens.output": result.reply.usage.outputTokens,
            "gen_ai.usage.input_tokens": result.reply.usage.inputTokens,
            "gen_ai.usage.output_tokens": result.reply.usage.outputTokens,
            ...(result.reply.finishReason ? { "gen_ai.response.finish_reasons": [result.reply.finishReason] } : {}),
            attempts: result.attempts,
          }
        : { "model.error": result.kind, attempts: result.attempts ?? 1 },
    );
    processMetrics.modelCalls.inc({ endpoint: endpoint.kind, outcome: result.ok ? "ok" : result.kind });
    return result;
  });
}

async function requestModel(
  endpoint: ModelEndpoint,
  request: ModelRequest,
  { timeoutMs, maxRetries = 3, outbound = outboundGuard("model") }: ModelCallOptions,
  onAttempt: () => void,
): Promise<ModelOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  if (endpoint.kind === "simulator") return { ok: true, reply: simulate(request), attempts: 1, durationMs: elapsed() };

  // The SDK retries 408/409/429/5xx and connection errors with exponential backoff, honouring retry-after.
  // Every HTTP attempt goes through the outbound guard's fetch, counted, so the timeline can show how
  // many retries a call took; a refused address ends the call at once.
  let attempts = 0;
  const guarded = providerClient(endpoint, {
    outbound,
    timeoutMs,
    maxRetries,
    onAttempt: () => {
      attempts += 1;
      onAttempt();
    },
  });
  const client = guarded.client;
  const compat = endpoint.compat ?? OPENAI_COMPAT;
  const toolsAsText = compat.tools === "text" && request.tools.length > 0;
  const messages = toolsAsText ? withToolsInPrompt(request.messages, request.tools) : request.messages;
  const body = {
    model: request.model,
    messages,
    ...(request.tools.length > 0 && !toolsAsText ? { tools: request.tools } : {}),
    // The cap the server honours (a server honouring none still gets the older field: some keep to it loosely).
    ...(compat.outputCap === "max_completion_tokens"
      ? { max_completion_tokens: request.maxOutputTokens }
      : { max_tokens: request.maxOutputTokens }),
    temperature: request.temperature,
  };
  try {
    const answer =
      compat.streaming === "required"
        ? await collectStream(
            await client.chat.completions.create(
              { ...body, stream: true, stream_options: { include_usage: true } },
              { signal: guarded.signal },
            ),
          )
        : await client.chat.completions.create(body, { signal: guarded.signal }).then(fromCompletion);
    if (!answer) return { ok: false, kind: "malformed", error: "The model's reply had no choices.", attempts, durationMs: elapsed() };
    let { content, toolCalls } = answer;
    if (toolsAsText && toolCalls.length === 0 && content) {
      const names = new Set(request.tools.flatMap((tool) => (tool.type === "function" ? [tool.function.name] : [])));
      ({ content, toolCalls } = readToolCallsFromText(content, names, (index) => `text_call_${request.cycle}_${index + 1}`));
    }
    // A server that reports no usage is charged by the loop's own generous count, and the reply says so.
    const counted = answer.usage === null;
    const usage = answer.usage ?? {
      inputTokens: estimateTokens(messages.map((m) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content))).join("\n")),
      outputTokens: estimateTokens((answer.content ?? "") + answer.toolCalls.map((c) => c.name + c.argumentsText).join("")),
    };
    return {
      ok: true,
      reply: { content, toolCalls, usage, ...(counted ? { usageCounted: true } : {}), finishReason: answer.finishReason },
      attempts,
      durationMs: elapsed(),
    };
  } catch (error) {
    const refusal = guarded.refusal();
    if (refusal) return { ok: false, kind: "refused", error: refusal.message, attempts, durationMs: elapsed() };
    return { ok: false, ...describeError(error, endpoint), attempts, durationMs: elapsed() };
  }
}

function describeError(
  error: unknown,
  endpoint: Extract<ModelEndpoint, { kind: "openai" }>,
): { kind: Exclude<ModelOutcome, { ok: true }>["kind"]; error: string } {
  if (error instanceof OpenAI.APIConnectionTimeoutError) return { kind: "timeout", error: "The model did not answer in time." };
  if (error instanceof OpenAI.APIConnectionError) return { kind: "connection", error: `Could not reach the model: ${error.message}` };
  if (error instanceof OpenAI.RateLimitError)
    return { kind: "rate-limited", error: "The model provider is rate-limiting (429) after retries." };
  if (error instanceof OpenAI.AuthenticationError || error instanceof OpenAI.PermissionDeniedError) {
    if (endpoint.isInstanceKeyWithheld) return { kind: "auth", error: instanceKeyWithheldMessage(endpoint.baseURL) };
    return { kind: "auth", error: "The model provider refused the API key." };
  }
  if (error instanceof OpenAI.APIError && typeof error.status === "number" && error.status >= 500) {
    return { kind: "server", error: `The model provider failed (${error.status}) after retries.` };
  }
  if (error instanceof OpenAI.APIError) return { kind: "bad-request", error: `The model provider rejected the request: ${error.message}` };
  // A body that is not JSON surfaces as a SyntaxError from the SDK's parser.
  return { kind: "malformed", error: `The model's reply could not be read: ${error instanceof Error ? error.message : String(error)}` };
}
