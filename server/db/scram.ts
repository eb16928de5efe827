import "server-only";
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The server side of SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL speaks it, for the embedded
 * database's wire server. The password never crosses the socket: the client proves it knows it, and
 * the server proves back (the final signature) that it knows it too. No npm package implements the
 * server side; this follows PostgreSQL's src/backend/libpq/auth-scram.c, without channel binding
 * (the embedded database serves plain TCP on loopback, so there is no TLS channel to bind to).
 */
export const SCRAM_MECHANISM = "SCRAM-SHA-256";
/** PostgreSQL's default `scram_iterations`. */
const ITERATIONS = 4096;

const hmac = (key: Buffer, text: string) => createHmac("sha256", key).update(text).digest();
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest();

/** What the server keeps instead of the password: PostgreSQL's stored verifier. */
export type ScramVerifier = { salt: Buffer; iterations: number; storedKey: Buffer; serverKey: Buffer };

/** Derives the verifier once (PBKDF2 is deliberately slow); every connection then costs two HMACs. */
export function createScramVerifier(password: string): ScramVerifier {
  const salt = randomBytes(16);
  // SASLprep leaves ASCII unchanged; the generated passwords are hex, so the raw bytes are what clients hash.
  const saltedPassword = pbkdf2Sync(password.normalize("NFKC"), salt, ITERATIONS, 32, "sha256");
  return {
    salt,
    iterations: ITERATIONS,
    storedKey: sha256(hmac(saltedPassword, "Client Key")),
    serverKey: hmac(saltedPassword, "Server Key"),
  };
}

export class ScramError extends Error {}

/**
 * One exchange: `start` takes the client-first-message and returns the server-first-message;
 * `finish` takes the client-final-message and returns the server-final-message when the proof is
 * right, or null when it is not. Malformed messages throw ScramError (a protocol violation).
 */
export class ScramExchange {
  private clientFirstBare = "";
  private gs2Header = "";
  private serverFirst = "";
  private nonce = "";

  constructor(private readonly verifier: ScramVerifier) {}

  start(clientFirst: string): string {
    // gs2-header: "n" (client does not support channel binding) or "y" (it does, we do not offer it), no authzid.
    const match = /^([ny]),,(.*)$/s.exec(clientFirst);
    if (!match) {
      if (clientFirst.startsWith("p=")) throw new ScramError("channel binding is not supported by this server");
      throw new ScramError("malformed SCRAM client-first-message");
    }
    this.gs2Header = `${match[1]},,`;
    this.clientFirstBare = match[2]!;
    // The user name inside SCRAM is ignored, as in PostgreSQL: the startup message's user counts.
    const clientNonce = /(?:^|,)r=([^,]+)/.exec(this.clientFirstBare)?.[1];
    if (!clientNonce || !/^[\x21-\x2b\x2d-\x7e]+$/.test(clientNonce)) throw new ScramError("malformed SCRAM client nonce");
    this.nonce = clientNonce + randomBytes(18).toString("base64");
    this.serverFirst = `r=${this.nonce},s=${this.verifier.salt.toString("base64")},i=${this.verifier.iterations}`;
    return this.serverFirst;
  }

  finish(clientFinal: string): string | null {
    const match = /^c=([^,]*),r=([^,]*)(?:,.*)?,p=([A-Za-z0-9+/=]+)$/s.exec(clientFinal);
    if (!match || !this.serverFirst) throw new ScramError("malformed SCRAM client-final-message");
    const [, channelBinding, nonce, proofBase64] = match;
    if (Buffer.from(channelBinding!, "base64").toString() !== this.gs2Header) throw new ScramError("SCRAM channel binding check failed");
    if (nonce !== this.nonce) throw new ScramError("SCRAM nonce does not match");
    const withoutProof = clientFinal.slice(0, clientFinal.lastIndexOf(",p="));
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const proof = Buffer.from(proofBase64!, "base64");
    const clientSignature = hmac(this.verifier.storedKey, authMessage);
    if (proof.length !== clientSignature.length) return null;
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
    if (!timingSafeEqual(sha256(clientKey), this.verifier.storedKey)) return null;
    return `v=${hmac(this.verifier.serverKey, authMessage).toString("base64")}`;
  }
}
