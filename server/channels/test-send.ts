import "server-only";
import { randomUUID } from "node:crypto";
import { CHANNEL_KIND_LABELS, DELIVERY_TIMEOUT_MS, type ChannelMessage } from "../../shared/channels";
import type { ChannelLastTest } from "../../shared/channel-settings";
import { recordAudit } from "../audit/record";
import { db, type Prisma } from "../db/client";
import { env } from "../env";
import { notFound } from "../errors";
import { channelForSending } from "./channels";
import { formatSeconds, sendToChannel } from "./senders";
import type { SendResult } from "./types";

/**
 * Send test: one message sent now, straight through the sender (no queue, no retry), so an admin sees
 * at once whether the channel works. The result is kept on the channel (`lastTest`), written to the
 * delivery log as a `test` delivery, audited, and told in one sentence.
 */
export async function testChannel({
  teamId,
  channelId,
  userId,
  timeoutMs = DELIVERY_TIMEOUT_MS,
}: {
  teamId: string;
  channelId: string;
  userId: string;
  timeoutMs?: number;
}) {
  const channel = await channelForSending(teamId, channelId);
  if (!channel) throw notFound("That channel");
  const user = await db.user.findUnique({ where: { id: userId }, select: { name: true } });
  const messageId = `test-${randomUUID()}`;
  const message: ChannelMessage = {
    title: "Test message from Longhaul",
    text: `If you can read this, the channel "${channel.name}" works. ${user?.name ?? "An admin"} sent it from Team settings → Channels.`,
    url: new URL("/team/channels", env.APP_URL).toString(),
    fields: [
      { label: "Channel", value: channel.name },
      { label: "Kind", value: CHANNEL_KIND_LABELS[channel.kind] },
    ],
    data: { event: "channel.test", channelId: channel.id },
  };
  const startedAt = new Date();
  const delivery = await db.channelDelivery.create({
    data: {
      teamId,
      channelId: channel.id,
      messageId,
      source: "test",
      message: message as Prisma.InputJsonValue,
      status: "sending",
      attempts: 1,
      attemptStartedAt: startedAt,
      lastAttemptAt: startedAt,
    },
    select: { id: true },
  });
  const result = await sendToChannel(channel, message, {
    deliveryId: delivery.id,
    idempotencyKey: messageId,
    attempt: 1,
    maybeDelivered: false,
    timeoutMs,
  });
  const ok = result.outcome === "delivered";
  const sentence = testSentence(channel.kind === "email" ? "SMTP" : "HTTP", result);
  const lastTest: ChannelLastTest = {
    ok,
    statusCode: result.statusCode ?? null,
    message: sentence,
    at: startedAt.toISOString(),
    durationMs: result.durationMs,
  };
  const logEntry = {
    at: startedAt.toISOString(),
    durationMs: result.durationMs,
    ...(result.statusCode !== undefined ? { statusCode: result.statusCode } : {}),
    ...(result.error ? { error: result.error } : {}),
    ...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}),
  };
  await db.$transaction([
    db.channelDelivery.update({
      where: { id: delivery.id },
      data: {
        status: ok ? "delivered" : "dead",
        attemptStartedAt: null,
        attemptLog: [logEntry],
        lastStatusCode: result.statusCode ?? null,
        lastError: result.error ?? null,
        deliveredAt: ok ? new Date() : null,
      },
    }),
    db.channel.update({ where: { id: channel.id }, data: { lastTest: lastTest } }),
  ]);
  await recordAudit(db, {
    teamId,
    actorId: userId,
    action: "channel.test",
    targetId: channel.id,
    metadata: { ok: String(ok), ...(result.statusCode !== undefined ? { statusCode: String(result.statusCode) } : {}) },
  });
  return { ...lastTest, deliveryId: delivery.id };
}

/** "Delivered in 84 ms (HTTP 200)." or why not; a failure that a real message would retry says so. */
export function testSentence(protocol: "HTTP" | "SMTP", result: SendResult): string {
  if (result.outcome === "delivered") {
    const took = result.durationMs >= 10_000 ? formatSeconds(result.durationMs) : `${result.durationMs} ms`;
    return `Delivered in ${took}${result.statusCode !== undefined ? ` (${protocol} ${result.statusCode})` : ""}.`;
  }
  const error = result.error ?? "It failed for an unknown reason.";
  const ended = /[.!?)]$/.test(error) ? error : `${error}.`;
  return result.outcome === "retry" ? `${ended} A real message would be tried again later.` : ended;
}
