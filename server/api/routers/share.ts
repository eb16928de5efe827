import "server-only";
import { z } from "zod";
import { createShareLink, listShareLinks, revokeShareLink } from "../../sharing/share-links";
import { getSharedTimeline } from "../../sharing/shared-view";
import { createTRPCRouter, publicProcedure, teamProcedure } from "../trpc";

const agentId = z.uuid({ message: "That agent id is not valid." });

/**
 * Read-only share links for one agent's history. Everyone in the team sees the links (never their
 * tokens); members and up (the agent:control permission) create and revoke them. `view` is public:
 * the token is the only credential.
 */
export const shareRouter = createTRPCRouter({
  list: teamProcedure("agent:view")
    .input(z.object({ agentId }))
    .query(({ ctx, input }) => listShareLinks({ teamId: ctx.team.id, agentId: input.agentId })),

  /** Returns the link's path with its token once; it cannot be read again. */
  create: teamProcedure("share:manage")
    .input(
      z.object({
        agentId,
        expiresAt: z.date({ message: "Choose a valid expiry date, or no expiry." }).nullish(),
        redactToolData: z.boolean().default(false),
        redactMemories: z.boolean().default(false),
      }),
    )
    .mutation(({ ctx, input }) => createShareLink({ teamId: ctx.team.id, userId: ctx.user.id, ...input })),

  revoke: teamProcedure("share:manage")
    .input(z.object({ id: z.uuid({ message: "That share link id is not valid." }) }))
    .mutation(({ ctx, input }) => revokeShareLink({ teamId: ctx.team.id, userId: ctx.user.id, linkId: input.id })),

  /**
   * The shared history, for anyone holding the token. The token is not validated here: every bad
   * token, whatever its shape, must get the one "not valid" message from the domain function.
   */
  view: publicProcedure
    .input(z.object({ token: z.string(), beforeCycle: z.number().int().min(1).nullish() }))
    .query(({ input }) => getSharedTimeline({ token: input.token, beforeCycle: input.beforeCycle ?? undefined })),
});
