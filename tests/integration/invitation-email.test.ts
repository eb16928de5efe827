import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { inngest } from "~/inngest/client";
import { db } from "~/server/db/client";
import { env } from "~/server/env";
import { encryptSecret } from "~/server/secrets/crypto";
import { setInviteSender } from "~/server/teams/invite-sender";
import { createTestTeam } from "../factories/team";

const send = vi.spyOn(inngest, "send");
beforeAll(() => {
  send.mockResolvedValue({ ids: [] });
});
afterEach(() => setInviteSender(null));

async function emailChannel(teamId: string, { isEnabled = true, name = "Team mail" } = {}) {
  const secrets = encryptSecret(JSON.stringify({ password: "smtp-password" }), teamId);
  return db.channel.create({
    data: {
      teamId,
      name,
      kind: "email",
      isEnabled,
      settings: { host: "127.0.0.1", port: 2525, from: "longhaul@acme.test" },
      secretsCiphertext: secrets,
    },
  });
}

describe("invitations by e-mail through the team's e-mail channel", () => {
  it("queue one delivery to the invited address when the team has an enabled e-mail channel, and say so", async () => {
    const owner = await createTestTeam();
    const channel = await emailChannel(owner.team.id);
    send.mockClear();
    const result = await owner.caller.team.invite({ email: "New.Person@Example.test", role: "member" });
    expect(result).toMatchObject({ email: "queued", emailChannel: "Team mail" });
    const deliveries = await db.channelDelivery.findMany({ where: { teamId: owner.team.id } });
    expect(deliveries).toHaveLength(1);
    const [delivery] = deliveries;
    const url = new URL(`/invite/${result.invitation.id}`, env.APP_URL).toString();
    expect(delivery).toMatchObject({
      channelId: channel.id,
      source: "invitation",
      messageId: `invite-${result.invitation.id}-${result.invitation.expiresAt.getTime()}`,
    });
    expect(delivery!.message).toMatchObject({ to: "new.person@example.test", url, actions: [{ url, style: "primary" }] });
    expect(send).toHaveBeenCalledWith({ name: "channel/delivery.requested", data: { teamId: owner.team.id, deliveryId: delivery!.id } });

    // Renewing it (a new expiry) sends it again; the pluggable sender is not used when a channel sends.
    const sender = vi.fn().mockResolvedValue(undefined);
    setInviteSender({ send: sender });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const renewed = await owner.caller.team.invite({ email: "new.person@example.test", role: "viewer" });
    expect(renewed).toMatchObject({ email: "queued", isRenewed: true });
    expect(await db.channelDelivery.count({ where: { teamId: owner.team.id } })).toBe(2);
    expect(sender).not.toHaveBeenCalled();
  });

  it("keep today's copy-the-link behaviour without an enabled e-mail channel (and the registered sender, if any)", async () => {
    const owner = await createTestTeam();
    await emailChannel(owner.team.id, { isEnabled: false });
    await db.channel.create({
      data: {
        teamId: owner.team.id,
        name: "Slack",
        kind: "slack",
        secretsCiphertext: encryptSecret(JSON.stringify({ url: "https://hooks.slack.com/services/T/B/x" }), owner.team.id),
      },
    });
    const result = await owner.caller.team.invite({ email: "someone@example.test", role: "member" });
    expect(result.email).toBe("off");
    expect(result).not.toHaveProperty("emailChannel");
    expect(await db.channelDelivery.count({ where: { teamId: owner.team.id } })).toBe(0);

    const sender = vi.fn().mockResolvedValue(undefined);
    setInviteSender({ send: sender });
    expect((await owner.caller.team.invite({ email: "other@example.test", role: "member" })).email).toBe("sent");
    expect(sender).toHaveBeenCalledWith(expect.objectContaining({ to: "other@example.test" }));
  });
});
