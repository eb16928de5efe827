import "server-only";
import { createHmac, timingSafeEqual } from "node:crypto";

/** Slack's request signing (https://api.slack.com/authentication/verifying-requests-from-slack), pure. */
export const SLACK_MAX_SKEW_SECONDS = 5 * 60;

/** `v0=<hex HMAC-SHA256 of "v0:<timestamp>:<raw body>">`. */
export function slackSignature(secret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${rawBody}`, "utf8").digest("hex")}`;
}

/** Whether the signature was made with one of `secrets` (each compared in constant time). */
export function isSignedBySlack({
  secrets,
  timestamp,
  rawBody,
  signature,
}: {
  secrets: string[];
  timestamp: string;
  rawBody: string;
  signature: string;
}): boolean {
  const presented = Buffer.from(signature, "utf8");
  return secrets.some((secret) => {
    const expected = Buffer.from(slackSignature(secret, timestamp, rawBody), "utf8");
    return expected.length === presented.length && timingSafeEqual(expected, presented);
  });
}

/** Whether `timestamp` (Unix seconds, as Slack sends it) is within 5 minutes of `now`. */
export function isFreshSlackTimestamp(timestamp: string | null, now: Date): timestamp is string {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return false;
  return Math.abs(now.getTime() / 1000 - Number(timestamp)) <= SLACK_MAX_SKEW_SECONDS;
}
