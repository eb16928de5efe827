import "server-only";
import { z } from "zod";
import { DELIVERY_MAX_BACKOFF_MS, DELIVERY_MAX_RETRY_AFTER_MS, DELIVERY_TIMEOUT_MS, type ChannelMessage } from "../../shared/channels";
import { db, Prisma } from "../db/client";
import { col } from "../db/columns";
import { maybeRow, sqlRow } from "../db/rows";
import { env } from "../env";
import type { ChannelForSending, SendAttempt, SendResult } from "./types";

/**
 * One attempt of one delivery (docs/decisions/037), in three parts:
 * 1. claim, under the channel's row lock: nothing when it is delivered or dead, a wait when another
 *    attempt is under way, its next attempt is not due or the channel's rate limit is reached; otherwise
 *    the attempt is counted and `attemptStartedAt` set. An attempt that finds it set from an attempt
 *    whose result was never recorded (the process stopped while sending) marks the delivery
 *    `maybeDelivered`, which every later attempt tells the receiver.
 * 2. send, outside any transaction.
 * 3. record the result, only if the claim is still this attempt's.
 * What the channel-deliver function does next comes back as `done` or `wait`.
 */
export type AttemptStep =
  { kind: "done"; status: "delivered" | "dead" | "gone" } | { kind: "wait"; ms: number; reason: "rate_limit" | "in_flight" | "backoff" };

export type AttemptLogEntry = {
  at: string;
  attempt: number;
  // unknown: an attempt whose result was never recorded; resent: a person sent a dead delivery again.
  outcome: "delivered" | "retry" | "failed" | "unknown" | "resent";
  durationMs?: number;
  statusCode?: number;
  retryAfterMs?: number;
  error?: string;
};

export type DeliveryTransport = {
  channelFor: (teamId: string, channelId: string) => Promise<ChannelForSending | null>;
  send: (channel: ChannelForSending, message: ChannelMessage, attempt: SendAttempt) => Promise<SendResult>;
};

/** An attempt still under way is waited for until it must have ended (its timeout) and a margin. */
const IN_FLIGHT_MARGIN_MS = 5_000;
const RATE_WINDOW_MS = 60_000;

export async function attemptDelivery({
  teamId,
  deliveryId,
  transport,
  now = () => new Date(),
}: {
  teamId: string;
  deliveryId: string;
  transport: DeliveryTransport;
  now?: () => Date;
}): Promise<AttemptStep> {
  const claim = await claimAttempt({ teamId, deliveryId, at: now() });
  if (claim.kind !== "claimed") return claim;
  const { delivery, startedAt } = claim;

  let result: SendResult;
  const began = Date.now();
  let channel: ChannelForSending | null = null;
  let unreadable: string | null = null;
  try {
    channel = await transport.channelFor(teamId, delivery.channelId);
  } catch (error) {
    // Settings that cannot be read will not be readable on a retry either: dead at once, saying what to do.
    unreadable = error instanceof Error ? error.message : String(error);
  }
  try {
    result = unreadable
      ? { outcome: "failed", error: unreadable, durationMs: 0 }
      : channel
        ? await transport.send(channel, delivery.message, {
            deliveryId,
            idempotencyKey: idempotencyKeyOf(delivery),
            attempt: delivery.attempts,
            maybeDelivered: delivery.maybeDelivered,
            timeoutMs: DELIVERY_TIMEOUT_MS,
          })
        : { outcome: "failed", error: "The channel was deleted.", durationMs: 0 };
  } catch (error) {
    // A sender that throws is a failure worth retrying (a bug or an unforeseen network error), said as it was.
    result = { outcome: "retry", error: error instanceof Error ? error.message : String(error), durationMs: Date.now() - began };
  }
  return recordResult({ teamId, deliveryId, startedAt, attempts: delivery.attempts, result, at: now() });
}

/** The key the receiver gets with every attempt of this message to this channel. */
export function idempotencyKeyOf(delivery: { channelId: string; messageId: string }) {
  return `${delivery.channelId}:${delivery.messageId}`;
}

const claimRow = sqlRow("claiming a channel delivery attempt", {
  channelId: col.uuid,
  messageId: col.text,
  message: col.json,
  status: col.text,
  attempts: col.int,
  attemptStartedAt: col.timestamp.nullable(),
  nextAttemptAt: col.timestamp.nullable(),
  maybeDelivered: col.bool,
  isEnabled: col.bool,
  ratePerMinute: col.int,
  inWindow: col.int,
  oldestInWindow: col.timestamp.nullable(),
});

const lockedChannelRow = sqlRow("locking a delivery's channel", { id: col.uuid });

const messageSchema = z.custom<ChannelMessage>(
  (value) => typeof value === "object" && value !== null && typeof (value as { title?: unknown }).title === "string",
  "a channel message",
);

type Claimed = {
  kind: "claimed";
  startedAt: Date;
  delivery: { channelId: string; messageId: string; message: ChannelMessage; attempts: number; maybeDelivered: boolean };
};

async function claimAttempt({ teamId, deliveryId, at }: { teamId: string; deliveryId: string; at: Date }): Promise<AttemptStep | Claimed> {
  return db.$transaction(async (tx) => {
    // The channel row's lock puts the claims of one channel in a line, so the rate limit counts right. It is
    // taken by a statement of its own: the count below then runs with a snapshot taken after the lock was
    // granted, so it sees the attempt the claim before this one committed (in one statement it would not).
    const locked = await maybeRow(
      tx,
      lockedChannelRow,
      Prisma.sql`
        SELECT c.id::text AS id FROM channel c
          JOIN channel_delivery d ON d."channelId" = c.id
         WHERE d.id = ${deliveryId}::uuid AND d."teamId" = ${teamId}
           FOR UPDATE OF c`,
    );
    if (!locked) return { kind: "done", status: "gone" } as const;
    const found = await maybeRow(
      tx,
      claimRow,
      Prisma.sql`
        SELECT d."channelId"::text AS "channelId", d."messageId", d.message, d.status::text AS status, d.attempts,
               d."attemptStartedAt", d."nextAttemptAt", d."maybeDelivered", c."isEnabled", c."ratePerMinute",
               w.n::int AS "inWindow", w.oldest AS "oldestInWindow"
          FROM channel_delivery d
          JOIN channel c ON c.id = d."channelId"
          CROSS JOIN LATERAL (
            SELECT count(*) AS n, min(o."lastAttemptAt") AS oldest FROM channel_delivery o
             WHERE o."channelId" = c.id AND o.id <> d.id
               AND o."lastAttemptAt" > ${new Date(at.getTime() - RATE_WINDOW_MS).toISOString()}::timestamp
          ) w
         WHERE d.id = ${deliveryId}::uuid AND d."teamId" = ${teamId}
           FOR UPDATE OF d`,
    );
    if (!found) return { kind: "done", status: "gone" } as const;
    if (found.status === "delivered" || found.status === "dead") return { kind: "done", status: found.status } as const;
    const stale = found.status === "sending" && found.attemptStartedAt !== null;
    if (stale) {
      const busyFor = found.attemptStartedAt!.getTime() + DELIVERY_TIMEOUT_MS + IN_FLIGHT_MARGIN_MS - at.getTime();
      if (busyFor > 0) return { kind: "wait", ms: busyFor, reason: "in_flight" } as const;
    }
    if (found.status === "retrying" && found.nextAttemptAt && found.nextAttemptAt > at) {
      return { kind: "wait", ms: found.nextAttemptAt.getTime() - at.getTime(), reason: "backoff" } as const;
    }
    const log: AttemptLogEntry[] = [];
    if (stale) {
      log.push({
        at: found.attemptStartedAt!.toISOString(),
        attempt: found.attempts,
        outcome: "unknown",
        error: "No result was recorded: Longhaul stopped while sending, so the receiver may have it. The next attempt says so.",
      });
    }
    if (!found.isEnabled) {
      await tx.channelDelivery.update({
        where: { id: deliveryId },
        data: {
          status: "dead",
          attemptStartedAt: null,
          lastError: "The channel is switched off. Switch it on and send this again.",
          attemptLog: appendLog(await currentLog(tx, deliveryId), log),
        },
      });
      return { kind: "done", status: "dead" } as const;
    }
    if (found.inWindow >= found.ratePerMinute && found.oldestInWindow) {
      const ms = Math.max(found.oldestInWindow.getTime() + RATE_WINDOW_MS - at.getTime(), 50);
      // When its turn comes (the log and the sweeper read it). A lost attempt found here is settled now,
      // so the next claim does not count it again: the delivery waits as a retry, flagged.
      await tx.channelDelivery.update({
        where: { id: deliveryId },
        data: {
          nextAttemptAt: new Date(at.getTime() + ms),
          ...(stale
            ? {
                status: "retrying",
                attemptStartedAt: null,
                maybeDelivered: true,
                attemptLog: appendLog(await currentLog(tx, deliveryId), log),
              }
            : {}),
        },
      });
      return { kind: "wait", ms, reason: "rate_limit" } as const;
    }
    const maybeDelivered = found.maybeDelivered || stale;
    const attempts = found.attempts + 1;
    await tx.channelDelivery.update({
      where: { id: deliveryId },
      data: {
        status: "sending",
        attempts,
        attemptStartedAt: at,
        lastAttemptAt: at,
        maybeDelivered,
        ...(log.length > 0 ? { attemptLog: appendLog(await currentLog(tx, deliveryId), log) } : {}),
      },
    });
    return {
      kind: "claimed",
      startedAt: at,
      delivery: {
        channelId: found.channelId,
        messageId: found.messageId,
        message: messageSchema.parse(found.message),
        attempts,
        maybeDelivered,
      },
    } as const;
  });
}

async function currentLog(tx: Prisma.TransactionClient, deliveryId: string): Promise<AttemptLogEntry[]> {
  const row = await tx.channelDelivery.findUnique({ where: { id: deliveryId }, select: { attemptLog: true } });
  return Array.isArray(row?.attemptLog) ? (row.attemptLog as AttemptLogEntry[]) : [];
}

function appendLog(log: AttemptLogEntry[], entries: AttemptLogEntry[]): Prisma.InputJsonValue {
  return [...log, ...entries] as Prisma.InputJsonValue;
}

/** The wait before the next attempt: the receiver's Retry-After (capped), else the base doubling per attempt. */
export function backoffMs(attempts: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.min(retryAfterMs, DELIVERY_MAX_RETRY_AFTER_MS);
  return Math.min(env.CHANNEL_RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1), DELIVERY_MAX_BACKOFF_MS);
}

async function recordResult({
  teamId,
  deliveryId,
  startedAt,
  attempts,
  result,
  at,
}: {
  teamId: string;
  deliveryId: string;
  startedAt: Date;
  attempts: number;
  result: SendResult;
  at: Date;
}): Promise<AttemptStep> {
  const entry: AttemptLogEntry = {
    at: startedAt.toISOString(),
    attempt: attempts,
    outcome: result.outcome,
    durationMs: result.durationMs,
    ...(result.statusCode !== undefined ? { statusCode: result.statusCode } : {}),
    ...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}),
    ...(result.error ? { error: result.error } : {}),
  };
  const isLast = attempts >= env.CHANNEL_MAX_ATTEMPTS;
  const wait = result.outcome === "retry" && !isLast ? backoffMs(attempts, result.retryAfterMs) : null;
  const status = result.outcome === "delivered" ? "delivered" : wait === null ? "dead" : "retrying";
  const lastError =
    result.outcome === "delivered"
      ? null
      : status === "dead" && result.outcome === "retry"
        ? `${result.error ?? "failed"} (gave up after ${attempts} attempts)`
        : (result.error ?? "failed");
  // Only this attempt's claim is settled: a newer attempt (after this one was taken for lost) owns the row.
  const updated = await db.$transaction(async (tx) => {
    const log = await currentLog(tx, deliveryId);
    const { count } = await tx.channelDelivery.updateMany({
      where: { id: deliveryId, teamId, attemptStartedAt: startedAt },
      data: {
        status,
        attemptStartedAt: null,
        attemptLog: appendLog(log, [entry]),
        lastStatusCode: result.statusCode ?? null,
        lastError,
        nextAttemptAt: wait === null ? null : new Date(at.getTime() + wait),
        ...(status === "delivered" ? { deliveredAt: at } : {}),
      },
    });
    return count;
  });
  if (updated === 0) return { kind: "wait", ms: 0, reason: "in_flight" };
  if (status === "retrying") return { kind: "wait", ms: wait!, reason: "backoff" };
  return { kind: "done", status };
}
