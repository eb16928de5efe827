import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

vi.hoisted(() => {
  process.env.LONGHAUL_PRIVATE_TOOL_HOSTS = "127.0.0.1";
  process.env.CHANNEL_MAX_ATTEMPTS = "3";
  process.env.CHANNEL_RETRY_BASE_MS = "200";
});

import { inngest } from "~/inngest/client";
import { attemptDelivery, type AttemptStep } from "~/server/channels/attempt";
import { enqueueDelivery, restartStalledDeliveries, STALLED_AFTER_MS } from "~/server/channels/deliveries";
import { listDeliveries, resendDelivery } from "~/server/channels/delivery-log";
import { channelTransport } from "~/server/channels/transport";
import { db } from "~/server/db/client";
import { encryptSecret } from "~/server/secrets/crypto";
import { executeToolCall } from "~/server/tools/execute-tool";
import { agentInput } from "../factories/agent";
import { createTestTeam } from "../factories/team";
import { startChannelReceiver, type ChannelReceiver } from "../fixtures/channel-receiver";

/**
 * The delivery ledger and its attempts (issue 21, point 2), against a real HTTP receiver: one delivery
 * per channel and message id; retries with backoff that honour Retry-After; dead letter after the last
 * attempt; a claim left by a crash makes the next attempt say "maybe delivered"; an attempt under way is
 * waited for, not repeated; the per-channel rate limit; send again; the sweeper; send_message.
 * The channel-deliver function only loops over `attemptDelivery` and sleeps (tests/contract covers it).
 */
let receiver: ChannelReceiver;
const sent = vi.spyOn(inngest, "send");

beforeAll(async () => {
  receiver = await startChannelReceiver();
});
afterAll(async () => {
  await receiver.close();
});
beforeEach(() => {
  receiver.reset();
  sent.mockReset();
  sent.mockResolvedValue({ ids: [] });
});

async function webhookChannel(teamId: string, ratePerMinute = 30) {
  return db.channel.create({
    data: {
      teamId,
      name: `Hook ${Math.random().toString(36).slice(2, 8)}`,
      kind: "webhook",
      ratePerMinute,
      secretsCiphertext: encryptSecret(JSON.stringify({ url: `${receiver.url}/hook`, signingSecret: "whsec-test-0123456789" }), teamId),
    },
  });
}

async function setup(ratePerMinute?: number) {
  const { team, user, caller } = await createTestTeam();
  const channel = await webhookChannel(team.id, ratePerMinute);
  return { teamId: team.id, userId: user.id, caller, channel };
}

const message = (n = 1) => ({ title: `Report ${n}`, text: "All good.", data: { n } });

/** Runs attempts the way channel-deliver does, without sleeping: the clock is moved past each wait instead. */
async function drive(teamId: string, deliveryId: string, start = Date.now()) {
  let clock = start;
  const steps: AttemptStep[] = [];
  for (let i = 0; i < 20; i++) {
    const step = await attemptDelivery({ teamId, deliveryId, transport: channelTransport, now: () => new Date(clock) });
    steps.push(step);
    if (step.kind === "done") return steps;
    clock += step.ms + 1;
  }
  throw new Error("no end after 20 steps");
}

describe("channel deliveries", () => {
  it("are queued once per channel and message id, delivered once, with the same idempotency key", async () => {
    const { teamId, channel } = await setup();
    const first = await enqueueDelivery({ teamId, channelId: channel.id, messageId: "m-1", source: "test", message: message() });
    const again = await enqueueDelivery({ teamId, channelId: channel.id, messageId: "m-1", source: "test", message: message() });
    expect(first).toMatchObject({ isNew: true });
    expect(again).toEqual({ deliveryId: first!.deliveryId, isNew: false });
    // One event: the second queuing found the row.
    expect(sent).toHaveBeenCalledTimes(1);
    expect(sent.mock.calls[0]![0]).toMatchObject({ name: "channel/delivery.requested", data: { teamId, deliveryId: first!.deliveryId } });

    expect(await drive(teamId, first!.deliveryId)).toEqual([{ kind: "done", status: "delivered" }]);
    // A retried step (the executor lost the answer) sends nothing more.
    expect(await drive(teamId, first!.deliveryId)).toEqual([{ kind: "done", status: "delivered" }]);
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.headers["idempotency-key"]).toBe(`${channel.id}:m-1`);
    expect(receiver.requests[0]!.json).toMatchObject({ title: "Report 1", attempt: 1, maybeDelivered: false });
    const row = await db.channelDelivery.findUniqueOrThrow({ where: { id: first!.deliveryId } });
    expect(row).toMatchObject({ status: "delivered", attempts: 1, lastStatusCode: 200, attemptStartedAt: null });
    expect(row.deliveredAt).not.toBeNull();
  });

  it("refuses another team's channel and a switched-off one", async () => {
    const { channel } = await setup();
    const other = await createTestTeam();
    expect(
      await enqueueDelivery({ teamId: other.team.id, channelId: channel.id, messageId: "x", source: "test", message: message() }),
    ).toBeNull();
    await db.channel.update({ where: { id: channel.id }, data: { isEnabled: false } });
    expect(
      await enqueueDelivery({ teamId: channel.teamId, channelId: channel.id, messageId: "x", source: "test", message: message() }),
    ).toBeNull();
    expect(await db.channelDelivery.count({ where: { channelId: channel.id } })).toBe(0);
  });

  it("retries after a 429 as long as its Retry-After says, then after a 500 with a doubling backoff", async () => {
    const { teamId, channel } = await setup();
    receiver.setModes([{ kind: "retryAfter", seconds: 7 }, "error"]);
    const { deliveryId } = (await enqueueDelivery({
      teamId,
      channelId: channel.id,
      messageId: "m-2",
      source: "test",
      message: message(),
    }))!;
    const steps = await drive(teamId, deliveryId);
    expect(steps).toEqual([
      { kind: "wait", ms: 7000, reason: "backoff" },
      { kind: "wait", ms: 400, reason: "backoff" },
      { kind: "done", status: "delivered" },
    ]);
    expect(receiver.requests.map((r) => [r.mode, r.headers["x-longhaul-attempt"], r.headers["idempotency-key"]])).toEqual([
      ["retryAfter", "1", `${channel.id}:m-2`],
      ["error", "2", `${channel.id}:m-2`],
      ["ok", "3", `${channel.id}:m-2`],
    ]);
    const row = await db.channelDelivery.findUniqueOrThrow({ where: { id: deliveryId } });
    expect(row.attemptLog).toMatchObject([
      { attempt: 1, outcome: "retry", statusCode: 429, retryAfterMs: 7000 },
      { attempt: 2, outcome: "retry", statusCode: 500 },
      { attempt: 3, outcome: "delivered", statusCode: 200 },
    ]);
  });

  it("is dead-lettered after the last attempt, at once on a 4xx, and sent again by an admin", async () => {
    const { teamId, userId, channel } = await setup();
    receiver.setMode("error");
    const { deliveryId } = (await enqueueDelivery({
      teamId,
      channelId: channel.id,
      messageId: "m-3",
      source: "test",
      message: message(),
    }))!;
    const steps = await drive(teamId, deliveryId);
    expect(steps.at(-1)).toEqual({ kind: "done", status: "dead" });
    expect(receiver.requests).toHaveLength(3);
    const dead = await db.channelDelivery.findUniqueOrThrow({ where: { id: deliveryId } });
    expect(dead).toMatchObject({ status: "dead", attempts: 3, lastStatusCode: 500 });
    expect(dead.lastError).toContain("gave up after 3 attempts");

    receiver.setMode("ok");
    sent.mockClear();
    await resendDelivery({ teamId, userId, deliveryId });
    expect(sent).toHaveBeenCalledTimes(1);
    expect(await drive(teamId, deliveryId)).toEqual([{ kind: "done", status: "delivered" }]);
    const resent = await db.channelDelivery.findUniqueOrThrow({ where: { id: deliveryId } });
    expect(resent.attemptLog).toMatchObject([
      { outcome: "retry" },
      { outcome: "retry" },
      { outcome: "retry" },
      { outcome: "resent" },
      { outcome: "delivered" },
    ]);
    await expect(resendDelivery({ teamId, userId, deliveryId })).rejects.toThrow("sending it again would repeat it");
    expect(await db.auditLog.count({ where: { teamId, action: "channel.resend", targetId: deliveryId } })).toBe(1);

    // A 404 is not worth retrying: dead after one attempt, with what the receiver said.
    receiver.setMode({ kind: "status", status: 404, body: "no such hook" });
    const gone = (await enqueueDelivery({ teamId, channelId: channel.id, messageId: "m-4", source: "test", message: message() }))!;
    expect(await drive(teamId, gone.deliveryId)).toEqual([{ kind: "done", status: "dead" }]);
    expect((await db.channelDelivery.findUniqueOrThrow({ where: { id: gone.deliveryId } })).attempts).toBe(1);
  });

  it("waits for an attempt under way, and after one whose result never came tells the receiver it may be a repeat", async () => {
    const { teamId, channel } = await setup();
    const { deliveryId } = (await enqueueDelivery({
      teamId,
      channelId: channel.id,
      messageId: "m-5",
      source: "test",
      message: message(),
    }))!;
    const startedAt = new Date();
    // As if another copy of the step had claimed an attempt a moment ago and is sending now.
    await db.channelDelivery.update({
      where: { id: deliveryId },
      data: { status: "sending", attempts: 1, attemptStartedAt: startedAt, lastAttemptAt: startedAt },
    });
    const waiting = await attemptDelivery({
      teamId,
      deliveryId,
      transport: channelTransport,
      now: () => new Date(startedAt.getTime() + 1000),
    });
    expect(waiting).toMatchObject({ kind: "wait", reason: "in_flight" });
    expect((waiting as { ms: number }).ms).toBe(15_000 + 5_000 - 1000);
    expect(receiver.requests).toHaveLength(0);

    // That copy died without recording: once it must have ended, the next attempt goes, flagged.
    const later = new Date(startedAt.getTime() + 21_000);
    expect(await attemptDelivery({ teamId, deliveryId, transport: channelTransport, now: () => later })).toEqual({
      kind: "done",
      status: "delivered",
    });
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.json).toMatchObject({ attempt: 2, maybeDelivered: true });
    const row = await db.channelDelivery.findUniqueOrThrow({ where: { id: deliveryId } });
    expect(row).toMatchObject({ status: "delivered", maybeDelivered: true, attempts: 2 });
    expect(row.attemptLog).toMatchObject([
      { attempt: 1, outcome: "unknown" },
      { attempt: 2, outcome: "delivered" },
    ]);
  });

  it("keeps to the channel's rate limit: the third message in a minute waits for the first one's minute to end", async () => {
    const { teamId, channel } = await setup(2);
    const ids = [];
    for (const n of [1, 2, 3])
      ids.push(
        (await enqueueDelivery({ teamId, channelId: channel.id, messageId: `r-${n}`, source: "test", message: message(n) }))!.deliveryId,
      );
    const t0 = Date.now();
    expect(await attemptDelivery({ teamId, deliveryId: ids[0]!, transport: channelTransport, now: () => new Date(t0) })).toMatchObject({
      kind: "done",
    });
    expect(
      await attemptDelivery({ teamId, deliveryId: ids[1]!, transport: channelTransport, now: () => new Date(t0 + 10_000) }),
    ).toMatchObject({ kind: "done" });
    const third = await attemptDelivery({ teamId, deliveryId: ids[2]!, transport: channelTransport, now: () => new Date(t0 + 20_000) });
    expect(third).toEqual({ kind: "wait", ms: 40_000, reason: "rate_limit" });
    expect(receiver.requests).toHaveLength(2);
    expect(
      await attemptDelivery({ teamId, deliveryId: ids[2]!, transport: channelTransport, now: () => new Date(t0 + 60_001) }),
    ).toMatchObject({
      kind: "done",
      status: "delivered",
    });
    expect(receiver.requests).toHaveLength(3);
  });

  it("a lost attempt found while the rate limit holds is settled once: flagged, waiting its turn, logged once", async () => {
    const { teamId, channel } = await setup(1);
    const t0 = Date.now();
    const first = (await enqueueDelivery({ teamId, channelId: channel.id, messageId: "slot-1", source: "test", message: message(1) }))!;
    expect(
      await attemptDelivery({ teamId, deliveryId: first.deliveryId, transport: channelTransport, now: () => new Date(t0) }),
    ).toMatchObject({
      kind: "done",
    });
    const lost = (await enqueueDelivery({ teamId, channelId: channel.id, messageId: "slot-2", source: "test", message: message(2) }))!;
    const startedAt = new Date(t0 - 30_000);
    await db.channelDelivery.update({
      where: { id: lost.deliveryId },
      data: { status: "sending", attempts: 1, attemptStartedAt: startedAt, lastAttemptAt: startedAt },
    });
    const step = (at: number) =>
      attemptDelivery({ teamId, deliveryId: lost.deliveryId, transport: channelTransport, now: () => new Date(at) });
    expect(await step(t0 + 1000)).toEqual({ kind: "wait", ms: 59_000, reason: "rate_limit" });
    expect(await step(t0 + 2000)).toEqual({ kind: "wait", ms: 58_000, reason: "backoff" });
    expect(await step(t0 + 60_001)).toEqual({ kind: "done", status: "delivered" });
    expect(receiver.requests.map((r) => (r.json as { maybeDelivered: boolean }).maybeDelivered)).toEqual([false, true]);
    const row = await db.channelDelivery.findUniqueOrThrow({ where: { id: lost.deliveryId } });
    expect(row.attemptLog).toMatchObject([
      { attempt: 1, outcome: "unknown" },
      { attempt: 2, outcome: "delivered" },
    ]);
  });

  it("dead-letters what is queued for a channel switched off meanwhile, and lists deliveries newest first", async () => {
    const { teamId, caller, channel } = await setup();
    const { deliveryId } = (await enqueueDelivery({
      teamId,
      channelId: channel.id,
      messageId: "off-1",
      source: "test",
      message: message(),
    }))!;
    await db.channel.update({ where: { id: channel.id }, data: { isEnabled: false } });
    expect(await drive(teamId, deliveryId)).toEqual([{ kind: "done", status: "dead" }]);
    expect(receiver.requests).toHaveLength(0);
    const log = await caller.delivery.list({ channelId: channel.id });
    expect(log.items).toHaveLength(1);
    expect(log.items[0]).toMatchObject({ id: deliveryId, status: "dead", channel: { id: channel.id, kind: "webhook" } });
    expect(log.items[0]!.lastError).toContain("switched off");
  });

  it("a channel whose stored secrets cannot be read still lists, and its deliveries are dead at once with what to do", async () => {
    const { teamId, caller, channel } = await setup();
    await db.channel.update({ where: { id: channel.id }, data: { secretsCiphertext: "v1.not-what-we-wrote" } });
    const listed = await caller.channel.list();
    expect(listed.find((c) => c.id === channel.id)).toMatchObject({ secretsSet: { url: false, signingSecret: false } });
    const { deliveryId } = (await enqueueDelivery({
      teamId,
      channelId: channel.id,
      messageId: "unreadable",
      source: "test",
      message: message(),
    }))!;
    expect(await drive(teamId, deliveryId)).toEqual([{ kind: "done", status: "dead" }]);
    const row = await db.channelDelivery.findUniqueOrThrow({ where: { id: deliveryId } });
    expect(row).toMatchObject({ attempts: 1 });
    expect(row.lastError).toContain("could not be read. Edit it and enter its URL or password again.");
    expect(receiver.requests).toHaveLength(0);
  });

  it("the sweeper starts deliveries again that nothing moved", async () => {
    const { teamId, channel } = await setup();
    const { deliveryId } = (await enqueueDelivery({
      teamId,
      channelId: channel.id,
      messageId: "lost-1",
      source: "test",
      message: message(),
    }))!;
    sent.mockClear();
    // Other files' deliveries may be stalled meanwhile (the sweep is global): this one, just queued, is not among them.
    await restartStalledDeliveries(new Date());
    expect(sent.mock.calls.map((c) => (c[0] as { data: { deliveryId: string } }).data.deliveryId)).not.toContain(deliveryId);
    sent.mockClear();
    await db.$executeRaw`UPDATE channel_delivery SET "updatedAt" = "updatedAt" - interval '10 minutes' WHERE id = ${deliveryId}::uuid`;
    expect(await restartStalledDeliveries(new Date(Date.now() + STALLED_AFTER_MS))).toBeGreaterThanOrEqual(1);
    expect(sent.mock.calls.map((c) => (c[0] as { data: { deliveryId: string } }).data.deliveryId)).toContain(deliveryId);
  });

  it("send_message delivers to the agent's channels once per message, also when the call is replayed", async () => {
    const { teamId, caller, channel } = await setup();
    const agent = await caller.agent.create(
      agentInput({ messageChannelIds: [channel.id], tools: [{ name: "send_message", enabled: true, approval: "never" }] }),
    );
    const call = {
      agentId: agent.id,
      teamId,
      cycle: 2,
      callIndex: 0,
      name: "send_message",
      argumentsText: JSON.stringify({ subject: "Daily", body: "3 new leads." }),
    };
    const first = await executeToolCall(call);
    const replay = await executeToolCall(call);
    expect(first).toMatchObject({ status: "succeeded", result: { channels: 1 } });
    expect(replay).toMatchObject({ status: "succeeded" });
    const deliveries = await db.channelDelivery.findMany({ where: { channelId: channel.id } });
    expect(deliveries).toHaveLength(1);
    const outbox = await db.outboxMessage.findFirstOrThrow({ where: { agentId: agent.id } });
    expect(deliveries[0]).toMatchObject({
      messageId: outbox.id,
      source: "agent_message",
      agentId: agent.id,
      message: { title: "Daily", text: "3 new leads." },
    });

    // A channel of another team cannot be chosen.
    const other = await createTestTeam();
    const foreign = await webhookChannel(other.team.id);
    await expect(caller.agent.create(agentInput({ name: "Other", messageChannelIds: [foreign.id] }))).rejects.toThrow(
      "not found in this team",
    );
  });

  it("lists deliveries without the tokens of approval links", async () => {
    const { teamId, channel } = await setup();
    await enqueueDelivery({
      teamId,
      channelId: channel.id,
      messageId: "link-1",
      source: "notification",
      message: {
        title: "Approve?",
        text: "Open https://app.example/approve/lhal_secret123 to decide",
        actions: [
          {
            label: "Approve",
            url: "https://app.example/approve/lhal_secret123?do=approve",
            interactive: { actionId: "approve", value: "lhal_secret123" },
          },
        ],
      },
    });
    const { items } = await listDeliveries({ teamId });
    expect(JSON.stringify(items)).not.toContain("lhal_secret123");
    expect(items[0]!.message.actions![0]!.url).toBe("https://app.example/approve/[token]?do=approve");
  });
});
