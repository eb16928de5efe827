import "server-only";
import type OpenAI from "openai";
import type { TextToolCall } from "./text-tool-calls";

/**
 * A chat completion's answer as the model call (server/loop/model.ts) and Test connection
 * (server/providers/probe.ts) read it, from a plain reply or put together from a stream. `usage` is null
 * when the server reported none.
 */
export type Answer = {
  content: string | null;
  toolCalls: TextToolCall[];
  usage: { inputTokens: number; outputTokens: number } | null;
  finishReason: string;
};

/** A chat completion as Longhaul reads it (the model call and Test connection); null when it has no choice (a malformed reply). */
export function fromCompletion(completion: OpenAI.Chat.Completions.ChatCompletion): Answer | null {
  const choices = (completion as { choices?: unknown }).choices;
  if (!Array.isArray(choices) || choices.length === 0) return null;
  const first = completion.choices[0]!;
  const toolCalls: TextToolCall[] = [];
  for (const call of first.message?.tool_calls ?? []) {
    if (call.type !== "function") continue;
    toolCalls.push({ id: call.id, name: call.function.name, argumentsText: call.function.arguments ?? "" });
  }
  return {
    content: first.message?.content ?? null,
    toolCalls,
    usage: completion.usage
      ? { inputTokens: completion.usage.prompt_tokens ?? 0, outputTokens: completion.usage.completion_tokens ?? 0 }
      : null,
    finishReason: first.finish_reason ?? "stop",
  };
}

/** A streamed completion put together: content pieces in order, tool calls by index, the finish and the usage chunk. */
export async function collectStream(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>): Promise<Answer | null> {
  let content: string | null = null;
  let finishReason: string | null = null;
  let usage: Answer["usage"] = null;
  let sawChoice = false;
  const calls = new Map<number, { id: string; name: string; argumentsText: string }>();
  for await (const chunk of stream) {
    if (chunk.usage) usage = { inputTokens: chunk.usage.prompt_tokens ?? 0, outputTokens: chunk.usage.completion_tokens ?? 0 };
    for (const choice of chunk.choices ?? []) {
      sawChoice = true;
      if (choice.delta?.content) content = (content ?? "") + choice.delta.content;
      for (const piece of choice.delta?.tool_calls ?? []) {
        const call = calls.get(piece.index) ?? { id: "", name: "", argumentsText: "" };
        if (piece.id) call.id = piece.id;
        if (piece.function?.name) call.name += piece.function.name;
        if (piece.function?.arguments) call.argumentsText += piece.function.arguments;
        calls.set(piece.index, call);
      }
      if (choice.finish_reason) finishReason = choice.finish_reason;
    }
  }
  if (!sawChoice) return null;
  const toolCalls = [...calls.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, call]) => ({ ...call, id: call.id || `stream_call_${index + 1}` }));
  return { content, toolCalls, usage, finishReason: finishReason ?? "stop" };
}
