import "server-only";
import { z } from "zod";
import { mcpOAuthClientSchema, mcpServerInputSchema, mcpServerUpdateSchema } from "../../../shared/mcp-servers";
import { listTeamMcpTools } from "../../mcp/agent-tools";
import { refreshDiscovery } from "../../mcp/pool";
import { disconnectOAuth, startOAuth } from "../../mcp/oauth";
import { createMcpServer, deleteMcpServer, getMcpServer, listMcpServers, updateMcpServer } from "../../mcp/servers";
import { createTRPCRouter, teamProcedure } from "../trpc";

const id = z.uuid({ message: "That MCP server id is not valid." });

/** A team's MCP servers (issue 20): anyone in the team sees them and what they offer; admins manage them. */
export const mcpRouter = createTRPCRouter({
  /** Every server's tools as an agent's settings offer them (with the approval policy each starts with). */
  agentTools: teamProcedure("team:view").query(({ ctx }) => listTeamMcpTools(ctx.team.id)),

  /** The team's servers with their status and last discovery; header and variable values are never returned. */
  list: teamProcedure("team:view").query(({ ctx }) => listMcpServers(ctx.team.id)),

  get: teamProcedure("team:view")
    .input(z.object({ id }))
    .query(({ ctx, input }) => getMcpServer({ teamId: ctx.team.id, serverId: input.id })),

  create: teamProcedure("mcp:manage")
    .input(mcpServerInputSchema)
    .mutation(({ ctx, input }) => createMcpServer({ teamId: ctx.team.id, userId: ctx.user.id, input })),

  update: teamProcedure("mcp:manage")
    .input(mcpServerUpdateSchema.extend({ id }))
    .mutation(({ ctx, input: { id: serverId, ...input } }) =>
      updateMcpServer({ teamId: ctx.team.id, userId: ctx.user.id, serverId, input }),
    ),

  delete: teamProcedure("mcp:manage")
    .input(z.object({ id }))
    .mutation(({ ctx, input }) => deleteMcpServer({ teamId: ctx.team.id, userId: ctx.user.id, serverId: input.id })),

  /** Connects now and lists the server's tools, resources and prompts; a server that fails is stored as down with why. */
  refresh: teamProcedure("mcp:manage")
    .input(z.object({ id }))
    .mutation(({ ctx, input }) => refreshDiscovery({ teamId: ctx.team.id, serverId: input.id, userId: ctx.user.id })),

  /**
   * Starts an OAuth sign-in for a remote server that asks for one: returns the authorization server's URL
   * to send the browser to (null when the stored sign-in could be renewed without it). The state is bound
   * to this team, server and admin, single-use, for 10 minutes; /api/mcp/oauth/callback finishes it.
   */
  oauthStart: teamProcedure("mcp:manage")
    .input(z.object({ id, client: mcpOAuthClientSchema.optional() }))
    .mutation(({ ctx, input }) => startOAuth({ teamId: ctx.team.id, userId: ctx.user.id, serverId: input.id, client: input.client })),

  /** Forgets the server's OAuth tokens: it needs a sign-in again. */
  oauthDisconnect: teamProcedure("mcp:manage")
    .input(z.object({ id }))
    .mutation(({ ctx, input }) => disconnectOAuth({ teamId: ctx.team.id, userId: ctx.user.id, serverId: input.id })),
});
