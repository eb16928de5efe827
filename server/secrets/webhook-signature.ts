import "server-only";
import { createHmac } from "node:crypto";

/**
 * The webhook signature Longhaul checks on incoming webhooks and puts on outgoing ones (channels):
 * `X-Longhaul-Signature: t=<unix seconds>,sha256=<hex HMAC-SHA256 of "<t>.<delivery id>.<raw body>">`,
 * keyed by the secret the two sides share. One recipe for both directions, so one set of docs.
 */
export function webhookMac(secret: string, timestamp: string, deliveryId: string, body: string | Uint8Array): string {
  return createHmac("sha256", secret).update(`${timestamp}.${deliveryId}.`).update(body).digest("hex");
}

/** The `X-Longhaul-Signature` value for one delivery, signed at `now`. */
export function signWebhookBody(secret: string, body: string | Uint8Array, deliveryId: string, now = Date.now()): string {
  const timestamp = String(Math.floor(now / 1000));
  return `t=${timestamp},sha256=${webhookMac(secret, timestamp, deliveryId, body)}`;
}
