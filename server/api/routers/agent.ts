import { z } from "zod";
import { agentSettingsSchema } from "../../agents/agent-input";
import { AGENT_SORTS, createAgent, getAgentOrThrow, listAgents } from "../../agents/agents";
import { pauseAgent, raiseBudget, startAgent, stopAgent } from "../../agents/control";
import { AgentStatus } from "../../db/generated/enums";
import { createTRPCRouter, teamProcedure } from "../trpc";

export const agentRouter = createTRPCRouter({
  list: teamProcedure("viewer")
    .input(
      z.object({
        status: z.enum(AgentStatus).optional(),
        search: z.string().trim().max(200).optional(),
        sort: z.enum(AGENT_SORTS).optional(),
        cursor: z.number().int().min(0).nullish(),
        limit: z.number().int().min(1).max(200).default(50),
      }),
    )
    .query(({ ctx, input }) => listAgents({ teamId: ctx.team.id, ...input, cursor: input.cursor ?? undefined })),

  byId: teamProcedure("viewer")
    .input(z.object({ id: z.uuid({ message: "That agent id is not valid." }) }))
    .query(({ ctx, input }) => getAgentOrThrow({ teamId: ctx.team.id, agentId: input.id })),

  create: teamProcedure("member")
    .input(agentSettingsSchema)
    .mutation(({ ctx, input }) => createAgent({ teamId: ctx.team.id, userId: ctx.user.id, input })),

  /** Start an idle agent, or resume a paused, stopped, stuck or finished one from its checkpoint. */
  start: teamProcedure("member")
    .input(z.object({ id: z.uuid({ message: "That agent id is not valid." }) }))
    .mutation(({ ctx, input }) => startAgent({ agentId: input.id, teamId: ctx.team.id, userId: ctx.user.id })),

  pause: teamProcedure("member")
    .input(z.object({ id: z.uuid({ message: "That agent id is not valid." }) }))
    .mutation(({ ctx, input }) => pauseAgent({ agentId: input.id, teamId: ctx.team.id, userId: ctx.user.id })),

  stop: teamProcedure("member")
    .input(z.object({ id: z.uuid({ message: "That agent id is not valid." }), reason: z.string().max(500) }))
    .mutation(({ ctx, input }) => stopAgent({ agentId: input.id, teamId: ctx.team.id, userId: ctx.user.id, reason: input.reason })),

  /** Raise money, token or cycle limits: approves a pending soft-limit hold, resumes a budget-exhausted agent. */
  raiseBudget: teamProcedure("admin")
    .input(
      z.object({
        id: z.uuid({ message: "That agent id is not valid." }),
        budgetUsd: z
          .string()
          .trim()
          .regex(/^\d{1,10}(\.\d{1,8})?$/, { message: "Enter an amount in dollars, like 25 or 12.50." })
          .optional(),
        budgetTokens: z.number({ message: "Enter a whole number of tokens." }).int().positive().max(1e15).optional(),
        budgetCycles: z.number({ message: "Enter a whole number of cycles." }).int().positive().max(10_000_000).optional(),
      }),
    )
    .mutation(({ ctx, input: { id, ...raise } }) => raiseBudget({ agentId: id, teamId: ctx.team.id, userId: ctx.user.id, raise })),
});
