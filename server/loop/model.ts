import "server-only";
import OpenAI from "openai";
import { processMetrics } from "../operations/process-metrics";
import { annotateSpan, withSpan } from "../operations/tracing";
import { instanceKeyWithheldMessage } from "../providers/instance-key";
import { fetchForSdk, outboundGuard, type OutboundGuard } from "../security/outbound";
import { simulate } from "./simulator";
import type { ModelEndpoint } from "../providers/endpoint";
import type { ModelReply, ModelRequest, ToolCallRequest } from "./model-types";

export type { ModelReply, ModelRequest, ToolCallRequest } from "./model-types";

/**
 * One model call, through the `openai` SDK against OpenAI or any compatible endpoint (Ollama, vLLM,
 * a local test server), or the built-in simulator. Failures come back as values the loop records as
 * error events and tells the model about; nothing here throws for a bad reply.
 */

export type ModelResult =
  | { ok: true; reply: ModelReply; attempts: number; durationMs: number }
  | {
      ok: false;
      error: string;
      kind: "rate-limited" | "server" | "timeout" | "malformed" | "auth" | "bad-request" | "connection" | "refused";
      attempts?: number;
      durationMs: number;
    };

export type ModelCallOptions = {
  timeoutMs?: number;
  maxRetries?: number;
  /** The outbound guard the call goes through: the process's "model" guard unless a test gives one with its own policy. */
  outbound?: OutboundGuard;
};

export async function callModel(endpoint: ModelEndpoint, request: ModelRequest, options: ModelCallOptions = {}): Promise<ModelResult> {
  return withSpan("model.call", { model: request.model, cycle: request.cycle, "model.endpoint": endpoint.kind }, async () => {
    const result = await requestModel(endpoint, request, options);
    annotateSpan(
      result.ok
        ? { "tokens.input": result.reply.usage.inputTokens, "tokens.output": result.reply.usage.outputTokens, attempts: result.attempts }
        : { "model.error": result.kind, attempts: result.attempts ?? 1 },
    );
    processMetrics.modelCalls.inc({ endpoint: endpoint.kind, outcome: result.ok ? "ok" : result.kind });
    return result;
  });
}

async function requestModel(
  endpoint: ModelEndpoint,
  request: ModelRequest,
  { timeoutMs = 60_000, maxRetries = 3, outbound = outboundGuard("model") }: ModelCallOptions,
): Promise<ModelResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  if (endpoint.kind === "simulator") return { ok: true, reply: simulate(request), attempts: 1, durationMs: elapsed() };

  // The SDK retries 408/409/429/5xx and connection errors with exponential backoff, honouring retry-after.
  // Every HTTP attempt goes through the outbound guard's fetch, counted, so the timeline can show how
  // many retries a call took; a refused address ends the call at once.
  let attempts = 0;
  const guarded = fetchForSdk(outbound, () => (attempts += 1));
  const client = new OpenAI({ baseURL: endpoint.baseURL, apiKey: endpoint.apiKey, timeout: timeoutMs, maxRetries, fetch: guarded.fetch });
  try {
    const completion = await client.chat.completions.create(
      {
        model: request.model,
        messages: request.messages,
        ...(request.tools.length > 0 ? { tools: request.tools } : {}),
        max_completion_tokens: request.maxOutputTokens,
        temperature: request.temperature,
      },
      { signal: guarded.signal },
    );
    const choice = (completion as { choices?: unknown }).choices;
    if (!Array.isArray(choice) || choice.length === 0) {
      return { ok: false, kind: "malformed", error: "The model's reply had no choices.", attempts, durationMs: elapsed() };
    }
    const first = completion.choices[0]!;
    const toolCalls: ToolCallRequest[] = [];
    for (const call of first.message?.tool_calls ?? []) {
      if (call.type !== "function") continue;
      toolCalls.push({ id: call.id, name: call.function.name, argumentsText: call.function.arguments ?? "" });
    }
    return {
      ok: true,
      reply: {
        content: first.message?.content ?? null,
        toolCalls,
        usage: { inputTokens: completion.usage?.prompt_tokens ?? 0, outputTokens: completion.usage?.completion_tokens ?? 0 },
        finishReason: first.finish_reason ?? "stop",
      },
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
): { kind: Exclude<ModelResult, { ok: true }>["kind"]; error: string } {
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
