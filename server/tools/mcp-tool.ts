import "server-only";
import { LOOP_STATUSES } from "../../shared/agent-status";
import { appendEvent } from "../agents/events";
import { db } from "../db/client";
import { callMcpTool, McpCallError, type McpProgress } from "../mcp/call";
import { findMcpTool, mcpServersForNames } from "../mcp/agent-tools";
import type { McpHost } from "../mcp/host";
import { shapeMcpResult } from "../mcp/results";
import type { McpResultView } from "../../shared/mcp-results";
import { reserveSpend } from "../spend/budget";
import { effectKey, performEffect } from "./effect-ledger";
import type { ToolCallOutcome } from "./execute-tool";

/**
 * An agent's call of an MCP tool, through the effect ledger like every side effect: the key is written
 * before the call and the receipt (the whole answer, once) after. When an attempt died mid-call, a tool
 * the server marks read-only or idempotent is called again; any other is reported "unknown" and never
 * repeated silently (the loop holds it for a person: retry, mark done, skip). The call has the server's
 * time limit, stops when a person pauses or stops the agent, reports progress to the timeline as it
 * comes, and costs the server's price per call (reserved first). Decision: docs/decisions/035-mcp-servers.md.
 */
type McpToolCall = { agentId: string; teamId: string; cycle: number; callIndex: number; name: string; argumentsText: string };

/** How often a running call checks whether a person paused or stopped the agent. */
const CANCEL_CHECK_MS = 1_000;
/** Progress events written per call at most, and at most one per this many milliseconds. */
const PROGRESS_EVENTS_MAX = 50;
const PROGRESS_EVERY_MS = 1_000;

export async function executeMcpToolCall(call: McpToolCall, host?: McpHost): Promise<ToolCallOutcome> {
  const { agentId, teamId } = call;
  let args: unknown;
  try {
    args = call.argumentsText.trim() === "" ? {} : JSON.parse(call.argumentsText);
  } catch {
    return { status: "invalid", error: `The arguments for ${call.name} are not valid JSON: ${call.argumentsText.slice(0, 200)}` };
  }
  if (!args || typeof args !== "object" || Array.isArray(args)) {
    return { status: "invalid", error: `The arguments for ${call.name} must be a JSON object.` };
  }
  const { server, tool } = findMcpTool(await mcpServersForNames(teamId, [call.name]), call.name);
  if (!server || !tool) {
    return {
      status: "failed",
      error: server
        ? `The MCP server "${server.serverName}" no longer lists the tool behind ${call.name}; use another tool.`
        : `${call.name} belongs to an MCP server that was removed from the team; use another tool.`,
      isReplay: false,
    };
  }
  const missing = requiredMissing(tool.inputSchema, args as Record<string, unknown>);
  if (missing.length > 0) return { status: "invalid", error: `The arguments for ${call.name} lack ${missing.join(", ")}.` };

  let charge: { reservationId: bigint; costUsd: string } | undefined;
  if (server.callCostUsd) {
    const verdict = await reserveSpend({
      agentId,
      teamId,
      kind: "tool",
      model: call.name,
      worstCaseUsd: server.callCostUsd,
      worstCaseTokens: 0,
      nextCycle: call.cycle,
      reservationKey: `tool:${effectKey(call)}`,
    });
    if (!verdict.ok) return { status: "over_budget", error: verdict.message };
    charge = { reservationId: verdict.reservationId, costUsd: server.callCostUsd };
  }

  const limitMs = server.callTimeoutSeconds * 1000;
  const mcp: McpResultView["mcp"] = { serverId: server.serverId, server: server.serverName, tool: tool.name };
  const outcome = await performEffect(
    { agentId, teamId, cycle: call.cycle, callIndex: call.callIndex, toolName: call.name, args },
    () =>
      whileAgentRuns({ agentId, teamId }, async (signal) => {
        const progress = progressWriter({ ...call, tool: tool.name });
        try {
          const raw = await callMcpTool({
            teamId,
            serverId: server.serverId,
            serverName: server.serverName,
            toolName: tool.name,
            args: args as Record<string, unknown>,
            timeoutMs: limitMs,
            signal,
            onProgress: progress.report,
            replaySafe: tool.replaySafe,
            host,
          });
          return shapeMcpResult(raw, mcp).stored;
        } finally {
          await progress.flushed();
        }
      }),
    // A call may run for minutes (progress extends its limit up to ten times): it keeps a heartbeat on its key instead.
    { replaySafe: tool.replaySafe, heartbeat: true },
  );
  const withCharge = <T extends ToolCallOutcome>(o: T): T => (charge ? { ...o, charge } : o);
  if (outcome.status !== "succeeded") return withCharge(outcome);
  // The receipt holds the whole answer (when not too large) and the view; the timeline and the model get the view.
  const view = (outcome.result as { view?: McpResultView } | null)?.view;
  if (!view)
    return withCharge({ status: "failed", error: "The stored answer of this call could not be read.", isReplay: outcome.isReplay });
  if (view.isError) return withCharge({ status: "failed", error: view.text, result: view, isReplay: outcome.isReplay });
  return withCharge({ status: "succeeded", result: view, isReplay: outcome.isReplay });
}

/** The top-level required properties of the tool's input schema that the arguments lack (the server checks the rest). */
function requiredMissing(schema: Record<string, unknown>, args: Record<string, unknown>): string[] {
  const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === "string") : [];
  return required.filter((key) => !(key in args)).slice(0, 10);
}

/**
 * Runs `fn` with a signal that aborts when a person pauses or stops the agent (checked every second).
 * The SDK then tells the server the request is cancelled and the call fails with why.
 */
async function whileAgentRuns<T>({ agentId, teamId }: { agentId: string; teamId: string }, fn: (signal: AbortSignal) => Promise<T>) {
  const controller = new AbortController();
  const timer = setInterval(() => {
    void db.agent
      .findFirst({ where: { id: agentId, teamId }, select: { status: true } })
      .then((agent) => {
        if (agent && !LOOP_STATUSES.loopOwned.includes(agent.status) && !controller.signal.aborted) {
          controller.abort(
            `The call was cancelled because the agent was ${agent.status}; the server was told, but it may have acted already.`,
          );
        }
      })
      .catch(() => undefined);
  }, CANCEL_CHECK_MS);
  try {
    return await fn(controller.signal);
  } catch (error) {
    if (error instanceof McpCallError) throw new Error(error.message);
    throw error;
  } finally {
    clearInterval(timer);
  }
}

/** Progress notifications as `observation` events (kind tool_progress), at most one a second and PROGRESS_EVENTS_MAX a call. */
function progressWriter(call: McpToolCall & { tool: string }) {
  let written = 0;
  let lastAt = 0;
  let pending: Promise<unknown> = Promise.resolve();
  return {
    report: (progress: McpProgress) => {
      const now = Date.now();
      if (written >= PROGRESS_EVENTS_MAX || now - lastAt < PROGRESS_EVERY_MS) return;
      written++;
      lastAt = now;
      pending = pending
        .then(() =>
          appendEvent({
            agentId: call.agentId,
            teamId: call.teamId,
            cycle: call.cycle,
            type: "observation",
            payload: { kind: "tool_progress", name: call.name, tool: call.tool, ...progress },
          }),
        )
        .catch(() => undefined);
    },
    flushed: () => pending,
  };
}
