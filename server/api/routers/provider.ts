import "server-only";
import { z } from "zod";
import { modelPriceInputSchema, providerInputSchema, providerUpdateSchema, summarizerInputSchema } from "../../../shared/provider-kinds";
import { getSummarizer, setSummarizer } from "../../providers/summarizer";
import { embedderChoiceSchema } from "../../../shared/team-embedder";
import { deleteModelPrice, listModelPrices, setModelPrice } from "../../spend/model-prices";
import {
  createProvider,
  deleteProvider,
  getProvider,
  listProviders,
  rotateProviderKey,
  testProvider,
  updateProvider,
} from "../../providers/providers";
import { estimateReembed, getTeamEmbedder, reembedWaitingMemories, setTeamEmbedder } from "../../memory/team-embedder";
import { createTRPCRouter, teamProcedure } from "../trpc";

const id = z.uuid({ message: "That provider id is not valid." });

export const providerRouter = createTRPCRouter({
  /** The team's providers, without keys (only whether one is set and its last four characters) or header values. */
  list: teamProcedure("team:view").query(({ ctx }) => listProviders(ctx.team.id)),

  get: teamProcedure("team:view")
    .input(z.object({ id }))
    .query(({ ctx, input }) => getProvider({ teamId: ctx.team.id, providerId: input.id })),

  create: teamProcedure("provider:manage")
    .input(providerInputSchema)
    .mutation(({ ctx, input }) => createProvider({ teamId: ctx.team.id, userId: ctx.user.id, input })),

  update: teamProcedure("provider:manage")
    .input(providerUpdateSchema.extend({ id }))
    .mutation(({ ctx, input: { id: providerId, ...input } }) =>
      updateProvider({ teamId: ctx.team.id, userId: ctx.user.id, providerId, input }),
    ),

  /** Test connection: lists the endpoint's models, tries a chat call with a tool, and stores what it found. */
  test: teamProcedure("provider:manage")
    .input(z.object({ id, model: z.string().trim().max(100, { message: "Keep the model name under 100 characters." }).optional() }))
    .mutation(({ ctx, input }) => testProvider({ teamId: ctx.team.id, userId: ctx.user.id, providerId: input.id, model: input.model })),

  rotateKey: teamProcedure("provider:manage")
    .input(z.object({ id, apiKey: z.string().max(500, { message: "That key is too long." }) }))
    .mutation(({ ctx, input }) =>
      rotateProviderKey({ teamId: ctx.team.id, userId: ctx.user.id, providerId: input.id, apiKey: input.apiKey }),
    ),

  /** The provider's prices per model, and the instance's known prices (to prefill). */
  prices: teamProcedure("team:view")
    .input(z.object({ id }))
    .query(({ ctx, input }) => listModelPrices({ teamId: ctx.team.id, providerId: input.id })),

  /** Sets a model's price (USD per million tokens); both zero marks it free. */
  setPrice: teamProcedure("provider:manage")
    .input(modelPriceInputSchema.extend({ id }))
    .mutation(({ ctx, input: { id: providerId, ...price } }) =>
      setModelPrice({ teamId: ctx.team.id, userId: ctx.user.id, providerId, input: price }),
    ),

  deletePrice: teamProcedure("provider:manage")
    .input(z.object({ id, model: z.string().trim().min(1).max(100) }))
    .mutation(({ ctx, input }) => deleteModelPrice({ teamId: ctx.team.id, userId: ctx.user.id, providerId: input.id, model: input.model })),

  /** The team's memory embedder (docs/decisions/033), how many memories wait for it, and the last re-embedding. */
  embedder: teamProcedure("team:view").query(({ ctx }) => getTeamEmbedder({ teamId: ctx.team.id })),

  /** What choosing an embedder would re-embed, and at about what cost. */
  embedderEstimate: teamProcedure("provider:manage")
    .input(z.object({ choice: embedderChoiceSchema }))
    .query(({ ctx, input }) => estimateReembed({ teamId: ctx.team.id, choice: input.choice })),

  /** Sets the team's embedder; a new vector space re-embeds the team's memories in the background. */
  setEmbedder: teamProcedure("provider:manage")
    .input(z.object({ choice: embedderChoiceSchema }))
    .mutation(({ ctx, input }) => setTeamEmbedder({ teamId: ctx.team.id, userId: ctx.user.id, choice: input.choice })),

  /** Re-embeds the memories still waiting (after a refused budget was raised, say). */
  reembedMemories: teamProcedure("provider:manage").mutation(({ ctx }) =>
    reembedWaitingMemories({ teamId: ctx.team.id, userId: ctx.user.id }),
  ),

  delete: teamProcedure("provider:manage")
    .input(z.object({ id }))
    .mutation(({ ctx, input }) => deleteProvider({ teamId: ctx.team.id, userId: ctx.user.id, providerId: input.id })),

  /** Who writes the team's summaries: one of its providers and a model, or each agent's own model. */
  summarizer: teamProcedure("team:view").query(({ ctx }) => getSummarizer({ teamId: ctx.team.id })),

  setSummarizer: teamProcedure("provider:manage")
    .input(summarizerInputSchema)
    .mutation(({ ctx, input }) => setSummarizer({ teamId: ctx.team.id, userId: ctx.user.id, input })),
});
