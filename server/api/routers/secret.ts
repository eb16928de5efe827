import "server-only";
import { z } from "zod";
import { secretInputSchema } from "../../../shared/team-secrets";
import { createTeamSecret, deleteTeamSecret, listTeamSecrets, updateTeamSecretValue } from "../../team-secrets/secrets";
import { createTRPCRouter, teamProcedure } from "../trpc";

const id = z.uuid({ message: "That secret id is not valid." });

/** A team's secrets (issue 20): anyone in the team sees their names; admins add, rotate and delete them. No procedure returns a value. */
export const secretRouter = createTRPCRouter({
  /** Names, last four characters, creators and times. */
  list: teamProcedure("team:view").query(({ ctx }) => listTeamSecrets({ teamId: ctx.team.id })),

  create: teamProcedure("secret:manage")
    .input(secretInputSchema)
    .mutation(({ ctx, input }) => createTeamSecret({ teamId: ctx.team.id, userId: ctx.user.id, input })),

  /** Rotates the value; the name stays, so agents that refer to it send the new value from their next call. */
  update: teamProcedure("secret:manage")
    .input(z.object({ id, value: z.string({ message: "Enter the new value." }) }))
    .mutation(({ ctx, input }) =>
      updateTeamSecretValue({ teamId: ctx.team.id, userId: ctx.user.id, secretId: input.id, value: input.value }),
    ),

  delete: teamProcedure("secret:manage")
    .input(z.object({ id }))
    .mutation(({ ctx, input }) => deleteTeamSecret({ teamId: ctx.team.id, userId: ctx.user.id, secretId: input.id })),
});
