import "server-only";
import { randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { db } from "../db/client";
import { env } from "../env";
import { AppError, notFound } from "../errors";
import { logger } from "../logger";
import { decryptSecret, encryptSecret, fingerprint } from "../secrets/crypto";
import { nextScheduledAt } from "../agents/cron-expression";
import { AgentNotDeliverableError, deliverTrigger, recentDeliveries } from "./deliver";
import { boundedBody } from "./payload";
import { recordAudit } from "../audit/record";
import { readBodyUpTo } from "../http/body";
import { webhookMac } from "../secrets/webhook-signature";

/** The `X-Longhaul-Signature` value for one delivery (what a sender computes; used by tests and examples). */
export { signWebhookBody } from "../secrets/webhook-signature";

/**
 * Webhooks: `POST /api/hooks/<agent id>` with `X-Longhaul-Delivery: <id>` and
 * `X-Longhaul-Signature: t=<unix seconds>,sha256=<hex HMAC-SHA256 of "<t>.<delivery id>.<raw body>">`
 * keyed by the agent's secret. The timestamp (±5 minutes) and the delivery id are signed with the
 * body, so a captured request cannot be replayed later, nor now under another delivery id (a repeat of
 * an id is ignored). Server to server: no cookies, no session; the signature is the credential. The
 * secret is 32 random bytes, stored encrypted (team id as associated data), shown once when created or
 * rotated.
 */
export const WEBHOOK_MAX_BYTES = 256 * 1024;
export const SIGNATURE_HEADER = "x-longhaul-signature";
export const DELIVERY_HEADER = "x-longhaul-delivery";
const SECRET_PREFIX = "lhwh_";
const DELIVERY_ID = /^[\x21-\x7e]{1,200}$/;
/** How far a signature's timestamp may be from the server's clock. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;
const SIGNATURE = /^t=(\d{1,12}),sha256=([0-9a-f]{64})$/;

/** The same reply for an unknown agent, an agent without a secret and a bad signature: nothing tells which agents exist. */
const UNAUTHORIZED_MESSAGE =
  'The signature does not match. Send X-Longhaul-Signature: t=<unix seconds>,sha256=<hex HMAC-SHA256 of "<t>.<X-Longhaul-Delivery>.<raw body>"> keyed by the agent\'s webhook secret.';

export function webhookUrl(agentId: string): string {
  return new URL(`/api/hooks/${agentId}`, env.APP_URL).toString();
}

/** Creates or replaces the agent's secret; the old one stops working at once. Returns the new secret (shown once). */
export async function rotateWebhookSecret({ agentId, teamId, userId }: { agentId: string; teamId: string; userId: string }) {
  const secret = `${SECRET_PREFIX}${randomBytes(32).toString("base64url")}`;
  const updated = await db.agent.updateMany({
    where: { id: agentId, teamId, isReadOnly: false, status: { not: "archived" } },
    data: { webhookSecretEncrypted: encryptSecret(secret, teamId) },
  });
  if (updated.count === 0) {
    const exists = await db.agent.findFirst({ where: { id: agentId, teamId }, select: { id: true } });
    if (!exists) throw notFound("That agent");
    throw new AppError("CONFLICT", "An archived agent takes no webhooks.");
  }
  await recordAudit(db, {
    teamId,
    actorId: userId,
    action: "agent.webhook_secret_rotate",
    targetId: agentId,
    metadata: { fingerprint: fingerprint(secret) },
  });
  return { secret, url: webhookUrl(agentId) };
}

/** What the Triggers tab shows: whether a secret exists (never the secret), the URL, the schedule and recent deliveries. */
export async function webhookInfo({ agentId, teamId }: { agentId: string; teamId: string }) {
  const agent = await db.agent.findFirst({
    where: { id: agentId, teamId },
    select: { webhookSecretEncrypted: true, scheduleCron: true, scheduleTimezone: true, status: true },
  });
  if (!agent) throw notFound("That agent");
  let nextRunAt: Date | null = null;
  if (agent.scheduleCron) {
    try {
      nextRunAt = nextScheduledAt(agent.scheduleCron, agent.scheduleTimezone);
    } catch {
      nextRunAt = null;
    }
  }
  return {
    hasSecret: agent.webhookSecretEncrypted !== null,
    url: webhookUrl(agentId),
    maxBytes: WEBHOOK_MAX_BYTES,
    schedule: agent.scheduleCron ? { cron: agent.scheduleCron, timezone: agent.scheduleTimezone, nextRunAt } : null,
    deliveries: await recentDeliveries({ agentId, teamId }),
  };
}

function reply(status: number, body: Record<string, unknown>) {
  return Response.json(body, { status });
}

function refuse(status: number, code: string, message: string, log: Record<string, unknown>) {
  // Logged with the agent id and why; never the body (it is the sender's data).
  logger.warn({ ...log, status, code }, "webhook refused");
  return reply(status, { error: { code, message } });
}

/** "valid", "stale" (the MAC is right but the timestamp is too far from now) or "invalid". */
function checkSignature(secret: string, raw: Buffer, deliveryId: string, header: string | null): "valid" | "stale" | "invalid" {
  const parsed = SIGNATURE.exec(header?.trim().toLowerCase() ?? "");
  // A throwaway comparison when the header is malformed, so every refusal costs the same.
  const [timestamp, mac] = parsed ? [parsed[1]!, parsed[2]!] : ["0", "0".repeat(64)];
  const expected = Buffer.from(webhookMac(secret, timestamp, deliveryId, raw));
  const isMatch = timingSafeEqual(Buffer.from(mac), expected) && parsed !== null;
  if (!isMatch) return "invalid";
  return Math.abs(Date.now() / 1000 - Number(timestamp)) <= SIGNATURE_TOLERANCE_SECONDS ? "valid" : "stale";
}

/** Handles one webhook call: size, signature, delivery id, then the delivery itself. */
export async function receiveWebhook(req: Request, agentParam: string): Promise<Response> {
  const raw = await readBodyUpTo(req, WEBHOOK_MAX_BYTES);
  if (!raw) {
    return refuse(413, "PAYLOAD_TOO_LARGE", `The body is larger than ${WEBHOOK_MAX_BYTES / 1024} KB, the most a webhook accepts.`, {
      agentId: agentParam.slice(0, 64),
      declaredBytes: Number(req.headers.get("content-length") ?? "0") || null,
    });
  }
  const agentId = z.uuid().safeParse(agentParam).success ? agentParam : null;
  const agent = agentId
    ? await db.agent.findFirst({ where: { id: agentId }, select: { id: true, teamId: true, webhookSecretEncrypted: true } })
    : null;
  let secret: string | null = null;
  if (agent?.webhookSecretEncrypted) {
    try {
      secret = decryptSecret(agent.webhookSecretEncrypted, agent.teamId);
    } catch (error) {
      logger.error({ agentId: agent.id, err: error }, "webhook secret could not be decrypted");
    }
  }
  const signature = req.headers.get(SIGNATURE_HEADER);
  const deliveryId = req.headers.get(DELIVERY_HEADER)?.trim() ?? "";
  // A throwaway key when there is no secret, so unknown agents take as long to refuse as bad signatures.
  const check = checkSignature(secret ?? randomBytes(32).toString("hex"), raw, deliveryId, signature);
  if (!agent || !secret || check === "invalid") {
    const reason = !agent ? "unknown agent" : !secret ? "no secret" : signature ? "bad signature" : "missing signature";
    return refuse(401, "UNAUTHORIZED", UNAUTHORIZED_MESSAGE, { agentId: agentId ?? agentParam.slice(0, 64), reason, bytes: raw.length });
  }
  if (check === "stale") {
    // Only a sender holding the secret gets here: a replayed request, or a sender whose clock is off.
    return refuse(
      401,
      "UNAUTHORIZED",
      `The signature's timestamp is more than ${SIGNATURE_TOLERANCE_SECONDS / 60} minutes from the server's time. Sign each delivery when you send it (and check the sender's clock).`,
      { agentId: agent.id, reason: "stale signature", deliveryId: deliveryId.slice(0, 200) },
    );
  }
  if (!DELIVERY_ID.test(deliveryId)) {
    return refuse(
      400,
      "BAD_REQUEST",
      "Send X-Longhaul-Delivery: a unique id for this delivery (1 to 200 visible ASCII characters); a repeat of an id is ignored.",
      { agentId: agent.id, reason: "missing delivery id" },
    );
  }
  const contentType = (req.headers.get("content-type") ?? "text/plain").split(";")[0]!.trim().toLowerCase();
  const text = new TextDecoder("utf-8", { fatal: false }).decode(raw);
  let body: unknown = text;
  if (contentType === "application/json" || contentType.endsWith("+json")) {
    try {
      body = text === "" ? null : JSON.parse(text);
    } catch {
      return refuse(400, "BAD_REQUEST", "The body is not valid JSON. Send JSON with Content-Type: application/json, or plain text.", {
        agentId: agent.id,
        deliveryId,
        reason: "invalid json",
      });
    }
  }
  const bounded = boundedBody(body);
  try {
    const outcome = await deliverTrigger({
      agentId: agent.id,
      teamId: agent.teamId,
      source: "webhook",
      deliveryId,
      stored: { contentType, bytes: raw.length, body: body as never },
      event: { body: bounded.body, truncated: bounded.truncated, contentType, bytes: raw.length },
    });
    if (outcome.duplicate) {
      logger.info({ agentId: agent.id, deliveryId }, "webhook delivery repeated; ignored");
      return reply(200, { ok: true, duplicate: true, deliveryId });
    }
    logger.info({ agentId: agent.id, deliveryId, bytes: raw.length, action: outcome.action }, "webhook delivered");
    return reply(202, { ok: true, duplicate: false, deliveryId, agent: outcome.action });
  } catch (error) {
    if (error instanceof AgentNotDeliverableError) {
      return refuse(409, "CONFLICT", "This agent is archived and takes no deliveries.", {
        agentId: agent.id,
        deliveryId,
        reason: "archived",
      });
    }
    logger.error({ agentId: agent.id, deliveryId, err: error }, "webhook delivery failed");
    return reply(500, {
      error: { code: "INTERNAL", message: "The delivery could not be recorded. Send it again with the same delivery id." },
    });
  }
}
