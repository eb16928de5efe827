import "server-only";
import { z } from "zod";
import { modelPriceInputSchema, providerInputSchema, providerUpdateSchema, summarizerInputSchema } from "../../../shared/provider-kinds";
import { listApprovals, APPROVAL_LIST_STATUSES } from "../../agents/approval-list";
import { embedderChoiceSchema } from "../../../shared/team-embedder";
import { getTeamEmbedder, setTeamEmbedder } from "../../memory/team-embedder";
import { getSummarizer, setSummarizer } from "../../providers/summarizer";
import { decideApproval } from "../../agents/control";
import { env } from "../../env";
import { forgetMemory, listMemories, setPinned } from "../../memory/manage";
import { MemoryKind } from "../../db/generated/enums";
import {
  createProvider,
  deleteProvider,
  getProvider,
  listProviders,
  rotateProviderKey,
  testProvider,
  updateProvider,
} from "../../providers/providers";
import { createShareLink, listShareLinks, revokeShareLink } from "../../sharing/share-links";
import { deleteModelPrice, listModelPrices, setModelPrice } from "../../spend/model-prices";
import { createTRPCRouter, teamProcedure } from "../trpc";
import { route } from "./meta";
import * as out from "./schemas";

const agentId = z.uuid({ message: "That agent id is not valid." });
const providerId = z.uuid({ message: "That provider id is not valid." });

/** Who the token is: its team and the role it acts with. */
export const teamApi = createTRPCRouter({
  whoami: teamProcedure("team:view")
    .meta(route("GET", "/team", "Team", "The token's team and role"))
    .output(out.teamInfo)
    .query(({ ctx }) => ({ team: { id: ctx.team.id, name: ctx.team.name }, role: ctx.team.role, tokenId: ctx.apiToken?.tokenId ?? null })),
});

export const providersApi = createTRPCRouter({
  embedder: teamProcedure("team:view")
    .meta(route("GET", "/embedder", "Providers", "The team's memory embedder", "And how many memories wait to be re-embedded onto it."))
    .output(out.embedder)
    .query(({ ctx }) => getTeamEmbedder({ teamId: ctx.team.id })),

  setEmbedder: teamProcedure("provider:manage")
    .meta(
      route(
        "PUT",
        "/embedder",
        "Providers",
        "Choose the team's memory embedder",
        '`{"kind":"offline"}` or `{"kind":"provider","providerId":…,"model":…}`; a new one re-embeds the team\'s memories in the background, charged to each agent\'s budget.',
      ),
    )
    .input(z.object({ choice: embedderChoiceSchema }))
    .output(out.embedder)
    .mutation(async ({ ctx, input }) => {
      await setTeamEmbedder({ teamId: ctx.team.id, userId: ctx.user.id, choice: input.choice });
      return getTeamEmbedder({ teamId: ctx.team.id });
    }),

  summarizer: teamProcedure("team:view")
    .meta(route("GET", "/summarizer", "Providers", "Who writes summaries", "A provider and model of the team, or each agent's own model."))
    .output(out.summarizer)
    .query(({ ctx }) => getSummarizer({ teamId: ctx.team.id })),

  setSummarizer: teamProcedure("provider:manage")
    .meta(
      route(
        "PUT",
        "/summarizer",
        "Providers",
        "Choose who writes summaries",
        "`providerId` null for each agent's own model; a chosen model needs a price on that provider.",
      ),
    )
    .input(summarizerInputSchema)
    .output(out.summarizer)
    .mutation(({ ctx, input }) => setSummarizer({ teamId: ctx.team.id, userId: ctx.user.id, input })),

  list: teamProcedure("team:view")
    .meta(route("GET", "/providers", "Providers", "List model providers", "Keys and header values are never returned."))
    .output(z.array(out.provider))
    .query(({ ctx }) => listProviders(ctx.team.id)),

  create: teamProcedure("provider:manage")
    .meta(route("POST", "/providers", "Providers", "Add a model provider", "An OpenAI-compatible endpoint; run its test next."))
    .input(providerInputSchema)
    .output(out.provider)
    .mutation(({ ctx, input }) => createProvider({ teamId: ctx.team.id, userId: ctx.user.id, input })),

  get: teamProcedure("team:view")
    .meta(route("GET", "/providers/{id}", "Providers", "Get a model provider"))
    .input(z.object({ id: providerId }))
    .output(out.provider)
    .query(({ ctx, input }) => getProvider({ teamId: ctx.team.id, providerId: input.id })),

  update: teamProcedure("provider:manage")
    .meta(
      route("PATCH", "/providers/{id}", "Providers", "Change a model provider", "Only the fields sent change; the key has its own route."),
    )
    .input(providerUpdateSchema.extend({ id: providerId }))
    .output(out.provider)
    .mutation(({ ctx, input: { id, ...input } }) => updateProvider({ teamId: ctx.team.id, userId: ctx.user.id, providerId: id, input })),

  rotateKey: teamProcedure("provider:manage")
    .meta(route("PUT", "/providers/{id}/key", "Providers", "Replace a provider's API key", "An empty key removes it."))
    .input(z.object({ id: providerId, apiKey: z.string().max(500, { message: "That key is too long." }) }))
    .output(out.provider)
    .mutation(async ({ ctx, input }) => {
      await rotateProviderKey({ teamId: ctx.team.id, userId: ctx.user.id, providerId: input.id, apiKey: input.apiKey });
      return getProvider({ teamId: ctx.team.id, providerId: input.id });
    }),

  test: teamProcedure("provider:manage")
    .meta(
      route(
        "POST",
        "/providers/{id}/test",
        "Providers",
        "Test a provider's connection",
        "Lists its models, makes one tiny chat call with a tool, and stores what works (the compatibility the loop follows).",
      ),
    )
    .input(z.object({ id: providerId, model: z.string().trim().max(100).optional() }))
    .output(out.providerTest)
    .mutation(({ ctx, input }) => testProvider({ teamId: ctx.team.id, userId: ctx.user.id, providerId: input.id, model: input.model })),

  delete: teamProcedure("provider:manage")
    .meta(
      route(
        "DELETE",
        "/providers/{id}",
        "Providers",
        "Delete a model provider",
        "Refused (409) while agents use it; the answer names them.",
      ),
    )
    .input(z.object({ id: providerId }))
    .output(out.ok)
    .mutation(async ({ ctx, input }) => {
      await deleteProvider({ teamId: ctx.team.id, userId: ctx.user.id, providerId: input.id });
      return { ok: true as const };
    }),

  prices: teamProcedure("team:view")
    .meta(route("GET", "/providers/{id}/prices", "Providers", "A provider's model prices"))
    .input(z.object({ id: providerId }))
    .output(out.modelPrices)
    .query(({ ctx, input }) => listModelPrices({ teamId: ctx.team.id, providerId: input.id })),

  setPrice: teamProcedure("provider:manage")
    .meta(
      route("PUT", "/providers/{id}/prices", "Providers", "Set a model's price", "USD per million tokens; both zero marks the model free."),
    )
    .input(modelPriceInputSchema.extend({ id: providerId }))
    .output(out.modelPrices)
    .mutation(({ ctx, input: { id, ...price } }) =>
      setModelPrice({ teamId: ctx.team.id, userId: ctx.user.id, providerId: id, input: price }),
    ),

  deletePrice: teamProcedure("provider:manage")
    .meta(
      route(
        "DELETE",
        "/providers/{id}/prices",
        "Providers",
        "Remove a model's price",
        "Agents on that model then cannot start until it has one.",
      ),
    )
    .input(z.object({ id: providerId, model: z.string().trim().min(1).max(100) }))
    .output(out.ok)
    .mutation(async ({ ctx, input }) => {
      await deleteModelPrice({ teamId: ctx.team.id, userId: ctx.user.id, providerId: input.id, model: input.model });
      return { ok: true as const };
    }),
});

export const approvalsApi = createTRPCRouter({
  list: teamProcedure("agent:view")
    .meta(route("GET", "/approvals", "Approvals", "List approvals and questions", "Pending ones oldest first by default."))
    .input(
      z.object({
        status: z.enum(APPROVAL_LIST_STATUSES).default("pending"),
        agentId: agentId.optional(),
        limit: z.number().int().min(1).max(200).default(50),
      }),
    )
    .output(z.array(out.approval))
    .query(({ ctx, input }) => listApprovals({ teamId: ctx.team.id, ...input })),

  decide: teamProcedure("approval:decide")
    .meta(
      route(
        "POST",
        "/approvals/{id}/decision",
        "Approvals",
        "Approve or reject",
        "For a question, `answer` is the reply the agent gets. For an unknown outcome (kind `outcome`: a call that was in flight when its attempt died), approve with `answer` `retry` (call it again) or `done` (it happened), or reject to skip it.",
      ),
    )
    .input(
      z.object({
        id: z.uuid({ message: "That approval id is not valid." }),
        decision: z.enum(["approved", "rejected"]),
        comment: z.string().trim().max(2000).optional(),
        answer: z.string().trim().max(10_000).optional(),
      }),
    )
    .output(out.ok)
    .mutation(async ({ ctx, input: { id, ...decision } }) => {
      await decideApproval({ teamId: ctx.team.id, userId: ctx.user.id, approvalId: id, ...decision });
      return { ok: true as const };
    }),
});

export const memoriesApi = createTRPCRouter({
  list: teamProcedure("agent:view")
    .meta(route("GET", "/agents/{agentId}/memories", "Memories", "Search an agent's memories", "With `query`, the best matches first."))
    .input(
      z.object({
        agentId,
        query: z.string().max(200).optional(),
        kind: z.enum(MemoryKind).optional(),
        pinnedOnly: z.enum(["true", "false"]).optional(),
        includeArchived: z.enum(["true", "false"]).optional(),
        cursor: z.uuid().optional(),
        limit: z.number().int().min(1).max(200).optional(),
      }),
    )
    .output(out.memoryPage)
    .query(({ ctx, input }) =>
      listMemories({
        teamId: ctx.team.id,
        ...input,
        pinnedOnly: input.pinnedOnly === "true",
        includeArchived: input.includeArchived === "true",
      }),
    ),

  pin: teamProcedure("memory:manage")
    .meta(route("PUT", "/memories/{id}/pinned", "Memories", "Pin or unpin a memory", "A pinned memory is in every prompt."))
    .input(z.object({ id: z.uuid({ message: "That memory id is not valid." }), pinned: z.boolean() }))
    .output(out.ok)
    .mutation(async ({ ctx, input }) => {
      await setPinned({ teamId: ctx.team.id, userId: ctx.user.id, memoryId: input.id, pinned: input.pinned });
      return { ok: true as const };
    }),

  forget: teamProcedure("memory:manage")
    .meta(route("DELETE", "/memories/{id}", "Memories", "Forget a memory"))
    .input(z.object({ id: z.uuid({ message: "That memory id is not valid." }) }))
    .output(out.ok)
    .mutation(async ({ ctx, input }) => {
      await forgetMemory({ teamId: ctx.team.id, userId: ctx.user.id, memoryId: input.id });
      return { ok: true as const };
    }),
});

export const shareApi = createTRPCRouter({
  list: teamProcedure("agent:view")
    .meta(route("GET", "/agents/{agentId}/share-links", "Share links", "An agent's share links", "Never their tokens."))
    .input(z.object({ agentId }))
    .output(z.array(out.shareLink))
    .query(({ ctx, input }) => listShareLinks({ teamId: ctx.team.id, agentId: input.agentId })),

  create: teamProcedure("share:manage")
    .meta(
      route(
        "POST",
        "/agents/{agentId}/share-links",
        "Share links",
        "Create a read-only share link",
        "The URL holds the token and is shown once.",
      ),
    )
    .input(
      z.object({
        agentId,
        expiresAt: z.iso.datetime({ offset: true, message: "Give the expiry as an ISO 8601 time, e.g. 2027-01-31T12:00:00Z." }).optional(),
        redactToolData: z.boolean().default(false),
        redactMemories: z.boolean().default(false),
      }),
    )
    .output(out.shareLinkCreated)
    .mutation(async ({ ctx, input }) => {
      const { link, path } = await createShareLink({
        teamId: ctx.team.id,
        userId: ctx.user.id,
        agentId: input.agentId,
        expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
        redactToolData: input.redactToolData,
        redactMemories: input.redactMemories,
      });
      return { link, url: new URL(path, env.APP_URL).toString() };
    }),

  revoke: teamProcedure("share:manage")
    .meta(route("DELETE", "/share-links/{id}", "Share links", "Revoke a share link"))
    .input(z.object({ id: z.uuid({ message: "That share link id is not valid." }) }))
    .output(out.ok)
    .mutation(async ({ ctx, input }) => {
      await revokeShareLink({ teamId: ctx.team.id, userId: ctx.user.id, linkId: input.id });
      return { ok: true as const };
    }),
});
