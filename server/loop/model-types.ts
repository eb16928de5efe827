import "server-only";
import type { ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";

/** What a model call is asked and what it answers, shared by the model client (model.ts) and the simulator (simulator.ts). */
export type ModelRequest = {
  /** The agent's cycle number; only the simulator uses it (to pick its scripted step). */
  cycle: number;
  model: string;
  messages: ChatCompletionMessageParam[];
  tools: ChatCompletionTool[];
  maxOutputTokens: number;
  temperature: number;
};

export type ToolCallRequest = { id: string; name: string; argumentsText: string };

export type ModelReply = {
  content: string | null;
  toolCalls: ToolCallRequest[];
  usage: { inputTokens: number; outputTokens: number };
  /** The server reported no usage: `usage` is the loop's own generous count (server/loop/tokens.ts). */
  usageCounted?: boolean;
  finishReason: string;
};
