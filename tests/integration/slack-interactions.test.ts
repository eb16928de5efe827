import { beforeAll, describe, expect, it, vi } from "vitest";
import { inngest } from "~/inngest/client";
import { createApprovalLinkActions } from "~/server/approval-links/links";
import { receiveSlackInteraction } from "~/server/approval-links/slack";
import { slackSignature } from "~/server/approval-links/slack-signature";
import { db } from "~/server/db/client";
import { env } from "~/server/env";
import { encryptSecret } from "~/server/secrets/crypto";
import { agentInput } from "../factories/agent";
import { addMemberKeepingActiveTeam, pendingApproval } from "../factories/approval";
import { createTestTeam } from "../factories/team";

const SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
let teamId: string;
let agentId: string;
let member: Awaited<ReturnType<typeof addMemberKeepingActiveTeam>>;

beforeAll(async () => {
  vi.spyOn(inngest, "send").mockResolvedValue({ ids: [] });
  const owner = await createTestTeam();
  teamId = owner.team.id;
  agentId = (await owner.caller.agent.create(agentInput({ name: "Invoice sender" }))).id;
  member = await addMemberKeepingActiveTeam(teamId, "member", "Ana Member");
  // A Slack channel without an app signing secret, then the one with it: either may have sent the message.
  for (const [name, secrets] of [
    ["Slack without app", { url: "https://hooks.slack.com/services/T0/B0/aaa" }],
    ["Slack #approvals", { url: "https://hooks.slack.com/services/T0/B0/bbb", slackSigningSecret: SIGNING_SECRET }],
  ] as const) {
    await db.channel.create({ data: { teamId, name, kind: "slack", secretsCiphertext: encryptSecret(JSON.stringify(secrets), teamId) } });
  }
});

async function approveButton() {
  const approval = await pendingApproval({ teamId, agentId });
  const actions = await createApprovalLinkActions({ teamId, approvalId: approval.id });
  return { approvalId: approval.id, approve: actions[0]!.interactive!, reject: actions[1]!.interactive! };
}

function slackRequest(
  button: { actionId: string; value: string },
  {
    userId = "U024BE7LH",
    secret = SIGNING_SECRET,
    timestamp = Math.floor(Date.now() / 1000),
    body,
  }: Partial<{ userId: string; secret: string; timestamp: number; body: string }> = {},
) {
  const payload = {
    type: "block_actions",
    user: { id: userId, username: "ana" },
    actions: [{ action_id: button.actionId, value: button.value, type: "button" }],
    // Slack also sends a response_url (hooks.slack.com); left out here so the test makes no outside call.
  };
  const raw = body ?? new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return new Request(new URL("/api/channels/slack/interactions", env.APP_URL), {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": slackSignature(secret, String(timestamp), raw),
    },
    body: raw,
  });
}

describe("Slack interactive buttons", () => {
  it("refuse a wrong signature, a stale timestamp and an oversized body, deciding nothing", async () => {
    const { approvalId, approve } = await approveButton();
    const wrong = await receiveSlackInteraction(slackRequest(approve, { secret: "not-the-secret" }));
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain("X-Slack-Signature does not match");
    const stale = await receiveSlackInteraction(slackRequest(approve, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }));
    expect(stale.status).toBe(401);
    expect(await stale.text()).toContain("more than 5 minutes");
    const unsigned = slackRequest(approve);
    unsigned.headers.delete("x-slack-signature");
    expect((await receiveSlackInteraction(unsigned)).status).toBe(401);
    const huge = await receiveSlackInteraction(slackRequest(approve, { body: `payload=${"x".repeat(65 * 1024)}` }));
    expect(huge.status).toBe(413);
    // A token nobody issued: no team, so no secret verifies it.
    expect((await receiveSlackInteraction(slackRequest({ ...approve, value: `lha_${"B".repeat(43)}` }))).status).toBe(401);
    expect((await db.approval.findUniqueOrThrow({ where: { id: approvalId } })).status).toBe("pending");
  });

  it("give an unlinked Slack user a one-time link; once opened signed in, their clicks decide as them", async () => {
    const { approvalId, approve } = await approveButton();
    const first = await receiveSlackInteraction(slackRequest(approve, { userId: "U0LINKME1" }));
    expect(first.status).toBe(200);
    const ephemeral = (await first.json()) as { response_type: string; replace_original: boolean; text: string };
    expect(ephemeral).toMatchObject({ response_type: "ephemeral", replace_original: false });
    const url = /<([^|>]+)\|this link>/.exec(ephemeral.text)![1]!;
    expect(url.startsWith(new URL("/approve/slack-link/", env.APP_URL).toString())).toBe(true);
    expect((await db.approval.findUniqueOrThrow({ where: { id: approvalId } })).status).toBe("pending");

    const token = url.split("/").pop()!;
    // Someone outside the team cannot take the Slack user over.
    const outsider = await createTestTeam();
    await expect(outsider.caller.approvalLink.linkSlack({ token })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await member.caller.approvalLink.linkSlack({ token })).toMatchObject({ slackUserId: "U0LINKME1" });
    await expect(member.caller.approvalLink.linkSlack({ token })).rejects.toMatchObject({ code: "NOT_FOUND" });

    const second = await receiveSlackInteraction(slackRequest(approve, { userId: "U0LINKME1" }));
    expect(second.status).toBe(200);
    const replaced = (await second.json()) as { replace_original: boolean; text: string };
    expect(replaced.replace_original).toBe(true);
    expect(replaced.text).toMatch(/^Approved by Ana Member at \d\d:\d\d UTC: send_email for Invoice sender\.$/);
    expect(await db.approval.findUniqueOrThrow({ where: { id: approvalId } })).toMatchObject({
      status: "approved",
      decidedById: member.user.id,
    });
    const audit = await db.auditLog.findFirstOrThrow({
      where: { teamId, action: "approval.approve", targetId: agentId, metadata: { path: ["approvalId"], equals: approvalId } },
    });
    expect(audit).toMatchObject({ actorId: member.user.id, metadata: { approvalId, via: "slack" } });

    // A second click (or Reject after Approve) changes nothing and says who decided.
    const { reject } = { reject: { actionId: "reject", value: approve.value } };
    const late = (await (await receiveSlackInteraction(slackRequest(reject, { userId: "U0LINKME1" }))).json()) as {
      response_type: string;
      text: string;
    };
    expect(late).toMatchObject({ response_type: "ephemeral" });
    expect(late.text).toMatch(/^Approved by Ana Member/);
  });

  it("decide as the linked person: Reject from a linked user, a viewer is told they cannot decide", async () => {
    await db.slackUserLink.create({ data: { teamId, slackUserId: "U0ANA0002", userId: member.user.id } });
    const { approvalId, reject } = await approveButton();
    const answer = (await (await receiveSlackInteraction(slackRequest(reject, { userId: "U0ANA0002" }))).json()) as { text: string };
    expect(answer.text).toMatch(/^Rejected by Ana Member/);
    expect((await db.approval.findUniqueOrThrow({ where: { id: approvalId } })).status).toBe("rejected");

    const viewer = await addMemberKeepingActiveTeam(teamId, "viewer");
    await db.slackUserLink.create({ data: { teamId, slackUserId: "U0VIEWER1", userId: viewer.user.id } });
    const held = await approveButton();
    const refused = (await (await receiveSlackInteraction(slackRequest(held.approve, { userId: "U0VIEWER1" }))).json()) as {
      response_type: string;
      text: string;
    };
    expect(refused.response_type).toBe("ephemeral");
    expect(refused.text).toContain("viewers see approvals but cannot decide them");
    expect((await db.approval.findUniqueOrThrow({ where: { id: held.approvalId } })).status).toBe("pending");
  });
});
