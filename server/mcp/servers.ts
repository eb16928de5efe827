import "server-only";
import { type z } from "zod";
import {
  MCP_STDIO_SETTING,
  mcpDiscoverySchema,
  mcpServerInputSchema,
  mcpServerUpdateSchema,
  slugifyServerName,
  type McpServerInput,
  type McpServerUpdate,
} from "../../shared/mcp-servers";
import { zodFieldErrors } from "../../shared/validation";
import { recordAudit, type AuditAction } from "../audit/record";
import { db, Prisma } from "../db/client";
import { AppError, notFound } from "../errors";
import { decryptSecret, encryptSecret } from "../secrets/crypto";
import { findRefusalForUrl, PRIVATE_HOSTS_SETTING } from "../security/outbound";
import type { McpEndpoint } from "./connect";
import { defaultMcpHost, type McpHost } from "./host";
import { StoredOAuthProvider, type McpAuthStatus } from "./oauth-provider";

/**
 * A team's MCP servers: where they are (a URL with headers, or a local command with its environment;
 * header and variable values encrypted at rest like provider keys, never returned, only their names),
 * and what the last discovery found (server/mcp/discovery.ts). Admins manage them ("mcp:manage").
 */
const publicFields = {
  id: true,
  name: true,
  slug: true,
  transport: true,
  url: true,
  headerNames: true,
  command: true,
  args: true,
  envNames: true,
  status: true,
  lastError: true,
  lastCheckedAt: true,
  discovery: true,
  discoveredAt: true,
  callCostUsd: true,
  callTimeoutSeconds: true,
  authStatus: true,
  authError: true,
  oauthExpiresAt: true,
  createdAt: true,
  updatedAt: true,
} as const;

type PublicRow = Prisma.McpServerGetPayload<{ select: typeof publicFields }>;

/** A server as the browser sees it: no header or variable values. */
function present(row: PublicRow) {
  const discovery = row.discovery === null ? null : mcpDiscoverySchema.safeParse(row.discovery);
  return {
    ...row,
    transport: row.transport as "http" | "sse" | "stdio",
    status: row.status as "unknown" | "up" | "down",
    authStatus: row.authStatus as McpAuthStatus,
    discovery: discovery?.success ? discovery.data : null,
    callCostUsd: row.callCostUsd === null ? null : row.callCostUsd.toString(),
  };
}
export type McpServerView = ReturnType<typeof present>;

function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new AppError("BAD_REQUEST", "Some fields need attention.", zodFieldErrors(parsed.error));
  return parsed.data;
}

async function audit(teamId: string, userId: string, action: AuditAction, serverId: string, metadata: Record<string, string> = {}) {
  await recordAudit(db, { teamId, actorId: userId, action, targetId: serverId, metadata });
}

const isUniqueViolation = (error: unknown) => error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
const nameTaken = () =>
  new AppError("CONFLICT", "An MCP server with that name already exists in this team.", { fieldErrors: { name: ["That name is taken."] } });

/** Encrypted {name: value} and the names, for headers and environment variables alike. */
function secretPairs(teamId: string, pairs: { name: string; value: string }[]) {
  return {
    ciphertext: pairs.length > 0 ? encryptSecret(JSON.stringify(Object.fromEntries(pairs.map((p) => [p.name, p.value]))), teamId) : null,
    names: pairs.map((p) => p.name),
  };
}

const readPairs = (teamId: string, ciphertext: string | null): Record<string, string> =>
  ciphertext ? (JSON.parse(decryptSecret(ciphertext, teamId)) as Record<string, string>) : {};

function refuseStdio(host: McpHost) {
  if (host.allowsStdio) return;
  const message = `Local MCP servers (a command run on this host) are off on this instance; an operator can turn them on with ${MCP_STDIO_SETTING}=on.`;
  throw new AppError("FORBIDDEN", message, { fieldErrors: { transport: [message] } });
}

/** The courtesy check at save time (connecting checks again): a URL the outbound guard would refuse is refused at its field. */
async function assertReachableUrl(url: string, host: McpHost) {
  const refusal = await findRefusalForUrl("tool", url, host.policy);
  if (!refusal) return;
  const message =
    `MCP servers are not reached at private addresses, and ${refusal.explanation}. ` +
    `An operator of this instance can allow it with ${PRIVATE_HOSTS_SETTING.tool}.`;
  throw new AppError("BAD_REQUEST", message, { fieldErrors: { url: [message] } });
}

/** The first of `base`, `base-2`, `base-3`, … no server of the team has. */
async function freeSlug(teamId: string, base: string) {
  const taken = new Set(
    (await db.mcpServer.findMany({ where: { teamId, slug: { startsWith: base } }, select: { slug: true } })).map((r) => r.slug),
  );
  for (let n = 1; ; n++) {
    const slug = n === 1 ? base : `${base}-${n}`;
    if (!taken.has(slug)) return slug;
  }
}

/** The price and time limit of a call, as columns: an empty price is free (null). */
function callColumns(input: { callCostUsd?: string; callTimeoutSeconds?: number }) {
  return {
    ...(input.callCostUsd !== undefined
      ? { callCostUsd: input.callCostUsd === "" || Number(input.callCostUsd) === 0 ? null : new Prisma.Decimal(input.callCostUsd) }
      : {}),
    ...(input.callTimeoutSeconds !== undefined ? { callTimeoutSeconds: input.callTimeoutSeconds } : {}),
  };
}

export async function listMcpServers(teamId: string) {
  const rows = await db.mcpServer.findMany({ where: { teamId }, orderBy: { name: "asc" }, select: publicFields });
  return rows.map(present);
}

export async function getMcpServer({ teamId, serverId }: { teamId: string; serverId: string }) {
  const row = await db.mcpServer.findFirst({ where: { id: serverId, teamId }, select: publicFields });
  if (!row) throw notFound("That MCP server");
  return present(row);
}

export async function createMcpServer({
  teamId,
  userId,
  input: given,
  host = defaultMcpHost(),
}: {
  teamId: string;
  userId: string;
  input: McpServerInput;
  host?: McpHost;
}) {
  const input = parseInput(mcpServerInputSchema, given);
  if (input.transport === "stdio") refuseStdio(host);
  else await assertReachableUrl(input.url, host);
  if (await db.mcpServer.count({ where: { teamId, name: input.name } })) throw nameTaken();
  const connection =
    input.transport === "stdio"
      ? (() => {
          const env = secretPairs(teamId, input.env);
          return { command: input.command, args: input.args, envCiphertext: env.ciphertext, envNames: env.names };
        })()
      : (() => {
          const headers = secretPairs(teamId, input.headers);
          return { url: input.url, headersCiphertext: headers.ciphertext, headerNames: headers.names };
        })();
  const base = slugifyServerName(input.name);
  // Two admins adding servers of similar names at once may both pick a slug: the unique index decides, the loser picks again.
  for (let attempt = 0; ; attempt++) {
    try {
      const row = await db.mcpServer.create({
        data: {
          teamId,
          name: input.name,
          slug: await freeSlug(teamId, base),
          transport: input.transport,
          ...connection,
          ...callColumns(input),
        },
        select: publicFields,
      });
      await audit(teamId, userId, "mcp.create", row.id, { transport: input.transport });
      return present(row);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      if (await db.mcpServer.count({ where: { teamId, name: input.name } })) throw nameTaken();
      if (attempt >= 3) throw error;
    }
  }
}

/**
 * Changes a server's settings (not its transport). New connection settings (URL, headers, command,
 * arguments, environment) make what was discovered void: the server is "unknown" until it is refreshed.
 * Audited with the names of the fields that changed, never their values.
 */
export async function updateMcpServer({
  teamId,
  userId,
  serverId,
  input: given,
  host = defaultMcpHost(),
}: {
  teamId: string;
  userId: string;
  serverId: string;
  input: McpServerUpdate;
  host?: McpHost;
}) {
  const input = parseInput(mcpServerUpdateSchema, given);
  const current = await db.mcpServer.findFirst({ where: { id: serverId, teamId }, select: { transport: true, url: true } });
  if (!current) throw notFound("That MCP server");
  const isLocal = current.transport === "stdio";
  const misplaced = (isLocal ? (["url", "headers"] as const) : (["command", "args", "env"] as const)).filter(
    (key) => input[key] !== undefined,
  );
  if (misplaced.length > 0) {
    const message = isLocal ? "A local server has a command, not a URL or headers." : "A remote server has a URL, not a command.";
    throw new AppError("BAD_REQUEST", message, { fieldErrors: Object.fromEntries(misplaced.map((key) => [key, [message]])) });
  }
  if (isLocal) refuseStdio(host);
  if (input.url !== undefined) await assertReachableUrl(input.url, host);
  const headers = input.headers === undefined ? undefined : secretPairs(teamId, input.headers);
  const env = input.env === undefined ? undefined : secretPairs(teamId, input.env);
  const changed = Object.keys(input).filter((key) => input[key as keyof typeof input] !== undefined);
  const isEndpointChanged = changed.some((key) => !["name", "callCostUsd", "callTimeoutSeconds"].includes(key));
  const data: Prisma.McpServerUpdateManyMutationInput = {
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.url !== undefined ? { url: input.url } : {}),
    ...(headers ? { headersCiphertext: headers.ciphertext, headerNames: headers.names } : {}),
    ...(input.command !== undefined ? { command: input.command } : {}),
    ...(input.args !== undefined ? { args: input.args } : {}),
    ...(env ? { envCiphertext: env.ciphertext, envNames: env.names } : {}),
    ...callColumns(input),
    ...(isEndpointChanged ? { status: "unknown", lastError: null, discovery: Prisma.DbNull, discoveredAt: null } : {}),
    // A sign-in belongs to the URL it was given for: tokens are never sent to another server.
    ...(input.url !== undefined && input.url !== current.url
      ? { oauthCiphertext: null, authStatus: "none", authError: null, oauthExpiresAt: null, oauthStateHash: null }
      : {}),
  };
  try {
    const updated = await db.mcpServer.updateMany({ where: { id: serverId, teamId }, data });
    if (updated.count === 0) throw notFound("That MCP server");
  } catch (error) {
    throw isUniqueViolation(error) ? nameTaken() : error;
  }
  await audit(teamId, userId, "mcp.update", serverId, { fields: changed.join(", ") });
  return getMcpServer({ teamId, serverId });
}

export async function deleteMcpServer({ teamId, userId, serverId }: { teamId: string; userId: string; serverId: string }) {
  const deleted = await db.mcpServer.deleteMany({ where: { id: serverId, teamId } });
  if (deleted.count === 0) throw notFound("That MCP server");
  await audit(teamId, userId, "mcp.delete", serverId);
  return { id: serverId };
}

/** A server's connection settings with its header and variable values decrypted, for connectMcp only. */
export async function getMcpEndpoint({ teamId, serverId }: { teamId: string; serverId: string }) {
  const row = await db.mcpServer.findFirst({
    where: { id: serverId, teamId },
    select: { slug: true, transport: true, url: true, headersCiphertext: true, command: true, args: true, envCiphertext: true },
  });
  if (!row) throw notFound("That MCP server");
  const endpoint: McpEndpoint =
    row.transport === "stdio"
      ? { transport: "stdio", command: row.command ?? "", args: row.args, env: readPairs(teamId, row.envCiphertext) }
      : {
          transport: row.transport === "sse" ? "sse" : "http",
          url: row.url ?? "",
          headers: readPairs(teamId, row.headersCiphertext),
          authProvider: new StoredOAuthProvider({ teamId, serverId }, { kind: "connect" }),
        };
  return { slug: row.slug, endpoint };
}
