import "server-only";
import { defaultMcpApproval, isMcpToolName, mcpDiscoverySchema, slugOfMcpToolName, type McpDiscovery } from "../../shared/mcp-servers";
import { db } from "../db/client";
import { AppError } from "../errors";

/**
 * A team's MCP tools as agents see them: the list the agent form offers (every server's tools with the
 * approval policy each starts with), the check that an agent's settings name only tools that exist, and
 * what one cycle's model call and a tool call need (definitions, the server a name belongs to).
 * Decision: docs/decisions/035-mcp-servers.md.
 */
type McpTool = McpDiscovery["tools"][number];

export type TeamMcpTool = {
  exposedName: string;
  name: string;
  title: string | null;
  description: string | null;
  inputSchema: Record<string, unknown>;
  annotations: Record<string, unknown>;
  /** readOnlyHint or idempotentHint: calling it again after a crash is safe (the effect ledger re-calls it). */
  replaySafe: boolean;
  defaultApproval: "never" | "always" | "first_time";
};

export type TeamMcpServerTools = {
  serverId: string;
  serverName: string;
  slug: string;
  status: "unknown" | "up" | "down";
  lastError: string | null;
  lastCheckedAt: Date | null;
  /** USD a call of any of its tools costs (reserved before, charged after), or null when free. */
  callCostUsd: string | null;
  /** How long one call of its tools may take. */
  callTimeoutSeconds: number;
  tools: TeamMcpTool[];
};

function toolOf(tool: McpTool): TeamMcpTool {
  const annotations = tool.annotations ?? {};
  return {
    exposedName: tool.exposedName,
    name: tool.name,
    title: tool.title ?? (typeof annotations.title === "string" ? annotations.title : null),
    description: tool.description ?? null,
    inputSchema: tool.inputSchema,
    annotations,
    replaySafe: annotations.readOnlyHint === true || annotations.idempotentHint === true,
    defaultApproval: defaultMcpApproval(annotations),
  };
}

const serverFields = {
  id: true,
  name: true,
  slug: true,
  status: true,
  lastError: true,
  lastCheckedAt: true,
  discovery: true,
  callCostUsd: true,
  callTimeoutSeconds: true,
} as const;

function present(row: {
  id: string;
  name: string;
  slug: string;
  status: string;
  lastError: string | null;
  lastCheckedAt: Date | null;
  discovery: unknown;
  callCostUsd: { toString(): string } | null;
  callTimeoutSeconds: number;
}): TeamMcpServerTools {
  const discovery = row.discovery === null ? null : mcpDiscoverySchema.safeParse(row.discovery);
  return {
    serverId: row.id,
    serverName: row.name,
    slug: row.slug,
    status: row.status as TeamMcpServerTools["status"],
    lastError: row.lastError,
    lastCheckedAt: row.lastCheckedAt,
    callCostUsd: row.callCostUsd && Number(row.callCostUsd.toString()) > 0 ? row.callCostUsd.toString() : null,
    callTimeoutSeconds: row.callTimeoutSeconds,
    tools: discovery?.success ? discovery.data.tools.map(toolOf) : [],
  };
}

/** Every server of the team with the tools its last discovery found (a down server's too: the form shows them, marked). */
export async function listTeamMcpTools(teamId: string): Promise<TeamMcpServerTools[]> {
  const rows = await db.mcpServer.findMany({ where: { teamId }, select: serverFields, orderBy: { name: "asc" } });
  return rows.map(present);
}

/** The servers (by slug) that the MCP names among `names` belong to; one query, none when no name is an MCP name. */
export async function mcpServersForNames(teamId: string, names: readonly string[]): Promise<TeamMcpServerTools[]> {
  const slugs = [...new Set(names.filter(isMcpToolName).map(slugOfMcpToolName))];
  if (slugs.length === 0) return [];
  const rows = await db.mcpServer.findMany({ where: { teamId, slug: { in: slugs } }, select: serverFields });
  return rows.map(present);
}

export function findMcpTool(servers: readonly TeamMcpServerTools[], exposedName: string) {
  const server = servers.find((s) => s.slug === slugOfMcpToolName(exposedName));
  const tool = server?.tools.find((t) => t.exposedName === exposedName);
  return { server: server ?? null, tool: tool ?? null };
}

/**
 * Refuses settings that name an MCP tool no server of the team offers (a typo, another team's tool, a
 * server deleted since), with the field's message. Disabled entries of a tool that went away are kept
 * (the form shows them), enabled ones are refused.
 */
export async function assertMcpToolsExist(teamId: string, tools: readonly { name: string; enabled: boolean }[]) {
  const enabled = tools.filter((t) => t.enabled && isMcpToolName(t.name)).map((t) => t.name);
  if (enabled.length === 0) return;
  const servers = await mcpServersForNames(teamId, enabled);
  const missing = enabled.filter((name) => findMcpTool(servers, name).tool === null);
  if (missing.length > 0) {
    const message = `No MCP server of this team offers ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ` and ${missing.length - 5} more` : ""}; refresh the server or turn the tool off.`;
    throw new AppError("BAD_REQUEST", message, { fieldErrors: { tools: [message] } });
  }
}

/**
 * A server found down is left out for this long after it was last checked; then its tools are offered
 * again, and the next call tries it (and marks it down again if it still fails): a server that comes back
 * is used again without a person refreshing it.
 */
export const DOWN_RETRY_AFTER_MS = 60_000;

/**
 * What the model is offered of an agent's enabled MCP tools: their definitions (from servers that are
 * not down) and a sentence for each enabled tool it cannot have now (server down, deleted, tool gone).
 * A server's description is the server's text, not ours: it is framed as such for the model.
 */
export async function mcpToolsForModel(teamId: string, enabledNames: readonly string[]) {
  const names = enabledNames.filter(isMcpToolName);
  if (names.length === 0) return { definitions: [], unavailable: [] as string[] };
  const servers = await mcpServersForNames(teamId, names);
  const definitions: { type: "function"; function: { name: string; description: string; parameters: Record<string, unknown> } }[] = [];
  const unavailable: string[] = [];
  for (const name of names) {
    const { server, tool } = findMcpTool(servers, name);
    if (!server) unavailable.push(`${name}: its MCP server was removed from the team.`);
    else if (!tool) unavailable.push(`${name}: the MCP server "${server.serverName}" no longer lists this tool.`);
    else if (server.status === "down" && Date.now() - (server.lastCheckedAt?.getTime() ?? 0) < DOWN_RETRY_AFTER_MS)
      unavailable.push(`${name}: the MCP server "${server.serverName}" is down (${(server.lastError ?? "no answer").slice(0, 300)}).`);
    else {
      const about = (tool.description ?? tool.title ?? tool.name).slice(0, 4000);
      definitions.push({
        type: "function",
        function: {
          name,
          description: `Tool "${tool.name}" of the MCP server "${server.serverName}". Its description, as the server gives it: ${about}`,
          parameters: tool.inputSchema,
        },
      });
    }
  }
  return { definitions, unavailable };
}
