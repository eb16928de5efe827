/**
 * The chaos suite's channel part (issue 21): a webhook receiver in the suite's own process that fails at
 * random (a 500, a 429 with Retry-After, a dropped connection, a slow answer, or a 200; agent 1's
 * messages always with a 503, so they are dead-lettered), a channel of the
 * team pointing at it, and the checks after the run: every agent message to the channel was queued once,
 * ended delivered or dead-lettered (and the dead ones are in the delivery log), and the receiver accepted
 * each message at most once, unless a later attempt told it that it might be a repeat (an app killed
 * between sending and recording), and at least once when it is recorded as delivered.
 */
import type pg from "pg";
import { startChannelReceiver, type ChannelReceiver, type ReceiverMode } from "../fixtures/channel-receiver";

export type ChannelCounts = {
  messages: number;
  delivered: number;
  dead: number;
  attempts: number;
  receiverRequests: Record<string, number>;
  acceptedTwiceFlagged: number;
  maybeDelivered: number;
};

export async function startChaosReceiver(random: () => number, port: number): Promise<ChannelReceiver> {
  return startChannelReceiver({
    port,
    choose: (json): ReceiverMode => {
      // Agent 1's messages are refused every time: they must end dead-lettered, and shown as such.
      if (/^Agent 1 report/.test((json as { title?: string } | undefined)?.title ?? "")) return { kind: "error", status: 503 };
      const r = random();
      if (r < 0.12) return { kind: "error", status: 500 };
      if (r < 0.2) return { kind: "retryAfter", seconds: 1 };
      if (r < 0.26) return { kind: "close" };
      if (r < 0.3) return { kind: "ok", delayMs: 1500 };
      return { kind: "ok" };
    },
  });
}

type Query = <T extends pg.QueryResultRow>(sql: string, params?: unknown[]) => Promise<T[]>;

/** Waits until no delivery of the team is still on its way (or `timeoutMs` passed); returns how many are left. */
export async function settleDeliveries(q: Query, teamId: string, timeoutMs: number) {
  const left = async () =>
    (
      await q<{ n: number }>(
        `SELECT count(*)::int AS n FROM channel_delivery WHERE "teamId" = $1 AND status IN ('pending', 'sending', 'retrying')`,
        [teamId],
      )
    )[0]!.n;
  const deadline = Date.now() + timeoutMs;
  let n = await left();
  while (n > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    n = await left();
  }
  return n;
}

export async function checkDeliveries({
  q,
  teamId,
  channelId,
  channelAgentIds,
  receiver,
  deadInLog,
}: {
  q: Query;
  teamId: string;
  channelId: string;
  channelAgentIds: Set<string>;
  receiver: ChannelReceiver;
  /** The ids the delivery log lists as dead (through the app's own listDeliveries). */
  deadInLog: Set<string>;
}): Promise<{ violations: string[]; counts: ChannelCounts }> {
  const v: string[] = [];
  const outbox = await q<{ id: string; agentId: string; subject: string }>(
    `SELECT id::text, "agentId"::text, subject FROM outbox_message WHERE "teamId" = $1`,
    [teamId],
  );
  const deliveries = await q<{ id: string; messageId: string; status: string; attempts: number; maybeDelivered: boolean }>(
    `SELECT id::text, "messageId", status::text, attempts, "maybeDelivered" FROM channel_delivery WHERE "teamId" = $1 AND "channelId" = $2::uuid`,
    [teamId, channelId],
  );
  const byMessage = new Map<string, typeof deliveries>();
  for (const d of deliveries) byMessage.set(d.messageId, [...(byMessage.get(d.messageId) ?? []), d]);
  for (const message of outbox.filter((m) => channelAgentIds.has(m.agentId))) {
    const rows = byMessage.get(message.id) ?? [];
    if (rows.length !== 1) v.push(`message "${message.subject}" has ${rows.length} deliveries to the channel, not 1`);
  }
  for (const d of deliveries) if (!outbox.some((m) => m.id === d.messageId)) v.push(`delivery ${d.id} has no outbox message`);

  const requestsFor = (messageId: string) => receiver.requests.filter((r) => r.headers["idempotency-key"] === `${channelId}:${messageId}`);
  const counts: ChannelCounts = {
    messages: deliveries.length,
    delivered: 0,
    dead: 0,
    attempts: 0,
    receiverRequests: {},
    acceptedTwiceFlagged: 0,
    maybeDelivered: 0,
  };
  for (const r of receiver.requests) counts.receiverRequests[r.mode] = (counts.receiverRequests[r.mode] ?? 0) + 1;
  for (const d of deliveries) {
    counts.attempts += d.attempts;
    if (d.maybeDelivered) counts.maybeDelivered++;
    const accepted = requestsFor(d.messageId).filter((r) => r.mode === "ok");
    // A repeat the receiver accepted must have been announced as one (a crash between sending and recording).
    const unannounced = accepted.slice(1).filter((r) => (r.json as { maybeDelivered?: boolean } | undefined)?.maybeDelivered !== true);
    if (unannounced.length > 0)
      v.push(`delivery ${d.id}: the receiver accepted it ${accepted.length} times, ${unannounced.length} not marked maybeDelivered`);
    else if (accepted.length > 1) counts.acceptedTwiceFlagged++;
    if (d.status === "delivered") {
      counts.delivered++;
      if (accepted.length === 0) v.push(`delivery ${d.id} is recorded delivered, but the receiver never accepted it`);
    } else if (d.status === "dead") {
      counts.dead++;
      if (!deadInLog.has(d.id)) v.push(`dead delivery ${d.id} is not in the delivery log`);
      if (accepted.length > 0 && !d.maybeDelivered) v.push(`delivery ${d.id} is dead although the receiver accepted it`);
    } else v.push(`delivery ${d.id} still ${d.status} after the settle time`);
  }
  return { violations: v, counts };
}
