import "server-only";
import { z } from "zod";
import { MemoryKind } from "../../db/generated/enums";
import { editMemory, forgetMemory, listFacts, listMemories, setPinned } from "../../memory/manage";
import { retryMemoryEmbedding } from "../../memory/embedding-retry";
import { createTRPCRouter, teamProcedure } from "../trpc";

const agentId = z.uuid({ message: "That agent id is not valid." });
const memoryId = z.uuid({ message: "That memory id is not valid." });

/** An agent's long-term memory, for the team: everyone may look; members and up may pin, edit and forget. */
export const memoryRouter = createTRPCRouter({
  list: teamProcedure("agent:view")
    .input(
      z.object({
        agentId,
        query: z.string().max(200, { message: "Search for at most 200 characters." }).optional(),
        kind: z.enum(Object.values(MemoryKind) as [MemoryKind, ...MemoryKind[]]).optional(),
        includeArchived: z.boolean().optional(),
        pinnedOnly: z.boolean().optional(),
        cursor: memoryId.optional(),
        limit: z.number().int().min(1).max(200).optional(),
      }),
    )
    .query(({ ctx, input }) => listMemories({ teamId: ctx.team.id, ...input })),

  facts: teamProcedure("agent:view")
    .input(z.object({ agentId }))
    .query(({ ctx, input }) => listFacts({ teamId: ctx.team.id, agentId: input.agentId })),

  setPinned: teamProcedure("memory:manage")
    .input(z.object({ memoryId, pinned: z.boolean() }))
    .mutation(({ ctx, input }) => setPinned({ teamId: ctx.team.id, userId: ctx.user.id, ...input })),

  edit: teamProcedure("memory:manage")
    // The edit itself is validated by editMemory, so its messages land on the form's fields.
    .input(
      z.object({ memoryId, edit: z.object({ content: z.string().optional(), importance: z.union([z.number(), z.string()]).optional() }) }),
    )
    .mutation(({ ctx, input }) => editMemory({ teamId: ctx.team.id, userId: ctx.user.id, memoryId: input.memoryId, edit: input.edit })),

  forget: teamProcedure("memory:manage")
    .input(z.object({ memoryId }))
    .mutation(({ ctx, input }) => forgetMemory({ teamId: ctx.team.id, userId: ctx.user.id, memoryId: input.memoryId })),

  /** Embed a memory again whose embedding failed (or is waiting for its next try): the next sweep tries it. */
  retryEmbedding: teamProcedure("memory:manage")
    .input(z.object({ memoryId }))
    .mutation(({ ctx, input }) => retryMemoryEmbedding({ teamId: ctx.team.id, userId: ctx.user.id, memoryId: input.memoryId })),
});
