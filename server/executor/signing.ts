import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

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
 * JSON in canonical form (RFC 8785): object keys sorted by UTF-16 code units, no whitespace, numbers
 * and strings as ECMAScript serializes them. Values are taken as JSON.stringify sees them (toJSON is
 * honoured, undefined members are left out, undefined in arrays becomes null).
 */
export function canonicalJson(value: unknown): string {
  const json = toCanonical(value);
  if (json === undefined) throw new TypeError("canonicalJson: the value has no JSON form");
  return json;
}

function toCanonical(value: unknown): string | undefined {
  if (value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    return toCanonical((value as { toJSON: () => unknown }).toJSON());
  }
  if (Array.isArray(value)) return `[${value.map((item) => toCanonical(item) ?? "null").join(",")}]`;
  if (value !== null && typeof value === "object") {
    const members: string[] = [];
    for (const key of Object.keys(value).sort()) {
      const member = toCanonical((value as Record<string, unknown>)[key]);
      if (member !== undefined) members.push(`${JSON.stringify(key)}:${member}`);
    }
    return `{${members.join(",")}}`;
  }
  if (typeof value === "bigint") throw new TypeError("canonicalJson: BigInt has no JSON form");
  // Strings, finite numbers (ES Number-to-String, which JCS adopts), booleans and null; NaN/Infinity become null.
  return JSON.stringify(value);
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
