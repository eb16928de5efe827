import "server-only";
/**
 * How a trigger's payload is kept and shown. The delivery row keeps the whole body (up to the
 * webhook limit); the agent's `trigger` event keeps at most EVENT_PAYLOAD_MAX_CHARS of it, so the
 * timeline stays light; the prompt shows at most PROMPT_PAYLOAD_MAX_CHARS, so one large delivery
 * cannot crowd out the rest of the context.
 */
export const EVENT_PAYLOAD_MAX_CHARS = 16_000;
export const PROMPT_PAYLOAD_MAX_CHARS = 3_000;

/** "child": a child agent started with `delegate` (wait: false) ended; its outcome is the body (docs/decisions/040). */
export type TriggerSource = "webhook" | "schedule" | "child";

export type TriggerEventPayload = {
  source: TriggerSource;
  deliveryId: string;
  /** The body as JSON when it is JSON and small enough, otherwise text (cut at EVENT_PAYLOAD_MAX_CHARS). */
  body?: unknown;
  contentType?: string;
  bytes?: number;
  truncated?: boolean;
  /** Schedules: the time the schedule fired for, and the schedule itself. */
  scheduledAt?: string;
  cron?: string;
  timezone?: string;
};

/** The body as the event keeps it: JSON values whole when they fit, everything else as (cut) text. */
export function boundedBody(body: unknown): { body: unknown; truncated: boolean } {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  if (text.length <= EVENT_PAYLOAD_MAX_CHARS) return { body, truncated: false };
  return { body: `${text.slice(0, EVENT_PAYLOAD_MAX_CHARS)}…`, truncated: true };
}

/** One prompt line for a trigger event: where it came from, then its payload, clearly delimited and bounded. */
export function describeTriggerForPrompt(payload: unknown): string {
  const p = (payload ?? {}) as TriggerEventPayload;
  if (p.source === "schedule") {
    return `schedule fired (${p.cron ?? "?"} in ${p.timezone ?? "UTC"}, for ${p.scheduledAt ?? "?"}): it is time for your scheduled work.`;
  }
  const raw = typeof p.body === "string" ? p.body : JSON.stringify(p.body ?? null);
  if (p.source === "child") {
    const shownChild = raw.length > PROMPT_PAYLOAD_MAX_CHARS ? `${raw.slice(0, PROMPT_PAYLOAD_MAX_CHARS)}…` : raw;
    return `a child agent you delegated to has ended. Its outcome:\n<<<\n${shownChild}\n>>>`;
  }
  const shown = raw.length > PROMPT_PAYLOAD_MAX_CHARS ? `${raw.slice(0, PROMPT_PAYLOAD_MAX_CHARS)}…` : raw;
  const cut = p.truncated || raw.length > PROMPT_PAYLOAD_MAX_CHARS ? ` (shortened; ${p.bytes ?? "?"} bytes received)` : "";
  return `webhook delivery ${JSON.stringify(p.deliveryId ?? "?")} received${cut}. Payload:\n<<<\n${shown}\n>>>`;
}
