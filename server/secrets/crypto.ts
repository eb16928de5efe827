import "server-only";
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { env } from "../env";
import { AppError } from "../errors";

/**
 * Secrets at rest (model-provider API keys): AES-256-GCM, a fresh 96-bit IV per value, the team id as
 * associated data so a ciphertext copied to another team's row does not decrypt. The key is
 * LONGHAUL_SECRET_KEY (64 hex characters) or, when unset, derived from BETTER_AUTH_SECRET with HKDF,
 * so the embedded default needs no extra configuration. Stored as "v1.<iv>.<tag>.<ciphertext>" (base64url).
 */
function key(): Buffer {
  if (env.LONGHAUL_SECRET_KEY) return Buffer.from(env.LONGHAUL_SECRET_KEY, "hex");
  return Buffer.from(hkdfSync("sha256", env.BETTER_AUTH_SECRET, "longhaul", "secrets-at-rest-v1", 32));
}

export function encryptSecret(plaintext: string, teamId: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(), iv);
  cipher.setAAD(Buffer.from(teamId));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", iv, cipher.getAuthTag(), ciphertext]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}

export function decryptSecret(stored: string, teamId: string): string {
  const [version, iv, tag, ciphertext] = stored.split(".");
  if (version !== "v1" || !iv || !tag || ciphertext === undefined)
    throw new AppError("INTERNAL", "A stored secret is in an unknown format.");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key(), Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(teamId));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
  } catch (cause) {
    throw new AppError(
      "INTERNAL",
      "A stored secret could not be decrypted: LONGHAUL_SECRET_KEY (or BETTER_AUTH_SECRET) changed since it was saved. Enter the key again.",
      { cause },
    );
  }
}

/** A short, non-reversible fingerprint for logs and audit rows. */
export function fingerprint(secret: string): string {
  return createHash("sha256").update(secret).digest("hex").slice(0, 8);
}
