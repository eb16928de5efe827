import "server-only";
import type { ModelReply, ModelRequest } from "./model-types";
import { isMcpToolName } from "../../shared/mcp-servers";
import { argumentsFromSchema } from "../../shared/schema-example";

/**
 * The built-in simulator model (SIMULATOR_LABEL in shared/agent-input.ts): deterministic, needs no key, and walks
 * an agent through every feature so the product can be tried offline: world state, memory, delegating
 * to two children (when `delegate` is enabled) and waiting for their results, a message that needs
 * approval, a question for a person, and finally `finish`. It picks the step from the
 * cycle number, and only uses tools the agent has enabled.
 */
const SCRIPT: { tool: string; args: (cycle: number, goal: string) => Record<string, unknown> }[] = [
  { tool: "update_world_state", args: (cycle) => ({ set: { phase: "exploring", lastCycle: cycle } }) },
  { tool: "remember", args: (_cycle, goal) => ({ content: `Working on: ${goal.slice(0, 200)}`, kind: "fact", importance: 0.8 }) },
  { tool: "search_memory", args: () => ({ query: "working on" }) },
  {
    // Once, with two children in parallel that each note something, remember it and finish (no `delegate` of their own).
    tool: "delegate",
    args: () => ({
      tasks: ["first", "second"].map((part) => ({
        name: `${part} reader`,
        goal: `Read the ${part} half of the sources and report what it says (simulated).`,
        tools: ["update_world_state", "remember"],
        maxCycles: 5,
      })),
      wait: true,
    }),
  },
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
  // With MCP tools enabled, the script calls the first of them once, after searching memory, with
  // arguments made from its input schema: the whole MCP flow can be seen without a model key.
  const mcpTool = request.tools.find((t) => t.type === "function" && isMcpToolName(t.function.name));
  if (mcpTool?.type === "function") {
    const schema = (mcpTool.function.parameters ?? {}) as Record<string, unknown>;
    const step = { tool: mcpTool.function.name, args: () => argumentsFromSchema(schema) as Record<string, unknown> };
    const after = available.findIndex((s) => s.tool === "search_memory");
    available.splice(after === -1 ? Math.min(2, available.length) : after + 1, 0, step);
  }
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
