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
  /** The guard's policy, for the courtesy check when a URL is saved (the connect-time check is the enforcement). */
  policy: OutboundPolicy;
  allowsStdio: boolean;
};

export function defaultMcpHost(): McpHost {
  return { guard: outboundGuard("tool"), policy: {}, allowsStdio: env.LONGHAUL_MCP_STDIO === "on" };
}

/** A host with its own guard and allow-list; close its guard afterwards. */
export function mcpHostWith({ allow, allowsStdio }: { allow: PrivateHostAllowList; allowsStdio: boolean }): McpHost {
  return { guard: createOutboundGuard("tool", { allow }), policy: { allow }, allowsStdio };
}
