import "server-only";
import { z } from "zod";
import { getTeamOverview } from "../../fleet/overview";
import { createTRPCRouter, teamProcedure } from "../trpc";

/** The team's fleet: its overview (everyone in the team may look). */
export const fleetRouter = createTRPCRouter({
  overview: teamProcedure("agent:view")
    .input(
      z.object({
        days: z.number().int().min(1, { message: "Show at least 1 day." }).max(90, { message: "Show at most 90 days." }).default(14),
      }),
    )
    .query(({ ctx, input }) => getTeamOverview({ teamId: ctx.team.id, days: input.days })),
});
