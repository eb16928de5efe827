import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChannelKindName, ChannelMessage } from "~/shared/channels";
import { sendToChannel } from "~/server/channels/senders";
import type { ChannelForSending, SendAttempt } from "~/server/channels/types";
import { startChannelReceiver, type ChannelReceiver } from "../fixtures/channel-receiver";
import { decodeMailHeader, startSmtpServer, type TestSmtpServer } from "../fixtures/smtp";

vi.hoisted(() => {
  process.env.LONGHAUL_PRIVATE_TOOL_HOSTS = "127.0.0.1";
});

/**
 * The senders against real receivers in this process: an HTTP receiver that answers as told and a real
 * SMTP server with a login. What arrives is checked as the receiver sees it (bytes, headers, JSON).
 */
let receiver: ChannelReceiver;
let smtp: TestSmtpServer;
beforeAll(async () => {
  receiver = await startChannelReceiver();
  smtp = await startSmtpServer();
});
afterAll(async () => {
  await receiver.close();
  await smtp.close();
});
beforeEach(() => receiver.reset());

const SECRET = "lhsig_test-secret-0123456789";

function channel(kind: ChannelKindName, secrets: Record<string, string> = {}, settings: Record<string, unknown> = {}): ChannelForSending {
  return {
    id: randomUUID(),
    teamId: "team-1",
    name: `${kind} channel`,
    kind,
    settings,
    secrets: { url: `${receiver.url}/hook/${kind}`, ...secrets },
  };
}

function attempt(overrides: Partial<SendAttempt> = {}): SendAttempt {
  return {
    deliveryId: randomUUID(),
    idempotencyKey: `key-${randomUUID()}`,
    attempt: 1,
    maybeDelivered: false,
    timeoutMs: 5_000,
    ...overrides,
  };
}

const MESSAGE: ChannelMessage = {
  title: "Approval needed: refund €40",
  text: "The agent <Refunds> wants to refund order 42 & close the ticket.",
  url: "https://longhaul.example/agents/a1",
  fields: [
    { label: "Agent", value: "Refunds" },
    { label: "Amount", value: "€40" },
  ],
  actions: [
    { label: "Approve", url: "https://longhaul.example/approve/1", style: "primary", interactive: { actionId: "approve", value: "ap-1" } },
    { label: "Deny", url: "https://longhaul.example/deny/1", style: "danger" },
  ],
  data: { event: "approval.requested", approvalId: "ap-1" },
};

/** The value at `path` inside parsed JSON. */
function dig(value: unknown, ...path: (string | number)[]): unknown {
  return path.reduce<unknown>((at, key) => (at as Record<string | number, unknown> | undefined)?.[key], value);
}

/** The documented check, written here from the recipe (not with Longhaul's code). */
function verify(secret: string, header: string, deliveryId: string, raw: Buffer): boolean {
  const match = /^t=(\d+),sha256=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  const expected = createHmac("sha256", secret).update(`${match[1]}.${deliveryId}.`).update(raw).digest();
  return timingSafeEqual(expected, Buffer.from(match[2]!, "hex"));
}

describe("channel senders: bodies as received", () => {
  it("webhook: signed JSON with the delivery facts and every idempotency header", async () => {
    const a = attempt({ attempt: 2, maybeDelivered: true });
    const result = await sendToChannel(channel("webhook", { signingSecret: SECRET }), MESSAGE, a);
    expect(result).toMatchObject({ outcome: "delivered", statusCode: 200 });
    const [request] = receiver.requests;
    expect(request!.method).toBe("POST");
    expect(request!.headers["idempotency-key"]).toBe(a.idempotencyKey);
    expect(request!.headers["x-longhaul-delivery"]).toBe(a.deliveryId);
    expect(request!.headers["x-longhaul-attempt"]).toBe("2");
    expect(request!.json).toMatchObject({
      id: a.idempotencyKey,
      deliveryId: a.deliveryId,
      attempt: 2,
      maybeDelivered: true,
      title: MESSAGE.title,
      text: MESSAGE.text,
      url: MESSAGE.url,
      fields: MESSAGE.fields,
      data: { event: "approval.requested", approvalId: "ap-1" },
    });
    const signature = String(request!.headers["x-longhaul-signature"]);
    expect(verify(SECRET, signature, a.deliveryId, request!.raw)).toBe(true);
    expect(verify("lhsig_wrong", signature, a.deliveryId, request!.raw)).toBe(false);
    expect(verify(SECRET, signature, "another-delivery", request!.raw)).toBe(false);
    const t = Number(/^t=(\d+)/.exec(signature)![1]);
    expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(10);
  });

  it("slack: Block Kit with escaped mrkdwn, fields, link buttons and a text fallback; interactive only with an app secret", async () => {
    await sendToChannel(channel("slack"), MESSAGE, attempt());
    const body = receiver.requests[0]!.json as { text: string; blocks: { type: string; [k: string]: unknown }[] };
    expect(receiver.requests[0]!.headers["idempotency-key"]).toMatch(/^key-/);
    expect(body.text).toContain("Approval needed");
    expect(body.blocks.map((b) => b.type)).toEqual(["header", "section", "section", "context", "actions"]);
    expect(JSON.stringify(body.blocks[1])).toContain("&lt;Refunds&gt;");
    const buttons = dig(body, "blocks", 4, "elements") as Record<string, unknown>[];
    expect(buttons[0]).toMatchObject({ url: "https://longhaul.example/approve/1", style: "primary" });
    expect(buttons[0]!.value).toBeUndefined();

    await sendToChannel(channel("slack", { slackSigningSecret: "slack-app-secret" }), MESSAGE, attempt());
    const interactive = (receiver.requests[1]!.json as { blocks: { elements?: Record<string, unknown>[] }[] }).blocks[4]!.elements!;
    expect(interactive[0]).toMatchObject({ action_id: "approve", value: "ap-1" });
    expect(interactive[0]!.url).toBeUndefined();
    expect(interactive[1]).toMatchObject({ url: "https://longhaul.example/deny/1" });
  });

  it("mattermost, discord and teams: each its own shape", async () => {
    await sendToChannel(channel("mattermost"), MESSAGE, attempt());
    await sendToChannel(channel("discord"), MESSAGE, attempt());
    await sendToChannel(channel("teams"), MESSAGE, attempt());
    const [mattermost, discord, teams] = receiver.requests.map((r) => r.json);
    expect(dig(mattermost, "text")).toContain(MESSAGE.title);
    expect(dig(mattermost, "attachments", 0)).toMatchObject({ title: MESSAGE.title, title_link: MESSAGE.url });
    expect(dig(mattermost, "attachments", 0, "text")).toContain("[Approve](https://longhaul.example/approve/1)");
    expect(dig(discord, "embeds", 0)).toMatchObject({
      title: MESSAGE.title,
      url: MESSAGE.url,
      fields: [{ name: "Agent", value: "Refunds", inline: true }, { name: "Amount" }],
    });
    expect(dig(discord, "allowed_mentions")).toEqual({ parse: [] });
    expect(dig(teams, "type")).toBe("message");
    expect(dig(teams, "attachments", 0, "contentType")).toBe("application/vnd.microsoft.card.adaptive");
    expect(dig(teams, "attachments", 0, "content", "type")).toBe("AdaptiveCard");
    expect(dig(teams, "attachments", 0, "content", "actions")).toContainEqual({
      type: "Action.OpenUrl",
      title: "Approve",
      url: "https://longhaul.example/approve/1",
    });
    for (const r of receiver.requests) expect(r.headers["x-longhaul-attempt"]).toBe("1");
  });

  it("discord: over-long text is cut with a visible note within Discord's limits", async () => {
    const long: ChannelMessage = {
      title: "T".repeat(400),
      text: "x".repeat(10_000),
      fields: Array.from({ length: 40 }, (_, i) => ({ label: `f${i}`, value: "v".repeat(2000) })),
    };
    await sendToChannel(channel("discord"), long, attempt());
    const embed = (
      receiver.requests[0]!.json as { embeds: { title: string; description: string; fields: { name: string; value: string }[] }[] }
    ).embeds[0]!;
    expect(embed.title.length).toBeLessThanOrEqual(256);
    expect(embed.title.endsWith("…")).toBe(true);
    expect(embed.description.length).toBeLessThanOrEqual(4096);
    expect(embed.description).toContain("… (shortened");
    expect(embed.fields.length).toBeLessThanOrEqual(25);
    const total = embed.title.length + embed.description.length + embed.fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
    expect(total).toBeLessThanOrEqual(6000);
  });
});

describe("channel senders: what an attempt came to", () => {
  const webhook = () => channel("webhook", { signingSecret: SECRET });

  it("429 with Retry-After (seconds or a date) is retried after that long", async () => {
    receiver.setMode({ kind: "retryAfter", seconds: 7 });
    expect(await sendToChannel(webhook(), MESSAGE, attempt())).toMatchObject({ outcome: "retry", statusCode: 429, retryAfterMs: 7_000 });
    receiver.setMode({ kind: "retryAfter", seconds: new Date(Date.now() + 30_000).toUTCString() });
    const dated = await sendToChannel(webhook(), MESSAGE, attempt());
    expect(dated.retryAfterMs).toBeGreaterThan(25_000);
    expect(dated.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it("500 is retried; 401 fails with what the receiver said; a redirect is not followed", async () => {
    receiver.setModes([
      "error",
      { kind: "status", status: 401, body: '{"error":"bad token"}' },
      { kind: "status", status: 301, headers: { location: "https://elsewhere.example/" } },
    ]);
    expect(await sendToChannel(webhook(), MESSAGE, attempt())).toMatchObject({
      outcome: "retry",
      statusCode: 500,
      error: "The receiver answered 500 Internal Server Error: receiver broke",
    });
    expect(await sendToChannel(webhook(), MESSAGE, attempt())).toMatchObject({
      outcome: "failed",
      statusCode: 401,
      error: "The receiver answered 401 Unauthorized: bad token",
    });
    const redirect = await sendToChannel(webhook(), MESSAGE, attempt());
    expect(redirect).toMatchObject({ outcome: "failed", statusCode: 301 });
    expect(redirect.error).toContain("does not follow redirects");
    expect(receiver.requests).toHaveLength(3);
  });

  it("a receiver that never answers times out and is retried; a dropped connection is retried", async () => {
    receiver.setMode("hang");
    const hung = await sendToChannel(webhook(), MESSAGE, attempt({ timeoutMs: 400 }));
    expect(hung).toMatchObject({ outcome: "retry", error: expect.stringMatching(/^Timed out after 0\.4 s/) });
    expect(hung.durationMs).toBeGreaterThanOrEqual(350);
    receiver.setMode("close");
    expect(await sendToChannel(webhook(), MESSAGE, attempt())).toMatchObject({
      outcome: "retry",
      error: expect.stringContaining("closed the connection"),
    });
  });

  it("a private address the operator did not allow fails at once, and nothing is sent", async () => {
    const refused = await sendToChannel(
      { ...webhook(), secrets: { url: `http://127.0.0.3:${receiver.port}/x`, signingSecret: SECRET } },
      MESSAGE,
      attempt(),
    );
    expect(refused).toMatchObject({ outcome: "failed" });
    expect(refused.error).toMatch(
      /^refused: private address \(127\.0\.0\.3 is a loopback address; an operator can allow it with LONGHAUL_PRIVATE_TOOL_HOSTS\)/,
    );
    expect(receiver.requests).toHaveLength(0);
  });

  it("a user and password in the URL are sent as Basic authorization, not in the URL", async () => {
    const url = receiver.url.replace("http://", "http://hook-user:p%40ss@") + "/basic";
    expect(await sendToChannel({ ...webhook(), secrets: { url, signingSecret: SECRET } }, MESSAGE, attempt())).toMatchObject({
      outcome: "delivered",
    });
    expect(receiver.requests[0]!.path).toBe("/basic");
    expect(receiver.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from("hook-user:p@ss").toString("base64")}`);
  });

  it("a closed port is retried with a clear sentence", async () => {
    const closed = await startChannelReceiver();
    const url = `${closed.url}/gone`;
    await closed.close();
    expect(await sendToChannel({ ...webhook(), secrets: { url, signingSecret: SECRET } }, MESSAGE, attempt())).toMatchObject({
      outcome: "retry",
      error: expect.stringContaining("refused the connection"),
    });
  });
});

describe("channel senders: e-mail over SMTP", () => {
  const settings = () => ({
    host: smtp.host,
    port: smtp.port,
    security: "none",
    user: smtp.user,
    from: "Longhaul <alerts@longhaul.example>",
    recipients: ["ops@example.test", "oncall@example.test"],
  });

  it("arrives with the login, the Message-ID from the idempotency key and the delivery header", async () => {
    const a = attempt({ idempotencyKey: "chan-1.msg-9" });
    const result = await sendToChannel(channel("email", { password: smtp.password }, settings()), MESSAGE, a);
    expect(result).toMatchObject({ outcome: "delivered", statusCode: 250 });
    const mail = smtp.messages.at(-1)!;
    expect(mail.user).toBe(smtp.user);
    expect(mail.to).toEqual(["ops@example.test", "oncall@example.test"]);
    expect(mail.headers["message-id"]).toBe("<chan-1.msg-9@longhaul>");
    expect(mail.headers["x-longhaul-delivery"]).toBe(a.deliveryId);
    expect(decodeMailHeader(mail.headers.subject!)).toBe("Approval needed: refund €40");
    expect(mail.raw).toContain("&lt;Refunds&gt;");
    expect(mail.raw).toMatch(/href=3D"https:\/\/longhaul\.example\/approve\/1"|href="https:\/\/longhaul\.example\/approve\/1"/);

    await sendToChannel(channel("email", { password: smtp.password }, settings()), { ...MESSAGE, to: "invitee@example.test" }, attempt());
    expect(smtp.messages.at(-1)!.to).toEqual(["invitee@example.test"]);
  });

  it("a wrong password fails and says so; a 4xx is retried, a 5xx fails", async () => {
    const count = smtp.messages.length;
    const wrong = await sendToChannel(channel("email", { password: "wrong" }, settings()), MESSAGE, attempt());
    expect(wrong).toMatchObject({ outcome: "failed", statusCode: 535 });
    expect(wrong.error).toMatch(/^The SMTP server refused the login .*check the user and password\.$/);
    smtp.rejectNext(451, "Try again later");
    expect(await sendToChannel(channel("email", { password: smtp.password }, settings()), MESSAGE, attempt())).toMatchObject({
      outcome: "retry",
      statusCode: 451,
    });
    smtp.rejectNext(554, "Message refused");
    expect(await sendToChannel(channel("email", { password: smtp.password }, settings()), MESSAGE, attempt())).toMatchObject({
      outcome: "failed",
      statusCode: 554,
    });
    expect(smtp.messages.length).toBe(count);
  });

  it("an SMTP server that never greets times out and is retried", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      const result = await sendToChannel(
        channel("email", { password: "x" }, { ...settings(), port }),
        MESSAGE,
        attempt({ timeoutMs: 300 }),
      );
      expect(result).toMatchObject({ outcome: "retry" });
      expect(result.error).toMatch(/^Timed out after 0\.3 s: 127\.0\.0\.1 did not answer in time\.$/);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it("an SMTP host on a private address the operator did not allow is refused before connecting", async () => {
    const refused = await sendToChannel(
      channel("email", { password: smtp.password }, { ...settings(), host: "127.0.0.3" }),
      MESSAGE,
      attempt(),
    );
    expect(refused).toMatchObject({ outcome: "failed" });
    expect(refused.error).toMatch(/^refused: private address/);
  });
});
