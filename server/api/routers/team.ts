import { z } from "zod";
import { createTeam, listTeamsForUser, setActiveTeam } from "../../teams/teams";
import { createTRPCRouter, protectedProcedure, teamProcedure } from "../trpc";

export const teamRouter = createTRPCRouter({
  /** The caller's teams and which one is active. */
  mine: protectedProcedure.query(async ({ ctx }) => {
    const teams = await listTeamsForUser({ userId: ctx.user.id });
    const active = teams.find((t) => t.id === ctx.activeTeamId) ?? null;
    return { teams, activeTeamId: active?.id ?? null, user: ctx.user };
  }),

  current: teamProcedure("viewer").query(({ ctx }) => ctx.team),

  create: protectedProcedure
    .input(z.object({ name: z.string({ message: "Give the team a name." }) }))
    .mutation(({ ctx, input }) => createTeam({ userId: ctx.user.id, name: input.name, sessionId: ctx.sessionId })),

  setActive: protectedProcedure
    .input(z.object({ teamId: z.string().min(1).max(100) }))
    .mutation(({ ctx, input }) => setActiveTeam({ userId: ctx.user.id, teamId: input.teamId, sessionId: ctx.sessionId })),
});
