import "server-only";
import { findOutboundRefusal, outboundGuard, type OutboundGuard, type OutboundRefusedError } from "../security/outbound";
import { effectKey, performEffect } from "./effect-ledger";
import { reserveSpend } from "../spend/budget";
import { parseToolCall, type ToolDefinition } from "./index";
import { isMcpToolName } from "../../shared/mcp-servers";
import type { McpHost } from "../mcp/host";
import { executeMcpToolCall } from "./mcp-tool";

export type ToolCallOutcome = (
  | { status: "invalid"; error: string }
  | { status: "over_budget"; error: string }
  | { status: "succeeded"; result: unknown; isReplay: boolean }
  /** An MCP tool's answer marked as an error carries its view too (the timeline shows it). */
  | { status: "failed"; error: string; isReplay: boolean; result?: unknown }
  /** The outbound guard refused the address the tool tried to reach ("private address"); nothing was sent. */
  | { status: "refused"; error: string; reason: OutboundRefusedError["reason"]; isReplay: boolean }
  | { status: "unknown"; isReplay: true }
) & { charge?: { reservationId: bigint; costUsd: string } };

type ToolCall = { agentId: string; teamId: string; cycle: number; callIndex: number; name: string; argumentsText: string };

/**
 * Runs one tool call chosen by the model. Invalid calls come back as an error for the model, not an
 * exception; side-effecting tools go through the effect ledger so a retried step never repeats them.
 */
export async function executeToolCall(
  call: ToolCall,
  /** The guard tools reach the network through: the process's "tool" guard unless a test gives one with its own policy. */
  outbound: OutboundGuard = outboundGuard("tool"),
  /** What MCP servers may do (the operator's settings unless a test gives its own). */
  mcpHost?: McpHost,
): Promise<ToolCallOutcome> {
  // A tool of one of the team's MCP servers (its own path: the server's tool, price and time limit).
  if (isMcpToolName(call.name)) return executeMcpToolCall(call, mcpHost);
  const parsed = parseToolCall(call.name, call.argumentsText);
  if (!parsed.ok) return { status: "invalid", error: parsed.error };
  const { tool, input } = parsed;
  // A priced tool reserves its cost first (once per call, however often the step is retried); the
  // caller commits the charge with the result's event. A call that could cross the limit never starts.
  let charge: { reservationId: bigint; costUsd: string } | undefined;
  if (tool.costUsd && Number(tool.costUsd) > 0) {
    const verdict = await reserveSpend({
      agentId: call.agentId,
      teamId: call.teamId,
      kind: "tool",
      model: tool.name,
      worstCaseUsd: tool.costUsd,
      worstCaseTokens: 0,
      nextCycle: call.cycle,
      reservationKey: `tool:${effectKey(call)}`,
    });
    if (!verdict.ok) return { status: "over_budget", error: verdict.message };
    charge = { reservationId: verdict.reservationId, costUsd: tool.costUsd };
  }
  return { ...(await run(tool, input, call, outbound)), ...(charge ? { charge } : {}) };
}

async function run(tool: ToolDefinition, input: unknown, call: ToolCall, outbound: OutboundGuard): Promise<ToolCallOutcome> {
  const context = {
    agentId: call.agentId,
    teamId: call.teamId,
    cycle: call.cycle,
    callIndex: call.callIndex,
    idempotencyKey: effectKey(call),
    fetch: outbound.fetch,
  };
  const refused = (refusal: OutboundRefusedError, isReplay: boolean): ToolCallOutcome => ({
    status: "refused",
    error: refusal.message,
    reason: refusal.reason,
    isReplay,
  });
  if (tool.sideEffect === "side-effecting") {
    let refusal: OutboundRefusedError | null = null;
    const outcome = await performEffect(
      { ...call, toolName: tool.name, args: input },
      (idempotencyKey) =>
        tool.execute(input, { ...context, idempotencyKey }).catch((error: unknown) => {
          refusal = findOutboundRefusal(error);
          throw error;
        }),
      { replaySafe: tool.replaySafe === true },
    );
    return outcome.status === "failed" && refusal ? refused(refusal, outcome.isReplay) : outcome;
  }
  try {
    return { status: "succeeded", result: await tool.execute(input, context), isReplay: false };
  } catch (error) {
    const refusal = findOutboundRefusal(error);
    if (refusal) return refused(refusal, false);
    return { status: "failed", error: error instanceof Error ? error.message : String(error), isReplay: false };
  }
}
