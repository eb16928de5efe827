import "server-only";
import { DELIVERY_MAX_RETRY_AFTER_MS, WEBHOOK_HEADERS, type ChannelMessage } from "../../shared/channels";
import { findOutboundRefusal, outboundGuard } from "../security/outbound";
import { signWebhookBody } from "../secrets/webhook-signature";
import { discordBody, mattermostBody, slackBody, teamsBody, webhookBody } from "./formats";
import { sendEmail } from "./email";
import type { ChannelForSending, ChannelSender, SendAttempt, SendResult } from "./types";

/**
 * Sends one attempt of one message to one channel and says what came of it (delivered, retry, failed),
 * never throwing for the receiver's faults. HTTP kinds go through the outbound guard (private addresses
 * refused unless the operator allowed them), do not follow redirects, and read at most 4 KB of the answer.
 */
export const sendToChannel: ChannelSender = async (channel, message, attempt) => {
  if (channel.kind === "email") return sendEmail(channel, message, attempt);
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let request: { url: string; body: string; headers: Record<string, string> };
  try {
    request = httpRequestFor(channel, message, attempt);
  } catch (error) {
    return { outcome: "failed", error: error instanceof Error ? error.message : String(error), durationMs: elapsed() };
  }
  const host = hostOf(request.url);
  try {
    const response = await outboundGuard("tool").fetch(request.url, {
      method: "POST",
      headers: request.headers,
      body: request.body,
      redirect: "manual",
      signal: AbortSignal.timeout(attempt.timeoutMs),
    });
    const answer = await readAnswer(response, ANSWER_MAX_BYTES);
    return classifyResponse(response.status, response.statusText, response.headers, answer, elapsed());
  } catch (error) {
    return classifyFailure(error, host, attempt.timeoutMs, elapsed());
  }
};

const ANSWER_MAX_BYTES = 4096;

/** The URL, body and headers of one attempt for an HTTP kind. */
export function httpRequestFor(channel: ChannelForSending, message: ChannelMessage, attempt: SendAttempt) {
  const url = channel.secrets.url;
  if (!url) throw new Error(`The channel "${channel.name}" has no URL. Edit it and enter one.`);
  const headers: Record<string, string> = {
    "content-type": "application/json; charset=utf-8",
    "user-agent": "Longhaul-Channels/1",
    [WEBHOOK_HEADERS.idempotencyKey]: attempt.idempotencyKey,
    [WEBHOOK_HEADERS.attempt]: String(attempt.attempt),
  };
  let body: string;
  switch (channel.kind) {
    case "webhook": {
      body = JSON.stringify(webhookBody(message, attempt));
      const secret = channel.secrets.signingSecret;
      if (!secret) throw new Error(`The channel "${channel.name}" has no signing secret. Rotate its secret to make one.`);
      headers[WEBHOOK_HEADERS.deliveryId] = attempt.deliveryId;
      headers[WEBHOOK_HEADERS.signature] = signWebhookBody(secret, body, attempt.deliveryId);
      break;
    }
    case "slack":
      body = JSON.stringify(slackBody(message, { isInteractive: Boolean(channel.secrets.slackSigningSecret) }));
      break;
    case "mattermost":
      body = JSON.stringify(mattermostBody(message));
      break;
    case "discord":
      body = JSON.stringify(discordBody(message));
      break;
    case "teams":
      body = JSON.stringify(teamsBody(message));
      break;
    default:
      throw new Error(`Channels of kind ${channel.kind} are not sent over HTTP.`);
  }
  return { ...withoutCredentials(url, headers), body };
}

/** fetch refuses a URL with a user and password in it: they become a Basic Authorization header. */
function withoutCredentials(url: string, headers: Record<string, string>) {
  const parsed = new URL(url);
  if (!parsed.username && !parsed.password) return { url, headers };
  const basic = Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString("base64");
  parsed.username = "";
  parsed.password = "";
  return { url: parsed.toString(), headers: { ...headers, authorization: `Basic ${basic}` } };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "the receiver";
  }
}

/** At most `max` bytes of the answer, as text; the rest is not read. A body that breaks off reads as what came. */
async function readAnswer(response: Response, max: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value.subarray(0, max - size));
      size += Math.min(value.length, max - size);
    }
  } catch {
    // The status already says what happened; a body cut off mid-way is not a different outcome.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** A receiver's answer in a short phrase: JSON's message/error when there is one, otherwise the text without tags. */
export function briefAnswer(answer: string, max = 200): string {
  let text = answer.trim();
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === "object") {
      const record = parsed as Record<string, unknown>;
      const inner = record.error && typeof record.error === "object" ? (record.error as Record<string, unknown>) : record;
      const said = [inner.message, record.message, record.error, record.detail, record.title].find((v) => typeof v === "string");
      if (typeof said === "string") text = said;
    }
  } catch {
    text = text.replace(/<style[\s\S]*?<\/style>|<script[\s\S]*?<\/script>/gi, " ").replace(/<[^>]+>/g, " ");
  }
  text = text.replace(/\s+/g, " ").trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Retry-After as milliseconds from now (seconds or an HTTP date), capped at the longest Longhaul honours. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - now);
  }
  return Math.min(ms, DELIVERY_MAX_RETRY_AFTER_MS);
}

/** Reason phrases for when the receiver sent none (HTTP/2, some proxies). */
const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  408: "Request Timeout",
  410: "Gone",
  413: "Payload Too Large",
  422: "Unprocessable Entity",
  425: "Too Early",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

function statusPhrase(status: number, statusText: string): string {
  return `${status} ${statusText || REASONS[status] || ""}`.trim();
}

/** 2xx delivered; 408, 425, 429 and 5xx retried (with Retry-After); a redirect or any other 4xx failed. */
export function classifyResponse(status: number, statusText: string, headers: Headers, answer: string, durationMs: number): SendResult {
  if (status >= 200 && status < 300) return { outcome: "delivered", statusCode: status, durationMs };
  const said = briefAnswer(answer);
  const phrase = `The receiver answered ${statusPhrase(status, statusText)}${said ? `: ${said}` : "."}`;
  if (status === 408 || status === 425 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(headers.get("retry-after"));
    const wait = retryAfterMs !== undefined ? ` It asked to wait ${Math.round(retryAfterMs / 1000)} s.` : "";
    return {
      outcome: "retry",
      statusCode: status,
      durationMs,
      error: `${phrase}${wait}`,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
  if (status >= 300 && status < 400) {
    const location = headers.get("location");
    return {
      outcome: "failed",
      statusCode: status,
      durationMs,
      error: `The receiver answered ${statusPhrase(status, statusText)}${location ? ` (to ${location.slice(0, 200)})` : ""}; Longhaul does not follow redirects, so enter the final URL.`,
    };
  }
  return { outcome: "failed", statusCode: status, durationMs, error: phrase };
}

function causeCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current && typeof current === "object"; depth++) {
    const { code, name } = current as { code?: unknown; name?: unknown };
    if (typeof code === "string") codes.push(code);
    if (typeof name === "string") codes.push(name);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

/** A thrown fetch in a sentence: refusals and bad certificates fail, everything else (timeouts, dropped connections) is retried. */
export function classifyFailure(error: unknown, host: string, timeoutMs: number, durationMs: number): SendResult {
  const refusal = findOutboundRefusal(error);
  if (refusal) return { outcome: "failed", durationMs, error: refusal.message };
  const codes = causeCodes(error);
  const has = (...wanted: string[]) => wanted.some((w) => codes.includes(w));
  if (has("TimeoutError", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ETIMEDOUT")) {
    return { outcome: "retry", durationMs, error: `Timed out after ${formatSeconds(timeoutMs)}: ${host} did not answer in time.` };
  }
  if (has("ECONNREFUSED"))
    return { outcome: "retry", durationMs, error: `${host} refused the connection (nothing listens there right now).` };
  if (has("ECONNRESET", "UND_ERR_SOCKET", "EPIPE")) {
    return { outcome: "retry", durationMs, error: `${host} closed the connection before it answered.` };
  }
  if (has("ENOTFOUND", "EAI_AGAIN")) return { outcome: "retry", durationMs, error: `${host} was not found (DNS); check the URL.` };
  const certificate = codes.find((c) => c.startsWith("CERT_") || c.includes("CERT") || c.includes("SELF_SIGNED"));
  if (certificate) {
    return { outcome: "failed", durationMs, error: `${host}'s TLS certificate was not accepted (${certificate}).` };
  }
  const detail = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
  return { outcome: "retry", durationMs, error: `Sending to ${host} failed: ${detail}` };
}

export function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
