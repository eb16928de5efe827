import "server-only";
import { env } from "../env";
import { createOutboundGuard, outboundGuard, type OutboundGuard, type OutboundPolicy } from "../security/outbound";
import type { PrivateHostAllowList } from "../security/outbound-addresses";

/**
 * What this instance lets MCP servers do: the outbound guard remote servers are reached through (purpose
 * "tool", so LONGHAUL_PRIVATE_TOOL_HOSTS opens private addresses to them) and whether local servers may
 * be run over stdio (LONGHAUL_MCP_STDIO). Every function of server/mcp takes one; the default is the
 * operator's settings. Tests build their own with `mcpHostWith` (e.g. to reach a server on 127.0.0.1).
 */
export type McpHost = {
  guard: OutboundGuard;
  /** Connecting (the initialize handshake, a process's start) and each request after it. */
  timeouts: { connectMs: number; requestMs: number };
  /** What discovery keeps at most (server/mcp/discovery.ts). */
  limits: DiscoveryLimits;
  /** The guard's policy, for the courtesy check when a URL is saved (the connect-time check is the enforcement). */
  policy: OutboundPolicy;
  allowsStdio: boolean;
};

export const MCP_TIMEOUTS = { connectMs: 10_000, requestMs: 30_000 } as const;

/**
 * What discovery keeps at most. A hostile or broken server cannot blow up the row: a server over a cap
 * is refused as a whole (its tools are unavailable), with the cap named in its last error.
 */
export const DISCOVERY_LIMITS = {
  tools: 500,
  resources: 1_000,
  resourceTemplates: 200,
  prompts: 500,
  /** One tool as stored (name, description, schemas, annotations), serialized. */
  toolBytes: 64 * 1024,
  /** Everything stored, serialized. */
  totalBytes: 4 * 1024 * 1024,
  /** Pages per list: a server that hands out cursors forever is stopped here. */
  pages: 100,
};
export type DiscoveryLimits = typeof DISCOVERY_LIMITS;

export function defaultMcpHost(): McpHost {
  return {
    guard: outboundGuard("tool"),
    policy: {},
    allowsStdio: env.LONGHAUL_MCP_STDIO === "on",
    timeouts: MCP_TIMEOUTS,
    limits: DISCOVERY_LIMITS,
  };
}

/** A host with its own guard and allow-list (and, for tests, other timeouts or limits); close its guard afterwards. */
export function mcpHostWith({
  allow,
  allowsStdio,
  timeouts = MCP_TIMEOUTS,
  limits = {},
}: {
  allow: PrivateHostAllowList;
  allowsStdio: boolean;
  timeouts?: McpHost["timeouts"];
  limits?: Partial<DiscoveryLimits>;
}): McpHost {
  return {
    guard: createOutboundGuard("tool", { allow }),
    policy: { allow },
    allowsStdio,
    timeouts,
    limits: { ...DISCOVERY_LIMITS, ...limits },
  };
}
