import "server-only";
import { z } from "zod";
import { channelInputSchema, channelUpdateSchema } from "../../../shared/channel-settings";
import { createChannel, deleteChannel, getChannel, listChannels, updateChannel } from "../../channels/channels";
import { testChannel } from "../../channels/test-send";
import { createTRPCRouter, teamProcedure } from "../trpc";
import { route } from "./meta";
import * as out from "./schemas";

const TAG = "Channels";
const channelId = z.uuid({ message: "That channel id is not valid." });

/**
 * A team's channels (issue 21), on the same permissions and functions as the dashboard's `channel`
 * router: anyone in the team reads them, admins manage and test them. URLs of chat tools, signing
 * secrets and SMTP passwords are write-only: answers show a hint and which are set.
 */
export const channelsApi = createTRPCRouter({
  list: teamProcedure("team:view")
    .meta(
      route(
        "GET",
        "/channels",
        TAG,
        "List channels",
        "Each channel's kind, target hint, rate limit, whether it is on, and its last Send test.",
      ),
    )
    .output(z.array(out.channel))
    .query(({ ctx }) => listChannels(ctx.team.id)),

  create: teamProcedure("channel:manage")
    .meta(
      route(
        "POST",
        "/channels",
        TAG,
        "Add a channel",
        "`kind` is webhook, slack, teams, discord, mattermost (each with `url`) or email (`host`, `port`, `security`, `user`, `password`, `from`, `recipients`). An outgoing webhook's signing secret is in this answer once (`signingSecret`), never again.",
      ),
    )
    .input(channelInputSchema)
    .output(out.channelCreated)
    .mutation(({ ctx, input }) => createChannel({ teamId: ctx.team.id, userId: ctx.user.id, input })),

  get: teamProcedure("team:view")
    .meta(route("GET", "/channels/{id}", TAG, "Get a channel"))
    .input(z.object({ id: channelId }))
    .output(out.channel)
    .query(({ ctx, input }) => getChannel({ teamId: ctx.team.id, channelId: input.id })),

  update: teamProcedure("channel:manage")
    .meta(
      route(
        "PATCH",
        "/channels/{id}",
        TAG,
        "Change a channel",
        "Only the fields sent change; the kind stays. An empty `url`, `slackSigningSecret` or `password` keeps the stored one.",
      ),
    )
    .input(channelUpdateSchema.extend({ id: channelId }))
    .output(out.channel)
    .mutation(({ ctx, input: { id, ...input } }) => updateChannel({ teamId: ctx.team.id, userId: ctx.user.id, channelId: id, input })),

  delete: teamProcedure("channel:manage")
    .meta(
      route(
        "DELETE",
        "/channels/{id}",
        TAG,
        "Delete a channel",
        "Also takes it off every agent that sent messages to it (`agentsUpdated`).",
      ),
    )
    .input(z.object({ id: channelId }))
    .output(out.channelDeleted)
    .mutation(({ ctx, input }) => deleteChannel({ teamId: ctx.team.id, userId: ctx.user.id, channelId: input.id })),

  test: teamProcedure("channel:manage")
    .meta(
      route(
        "POST",
        "/channels/{id}/test",
        TAG,
        "Send a test message",
        "Sends one message now (no retry) and answers 200 with `ok` and a sentence saying what happened, whether or not it was delivered.",
      ),
    )
    .input(z.object({ id: channelId }))
    .output(out.channelTest)
    .mutation(({ ctx, input }) => testChannel({ teamId: ctx.team.id, channelId: input.id, userId: ctx.user.id })),
});
