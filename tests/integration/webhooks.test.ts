import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { POST as hookRoute } from "~/app/api/hooks/[agent]/route";
import { inngest } from "~/inngest/client";
import { agentRunRequested, agentWakeRequested } from "~/inngest/events";
import { assembleContext } from "~/server/loop/context";
import { db } from "~/server/db/client";
import { env } from "~/server/env";
import { logger } from "~/server/logger";
import { signWebhookBody, WEBHOOK_MAX_BYTES } from "~/server/triggers/webhooks";
import { agentInput } from "../factories/agent";
import { addTestMember, createTestTeam } from "../factories/team";

const APP = new URL(env.APP_URL);

function call(agentId: string, body: string, headers: Record<string, string>) {
  return hookRoute(new Request(`${APP.origin}/api/hooks/${agentId}`, { method: "POST", headers: new Headers(headers), body }), {
    params: Promise.resolve({ agent: agentId }),
  });
}

function signed(agentId: string, secret: string, body: string, deliveryId: string, contentType = "application/json") {
  return call(agentId, body, {
    "content-type": contentType,
    "x-longhaul-signature": signWebhookBody(secret, body, deliveryId),
    "x-longhaul-delivery": deliveryId,
  });
}

async function agentWithSecret() {
  const owner = await createTestTeam();
  const agent = await owner.caller.agent.create(agentInput({ name: "Hooked agent" }));
  const { secret, url } = await owner.caller.agent.rotateWebhookSecret({ id: agent.id });
  return { owner, agentId: agent.id, secret, url };
}

const triggerEvents = (agentId: string) => db.agentEvent.findMany({ where: { agentId, type: "trigger" }, orderBy: { seq: "asc" } });

let send: ReturnType<typeof vi.fn>;
beforeEach(() => {
  send = vi.fn().mockResolvedValue({ ids: [] });
  vi.spyOn(inngest, "send").mockImplementation(send as never);
});
afterEach(() => vi.restoreAllMocks());

describe("webhooks", () => {
  it("accepts a signed delivery: a trigger event with the payload, and an idle agent is started", async () => {
    const { owner, agentId, secret, url } = await agentWithSecret();
    expect(url).toBe(`${APP.origin}/api/hooks/${agentId}`);
    expect(secret).toMatch(/^lhwh_[\w-]{43}$/);
    const response = await signed(agentId, secret, JSON.stringify({ order: 42, note: "ship it" }), "delivery-1");
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ ok: true, duplicate: false, deliveryId: "delivery-1", agent: "started" });
    const [event] = await triggerEvents(agentId);
    expect(event?.payload).toMatchObject({ source: "webhook", deliveryId: "delivery-1", body: { order: 42, note: "ship it" } });
    expect((await db.agent.findUniqueOrThrow({ where: { id: agentId } })).status).toBe("running");
    expect(send).toHaveBeenCalledWith(
      expect.objectContaining({ name: agentRunRequested.name, data: { agentId, teamId: owner.team.id, reason: "webhook" } }),
    );

    // The next cycle's prompt shows the payload, delimited.
    const { messages } = await assembleContext({ agentId, teamId: owner.team.id, cycle: 1, model: "simulator-1", reservedTokens: 100 });
    const prompt = messages[1]?.content as string;
    // (Stored as jsonb, so keys come back in jsonb's order.)
    expect(prompt).toMatch(/trigger: webhook delivery "delivery-1" received\. Payload:\n<<<\n\{.*"order":42.*\}\n>>>/);
    expect(prompt).toContain('"note":"ship it"');

    // The Triggers tab: a secret exists (not shown), the delivery is listed.
    const info = await owner.caller.agent.webhook({ id: agentId });
    expect(info).toMatchObject({ hasSecret: true, url, schedule: null });
    expect(JSON.stringify(info)).not.toContain(secret);
    expect(info.deliveries).toEqual([expect.objectContaining({ source: "webhook", deliveryId: "delivery-1", bytes: 29 })]);
  });

  it("wakes a sleeping agent with a wake event carrying the delivery row id; plain text bodies are kept as text", async () => {
    const { agentId, secret } = await agentWithSecret();
    await db.agent.update({ where: { id: agentId }, data: { status: "sleeping", cycleCount: 7 } });
    const response = await signed(agentId, secret, "build 1234 failed", "ci-1", "text/plain");
    expect(await response.json()).toMatchObject({ agent: "woken" });
    const [event] = await triggerEvents(agentId);
    expect(event).toMatchObject({ cycle: 8, payload: { body: "build 1234 failed", contentType: "text/plain" } });
    const row = await db.triggerDelivery.findFirstOrThrow({ where: { agentId } });
    expect(send).toHaveBeenCalledWith({
      id: `trigger-wake-${row.id}`,
      name: agentWakeRequested.name,
      data: expect.objectContaining({ agentId, wakeId: row.id, source: "webhook" }),
    });
  });

  it("refuses a bad or missing signature with 401, logs it with the agent id (not the body), and records nothing", async () => {
    const { agentId, secret } = await agentWithSecret();
    const warn = vi.spyOn(logger, "warn");
    const body = JSON.stringify({ secretPayload: "do-not-log" });
    const forged = await call(agentId, body, {
      "content-type": "application/json",
      "x-longhaul-signature": signWebhookBody("not-the-secret", body, "d-1"),
      "x-longhaul-delivery": "d-1",
    });
    expect(forged.status).toBe(401);
    const message = (await forged.json()) as { error: { message: string } };
    expect(message.error.message).toMatch(/signature does not match/);
    const missing = await call(agentId, body, { "content-type": "application/json", "x-longhaul-delivery": "d-2" });
    expect(missing.status).toBe(401);
    // Tampering with the body breaks a signature that was valid for the original.
    const tampered = await call(agentId, body.replace("do-not-log", "changed"), {
      "content-type": "application/json",
      "x-longhaul-signature": signWebhookBody(secret, body, "d-3"),
      "x-longhaul-delivery": "d-3",
    });
    expect(tampered.status).toBe(401);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ agentId, reason: "bad signature", status: 401 }), "webhook refused");
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ agentId, reason: "missing signature" }), "webhook refused");
    expect(JSON.stringify(warn.mock.calls)).not.toContain("do-not-log");
    expect(await triggerEvents(agentId)).toEqual([]);
    expect(await db.triggerDelivery.count({ where: { agentId } })).toBe(0);
  });

  it("binds a signature to its delivery id and time: a captured request replayed under another id, or minutes later, is refused", async () => {
    const { agentId, secret } = await agentWithSecret();
    const body = JSON.stringify({ order: 9 });
    const signature = signWebhookBody(secret, body, "order-9");
    const first = await call(agentId, body, {
      "content-type": "application/json",
      "x-longhaul-signature": signature,
      "x-longhaul-delivery": "order-9",
    });
    expect(first.status).toBe(202);
    // The same signed request with a fresh delivery id (to get past de-duplication) does not verify.
    const replayed = await call(agentId, body, {
      "content-type": "application/json",
      "x-longhaul-signature": signature,
      "x-longhaul-delivery": "order-9b",
    });
    expect(replayed.status).toBe(401);
    // Signed ten minutes ago (a replay, or a sender's clock off), or ten minutes ahead: refused, saying why.
    for (const shift of [-10, 10]) {
      const id = `order-clock${shift}`;
      const stale = await call(agentId, body, {
        "content-type": "application/json",
        "x-longhaul-signature": signWebhookBody(secret, body, id, Date.now() + shift * 60_000),
        "x-longhaul-delivery": id,
      });
      expect(stale.status).toBe(401);
      expect(((await stale.json()) as { error: { message: string } }).error.message).toMatch(/timestamp is more than 5 minutes/);
    }
    // Four minutes off is within the tolerance.
    const skewed = await call(agentId, body, {
      "content-type": "application/json",
      "x-longhaul-signature": signWebhookBody(secret, body, "order-skew", Date.now() - 4 * 60_000),
      "x-longhaul-delivery": "order-skew",
    });
    expect(skewed.status).toBe(202);
    expect(await triggerEvents(agentId)).toHaveLength(2);
  });

  it("prunes deliveries older than the retention (their trigger events stay); a pruned id is then new again", async () => {
    const { agentId, secret } = await agentWithSecret();
    expect((await signed(agentId, secret, '{"n":1}', "old-1")).status).toBe(202);
    expect((await signed(agentId, secret, '{"n":2}', "new-1")).status).toBe(202);
    await db.triggerDelivery.updateMany({
      where: { agentId, deliveryId: "old-1" },
      data: { receivedAt: new Date(Date.now() - 31 * 86_400_000) },
    });
    const { pruneDeliveries } = await import("~/server/triggers/deliver");
    expect((await pruneDeliveries({ olderThanDays: 30, batch: 1 })).deleted).toBeGreaterThanOrEqual(1);
    expect((await db.triggerDelivery.findMany({ where: { agentId }, select: { deliveryId: true } })).map((d) => d.deliveryId)).toEqual([
      "new-1",
    ]);
    expect(await triggerEvents(agentId)).toHaveLength(2);
    expect((await signed(agentId, secret, '{"n":1}', "old-1")).status).toBe(202);
    expect((await signed(agentId, secret, '{"n":2}', "new-1")).status).toBe(200);
  });

  it("answers unknown agents, malformed ids and agents without a secret exactly like a bad signature", async () => {
    const { owner, agentId, secret } = await agentWithSecret();
    const bare = await owner.caller.agent.create(agentInput({ name: "No secret yet" }));
    const body = "{}";
    const replies = await Promise.all(
      [randomUUID(), "not-a-uuid", bare.id, agentId].map(async (id) => {
        const r = await call(id, body, {
          "content-type": "application/json",
          "x-longhaul-signature": signWebhookBody(id === agentId ? "wrong" : secret, body, "x"),
          "x-longhaul-delivery": "x",
        });
        return { status: r.status, text: await r.text() };
      }),
    );
    expect(new Set(replies.map((r) => r.status))).toEqual(new Set([401]));
    expect(new Set(replies.map((r) => r.text)).size).toBe(1);
    const info = await owner.caller.agent.webhook({ id: bare.id });
    expect(info.hasSecret).toBe(false);
  });

  it("refuses bodies over the limit with 413, declared or not, before looking at the signature", async () => {
    const { agentId, secret } = await agentWithSecret();
    const warn = vi.spyOn(logger, "warn");
    const big = "x".repeat(WEBHOOK_MAX_BYTES + 1);
    const declared = await signed(agentId, secret, big, "big-1", "text/plain");
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { error: { message: string } }).error.message).toContain("256 KB");
    // A chunked body with no Content-Length is counted as it is read.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(new TextEncoder().encode("y".repeat(64 * 1024)));
        controller.close();
      },
    });
    const chunked = await hookRoute(
      new Request(`${APP.origin}/api/hooks/${agentId}`, {
        method: "POST",
        headers: { "x-longhaul-delivery": "big-2", "x-longhaul-signature": "sha256=00" },
        body: stream,
        duplex: "half",
      } as RequestInit),
      { params: Promise.resolve({ agent: agentId }) },
    );
    expect(chunked.status).toBe(413);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ agentId, status: 413 }), "webhook refused");
    // Exactly at the limit is fine.
    expect((await signed(agentId, secret, "z".repeat(WEBHOOK_MAX_BYTES), "edge", "text/plain")).status).toBe(202);
    const [event] = await triggerEvents(agentId);
    // The event keeps a bounded part of a large body; the delivery row keeps it whole.
    expect(event?.payload).toMatchObject({ truncated: true, bytes: WEBHOOK_MAX_BYTES });
    expect(String((event?.payload as { body: string }).body).length).toBeLessThan(20_000);
  });

  it("ignores a repeated delivery id (200, duplicate: true, no second event), and needs a delivery id", async () => {
    const { agentId, secret } = await agentWithSecret();
    expect((await signed(agentId, secret, '{"n":1}', "same")).status).toBe(202);
    const again = await signed(agentId, secret, '{"n":1}', "same");
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ ok: true, duplicate: true });
    expect(await triggerEvents(agentId)).toHaveLength(1);
    expect(send).toHaveBeenCalledTimes(1);
    const body = '{"n":2}';
    const noId = await call(agentId, body, {
      "content-type": "application/json",
      "x-longhaul-signature": signWebhookBody(secret, body, ""),
    });
    expect(noId.status).toBe(400);
    const badJson = await signed(agentId, secret, "{not json", "bad-json");
    expect(badJson.status).toBe(400);
    expect(await triggerEvents(agentId)).toHaveLength(1);
  });

  it("rotating the secret invalidates the old one at once; rotation is audited and needs a member", async () => {
    const { owner, agentId, secret } = await agentWithSecret();
    const { secret: next } = await owner.caller.agent.rotateWebhookSecret({ id: agentId });
    expect(next).not.toBe(secret);
    expect((await signed(agentId, secret, "{}", "after-rotate-old")).status).toBe(401);
    expect((await signed(agentId, next, "{}", "after-rotate-new")).status).toBe(202);
    const audits = await db.auditLog.findMany({ where: { targetId: agentId, action: "agent.webhook_secret_rotate" } });
    expect(audits).toHaveLength(2);
    expect(JSON.stringify(audits.map((a) => a.metadata))).not.toContain(next);
    const viewer = await addTestMember(owner.team.id, "viewer");
    await expect(viewer.caller.agent.rotateWebhookSecret({ id: agentId })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await viewer.caller.agent.webhook({ id: agentId })).hasSecret).toBe(true);
    // The stored value is encrypted, not the secret.
    const stored = await db.agent.findUniqueOrThrow({ where: { id: agentId }, select: { webhookSecretEncrypted: true } });
    expect(stored.webhookSecretEncrypted).not.toContain(next);
  });

  it("records a delivery for a paused agent without starting it, and refuses archived agents with 409", async () => {
    const { agentId, secret } = await agentWithSecret();
    await db.agent.update({ where: { id: agentId }, data: { status: "paused" } });
    expect(await (await signed(agentId, secret, "{}", "while-paused")).json()).toMatchObject({ agent: "recorded" });
    expect(send).not.toHaveBeenCalled();
    expect(await triggerEvents(agentId)).toHaveLength(1);
    await db.agent.update({ where: { id: agentId }, data: { status: "archived" } });
    expect((await signed(agentId, secret, "{}", "while-archived")).status).toBe(409);
    expect(await triggerEvents(agentId)).toHaveLength(1);
  });
});
