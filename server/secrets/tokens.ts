import "server-only";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Bearer secrets Longhaul hands out (share links, API tokens): 32 random bytes in base64url, shown once,
 * stored only as their SHA-256. A presented token is looked up by its hash through a unique index, and
 * the stored hash is compared again in constant time.
 */
const TOKEN_BYTES = 32;

export function newSecretToken(prefix = ""): { token: string; hash: string } {
  const token = prefix + randomBytes(TOKEN_BYTES).toString("base64url");
  return { token, hash: hashSecretToken(token) };
}

export function hashSecretToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Whether two hex hashes are equal, without an early exit on the first differing byte. */
export function isSameHash(stored: string, presented: string): boolean {
  const a = Buffer.from(stored, "hex");
  const b = Buffer.from(presented, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The shape of a token made by newSecretToken with `prefix` (a cheap refusal before any lookup). */
export function secretTokenPattern(prefix = ""): RegExp {
  return new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[A-Za-z0-9_-]{43}$`);
}
