import "server-only";
import type { ChannelMessage } from "../../shared/channels";
import { enqueueDelivery } from "../channels/deliveries";
import { db } from "../db/client";

/**
 * An invitation e-mailed through the team's own e-mail channel (issue 21), when it has an enabled one:
 * one delivery to the invited address, whose message id holds the invitation and its expiry, so a
 * renewed invitation (a new expiry) is sent again and a repeated call is not. Null without a channel.
 */
export async function queueInvitationEmail(input: {
  teamId: string;
  invitationId: string;
  to: string;
  teamName: string;
  inviterName: string;
  role: string;
  url: string;
  expiresAt: Date;
}): Promise<{ channelName: string } | null> {
  const channel = await db.channel.findFirst({
    where: { teamId: input.teamId, kind: "email", isEnabled: true },
    orderBy: { createdAt: "asc" },
    select: { id: true, name: true },
  });
  if (!channel) return null;
  const message: ChannelMessage = {
    to: input.to,
    title: `${input.inviterName} invited you to ${input.teamName} on Longhaul`,
    text:
      `${input.inviterName} invited you to join ${input.teamName} as ${input.role}. ` +
      `Sign in (or create an account) with ${input.to} and accept. The link works once and until ${input.expiresAt.toUTCString()}.`,
    url: input.url,
    actions: [{ label: "Accept the invitation", url: input.url, style: "primary" }],
  };
  const queued = await enqueueDelivery({
    teamId: input.teamId,
    channelId: channel.id,
    messageId: `invite-${input.invitationId}-${input.expiresAt.getTime()}`,
    source: "invitation",
    message,
  });
  return queued ? { channelName: channel.name } : null;
}
