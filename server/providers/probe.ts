import "server-only";
import OpenAI from "openai";
import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { z } from "zod";
import { OPENAI_COMPAT, providerCompatSchema, UNCAPPED_OUTPUT_TOKENS, type ProviderCompat } from "../../shared/provider-kinds";
import { outboundGuard, type OutboundGuard } from "../security/outbound";
import { collectStream, fromCompletion } from "./completion";
import { readToolCallsFromText, withToolsInPrompt } from "./text-tool-calls";
import { providerClient } from "./client";

/**
 * "Test connection": what a team learns about an endpoint before an agent depends on it, in a few
 * small requests: the models it lists (GET /models), one chat call with a tool (does it take OpenAI's
 * `tools` field, does it call the tool natively or in text, does it report usage, does it insist on
 * streaming), whether it keeps to an output cap and through which field, and, when the provider has an
 * embedding model, one embeddings call. The result is a sentence, each check, the models and the
 * compatibility the model client then follows (shared/provider-kinds.ts).
 */

const probeCheckSchema = z.object({
  name: z.enum(["models", "chat", "tools", "output cap", "usage", "embeddings"]),
  ok: z.boolean(),
  detail: z.string(),
});
export type ProbeCheck = z.output<typeof probeCheckSchema>;
const probeResultSchema = z.object({
  ok: z.boolean(),
  summary: z.string(),
  checks: z.array(probeCheckSchema),
  models: z.array(z.string()),
  compat: providerCompatSchema,
  testedAt: z.string(),
});
export type ProbeResult = z.output<typeof probeResultSchema>;

/** A stored test result (model_provider.lastTest) as the page shows it; null when there is none or it cannot be read. */
export function lastTestOf(stored: unknown): ProbeResult | null {
  const parsed = probeResultSchema.safeParse(stored);
  return parsed.success ? parsed.data : null;
}
export type ProbeEndpoint = { baseURL?: string; apiKey: string; headers?: Record<string, string>; timeoutMs?: number };

const PING_TOOL = {
  type: "function" as const,
  function: {
    name: "ping",
    description: "Answers pong. Call it when asked to.",
    parameters: { type: "object", properties: { value: { type: "integer" } }, required: ["value"] },
  },
};
const CAP = 8;
const MAX_MODELS = 500;

export async function probeEndpoint(
  endpoint: ProbeEndpoint,
  {
    model,
    embeddingModel,
    outbound = outboundGuard("model"),
    timeoutMs,
  }: { model?: string; embeddingModel?: string | null; outbound?: OutboundGuard; timeoutMs?: number },
): Promise<ProbeResult> {
  const { client, signal, refusal } = providerClient(endpoint, {
    outbound,
    timeoutMs: timeoutMs ?? endpoint.timeoutMs ?? 20_000,
    maxRetries: 0,
  });
  const checks: ProbeCheck[] = [];
  const compat: ProviderCompat = { ...OPENAI_COMPAT };
  const where = endpoint.baseURL ?? "api.openai.com";
  const done = (ok: boolean, models: string[] = []): ProbeResult => ({
    ok,
    summary: summarize(where, ok, checks),
    checks,
    models,
    compat,
    testedAt: new Date().toISOString(),
  });
  const why = (error: unknown) => refusal()?.message ?? describe(error);

  // 1. The model list. A server without one still works: the model is then typed by hand.
  let models: string[] = [];
  try {
    const page = await client.models.list({ signal });
    models = page.data
      .map((m) => m.id)
      .filter((id) => typeof id === "string")
      .slice(0, MAX_MODELS);
    checks.push({ name: "models", ok: true, detail: `Lists ${models.length} model${models.length === 1 ? "" : "s"}.` });
  } catch (error) {
    if (isFatal(error) || refusal()) {
      checks.push({ name: "models", ok: false, detail: why(error) });
      return done(false);
    }
    checks.push({ name: "models", ok: false, detail: `No model list (${why(error)}); type model names by hand.` });
  }

  const chatModel = model?.trim() || models.find((id) => !/embed|whisper|tts|dall-e|moderation/i.test(id));
  if (!chatModel) {
    checks.push({ name: "chat", ok: false, detail: "Name a model to test a chat call with: the server listed none." });
    return done(false, models);
  }

  // 2. One chat call with a tool; each refusal that names a known difference is tried again without it.
  type Body = ChatCompletionCreateParamsNonStreaming;
  const ask = async (body: Omit<Body, "model">) => {
    const full = { ...body, model: chatModel };
    const answer =
      compat.streaming === "required"
        ? await collectStream(
            await client.chat.completions.create({ ...full, stream: true, stream_options: { include_usage: true } }, { signal }),
          )
        : fromCompletion(await client.chat.completions.create(full, { signal }));
    if (!answer) throw new Error("The reply had no choices.");
    return answer;
  };
  const cap = (tokens: number) =>
    compat.outputCap === "max_completion_tokens" ? { max_completion_tokens: tokens } : { max_tokens: tokens };
  const toolRequest = () => {
    const messages = [{ role: "user" as const, content: 'Call the tool "ping" with {"value": 7}. Do not answer in words.' }];
    return compat.tools === "native"
      ? { messages, tools: [PING_TOOL], ...cap(64) }
      : { messages: withToolsInPrompt(messages, [PING_TOOL]), ...cap(64) };
  };
  let reply: Awaited<ReturnType<typeof ask>> | undefined;
  for (let attempt = 0; attempt < 4 && !reply; attempt++) {
    try {
      reply = await ask(toolRequest());
    } catch (error) {
      const message = error instanceof OpenAI.APIError ? error.message : "";
      if (error instanceof OpenAI.BadRequestError && /stream/i.test(message) && compat.streaming === "optional") {
        compat.streaming = "required";
        checks.push({ name: "chat", ok: true, detail: "Answers only streamed requests; Longhaul will stream." });
        continue;
      }
      if (
        error instanceof OpenAI.BadRequestError &&
        /max_completion_tokens/.test(message) &&
        compat.outputCap === "max_completion_tokens"
      ) {
        compat.outputCap = "max_tokens";
        continue;
      }
      // A 400 that names tools (or functions): the server refuses the field; any other 400 is the call's failure.
      if (error instanceof OpenAI.BadRequestError && /tool|function/i.test(message) && compat.tools === "native") {
        compat.tools = "text";
        checks.push({
          name: "tools",
          ok: true,
          detail: `Refuses OpenAI's tools field (${message}); tools will be described in the prompt.`,
        });
        continue;
      }
      checks.push({ name: "chat", ok: false, detail: `The chat call failed: ${why(error)}` });
      return done(false, models);
    }
  }
  if (!reply) {
    checks.push({ name: "chat", ok: false, detail: "The chat call kept failing." });
    return done(false, models);
  }
  checks.push({ name: "chat", ok: true, detail: `Chat with ${chatModel} works.` });
  if (reply.toolCalls.some((call) => call.name === "ping") && compat.tools === "native")
    checks.push({ name: "tools", ok: true, detail: "Calls tools natively." });
  else if (reply.content && readToolCallsFromText(reply.content, new Set(["ping"]), String).toolCalls.length > 0) {
    // Already said when the server refused the tools field; else it took the field and answered in text.
    if (compat.tools === "native")
      checks.push({ name: "tools", ok: true, detail: "Writes tool calls as text; Longhaul will read them from the reply." });
    compat.tools = "text";
  } else checks.push({ name: "tools", ok: false, detail: "The model did not call the tool when asked: it may not support tool calling." });
  compat.usage = reply.usage ? "reported" : "counted";
  checks.push(
    reply.usage
      ? { name: "usage", ok: true, detail: "Reports token usage." }
      : { name: "usage", ok: true, detail: "Reports no token usage; Longhaul will count tokens itself (generously) and say so." },
  );

  // 3. Does it keep to an output cap, and through which field?
  const count = { messages: [{ role: "user" as const, content: "Count from 1 to 300, the numbers separated by spaces." }] };
  const keptTo = (r: Awaited<ReturnType<typeof ask>>) =>
    r.finishReason === "length" || (r.usage ? r.usage.outputTokens <= CAP + 2 : (r.content ?? "").length <= CAP * 5);
  try {
    let kept = keptTo(await ask({ ...count, ...cap(CAP) }));
    if (!kept && compat.outputCap === "max_completion_tokens") {
      compat.outputCap = "max_tokens";
      kept = keptTo(await ask({ ...count, ...cap(CAP) }));
    }
    if (!kept) compat.outputCap = "none";
    checks.push(
      compat.outputCap === "none"
        ? {
            name: "output cap",
            ok: true,
            detail: `Ignores output caps: budgets reserve ${UNCAPPED_OUTPUT_TOKENS.toLocaleString("en-US")} output tokens a call.`,
          }
        : { name: "output cap", ok: true, detail: `Keeps to the output cap in ${compat.outputCap}.` },
    );
  } catch (error) {
    checks.push({ name: "output cap", ok: false, detail: `Could not check the output cap: ${why(error)}` });
  }

  // 4. Embeddings, when memory is to use them.
  if (embeddingModel) {
    try {
      const answer = await client.embeddings.create(
        { model: embeddingModel, input: "Longhaul connection test", encoding_format: "float" },
        { signal },
      );
      const size = answer.data?.[0]?.embedding?.length ?? 0;
      checks.push(
        size > 0
          ? { name: "embeddings", ok: true, detail: `Embeddings with ${embeddingModel} work (${size} dimensions).` }
          : { name: "embeddings", ok: false, detail: `Embeddings with ${embeddingModel} came back empty.` },
      );
    } catch (error) {
      checks.push({ name: "embeddings", ok: false, detail: `No embeddings with ${embeddingModel}: ${why(error)}` });
    }
  }
  return done(
    checks.every((c) => c.ok || c.name === "models"),
    models,
  );
}

/** Errors after which nothing else can work: nobody answers, or the key is refused. */
function isFatal(error: unknown) {
  return (
    error instanceof OpenAI.APIConnectionError ||
    error instanceof OpenAI.AuthenticationError ||
    error instanceof OpenAI.PermissionDeniedError
  );
}

function describe(error: unknown): string {
  if (error instanceof OpenAI.APIConnectionTimeoutError) return "it did not answer in time";
  if (error instanceof OpenAI.APIConnectionError)
    return `unreachable (${error.cause instanceof Error ? error.cause.message : error.message})`;
  if (error instanceof OpenAI.AuthenticationError) return "it refused the API key (401)";
  if (error instanceof OpenAI.PermissionDeniedError) return "the key may not use it (403)";
  if (error instanceof OpenAI.APIError) return `${error.status ?? "error"}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

function summarize(where: string, ok: boolean, checks: ProbeCheck[]): string {
  const failed = checks.filter((c) => !c.ok && c.name !== "models");
  const first = checks.find((c) => c.name === "models" && !c.ok && checks.length === 1);
  if (first) return `Could not use ${where}: ${first.detail}`;
  if (ok) return `${where} works: ${checks.map((c) => c.detail).join(" ")}`;
  return `${where} has problems: ${failed.map((c) => c.detail).join(" ")}`;
}
