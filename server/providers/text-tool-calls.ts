import "server-only";
import type { ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";

/** A tool call read from text, in the shape the model client returns calls (server/loop/model-types.ts). */
export type TextToolCall = { id: string; name: string; argumentsText: string };

/**
 * Tool calling for endpoints that reject OpenAI's `tools` field or answer calls as text (some Ollama,
 * llama.cpp and LM Studio models): the tools are described in the system prompt, and calls are read
 * back from the reply's text. Accepted forms, the ones such models write: `<tool_call>{json}</tool_call>`
 * (Hermes, Qwen), a fenced ```json block, or the whole reply as one JSON object; each names a tool and
 * its arguments (`{"name": "...", "arguments": {...}}`, also `parameters` or `tool`). Only tools the
 * agent has are taken; anything else stays the reply's text.
 */

export function withToolsInPrompt(messages: ChatCompletionMessageParam[], tools: ChatCompletionTool[]): ChatCompletionMessageParam[] {
  if (tools.length === 0) return messages;
  const described = tools
    .filter((tool) => tool.type === "function")
    .map((tool) =>
      JSON.stringify({ name: tool.function.name, description: tool.function.description, parameters: tool.function.parameters }),
    )
    .join("\n");
  const instructions =
    "You can call these tools. To call one, answer with exactly one line\n" +
    '<tool_call>{"name": "<tool name>", "arguments": {<arguments as JSON>}}</tool_call>\n' +
    "and nothing after it. Tools:\n" +
    described;
  const [first, ...rest] = messages;
  if (first?.role === "system" && typeof first.content === "string")
    return [{ role: "system", content: `${first.content}\n\n${instructions}` }, ...rest];
  return [{ role: "system", content: instructions }, ...messages];
}

type Found = { name: string; args: unknown; start: number; end: number };

export function readToolCallsFromText(
  content: string,
  toolNames: ReadonlySet<string>,
  newId: (index: number) => string,
): { content: string | null; toolCalls: TextToolCall[] } {
  const found: Found[] = [];
  const consider = (jsonText: string, start: number, end: number) => {
    const call = callOf(jsonText);
    if (call && toolNames.has(call.name)) found.push({ ...call, start, end });
  };
  for (const match of content.matchAll(/<tool_call>\s*([\s\S]*?)\s*<\/tool_call>/g))
    consider(match[1]!, match.index, match.index + match[0].length);
  if (found.length === 0)
    for (const match of content.matchAll(/```(?:json)?\s*([\s\S]*?)```/g)) consider(match[1]!, match.index, match.index + match[0].length);
  if (found.length === 0) consider(content.trim(), 0, content.length);
  if (found.length === 0) return { content, toolCalls: [] };
  let rest = "";
  let at = 0;
  for (const call of found) {
    rest += content.slice(at, call.start);
    at = call.end;
  }
  rest = (rest + content.slice(at)).trim();
  return {
    content: rest === "" ? null : rest,
    toolCalls: found.map((call, index) => ({
      id: newId(index),
      name: call.name,
      argumentsText: typeof call.args === "string" ? call.args : JSON.stringify(call.args ?? {}),
    })),
  };
}

function callOf(jsonText: string): { name: string; args: unknown } | null {
  let value: unknown;
  try {
    value = JSON.parse(jsonText);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  const name = record.name ?? record.tool;
  if (typeof name !== "string") return null;
  return { name, args: record.arguments ?? record.parameters ?? {} };
}
