import "server-only";
import { z } from "zod";
import { DEFAULT_SPEND_BUCKETS, getSpendReport } from "../../spend/report";
import { createTRPCRouter, teamProcedure } from "../trpc";

export const spendRouter = createTRPCRouter({
  /** One agent's spend: totals, reserved now, by kind and model, over time, and when the money limit is reached. */
  forAgent: teamProcedure("agent:view")
    .input(
      z.object({
        agentId: z.uuid({ message: "That agent id is not valid." }),
        buckets: z
          .number({ message: "Enter a whole number of buckets." })
          .int({ message: "Enter a whole number of buckets." })
          .min(6, { message: "Ask for at least 6 buckets." })
          .max(120, { message: "Ask for at most 120 buckets." })
          .default(DEFAULT_SPEND_BUCKETS),
      }),
    )
    .query(({ ctx, input }) => getSpendReport({ teamId: ctx.team.id, agentId: input.agentId, buckets: input.buckets })),
});
