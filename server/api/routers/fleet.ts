import "server-only";
import { z } from "zod";
import { cyclesInput, runsInput } from "../../../shared/fleet";
import { listTeamCycles, listTeamRuns } from "../../fleet/activity";
import { getTeamOverview } from "../../fleet/overview";
import { createTRPCRouter, teamProcedure } from "../trpc";

/** The team's fleet: its overview and its activity, every cycle and run (everyone in the team may look). */
export const fleetRouter = createTRPCRouter({
  overview: teamProcedure("agent:view")
    .input(
      z.object({
        days: z.number().int().min(1, { message: "Show at least 1 day." }).max(90, { message: "Show at most 90 days." }).default(14),
      }),
    )
    .query(({ ctx, input }) => getTeamOverview({ teamId: ctx.team.id, days: input.days })),

  cycles: teamProcedure("agent:view")
    .input(cyclesInput)
    .query(({ ctx, input: { outcome, cursor, limit, ...filter } }) =>
      listTeamCycles({ teamId: ctx.team.id, filter, outcome, cursor, limit }),
    ),

  runs: teamProcedure("agent:view")
    .input(runsInput)
    .query(({ ctx, input: { status, cursor, limit, ...filter } }) => listTeamRuns({ teamId: ctx.team.id, filter, status, cursor, limit })),
});
