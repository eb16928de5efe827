import "server-only";
import { z } from "zod";
import { MCP_TRANSPORTS, mcpServerInputSchema, mcpServerUpdateSchema, type McpServerInput } from "../../../shared/mcp-servers";
import { refreshDiscovery } from "../../mcp/pool";
import { createMcpServer, deleteMcpServer, getMcpServer, listMcpServers, updateMcpServer } from "../../mcp/servers";
import { createTRPCRouter, teamProcedure } from "../trpc";
import { route } from "./meta";
import * as out from "./schemas";

const TAG = "MCP servers";
const serverId = z.uuid({ message: "That MCP server id is not valid." });

const [remote, , local] = mcpServerInputSchema.options;
const REMOTE_ONLY = ["url", "headers"] as const;
const LOCAL_ONLY = ["command", "args", "env"] as const;

/**
 * A new server as one object (an OpenAPI body is an object, not the form's union): the transport and
 * the fields that go with it. A field of the other kind is refused at that field rather than dropped;
 * `createMcpServer` checks the rest with the form's own schema (per-field messages).
 */
const createInput = z
  .object({
    transport: z.enum(MCP_TRANSPORTS, {
      error: () => "Choose how to reach the server: http (Streamable HTTP), sse (HTTP+SSE) or stdio (a local command).",
    }),
    name: remote.shape.name,
    url: remote.shape.url.optional().meta({ description: "http and sse: the server's URL." }),
    headers: remote.shape.headers
      .unwrap()
      .optional()
      .meta({ description: "http and sse: headers sent with each request (e.g. Authorization)." }),
    command: local.shape.command.optional().meta({ description: "stdio: the command to run." }),
    args: local.shape.args.unwrap().optional(),
    env: local.shape.env.unwrap().optional().meta({ description: "stdio: environment variables of the process, on top of a minimal set." }),
    callCostUsd: remote.shape.callCostUsd.meta({ description: 'USD per tool call, e.g. "0.01"; empty or absent: free.' }),
    callTimeoutSeconds: remote.shape.callTimeoutSeconds.meta({ description: "Seconds one tool call may take (1–3600; default 120)." }),
  })
  .superRefine((input, ctx) => {
    const isLocal = input.transport === "stdio";
    const message = isLocal ? "A local server has a command, not a URL or headers." : "A remote server has a URL, not a command.";
    for (const key of isLocal ? REMOTE_ONLY : LOCAL_ONLY) {
      if (input[key] !== undefined) ctx.addIssue({ code: "custom", path: [key], message });
    }
  });

/**
 * A team's MCP servers (issue 20), on the same permissions and functions as the dashboard's `mcp`
 * router: anyone in the team reads them and what they offer, admins manage them. Header and
 * environment variable values are write-only: answers name them, never show them.
 */
export const mcpApi = createTRPCRouter({
  list: teamProcedure("team:view")
    .meta(route("GET", "/mcp-servers", TAG, "List MCP servers", "With each one's status and what its last discovery found."))
    .output(z.array(out.mcpServer))
    .query(({ ctx }) => listMcpServers(ctx.team.id)),

  create: teamProcedure("mcp:manage")
    .meta(
      route(
        "POST",
        "/mcp-servers",
        TAG,
        "Add an MCP server",
        'A remote server (`"transport":"http"`, Streamable HTTP falling back to HTTP+SSE, or `"sse"`) with a URL and headers, or a local command (`"stdio"`, when the operator allows it). Its status is `unknown` until refreshed.',
      ),
    )
    .input(createInput)
    .output(out.mcpServer)
    .mutation(({ ctx, input }) => createMcpServer({ teamId: ctx.team.id, userId: ctx.user.id, input: input as McpServerInput })),

  get: teamProcedure("team:view")
    .meta(route("GET", "/mcp-servers/{id}", TAG, "Get an MCP server"))
    .input(z.object({ id: serverId }))
    .output(out.mcpServer)
    .query(({ ctx, input }) => getMcpServer({ teamId: ctx.team.id, serverId: input.id })),

  update: teamProcedure("mcp:manage")
    .meta(
      route(
        "PATCH",
        "/mcp-servers/{id}",
        TAG,
        "Change an MCP server",
        "Only the fields sent change; `headers` and `env` replace all of them. The transport stays. New connection settings clear the status and discovery until the next refresh.",
      ),
    )
    .input(mcpServerUpdateSchema.extend({ id: serverId }))
    .output(out.mcpServer)
    .mutation(({ ctx, input: { id, ...input } }) => updateMcpServer({ teamId: ctx.team.id, userId: ctx.user.id, serverId: id, input })),

  delete: teamProcedure("mcp:manage")
    .meta(route("DELETE", "/mcp-servers/{id}", TAG, "Delete an MCP server"))
    .input(z.object({ id: serverId }))
    .output(out.ok)
    .mutation(async ({ ctx, input }) => {
      await deleteMcpServer({ teamId: ctx.team.id, userId: ctx.user.id, serverId: input.id });
      return { ok: true as const };
    }),

  refresh: teamProcedure("mcp:manage")
    .meta(
      route(
        "POST",
        "/mcp-servers/{id}/refresh",
        TAG,
        "Refresh an MCP server's discovery",
        "Connects now and lists its tools, resources and prompts. A server that cannot be reached is answered 200 with status `down` and `lastError` saying why.",
      ),
    )
    .input(z.object({ id: serverId }))
    .output(out.mcpServer)
    .mutation(({ ctx, input }) => refreshDiscovery({ teamId: ctx.team.id, serverId: input.id, userId: ctx.user.id })),
});
