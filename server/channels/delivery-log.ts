import "server-only";
import { z } from "zod";
import { DELIVERY_STATUSES, type ChannelMessage, type DeliverySource } from "../../shared/channels";
import { recordAudit } from "../audit/record";
import { db, type Prisma } from "../db/client";
import { env } from "../env";
import { AppError, notFound } from "../errors";
import type { AttemptLogEntry } from "./attempt";
import { requestDeliveryAttempt } from "./deliveries";

export const deliveryListInput = z.object({
  channelId: z.uuid({ message: "That channel id is not valid." }).optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
  /** The last delivery of the previous page (newest first). */
  cursor: z.uuid().optional(),
  limit: z.number().int().min(1).max(100).default(25),
});
export type DeliveryListInput = z.input<typeof deliveryListInput>;

const listed = {
  id: true,
  messageId: true,
  source: true,
  status: true,
  attempts: true,
  maybeDelivered: true,
  lastStatusCode: true,
  lastError: true,
  nextAttemptAt: true,
  deliveredAt: true,
  createdAt: true,
  attemptLog: true,
  message: true,
  agentId: true,
  channel: { select: { id: true, name: true, kind: true } },
} satisfies Prisma.ChannelDeliverySelect;

/**
 * The team's delivery log, newest first: status, attempts with their answers and times, and what was
 * sent, with the tokens of approval links taken out (they are for the people the message went to).
 */
export async function listDeliveries({ teamId, ...raw }: { teamId: string } & DeliveryListInput) {
  const input = deliveryListInput.parse(raw);
  const where: Prisma.ChannelDeliveryWhereInput = {
    teamId,
    ...(input.channelId ? { channelId: input.channelId } : {}),
    ...(input.status ? { status: input.status } : {}),
  };
  const found = await db.channelDelivery.findMany({
    where,
    select: listed,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: input.limit + 1,
    ...(input.cursor ? { cursor: { id: input.cursor }, skip: 1 } : {}),
  });
  const page = found.slice(0, input.limit);
  const agentIds = [...new Set(page.map((delivery) => delivery.agentId).filter((id): id is string => id !== null))];
  const agents = agentIds.length
    ? await db.agent.findMany({ where: { teamId, id: { in: agentIds } }, select: { id: true, name: true } })
    : [];
  const agentName = new Map(agents.map((agent) => [agent.id, agent.name]));
  return {
    items: page.map((delivery) => ({
      ...delivery,
      source: delivery.source as DeliverySource,
      agent: delivery.agentId ? { id: delivery.agentId, name: agentName.get(delivery.agentId) ?? "(deleted agent)" } : null,
      message: redactMessage(delivery.message as ChannelMessage),
      attemptLog: (Array.isArray(delivery.attemptLog) ? delivery.attemptLog : []) as AttemptLogEntry[],
      maxAttempts: env.CHANNEL_MAX_ATTEMPTS,
    })),
    nextCursor: found.length > input.limit ? page.at(-1)!.id : null,
  };
}

const LINK_TOKEN = /(\/approve\/(?:slack-link\/)?)[^/?#\s"]+/g;

/** What a delivery's log shows of its message: approval links without their tokens. */
export function redactMessage(message: ChannelMessage): ChannelMessage {
  const clean = (text: string) => text.replace(LINK_TOKEN, "$1[token]");
  return {
    ...message,
    text: clean(message.text),
    ...(message.url ? { url: clean(message.url) } : {}),
    ...(message.actions
      ? {
          actions: message.actions.map((action) => ({
            label: action.label,
            url: clean(action.url),
            ...(action.style ? { style: action.style } : {}),
            ...(action.interactive ? { interactive: { actionId: action.interactive.actionId, value: "[token]" } } : {}),
          })),
        }
      : {}),
  };
}

/**
 * Send again: a dead delivery gets a fresh set of attempts (its log kept, the person named in it).
 * A delivered one is refused (the receiver has it; sending it again would repeat it), and one still being
 * tried is refused with when its next attempt is due.
 */
export async function resendDelivery({ teamId, userId, deliveryId }: { teamId: string; userId: string; deliveryId: string }) {
  const delivery = await db.$transaction(async (tx) => {
    const found = await tx.channelDelivery.findFirst({
      where: { id: deliveryId, teamId },
      select: {
        id: true,
        status: true,
        deliveredAt: true,
        nextAttemptAt: true,
        attemptLog: true,
        channel: { select: { name: true, isEnabled: true } },
      },
    });
    if (!found) throw notFound("That delivery");
    if (found.status === "delivered") {
      throw new AppError(
        "CONFLICT",
        `It was delivered${found.deliveredAt ? ` at ${found.deliveredAt.toISOString()}` : ""}; sending it again would repeat it.`,
      );
    }
    if (found.status !== "dead") {
      const due = found.nextAttemptAt ? ` Its next attempt is due at ${found.nextAttemptAt.toISOString()}.` : "";
      throw new AppError("CONFLICT", `It is still being tried.${due}`);
    }
    if (!found.channel.isEnabled) throw new AppError("CONFLICT", `The channel ${found.channel.name} is switched off. Switch it on first.`);
    const person = await tx.user.findUnique({ where: { id: userId }, select: { name: true } });
    const log = (Array.isArray(found.attemptLog) ? found.attemptLog : []) as AttemptLogEntry[];
    await tx.channelDelivery.update({
      where: { id: found.id },
      data: {
        status: "pending",
        attempts: 0,
        nextAttemptAt: null,
        attemptStartedAt: null,
        attemptLog: [
          ...log,
          { at: new Date().toISOString(), attempt: 0, outcome: "resent", error: `Sent again by ${person?.name ?? "a person"}.` },
        ] as Prisma.InputJsonValue,
      },
    });
    await recordAudit(tx, {
      teamId,
      actorId: userId,
      action: "channel.resend",
      targetId: found.id,
      metadata: { channel: found.channel.name },
    });
    return found;
  });
  await requestDeliveryAttempt(teamId, delivery.id);
  return { id: delivery.id, status: "pending" as const };
}
