import "server-only";
import { db } from "../db/client";
import { McpConnectError } from "./connect";
import { defaultMcpHost, type McpHost } from "./host";
import { withMcpConnection } from "./pool";

/**
 * One call of an MCP tool: on the server's pooled connection (./pool.ts; opened if there is none), `tools/call` with the call's time
 * limit (progress notifications from the server restart it, up to ten times the limit in all), the
 * person's cancellation (an AbortSignal: the SDK tells the server with notifications/cancelled), and
 * progress reported as it comes. A server that cannot be reached is marked down with why (its tools are
 * then not offered until it is refreshed), and the caller gets a sentence, never an exception it must know.
 */
export type McpProgress = { progress: number; total?: number; message?: string };

export class McpCallError extends Error {
  constructor(
    message: string,
    /** "unreachable": nothing was sent; "failed": the request went out and ended badly (timeout, dropped connection), so the server may have acted. */
    readonly kind: "unreachable" | "failed" | "cancelled",
  ) {
    super(message);
    this.name = "McpCallError";
  }
}

export async function callMcpTool({
  teamId,
  serverId,
  serverName,
  toolName,
  args,
  timeoutMs,
  signal,
  onProgress,
  replaySafe = false,
  host = defaultMcpHost(),
}: {
  teamId: string;
  serverId: string;
  serverName: string;
  toolName: string;
  args: Record<string, unknown>;
  timeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (progress: McpProgress) => void;
  /** The tool is read-only or idempotent: a call that failed on a reused connection (the server restarted meanwhile) is made once more on a new one. */
  replaySafe?: boolean;
  host?: McpHost;
}): Promise<unknown> {
  const attempt = (isRetry: boolean) =>
    withMcpConnection({ teamId, serverId }, host, async (connection, { isReused }) => {
      try {
        return await connection.client.callTool({ name: toolName, arguments: args }, undefined, {
          timeout: timeoutMs,
          resetTimeoutOnProgress: true,
          maxTotalTimeout: timeoutMs * 10,
          signal,
          onprogress: onProgress
            ? (p) =>
                onProgress({
                  progress: Number(p.progress) || 0,
                  ...(typeof p.total === "number" ? { total: p.total } : {}),
                  ...(typeof p.message === "string" ? { message: p.message.slice(0, 500) } : {}),
                })
            : undefined,
        });
      } catch (error) {
        if (signal?.aborted) throw new McpCallError(String(signal.reason ?? "The call was cancelled."), "cancelled");
        const failure = new McpCallError(
          `The MCP server "${serverName}" did not complete the call: ${connection.explain(error)}`,
          "failed",
        );
        throw isReused && replaySafe && !isRetry ? new StaleConnection(failure) : failure;
      }
    });
  try {
    return await attempt(false).catch((error: unknown) => {
      if (error instanceof StaleConnection) return attempt(true);
      throw error;
    });
  } catch (error) {
    if (error instanceof McpCallError) throw error;
    // Not connected (McpConnectError: refused, unreachable, a local server that keeps failing), or the server was removed.
    const reason = error instanceof McpConnectError ? error.message : error instanceof Error ? error.message : String(error);
    if (error instanceof McpConnectError) await markDown({ teamId, serverId, reason });
    throw new McpCallError(`The MCP server "${serverName}" could not be reached: ${reason}`, "unreachable");
  }
}

/** A replay-safe call that failed on a reused connection: made once more on a new one. */
class StaleConnection extends Error {
  constructor(readonly failure: McpCallError) {
    super(failure.message);
  }
}

async function markDown({ teamId, serverId, reason }: { teamId: string; serverId: string; reason: string }) {
  await db.mcpServer.updateMany({
    where: { id: serverId, teamId },
    data: { status: "down", lastError: reason.slice(0, 2_000), lastCheckedAt: new Date() },
  });
}
