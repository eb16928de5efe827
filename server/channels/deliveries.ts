import "server-only";
import { inngest } from "~/inngest/client";
import { channelDeliveryRequested } from "~/inngest/events";
import type { ChannelMessage, DeliverySource } from "../../shared/channels";
import { db, Prisma } from "../db/client";
import { col } from "../db/columns";
import { AppError } from "../errors";
import { logger } from "../logger";
import { maybeRow, sqlRow } from "../db/rows";

export type EnqueueInput = {
  teamId: string;
  channelId: string;
  messageId: string;
  source: DeliverySource;
  agentId?: string | null;
  message: ChannelMessage;
};

/**
 * Queues one message for one channel of the team: a `channel_delivery` row (at most one per channel and
 * message id: queuing the same message again finds the row and sends nothing more) and the event that
 * makes the channel-deliver function attempt it. Null when the channel is not the team's or is switched
 * off. A lost event is not a lost message: the delivery sweeper finds pending rows nobody attempted.
 */
export async function enqueueDelivery(input: EnqueueInput): Promise<{ deliveryId: string; isNew: boolean } | null> {
  const queued = await queueDeliveryRow(input);
  if (!queued) return null;
  if (queued.isNew) await requestDeliveryAttempt(input.teamId, queued.deliveryId);
  return queued;
}

/** The row alone (for callers inside a transaction, who send the event after it commits). */
export async function queueDeliveryRow(input: EnqueueInput, client: Prisma.TransactionClient | typeof db = db) {
  const inserted = await maybeRow(
    client,
    queuedRow,
    Prisma.sql`
      INSERT INTO channel_delivery (id, "teamId", "channelId", "messageId", source, "agentId", message, "updatedAt")
      SELECT gen_random_uuid(), c."teamId", c.id, ${input.messageId}, ${input.source}, ${input.agentId ?? null}::uuid,
             ${JSON.stringify(input.message)}::jsonb, now() AT TIME ZONE 'UTC'
        FROM channel c
       WHERE c.id = ${input.channelId}::uuid AND c."teamId" = ${input.teamId} AND c."isEnabled"
      ON CONFLICT ("channelId", "messageId") DO NOTHING
      RETURNING id::text AS id`,
  );
  if (inserted) return { deliveryId: inserted.id, isNew: true };
  const existing = await client.channelDelivery.findFirst({
    where: { channelId: input.channelId, teamId: input.teamId, messageId: input.messageId },
    select: { id: true },
  });
  return existing ? { deliveryId: existing.id, isNew: false } : null;
}

const queuedRow = sqlRow("queuing a channel delivery", { id: col.uuid });

/** Sends the event that starts an attempt; a failure is logged, and the sweeper picks the row up later. */
export async function requestDeliveryAttempt(teamId: string, deliveryId: string) {
  try {
    await inngest.send({ name: channelDeliveryRequested.name, data: { teamId, deliveryId } });
  } catch (error) {
    logger.warn({ err: error, teamId, deliveryId }, "channel delivery event not sent; the sweeper will retry it");
  }
}

/** A delivery no run has moved for this long is started again (its event was lost, or its run ended unfinished). */
export const STALLED_AFTER_MS = 2 * 60_000;

/**
 * The sweeper (a step of the scheduler's tick): deliveries waiting for a first attempt, a retry that is
 * overdue, or an attempt whose result never came, for longer than STALLED_AFTER_MS, get a new event.
 * A run still alive for one of them only delays the new one (one run per delivery at a time), which then
 * finds it settled.
 */
export async function restartStalledDeliveries(now = new Date(), limit = 200) {
  const before = new Date(now.getTime() - STALLED_AFTER_MS);
  const stalled = await db.channelDelivery.findMany({
    where: {
      OR: [
        { status: "pending", updatedAt: { lt: before } },
        { status: "retrying", nextAttemptAt: { lt: before } },
        { status: "sending", attemptStartedAt: { lt: before } },
      ],
    },
    select: { id: true, teamId: true },
    orderBy: { updatedAt: "asc" },
    take: limit,
  });
  for (const delivery of stalled) await requestDeliveryAttempt(delivery.teamId, delivery.id);
  return stalled.length;
}

/** An agent's message channels must be channels of its team (a field error on the form otherwise). */
export async function assertChannelsOfTeam(teamId: string, channelIds: string[]) {
  if (channelIds.length === 0) return;
  const found = await db.channel.findMany({ where: { teamId, id: { in: channelIds } }, select: { id: true } });
  if (found.length === channelIds.length) return;
  const message = "A chosen channel was not found in this team (it may have been deleted). Choose again.";
  throw new AppError("BAD_REQUEST", message, { fieldErrors: { messageChannelIds: [message] } });
}
