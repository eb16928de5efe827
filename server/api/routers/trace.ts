import "server-only";
import { z } from "zod";
import { getCycleTrace } from "../../traces/read";
import { exportCycleTrace } from "../../traces/export";
import { createTRPCRouter, teamProcedure } from "../trpc";

const cycleInput = z.object({
  agentId: z.uuid({ message: "That agent id is not valid." }),
  cycle: z.number().int({ message: "A cycle is a whole number." }).min(0, { message: "Cycles start at 0." }),
});

/** A cycle's trace (docs/decisions/038): everyone in the team may look. */
export const traceRouter = createTRPCRouter({
  cycle: teamProcedure("agent:view")
    .input(cycleInput)
    .query(({ ctx, input }) => getCycleTrace({ teamId: ctx.team.id, ...input })),

  /** The same trace as OTLP/JSON with the GenAI semantic conventions, for a collector or a file. */
  otlp: teamProcedure("agent:view")
    .input(cycleInput)
    .query(({ ctx, input }) => exportCycleTrace({ teamId: ctx.team.id, ...input })),
});
