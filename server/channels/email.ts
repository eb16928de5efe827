import "server-only";
import { createHash } from "node:crypto";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { createTransport } from "nodemailer";
import { WEBHOOK_HEADERS, type ChannelMessage } from "../../shared/channels";
import { findRefusalForUrl } from "../security/outbound";
import { emailContent } from "./formats";
import type { ChannelForSending, SendAttempt, SendResult } from "./types";

/** An e-mail channel's settings (its password is in the secrets). */
export type EmailSettings = {
  host: string;
  port: number;
  security: "tls" | "starttls" | "none";
  user: string;
  from: string;
  recipients: string[];
};

/**
 * Sends one e-mail over SMTP. The SMTP host passes the same private-address check as every HTTP
 * channel: it is resolved here, every address it resolves to is checked by the guard's rules, and
 * nodemailer connects to the checked address (the certificate is still checked against the host name,
 * `tls.servername`), so a DNS answer cannot change between the check and the connection.
 */
export async function sendEmail(channel: ChannelForSending, message: ChannelMessage, attempt: SendAttempt): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const settings = channel.settings as EmailSettings;
  const host = settings.host;
  const to = message.to ? [message.to] : settings.recipients;
  if (!host || !settings.from || !to?.length) {
    return {
      outcome: "failed",
      durationMs: elapsed(),
      error: `The channel "${channel.name}" is missing its SMTP host, sender or recipients.`,
    };
  }

  let addresses: { address: string; family: number }[];
  try {
    addresses = isIP(host) !== 0 ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true });
  } catch {
    return { outcome: "retry", durationMs: elapsed(), error: `${host} was not found (DNS); check the SMTP host.` };
  }
  const urlHost = isIP(host) === 6 ? `[${host}]` : host;
  const refusal = await findRefusalForUrl("tool", `smtp://${urlHost}:${settings.port}`, { resolve: async () => addresses });
  if (refusal) return { outcome: "failed", durationMs: elapsed(), error: refusal.message };
  const target = addresses[0];
  if (!target) return { outcome: "retry", durationMs: elapsed(), error: `${host} has no address to connect to.` };

  const password = channel.secrets.password;
  const transport = createTransport({
    host: target.address,
    port: settings.port,
    secure: settings.security === "tls",
    requireTLS: settings.security === "starttls",
    ignoreTLS: settings.security === "none",
    ...(settings.user ? { auth: { user: settings.user, pass: password ?? "" } } : {}),
    tls: { ...(isIP(host) === 0 ? { servername: host } : {}) },
    connectionTimeout: attempt.timeoutMs,
    greetingTimeout: attempt.timeoutMs,
    socketTimeout: attempt.timeoutMs,
    dnsTimeout: attempt.timeoutMs,
  });
  const content = emailContent(message);
  let timer: NodeJS.Timeout | undefined;
  try {
    const sending = transport.sendMail({
      from: settings.from,
      to,
      subject: content.subject,
      text: content.text,
      html: content.html,
      messageId: messageIdFor(attempt.idempotencyKey),
      headers: {
        [WEBHOOK_HEADERS.deliveryId]: attempt.deliveryId,
        [WEBHOOK_HEADERS.attempt]: String(attempt.attempt),
      },
    });
    // When the overall time limit wins, the send rejects later (the transport is closed): nobody waits for that.
    sending.catch(() => undefined);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })), attempt.timeoutMs);
    });
    const info = (await Promise.race([sending, timeout])) as { response?: string };
    return { outcome: "delivered", statusCode: smtpCode(info.response) ?? 250, durationMs: elapsed() };
  } catch (error) {
    return classifySmtpFailure(error, host, attempt.timeoutMs, elapsed());
  } finally {
    clearTimeout(timer);
    transport.close();
  }
}

/** `<key@longhaul>`: the same for every attempt, so a mail system that deduplicates by Message-ID can. */
export function messageIdFor(idempotencyKey: string): string {
  const local = /^[A-Za-z0-9._-]{1,200}$/.test(idempotencyKey)
    ? idempotencyKey
    : createHash("sha256").update(idempotencyKey).digest("hex").slice(0, 40);
  return `<${local}@longhaul>`;
}

function smtpCode(response: string | undefined): number | undefined {
  const code = /^(\d{3})/.exec(response ?? "")?.[1];
  return code ? Number(code) : undefined;
}

/** A login refused or a 5xx reply fails; a 4xx reply, a timeout or a lost connection is retried. */
export function classifySmtpFailure(error: unknown, host: string, timeoutMs: number, durationMs: number): SendResult {
  const { code, responseCode, response, message } = error as { code?: string; responseCode?: number; response?: string; message?: string };
  const said = (response ?? message ?? "").replace(/\s+/g, " ").trim().slice(0, 200);
  if (code === "EAUTH" || responseCode === 535 || responseCode === 534 || responseCode === 530) {
    return {
      outcome: "failed",
      statusCode: responseCode,
      durationMs,
      error: `The SMTP server refused the login${said ? ` (${said})` : ""}: check the user and password.`,
    };
  }
  if (typeof responseCode === "number" && responseCode >= 400 && responseCode < 500) {
    return {
      outcome: "retry",
      statusCode: responseCode,
      durationMs,
      error: `The SMTP server answered ${said || responseCode}; it may take it later.`,
    };
  }
  if (typeof responseCode === "number" && responseCode >= 500) {
    return {
      outcome: "failed",
      statusCode: responseCode,
      durationMs,
      error: `The SMTP server refused the message: ${said || responseCode}.`,
    };
  }
  if (code === "ETIMEDOUT")
    return { outcome: "retry", durationMs, error: `Timed out after ${timeoutMs / 1000} s: ${host} did not answer in time.` };
  if (code === "ETLS" || /certificate|self.signed/i.test(said)) {
    return {
      outcome: "failed",
      durationMs,
      error: `The TLS connection to ${host} failed (${said}); check the security setting and the server's certificate.`,
    };
  }
  if (code === "ECONNECTION" || code === "ESOCKET" || code === "EDNS") {
    return { outcome: "retry", durationMs, error: `Could not talk to ${host}: ${said}` };
  }
  return { outcome: "retry", durationMs, error: `Sending mail through ${host} failed: ${said || "unknown error"}` };
}
