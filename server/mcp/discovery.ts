import "server-only";
import { exposedToolNames, type McpDiscovery } from "../../shared/mcp-servers";
import { recordAudit } from "../audit/record";
import { db, type Prisma } from "../db/client";
import { notFound } from "../errors";
import { McpConnectError, type McpConnection } from "./connect";
import { defaultMcpHost, type DiscoveryLimits, type McpHost } from "./host";
import type { McpRunner } from "./pool-global";
import { getMcpServer } from "./servers";

/**
 * Discovery: connect to a team's MCP server, list its tools (every page), resources, resource templates
 * and prompts, and store them with the names the model will see; or mark the server down with why.
 * Lists and schemas are capped (DISCOVERY_LIMITS in ./host.ts). The connection is the pool's
 * (`refreshDiscovery` in ./pool.ts, which also calls this when a server says its lists changed).
 */
class DiscoveryRefused extends Error {}

/** Every page of one list, up to its cap (one more than the cap is enough to know it is over). */
async function listAll<T>(
  what: string,
  limit: number,
  maxPages: number,
  fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string }>,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const result = await fetchPage(cursor);
    items.push(...result.items);
    if (items.length > limit) {
      throw new DiscoveryRefused(`The server lists more than ${limit} ${what}; Longhaul keeps at most ${limit}, so it was not used.`);
    }
    cursor = result.nextCursor;
    if (!cursor) return items;
  }
  throw new DiscoveryRefused(`The server's list of ${what} did not end after ${maxPages} pages, so it was not used.`);
}

const sizeOf = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MB` : bytes >= 1024 ? `${Math.round(bytes / 1024)} KB` : `${bytes} bytes`;

const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");

/** Only the fields Longhaul keeps, so a server cannot store anything else on the row. */
const pick = <T extends object, K extends keyof T>(item: T, keys: readonly K[]) =>
  Object.fromEntries(keys.filter((key) => item[key] !== undefined).map((key) => [key, item[key]])) as Pick<T, K>;

async function discover({ client, requestOptions }: McpConnection, slug: string, limits: DiscoveryLimits): Promise<McpDiscovery> {
  const capabilities = client.getServerCapabilities() ?? {};
  const tools = capabilities.tools
    ? await listAll("tools", limits.tools, limits.pages, async (cursor) => {
        const page = await client.listTools({ cursor }, requestOptions);
        return { items: page.tools, nextCursor: page.nextCursor };
      })
    : [];
  const resources = capabilities.resources
    ? await listAll("resources", limits.resources, limits.pages, async (cursor) => {
        const page = await client.listResources({ cursor }, requestOptions);
        return { items: page.resources, nextCursor: page.nextCursor };
      })
    : [];
  const resourceTemplates = capabilities.resources
    ? await listAll("resource templates", limits.resourceTemplates, limits.pages, async (cursor) => {
        const page = await client.listResourceTemplates({ cursor }, requestOptions);
        return { items: page.resourceTemplates, nextCursor: page.nextCursor };
      })
    : [];
  const prompts = capabilities.prompts
    ? await listAll("prompts", limits.prompts, limits.pages, async (cursor) => {
        const page = await client.listPrompts({ cursor }, requestOptions);
        return { items: page.prompts, nextCursor: page.nextCursor };
      })
    : [];

  const exposed = exposedToolNames(
    slug,
    tools.map((tool) => tool.name),
  );
  const kept: McpDiscovery["tools"] = tools.map((tool) => ({
    ...pick(tool, ["name", "title", "description", "inputSchema", "outputSchema", "annotations"] as const),
    exposedName: exposed.get(tool.name)!,
  }));
  const tooBig = kept.find((tool) => bytesOf(tool) > limits.toolBytes);
  if (tooBig) {
    throw new DiscoveryRefused(
      `The tool "${tooBig.name.slice(0, 100)}" is described in more than ${sizeOf(limits.toolBytes)} (its schema and description); Longhaul refuses it, so the server was not used.`,
    );
  }
  const info = client.getServerVersion();
  const discovery: McpDiscovery = {
    server: info ? { name: String(info.name).slice(0, 200), version: String(info.version).slice(0, 100) } : null,
    tools: kept,
    resources: resources.map((r) => pick(r, ["uri", "name", "title", "description", "mimeType"] as const)),
    resourceTemplates: resourceTemplates.map((r) => pick(r, ["uriTemplate", "name", "description", "mimeType"] as const)),
    prompts: prompts.map((p) => ({
      ...pick(p, ["name", "title", "description"] as const),
      ...(p.arguments ? { arguments: p.arguments.map((a) => pick(a, ["name", "description", "required"] as const)) } : {}),
    })),
  };
  if (bytesOf(discovery) > limits.totalBytes) {
    throw new DiscoveryRefused(
      `What the server describes is larger than ${sizeOf(limits.totalBytes)}; Longhaul refuses it, so the server was not used.`,
    );
  }
  return discovery;
}

/**
 * Lists what the server offers over `run`'s connection (the pool's) and stores it (status "up"), or
 * stores why it could not (status "down", the last error; the last discovery is kept to show, but a down
 * server's tools are not offered). Never throws for the server's own failures: they are its status. A
 * failure on a connection opened before this refresh (e.g. an HTTP session the server forgot when it
 * restarted) is tried once more on a new one. Returns the server as shown.
 */
export async function refreshDiscoveryOver(
  run: McpRunner,
  {
    teamId,
    serverId,
    userId = null,
    host = defaultMcpHost(),
  }: {
    teamId: string;
    serverId: string;
    /** Who asked (audited; a person's refresh starts even a failing local server at once); null when the system refreshes. */
    userId?: string | null;
    host?: McpHost;
  },
) {
  const row = await db.mcpServer.findFirst({ where: { id: serverId, teamId }, select: { slug: true } });
  if (!row) throw notFound("That MCP server");
  const attempt = async (): Promise<
    { status: "up"; discovery: McpDiscovery } | { status: "down"; error: string; isRetryable: boolean }
  > => {
    let connection: McpConnection | null = null;
    let isReused = false;
    try {
      const discovery = await run(
        { teamId, serverId },
        host,
        (open, use) => {
          connection = open;
          isReused = use.isReused;
          return discover(open, row.slug, host.limits);
        },
        { isDiscovery: true, ignoreRestartDelay: userId !== null },
      );
      return { status: "up", discovery };
    } catch (error) {
      const isOwn = error instanceof McpConnectError || error instanceof DiscoveryRefused;
      const message = isOwn ? error.message : ((connection as McpConnection | null)?.explain(error) ?? String(error));
      return { status: "down", error: message, isRetryable: isReused && !isOwn };
    }
  };
  let outcome = await attempt();
  if (outcome.status === "down" && outcome.isRetryable) outcome = await attempt();
  const now = new Date();
  const data: Prisma.McpServerUpdateManyMutationInput =
    outcome.status === "up"
      ? {
          status: "up",
          lastError: null,
          lastCheckedAt: now,
          discovery: outcome.discovery as unknown as Prisma.InputJsonValue,
          discoveredAt: now,
        }
      : { status: "down", lastError: outcome.error, lastCheckedAt: now };
  const updated = await db.mcpServer.updateMany({ where: { id: serverId, teamId }, data });
  if (updated.count === 0) throw notFound("That MCP server");
  await recordAudit(db, { teamId, actorId: userId, action: "mcp.refresh", targetId: serverId, metadata: { status: outcome.status } });
  return getMcpServer({ teamId, serverId });
}
