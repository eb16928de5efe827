import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import canonicalize from "canonicalize";

/**
 * Inngest's request signing (cloud mode), as the inngest-js 4.x SDK checks and produces it:
 * `x-inngest-signature: t=<unix seconds>&s=<hex HMAC-SHA256>`, keyed by the signing key without its
 * `signkey-<env>-` prefix (as UTF-8 bytes), over the body followed by the timestamp. A JSON request
 * body is signed in canonical form (RFC 8785, JCS), because the SDK parses the body and
 * re-canonicalizes it before checking; a response is signed over its exact text.
 */

/** How far a signature's timestamp may be from our clock (the SDK allows the same). */
export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;

const KEY_PREFIX = /^signkey-\w+-/;

/** A signing key as Inngest issues them: optional `signkey-<env>-` prefix, then hex (an even number of digits). */
export function isValidSigningKey(key: string): boolean {
  return /^(?:[0-9a-f]{2})+$/i.test(key.replace(KEY_PREFIX, ""));
}

/** A fresh key in Inngest's format, e.g. for the bundled executor. */
export function generateSigningKey(env = "prod"): string {
  return `signkey-${env}-${randomBytes(32).toString("hex")}`;
}

export function generateEventKey(): string {
  return randomBytes(32).toString("hex");
}

/**
 * JSON in canonical form (RFC 8785, JCS) by `canonicalize`, the library the SDK itself uses to
 * re-canonicalize a body before checking its signature, so both sides produce the same bytes.
 */
export function canonicalJson(value: unknown): string {
  const json = canonicalize(value);
  if (json === undefined) throw new TypeError("canonicalJson: the value has no JSON form");
  return json;
}

/** The hex HMAC-SHA256 of `payload` followed by `timestamp`, keyed by the key without its prefix. */
export function computeSignature(payload: string, signingKey: string, timestamp: string): string {
  return createHmac("sha256", Buffer.from(signingKey.replace(KEY_PREFIX, ""), "utf8"))
    .update(payload + timestamp, "utf8")
    .digest("hex");
}

/** The `x-inngest-signature` header value for `payload` (already canonical JSON, or "" for no body). */
export function signatureHeader(payload: string, signingKey: string, now = Date.now()): string {
  const timestamp = String(Math.floor(now / 1000));
  return `t=${timestamp}&s=${computeSignature(payload, signingKey, timestamp)}`;
}

/**
 * Checks an `x-inngest-signature` header against `payload` with any of `signingKeys` (the current
 * key, then a fallback during rotation). Returns why it failed, or null when it is valid.
 */
export function checkSignatureHeader(
  header: string | null,
  payload: string,
  signingKeys: string[],
  now = Date.now(),
): "missing" | "malformed" | "expired" | "mismatch" | null {
  if (!header) return "missing";
  const params = new URLSearchParams(header);
  const timestamp = params.get("t") ?? "";
  const signature = params.get("s") ?? "";
  if (!/^\d+$/.test(timestamp) || !/^[0-9a-f]{64}$/i.test(signature)) return "malformed";
  if (Math.abs(now - Number(timestamp) * 1000) > SIGNATURE_TOLERANCE_MS) return "expired";
  const given = Buffer.from(signature.toLowerCase(), "hex");
  const isValid = signingKeys.some((key) => timingSafeEqual(Buffer.from(computeSignature(payload, key, timestamp), "hex"), given));
  return isValid ? null : "mismatch";
}

/**
 * What the SDK sends as `Authorization: Bearer ...` on its calls to the server: the prefix kept,
 * then the SHA-256 of the key's hex digits taken as bytes.
 */
export function hashSigningKey(signingKey: string): string {
  const prefix = KEY_PREFIX.exec(signingKey)?.[0] ?? "";
  return `${prefix}${createHash("sha256")
    .update(Buffer.from(signingKey.replace(KEY_PREFIX, ""), "hex"))
    .digest("hex")}`;
}

/** Compares two secrets in constant time (whatever their lengths). */
export function isSameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
  return timingSafeEqual(digest(given), digest(expected));
}
