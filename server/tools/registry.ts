import "server-only";
import { z } from "zod";
import type { GuardedFetch } from "../security/outbound";
import type { ApprovalPolicy } from "../../shared/tool-catalog";

/**
 * The tool registry. A tool is one registration: a zod input schema (sent to the model as JSON
 * schema), a side-effect class and a default approval policy that an agent's settings may override.
 * Side-effecting tools run through the effect ledger (server/tools/effect-ledger.ts); read-only tools are
 * safe to run again.
 */
export type ToolContext = {
  agentId: string;
  teamId: string;
  cycle: number;
  callIndex: number;
  idempotencyKey: string;
  /**
   * The only way a tool reaches the network: fetch through the outbound guard for tools
   * (server/security/outbound.ts), which refuses private and loopback addresses unless the operator
   * allowed them in LONGHAUL_PRIVATE_TOOL_HOSTS. A refusal thrown from here is reported as "refused".
   */
  fetch: GuardedFetch;
};

export type ToolDefinition<Input = unknown> = {
  name: string;
  description: string;
  input: z.ZodType<Input>;
  sideEffect: "read-only" | "side-effecting";
  defaultApproval: ApprovalPolicy;
  /**
   * Doing the call again with the same idempotency key changes nothing more than doing it once (a keyed
   * upsert in Longhaul's own database, like the outbox or a fact). When an attempt died mid-call, such a
   * tool is run again to learn the outcome instead of reporting it unknown.
   */
  replaySafe?: boolean;
  /** What one call costs at most, in USD (e.g. a paid search API): reserved before the call, charged after. Free when unset. */
  costUsd?: string;
  execute: (input: Input, context: ToolContext) => Promise<unknown>;
};

const registry = new Map<string, ToolDefinition>();

export function registerTool<Input>(tool: ToolDefinition<Input>): ToolDefinition<Input> {
  if (registry.has(tool.name)) throw new Error(`A tool named ${tool.name} is already registered.`);
  registry.set(tool.name, tool as ToolDefinition);
  return tool;
}

export function getTool(name: string): ToolDefinition | undefined {
  return registry.get(name);
}

export function listTools(): ToolDefinition[] {
  return [...registry.values()];
}

/** Tool definitions in the OpenAI chat-completions format, for the tools an agent has enabled. */
export function toolsForModel(names: readonly string[]) {
  return names
    .map((name) => registry.get(name))
    .filter((tool): tool is ToolDefinition => tool !== undefined)
    .map((tool) => ({
      type: "function" as const,
      function: { name: tool.name, description: tool.description, parameters: jsonSchemaOf(tool) },
    }));
}

/**
 * A tool's input schema as JSON schema, converted once per registration (every cycle sends it, and
 * the conversion cost the loop ~0.5 ms a cycle). A registration is immutable, so the copy stays right.
 */
const jsonSchemas = new WeakMap<ToolDefinition, Record<string, unknown>>();
function jsonSchemaOf(tool: ToolDefinition): Record<string, unknown> {
  let schema = jsonSchemas.get(tool);
  if (!schema) {
    schema = z.toJSONSchema(tool.input);
    jsonSchemas.set(tool, schema);
  }
  return schema;
}

export type ParsedToolCall = { ok: true; tool: ToolDefinition; input: unknown } | { ok: false; error: string };

/**
 * Turns a model's tool call (name + JSON text) into validated input, or an error message the model
 * is told about on its next turn: never an exception.
 */
export function parseToolCall(name: string, argumentsText: string): ParsedToolCall {
  const tool = registry.get(name);
  if (!tool) return { ok: false, error: `There is no tool named "${name}". Use one of: ${[...registry.keys()].join(", ")}.` };
  let raw: unknown;
  try {
    raw = argumentsText.trim() === "" ? {} : JSON.parse(argumentsText);
  } catch {
    return { ok: false, error: `The arguments for ${name} are not valid JSON: ${argumentsText.slice(0, 200)}` };
  }
  const parsed = tool.input.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(input)"}: ${i.message}`).join("; ");
    return { ok: false, error: `The arguments for ${name} are invalid: ${problems}` };
  }
  return { ok: true, tool, input: parsed.data };
}
