import "server-only";
import { z } from "zod";
import { channelInputSchema, channelUpdateSchema } from "../../../shared/channel-settings";
import { createChannel, deleteChannel, getChannel, listChannels, rotateChannelSecret, updateChannel } from "../../channels/channels";
import { testChannel } from "../../channels/test-send";
import { createTRPCRouter, teamProcedure } from "../trpc";

const id = z.uuid({ message: "That channel id is not valid." });

/** A team's channels (issue 21): anyone in the team sees them (never their secrets); admins manage and test them. */
export const channelRouter = createTRPCRouter({
  list: teamProcedure("team:view").query(({ ctx }) => listChannels(ctx.team.id)),

  get: teamProcedure("team:view")
    .input(z.object({ id }))
    .query(({ ctx, input }) => getChannel({ teamId: ctx.team.id, channelId: input.id })),

  /** An outgoing webhook's signing secret is in this answer once (`signingSecret`), never again. */
  create: teamProcedure("channel:manage")
    .input(channelInputSchema)
    .mutation(({ ctx, input }) => createChannel({ teamId: ctx.team.id, userId: ctx.user.id, input })),

  update: teamProcedure("channel:manage")
    .input(channelUpdateSchema.extend({ id }))
    .mutation(({ ctx, input: { id: channelId, ...input } }) =>
      updateChannel({ teamId: ctx.team.id, userId: ctx.user.id, channelId, input }),
    ),

  delete: teamProcedure("channel:manage")
    .input(z.object({ id }))
    .mutation(({ ctx, input }) => deleteChannel({ teamId: ctx.team.id, userId: ctx.user.id, channelId: input.id })),

  rotateSecret: teamProcedure("channel:manage")
    .input(z.object({ id }))
    .mutation(({ ctx, input }) => rotateChannelSecret({ teamId: ctx.team.id, userId: ctx.user.id, channelId: input.id })),

  /** Sends a test message now and says what happened in one sentence (also kept as the channel's lastTest). */
  test: teamProcedure("channel:manage")
    .input(z.object({ id }))
    .mutation(({ ctx, input }) => testChannel({ teamId: ctx.team.id, channelId: input.id, userId: ctx.user.id })),
});
