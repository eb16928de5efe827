import "server-only";
import type { Prisma } from "../db/client";
import type { AgentStatus } from "../db/generated/enums";
import type { ApprovalPolicy } from "../../shared/tool-catalog";
import { getTool, parseToolCall } from "../tools";
import { isMcpToolName } from "../../shared/mcp-servers";
import type { HoldKind } from "./holds";
import type { EventRecord, ThinkState } from "./sql";

/**
 * The plan, as pure functions of what a cycle read: what a recorded event means as a decision, whether
 * a call needs a person's approval by its policy, and what a thought's call comes to (an error the model
 * is told about, or a valid call). The writes that record a plan are in decide.ts.
 */

/** What a cycle's think decided: act on a call (held for an approval or not), an idle cycle, a hold, or the end of the run. */
export type Decision =
  | { kind: "act"; callEventSeq: number; toolName: string; approvalId: string | null }
  | { kind: "idle"; reason: string }
  | { kind: "hold"; approvalId: string; holdKind: HoldKind }
  // A null status ends only this run and leaves the agent alone (the run lost its claim on the agent).
  | { kind: "stop"; status: AgentStatus | null; reason: string };

/** Whether a call needs a person's approval, when the policy alone says so (null: it depends on earlier approvals). */
export function approvalByPolicy({ toolName, tools }: { toolName: string; tools: unknown }): boolean | null {
  const setting = (tools as { name: string; approval?: ApprovalPolicy }[]).find((t) => t.name === toolName);
  const policy = setting?.approval ?? getTool(toolName)?.defaultApproval ?? "always";
  if (toolName === "ask_human") return true; // a question always waits for its answer
  if (policy === "never") return false;
  if (policy === "always") return true;
  return null;
}

/** The decision a previous attempt (or an overlapping copy) of this cycle's think already recorded, from its event. */
export function decisionOf(recorded: EventRecord | null): Decision | null {
  if (!recorded) return null;
  const p = recorded.payload as { name?: string; approvalId?: string | null; message?: string; reason?: string };
  if (recorded.type === "tool_call")
    return { kind: "act", callEventSeq: recorded.seq, toolName: p.name ?? "", approvalId: p.approvalId ?? null };
  if (recorded.type === "budget") {
    return { kind: "stop", status: p.reason === "cycles" ? "completed" : "budget_exhausted", reason: p.message ?? "Budget." };
  }
  return { kind: "idle", reason: p.message ?? "error" };
}

/** A cycle's thought as recorded: its call is the one planned. */
export type ThoughtRecord = { id: bigint; seq: number; content: string | null; call: { name: string; arguments: string } | null };

export function thoughtOf(row: EventRecord | null): ThoughtRecord | null {
  if (!row) return null;
  const p = row.payload as { content?: string | null; call?: { name: string; arguments: string } | null };
  return { id: row.id, seq: row.seq, content: p.content ?? null, call: p.call ?? null };
}

export type ToolCall = { name: string; arguments: string };
export type Plan =
  | { kind: "error"; reason: string; event: { type: "error"; payload: Prisma.InputJsonValue } }
  | { kind: "call"; call: ToolCall; input: unknown; needsApproval: boolean };

/** planOf as far as it goes without the database: `needsApproval` is null when it depends on earlier approvals ("first time"). */
export function planWithoutReading(
  call: ToolCall | null,
  agent: ThinkAgent,
): Exclude<Plan, { kind: "call" }> | (Omit<Extract<Plan, { kind: "call" }>, "needsApproval"> & { needsApproval: boolean | null }) {
  const parsed = call ? (isMcpToolName(call.name) ? parseMcpCall(call, agent.tools) : parseToolCall(call.name, call.arguments)) : null;
  if (!call || !parsed?.ok) {
    const message = !call
      ? "The model answered without calling a tool; it was asked to call exactly one."
      : (parsed as { ok: false; error: string }).error;
    const payload = { stage: "think", kind: call ? "invalid-tool-call" : "no-tool-call", message };
    return { kind: "error", reason: message, event: { type: "error", payload } };
  }
  return {
    kind: "call",
    call,
    input: parsed.input,
    needsApproval: approvalByPolicy({ toolName: call.name, tools: agent.tools }) as boolean,
  };
}

/**
 * An MCP tool's call as far as the plan checks it: the agent has the tool enabled and the arguments are a
 * JSON object (the call itself checks the tool's required fields, the server the rest).
 */
function parseMcpCall(call: ToolCall, tools: unknown): { ok: true; input: unknown } | { ok: false; error: string } {
  const setting = (tools as { name: string; enabled?: boolean }[]).find((t) => t.name === call.name);
  if (!setting?.enabled)
    return { ok: false, error: `The tool ${call.name} is not enabled for this agent; use one of the tools you were given.` };
  try {
    const input: unknown = call.arguments.trim() === "" ? {} : JSON.parse(call.arguments);
    if (input && typeof input === "object" && !Array.isArray(input)) return { ok: true, input };
    return { ok: false, error: `The arguments for ${call.name} must be a JSON object.` };
  } catch {
    return { ok: false, error: `The arguments for ${call.name} are not valid JSON: ${call.arguments.slice(0, 200)}` };
  }
}

export const toolCallPayload = (call: ToolCall, approvalId: string | null) => ({
  stage: "think",
  name: call.name,
  arguments: call.arguments,
  approvalId,
});

/** The agent fields a plan and its model call read (of the think state's agent row). */
export type ThinkAgent = Pick<
  NonNullable<ThinkState["agent"]>,
  "provider" | "model" | "temperature" | "maxOutputTokens" | "contextWindow" | "tools" | "approvalTimeoutSeconds"
>;
