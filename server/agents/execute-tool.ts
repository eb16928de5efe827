import { effectKey, performEffect } from "./effects";
import { parseToolCall } from "./tools";

export type ToolCallOutcome =
  | { status: "invalid"; error: string }
  | { status: "succeeded"; result: unknown; isReplay: boolean }
  | { status: "failed"; error: string; isReplay: boolean }
  | { status: "unknown"; isReplay: true };

/**
 * Runs one tool call chosen by the model. Invalid calls come back as an error for the model, not an
 * exception; side-effecting tools go through the effect ledger so a retried step never repeats them.
 */
export async function executeToolCall(call: {
  agentId: string;
  teamId: string;
  cycle: number;
  callIndex: number;
  name: string;
  argumentsText: string;
}): Promise<ToolCallOutcome> {
  const parsed = parseToolCall(call.name, call.argumentsText);
  if (!parsed.ok) return { status: "invalid", error: parsed.error };
  const { tool, input } = parsed;
  const context = {
    agentId: call.agentId,
    teamId: call.teamId,
    cycle: call.cycle,
    callIndex: call.callIndex,
    idempotencyKey: effectKey(call),
  };
  if (tool.sideEffect === "side-effecting") {
    return performEffect({ ...call, toolName: tool.name, args: input }, (idempotencyKey) =>
      tool.execute(input, { ...context, idempotencyKey }),
    );
  }
  try {
    return { status: "succeeded", result: await tool.execute(input, context), isReplay: false };
  } catch (error) {
    return { status: "failed", error: error instanceof Error ? error.message : String(error), isReplay: false };
  }
}
