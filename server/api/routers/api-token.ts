import "server-only";
import { z } from "zod";
import { apiTokenInputSchema } from "../../../shared/api-tokens";
import { createApiToken, listApiTokens, revokeApiToken } from "../../api-tokens/tokens";
import { createTRPCRouter, teamProcedure } from "../trpc";

export const apiTokenRouter = createTRPCRouter({
  /** The team's tokens: names, roles, creators, prefixes and last use; never a token. */
  list: teamProcedure("token:manage").query(({ ctx }) => listApiTokens({ teamId: ctx.team.id, userId: ctx.user.id, role: ctx.team.role })),

  /** Creates a token acting with `role` (at most the caller's); the token is in this answer only, with the public API's URL. */
  create: teamProcedure("token:manage")
    .input(apiTokenInputSchema)
    .mutation(({ ctx, input }) => createApiToken({ teamId: ctx.team.id, userId: ctx.user.id, role: ctx.team.role, input })),

  revoke: teamProcedure("token:manage")
    .input(z.object({ id: z.uuid({ message: "That token id is not valid." }) }))
    .mutation(({ ctx, input }) => revokeApiToken({ teamId: ctx.team.id, userId: ctx.user.id, role: ctx.team.role, tokenId: input.id })),
});
