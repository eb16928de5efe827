import "server-only";
import type { ChannelKindName, ChannelMessage } from "../../shared/channels";

/** A channel as a sender needs it: its settings and its decrypted secrets. Never leaves the server. */
export type ChannelForSending = {
  id: string;
  teamId: string;
  name: string;
  kind: ChannelKindName;
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
};

/** One attempt of one delivery, as the sender gets it. */
export type SendAttempt = {
  /** The delivery's id: `X-Longhaul-Delivery`, and part of what an outgoing webhook signs. */
  deliveryId: string;
  /** The same for every attempt of this message to this channel (`Idempotency-Key`). */
  idempotencyKey: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** An earlier attempt began and its result was never recorded: it may have been delivered. */
  maybeDelivered: boolean;
  timeoutMs: number;
};

/**
 * What one attempt did. `delivered`: the receiver took it. `retry`: a failure worth trying again (a 429 or
 * 5xx, a timeout, a refused or dropped connection), with the receiver's Retry-After when it gave one.
 * `failed`: a failure no retry fixes (a 4xx other than 408/429, a refused private address, an invalid
 * setting), dead-lettered at once.
 */
export type SendResult = {
  outcome: "delivered" | "retry" | "failed";
  statusCode?: number;
  retryAfterMs?: number;
  /** Why it failed, in a sentence a person can act on. */
  error?: string;
  durationMs: number;
};

export type ChannelSender = (channel: ChannelForSending, message: ChannelMessage, attempt: SendAttempt) => Promise<SendResult>;
