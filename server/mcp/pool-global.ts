import "server-only";
import type { McpConnection } from "./connect";
import type { McpHost } from "./host";

/**
 * What ./pool.ts shares with the modules below it (discovery) and with process shutdown, without them
 * importing the pool: the key of the one pool per process on globalThis, and the shape of a pooled call.
 */
export const MCP_POOL_GLOBAL = Symbol.for("longhaul.mcp-pool");

export type McpPoolHandle = { close: () => Promise<void> };

export type McpCallOptions = {
  /** Start a failing local server now, even within its restart delay (a person pressed Refresh). */
  ignoreRestartDelay?: boolean;
  /** The call lists what the server offers: a list-changed notice older than it needs no refresh. */
  isDiscovery?: boolean;
};

/** `withMcpConnection`'s shape (./pool.ts). */
export type McpRunner = <T>(
  server: { teamId: string; serverId: string },
  host: McpHost,
  fn: (connection: McpConnection, use: { isReused: boolean }) => Promise<T>,
  options?: McpCallOptions,
) => Promise<T>;

/**
 * Closes this process's MCP connections if it opened any (local servers stopped, HTTP sessions ended);
 * for process shutdown (scripts/serve.ts), which must not load the pool (and the database) to do it.
 */
export async function closeMcpPoolOnShutdown() {
  await (globalThis as unknown as Record<symbol, McpPoolHandle | undefined>)[MCP_POOL_GLOBAL]?.close();
}
