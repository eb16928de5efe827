import "server-only";
import { z } from "zod";
import { listAgentRuns } from "../../runs/runs";
import { createTRPCRouter, teamProcedure } from "../trpc";

export const runRouter = createTRPCRouter({
  listForAgent: teamProcedure("agent:view")
    .input(z.object({ agentId: z.uuid({ message: "That agent id is not valid." }), limit: z.number().int().min(1).max(100).default(20) }))
    .query(({ ctx, input }) => listAgentRuns({ teamId: ctx.team.id, agentId: input.agentId, limit: input.limit })),
});
