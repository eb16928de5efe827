import "server-only";
import { z } from "zod";
import {
  createProvider,
  deleteProvider,
  listProviders,
  providerInputSchema,
  rotateProviderKey,
  setEmbeddingModel,
} from "../../providers/providers";
import { createTRPCRouter, teamProcedure } from "../trpc";

const id = z.uuid({ message: "That provider id is not valid." });

export const providerRouter = createTRPCRouter({
  /** The team's providers, without keys (only whether one is set and its last four characters). */
  list: teamProcedure("team:view").query(({ ctx }) => listProviders(ctx.team.id)),

  create: teamProcedure("provider:manage")
    .input(providerInputSchema)
    .mutation(({ ctx, input }) => createProvider({ teamId: ctx.team.id, userId: ctx.user.id, input })),

  rotateKey: teamProcedure("provider:manage")
    .input(z.object({ id, apiKey: z.string().max(500, { message: "That key is too long." }) }))
    .mutation(({ ctx, input }) =>
      rotateProviderKey({ teamId: ctx.team.id, userId: ctx.user.id, providerId: input.id, apiKey: input.apiKey }),
    ),

  setEmbeddingModel: teamProcedure("provider:manage")
    .input(z.object({ id, embeddingModel: z.string() }))
    .mutation(({ ctx, input }) =>
      setEmbeddingModel({ teamId: ctx.team.id, userId: ctx.user.id, providerId: input.id, embeddingModel: input.embeddingModel }),
    ),

  delete: teamProcedure("provider:manage")
    .input(z.object({ id }))
    .mutation(({ ctx, input }) => deleteProvider({ teamId: ctx.team.id, userId: ctx.user.id, providerId: input.id })),
});
