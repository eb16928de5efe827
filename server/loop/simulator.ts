import "server-only";
import type { ModelReply, ModelRequest } from "./model-types";

/**
 * The built-in simulator model (SIMULATOR_LABEL in shared/agent-input.ts): deterministic, needs no key, and walks
 * an agent through every feature so the product can be tried offline: world state, memory, a message
 * that needs approval, a question for a person, and finally `finish`. It picks the step from the
 * cycle number, and only uses tools the agent has enabled.
 */
const SCRIPT: { tool: string; args: (cycle: number, goal: string) => Record<string, unknown> }[] = [
  { tool: "update_world_state", args: (cycle) => ({ set: { phase: "exploring", lastCycle: cycle } }) },
  { tool: "remember", args: (_cycle, goal) => ({ content: `Working on: ${goal.slice(0, 200)}`, kind: "fact", importance: 0.8 }) },
  { tool: "search_memory", args: () => ({ query: "working on" }) },
  { tool: "send_message", args: (cycle) => ({ subject: `Progress at cycle ${cycle}`, body: "The simulator reports steady progress." }) },
  { tool: "ask_human", args: () => ({ question: "Should I keep going? (simulated question)" }) },
  { tool: "update_world_state", args: (cycle) => ({ set: { phase: "wrapping-up", lastCycle: cycle } }) },
  { tool: "finish", args: () => ({ result: "The simulator completed its scripted run.", isSuccess: true }) },
];

export function simulate(request: ModelRequest): ModelReply {
  const enabled = new Set(request.tools.map((t) => (t.type === "function" ? t.function.name : "")));
  const cycle = request.cycle;
  const system = request.messages.find((m) => m.role === "system")?.content;
  const goal = typeof system === "string" ? system : "";
  const available = SCRIPT.filter((s) => enabled.has(s.tool));
  const inputChars = request.messages.reduce((n, m) => n + (typeof m.content === "string" ? m.content.length : 0), 0);
  const usage = (output: string) => ({
    inputTokens: Math.max(1, Math.ceil(inputChars / 4)),
    outputTokens: Math.max(1, Math.ceil(output.length / 4)),
  });
  const next = available[(cycle - 1) % Math.max(1, available.length)];
  if (!next) {
    const content = "The simulator has no enabled tools to use; it only reports.";
    return { content, toolCalls: [], usage: usage(content), finishReason: "stop" };
  }
  const argumentsText = JSON.stringify(next.args(cycle, goal));
  return {
    content: `Simulated step ${cycle}: ${next.tool}.`,
    toolCalls: [{ id: `sim_${cycle}`, name: next.tool, argumentsText }],
    usage: usage(argumentsText),
    finishReason: "tool_calls",
  };
}
