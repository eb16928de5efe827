import "server-only";
import { db } from "../db/client";
import { connectMcp, McpConnectError, type McpConnection } from "./connect";
import { defaultMcpHost, type McpHost } from "./host";
import { getMcpEndpoint } from "./servers";

/**
 * One call of an MCP tool: connect (or reuse the server's connection), `tools/call` with the call's time
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
  host?: McpHost;
}): Promise<unknown> {
  const { endpoint } = await getMcpEndpoint({ teamId, serverId });
  let connection: McpConnection;
  try {
    connection = await connectMcp(endpoint, host);
  } catch (error) {
    const reason = error instanceof McpConnectError ? error.message : String(error);
    await markDown({ teamId, serverId, reason });
    throw new McpCallError(`The MCP server "${serverName}" could not be reached: ${reason}`, "unreachable");
  }
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
    throw new McpCallError(`The MCP server "${serverName}" did not complete the call: ${connection.explain(error)}`, "failed");
  } finally {
    await connection.close().catch(() => undefined);
  }
}

async function markDown({ teamId, serverId, reason }: { teamId: string; serverId: string; reason: string }) {
  await db.mcpServer.updateMany({
    where: { id: serverId, teamId },
    data: { status: "down", lastError: reason.slice(0, 2_000), lastCheckedAt: new Date() },
  });
}
