import { createHmac, timingSafeEqual } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ZodError } from "zod";
import { zodFieldErrors } from "~/shared/validation";
import { db } from "~/server/db/client";
import { channelForSending } from "~/server/channels/channels";
import { testChannel } from "~/server/channels/test-send";
import { agentInput } from "../factories/agent";
import { addTestMember, createTestTeam } from "../factories/team";
import { startChannelReceiver, type ChannelReceiver } from "../fixtures/channel-receiver";
import { startSmtpServer, type TestSmtpServer } from "../fixtures/smtp";

vi.hoisted(() => {
  process.env.LONGHAUL_PRIVATE_TOOL_HOSTS = "127.0.0.1";
});

/**
 * Channels through the tRPC router against a real receiver and SMTP server: CRUD and its messages,
 * secrets never in an answer, the private-address check, Send test (sentence, lastTest, delivery row)
 * and delete taking the channel off agents.
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

async function errorOf(promise: Promise<unknown>) {
  const error = (await promise.then(
    () => null,
    (e: unknown) => e,
  )) as {
    code: string;
    message: string;
    cause?: { fieldErrors?: Record<string, string[]> };
    fieldErrors?: Record<string, string[]>;
  } | null;
  expect(error, "expected the call to fail").not.toBeNull();
  const cause = error!.cause;
  const fromZod = cause instanceof ZodError ? zodFieldErrors(cause).fieldErrors : undefined;
  return { code: error!.code, message: error!.message, fieldErrors: error!.fieldErrors ?? cause?.fieldErrors ?? fromZod ?? {} };
}

/** Every string a value holds, however deep. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

const SLACK_URL_PATH = "/services/T000/B000/slacksecretx1f9";

describe("channels", () => {
  it("creates each kind, shows hints and which secrets are set, never the secrets", async () => {
    const owner = await createTestTeam();
    const viewer = await addTestMember(owner.team.id, "viewer");
    const slackUrl = `${receiver.url}${SLACK_URL_PATH}`;
    const slack = await owner.caller.channel.create({
      kind: "slack",
      name: "Ops Slack",
      url: slackUrl,
      slackSigningSecret: "abcdef0123456789abcdef0123456789",
    });
    expect(slack.signingSecret).toBeNull();
    expect(slack.channel).toMatchObject({
      kind: "slack",
      targetHint: `127.0.0.1:${receiver.port} …x1f9`,
      ratePerMinute: 30,
      isEnabled: true,
    });
    expect(slack.channel.secretsSet).toEqual({ url: true, signingSecret: false, slackSigningSecret: true, password: false });

    const hook = await owner.caller.channel.create({ kind: "webhook", name: "Receiver", url: `${receiver.url}/in`, ratePerMinute: 5 });
    expect(hook.signingSecret).toMatch(/^lhsig_[\w-]{43}$/);
    const mail = await owner.caller.channel.create({
      kind: "email",
      name: "On-call mail",
      host: smtp.host,
      port: smtp.port,
      security: "none",
      user: smtp.user,
      password: smtp.password,
      from: "Longhaul <alerts@longhaul.example>",
      recipients: ["ops@example.test", "oncall@example.test"],
    });
    expect(mail.channel.targetHint).toBe(`127.0.0.1:${smtp.port} → ops@example.test +1`);
    expect(mail.channel.email).toMatchObject({ host: smtp.host, user: smtp.user, recipients: ["ops@example.test", "oncall@example.test"] });

    const answers = [
      slack,
      hook.channel,
      mail,
      await owner.caller.channel.list(),
      await viewer.caller.channel.list(),
      await viewer.caller.channel.get({ id: hook.channel.id }),
      await owner.caller.channel.update({ id: mail.channel.id, password: "", recipients: ["ops@example.test"] }),
      await owner.caller.channel.test({ id: slack.channel.id }),
      await owner.caller.channel.test({ id: mail.channel.id }),
    ];
    expect(answers.at(-2)).toMatchObject({ ok: true });
    expect(answers.at(-1)).toMatchObject({ ok: true });
    const said = answers.flatMap(strings).join("\n");
    for (const secret of [
      slackUrl,
      SLACK_URL_PATH,
      "abcdef0123456789abcdef0123456789",
      hook.signingSecret!,
      smtp.password,
      `${receiver.url}/in`,
    ]) {
      expect(said).not.toContain(secret);
    }
    // Stored encrypted: the ciphertext holds none of them either.
    const stored = await db.channel.findMany({ where: { teamId: owner.team.id }, select: { secretsCiphertext: true } });
    for (const row of stored) expect(row.secretsCiphertext).not.toContain("slacksecret");
    const forSending = await channelForSending(owner.team.id, slack.channel.id);
    expect(forSending?.secrets).toEqual({ url: slackUrl, slackSigningSecret: "abcdef0123456789abcdef0123456789" });
    expect(await channelForSending((await createTestTeam()).team.id, slack.channel.id)).toBeNull();
  });

  it("says what is wrong: missing fields, names taken, private addresses, fields of another kind, viewers", async () => {
    const owner = await createTestTeam();
    const viewer = await addTestMember(owner.team.id, "viewer");
    const missing = await errorOf(owner.caller.channel.create({ kind: "discord", name: "  " }));
    expect(missing.code).toBe("BAD_REQUEST");
    expect(missing.fieldErrors.name).toEqual(["Give the channel a name."]);
    expect(missing.fieldErrors.url?.[0]).toMatch(/^Enter the URL\. A Discord webhook URL/);
    const email = await errorOf(
      owner.caller.channel.create({
        kind: "email",
        name: "Mail",
        host: "smtp.example.com",
        port: 587,
        security: "starttls",
        from: "nobody",
        recipients: [],
        url: "https://x.example/",
      }),
    );
    expect(email.fieldErrors.from?.[0]).toMatch(/^Enter the sender as/);
    expect(email.fieldErrors.recipients).toEqual(["Add at least one recipient."]);
    expect(email.fieldErrors.url).toEqual(["A email channel has no url setting."]);
    const rate = await errorOf(
      owner.caller.channel.create({ kind: "teams", name: "T", url: "https://93.184.215.14/x", ratePerMinute: 601 }),
    );
    expect(rate.fieldErrors.ratePerMinute).toEqual(["At most 600 messages a minute."]);

    const privateUrl = await errorOf(owner.caller.channel.create({ kind: "webhook", name: "Internal", url: "http://10.1.2.3/hook" }));
    expect(privateUrl.fieldErrors.url?.[0]).toBe(
      "Channels do not send to private addresses, and 10.1.2.3 is a private (RFC 1918) address. An operator of this instance can allow it with LONGHAUL_PRIVATE_TOOL_HOSTS.",
    );
    const privateSmtp = await errorOf(
      owner.caller.channel.create({
        kind: "email",
        name: "Local",
        host: "192.168.1.5",
        port: 25,
        security: "none",
        from: "a@example.com",
        recipients: ["b@example.com"],
      }),
    );
    expect(privateSmtp.fieldErrors.host?.[0]).toMatch(/^Channels do not send to private addresses, and 192\.168\.1\.5 is/);

    await owner.caller.channel.create({ kind: "mattermost", name: "Chat", url: "https://93.184.215.14/hooks/abc" });
    const taken = await errorOf(
      owner.caller.channel.create({ kind: "discord", name: "Chat", url: "https://93.184.215.14/api/webhooks/1" }),
    );
    expect(taken.code).toBe("CONFLICT");
    expect(taken.fieldErrors.name).toEqual(["That name is taken in this team."]);
    // Another team may use the same name.
    await (await createTestTeam()).caller.channel.create({ kind: "mattermost", name: "Chat", url: "https://93.184.215.14/hooks/abc" });

    const denied = await errorOf(viewer.caller.channel.create({ kind: "discord", name: "Mine", url: "https://93.184.215.14/a" }));
    expect(denied.code).toBe("FORBIDDEN");
  });

  it("edits keep write-only values left empty, audit field names only, and rotate the webhook secret", async () => {
    const owner = await createTestTeam();
    const { channel } = await owner.caller.channel.create({ kind: "slack", name: "S", url: `${receiver.url}/slack/aaaa` });
    const renamed = await owner.caller.channel.update({ id: channel.id, name: "Slack ops", url: "", isEnabled: false });
    expect(renamed).toMatchObject({ name: "Slack ops", isEnabled: false, targetHint: channel.targetHint });
    expect((await channelForSending(owner.team.id, channel.id))?.secrets.url).toBe(`${receiver.url}/slack/aaaa`);
    const moved = await owner.caller.channel.update({ id: channel.id, url: `${receiver.url}/slack/bbbb` });
    expect(moved.targetHint).toBe(`127.0.0.1:${receiver.port} …bbbb`);
    const wrongKind = await errorOf(owner.caller.channel.update({ id: channel.id, host: "smtp.example.com" }));
    expect(wrongKind.fieldErrors.host).toEqual(["A slack channel has no host setting."]);
    const audit = await db.auditLog.findMany({ where: { teamId: owner.team.id, targetId: channel.id }, orderBy: { createdAt: "asc" } });
    expect(audit.map((a) => [a.action, a.metadata])).toEqual([
      ["channel.create", { kind: "slack", fields: "url" }],
      ["channel.update", { fields: "name,isEnabled" }],
      ["channel.update", { fields: "url" }],
    ]);
    expect(JSON.stringify(audit.map((a) => a.metadata))).not.toContain("bbbb");

    const hook = await owner.caller.channel.create({ kind: "webhook", name: "W", url: `${receiver.url}/w` });
    const rotated = await owner.caller.channel.rotateSecret({ id: hook.channel.id });
    expect(rotated.signingSecret).not.toBe(hook.signingSecret);
    expect((await channelForSending(owner.team.id, hook.channel.id))?.secrets.signingSecret).toBe(rotated.signingSecret);
    expect((await errorOf(owner.caller.channel.rotateSecret({ id: channel.id }))).message).toBe(
      "Only an outgoing webhook has a signing secret to rotate.",
    );
  });

  it("Send test: a signed request arrives, the sentence, lastTest and a delivery row; failures say why", async () => {
    const owner = await createTestTeam();
    const { channel, signingSecret } = await owner.caller.channel.create({
      kind: "webhook",
      name: "Test me",
      url: `${receiver.url}/test-me`,
    });
    receiver.reset();
    const result = await owner.caller.channel.test({ id: channel.id });
    expect(result.ok).toBe(true);
    expect(result.message).toMatch(/^Delivered in \d+ ms \(HTTP 200\)\.$/);
    const [request] = receiver.requests;
    const match = /^t=(\d+),sha256=([0-9a-f]{64})$/.exec(String(request!.headers["x-longhaul-signature"]))!;
    const mac = createHmac("sha256", signingSecret!).update(`${match[1]}.${result.deliveryId}.`).update(request!.raw).digest();
    expect(timingSafeEqual(mac, Buffer.from(match[2]!, "hex"))).toBe(true);
    expect(request!.json).toMatchObject({ title: "Test message from Longhaul", deliveryId: result.deliveryId, attempt: 1 });
    expect((await owner.caller.channel.get({ id: channel.id })).lastTest).toMatchObject({
      ok: true,
      statusCode: 200,
      message: result.message,
    });
    const delivery = await db.channelDelivery.findUniqueOrThrow({ where: { id: result.deliveryId } });
    expect(delivery).toMatchObject({ source: "test", status: "delivered", attempts: 1, lastStatusCode: 200, channelId: channel.id });
    expect(delivery.messageId).toMatch(/^test-[0-9a-f-]{36}$/);
    expect(delivery.attemptLog).toEqual([expect.objectContaining({ statusCode: 200 })]);

    receiver.setMode({ kind: "status", status: 401, body: "invalid token" });
    const refused = await owner.caller.channel.test({ id: channel.id });
    expect(refused).toMatchObject({ ok: false, statusCode: 401, message: "The receiver answered 401 Unauthorized: invalid token." });
    expect(await db.channelDelivery.findUniqueOrThrow({ where: { id: refused.deliveryId } })).toMatchObject({
      status: "dead",
      lastError: "The receiver answered 401 Unauthorized: invalid token",
    });

    receiver.setMode("hang");
    const hung = await testChannel({ teamId: owner.team.id, channelId: channel.id, userId: owner.user.id, timeoutMs: 300 });
    expect(hung.message).toMatch(
      /^Timed out after 0\.3 s: 127\.0\.0\.1:\d+ did not answer in time\. A real message would be tried again later\.$/,
    );
    receiver.setMode("ok");

    const audit = await db.auditLog.count({ where: { teamId: owner.team.id, action: "channel.test" } });
    expect(audit).toBe(3);
  });

  it("Send test over e-mail: arrives with the login; a wrong password says so", async () => {
    const owner = await createTestTeam();
    const base = {
      host: smtp.host,
      port: smtp.port,
      security: "none" as const,
      user: smtp.user,
      from: "alerts@longhaul.example",
      recipients: ["ops@example.test"],
    };
    const good = await owner.caller.channel.create({ kind: "email", name: "Mail", ...base, password: smtp.password });
    const before = smtp.messages.length;
    expect((await owner.caller.channel.test({ id: good.channel.id })).message).toMatch(/^Delivered in \d+ ms \(SMTP 250\)\.$/);
    expect(smtp.messages.length).toBe(before + 1);
    expect(smtp.messages.at(-1)!.to).toEqual(["ops@example.test"]);
    const bad = await owner.caller.channel.create({ kind: "email", name: "Bad mail", ...base, password: "not it" });
    const result = await owner.caller.channel.test({ id: bad.channel.id });
    expect(result).toMatchObject({ ok: false, statusCode: 535 });
    expect(result.message).toMatch(/^The SMTP server refused the login .*check the user and password\.$/);
  });

  it("delete removes the channel from every agent that sent messages to it and says how many", async () => {
    const owner = await createTestTeam();
    const { channel } = await owner.caller.channel.create({ kind: "discord", name: "Gone soon", url: `${receiver.url}/d` });
    const { channel: kept } = await owner.caller.channel.create({ kind: "discord", name: "Stays", url: `${receiver.url}/e` });
    const a = await owner.caller.agent.create(agentInput({ name: "One" }));
    const b = await owner.caller.agent.create(agentInput({ name: "Two" }));
    await db.agent.update({ where: { id: a.id }, data: { messageChannelIds: [channel.id, kept.id] } });
    await db.agent.update({ where: { id: b.id }, data: { messageChannelIds: [channel.id] } });
    await owner.caller.channel.test({ id: channel.id });
    const answer = await owner.caller.channel.delete({ id: channel.id });
    expect(answer).toEqual({ ok: true, agentsUpdated: 2, message: 'Deleted "Gone soon". 2 agents sent messages to it and no longer do.' });
    expect((await db.agent.findUniqueOrThrow({ where: { id: a.id } })).messageChannelIds).toEqual([kept.id]);
    expect((await db.agent.findUniqueOrThrow({ where: { id: b.id } })).messageChannelIds).toEqual([]);
    expect(await db.channelDelivery.count({ where: { channelId: channel.id } })).toBe(0);
    expect((await errorOf(owner.caller.channel.get({ id: channel.id }))).code).toBe("NOT_FOUND");
  });
});
