import { randomBytes, randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { auth } from "~/server/auth/auth";
import { db } from "~/server/db/client";
import { env } from "~/server/env";
import { setInviteSender, type InviteMessage } from "~/server/teams/invite-sender";
import { INVITATION_NOT_FOUND, INVITATION_TTL_MS, inviteMember } from "~/server/teams/invitations";
import { changeMemberRole, removeMember, transferOwnership } from "~/server/teams/members";
import { agentInput } from "../factories/agent";
import { pendingApproval } from "../factories/approval";
import { addTestMember, anonymousCaller, createTestTeam, createTestUser } from "../factories/team";

/** Roles and invitations: every rule of docs/decisions/010-roles-and-invitations.md, through the procedures people call. */

function address(prefix = "invitee") {
  return `${prefix}-${randomBytes(5).toString("hex")}@example.test`;
}

async function errorOf(promise: Promise<unknown>): Promise<{ code: string; message: string; fieldErrors?: Record<string, string[]> }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code: string; message: string; cause?: { fieldErrors?: Record<string, string[]> } };
    return { code: e.code, message: e.message, fieldErrors: e.cause?.fieldErrors };
  }
  throw new Error("expected the call to fail, and it succeeded");
}

async function auditRows(teamId: string, action: string) {
  return db.auditLog.findMany({
    where: { teamId, action },
    orderBy: { id: "asc" },
    select: { actorId: true, targetType: true, targetId: true, metadata: true },
  });
}

async function roleOf(teamId: string, userId: string) {
  return (await db.member.findFirst({ where: { teamId, userId }, select: { role: true } }))?.role ?? null;
}

afterEach(() => setInviteSender(null));

describe("invitations", () => {
  it("invites by email with an unguessable single-use link; the invitee sees the team, accepts, joins with the role and sees its agents", async () => {
    const owner = await createTestTeam();
    const agent = await owner.caller.agent.create(agentInput({ name: "Shared agent" }));
    const email = address();

    const invited = await owner.caller.team.invite({ email: `  ${email.toUpperCase()} `, role: "member" });
    expect(invited.invitation.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(invited.path).toBe(`/invite/${invited.invitation.id}`);
    expect(invited).toMatchObject({ isRenewed: false, email: "off", invitation: { email, role: "member" } });
    const expiresIn = invited.invitation.expiresAt.getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan(INVITATION_TTL_MS - 60_000);
    expect(expiresIn).toBeLessThanOrEqual(INVITATION_TTL_MS);
    const another = await owner.caller.team.invite({ email: address(), role: "viewer" });
    expect(another.invitation.id).not.toBe(invited.invitation.id);

    const list = await owner.caller.team.invitations();
    expect(list.map((i) => i.id)).toEqual([another.invitation.id, invited.invitation.id]);
    expect(list[1]).toMatchObject({ email, role: "member", isExpired: false, inviter: { name: "Olivia Owner" } });

    // Signed out: the team, the role and who invited, with the address masked.
    const anonymous = await anonymousCaller();
    const seen = await anonymous.team.invitation({ invitationId: invited.invitation.id });
    expect(seen).toMatchObject({ teamName: "Olivia's team", role: "member", inviterName: "Olivia Owner", viewer: null });
    expect(seen.email).toBe(`${email[0]}…@example.test`);
    await expect(anonymous.team.acceptInvitation({ invitationId: invited.invitation.id })).rejects.toMatchObject({ code: "UNAUTHORIZED" });

    const invitee = await createTestUser({ name: "Ivy Invitee", email });
    expect(await invitee.caller.team.invitation({ invitationId: invited.invitation.id })).toMatchObject({
      email,
      viewer: { email, isInvitedEmail: true, isMember: false },
    });
    const accepted = await invitee.caller.team.acceptInvitation({ invitationId: invited.invitation.id });
    expect(accepted).toEqual({ teamId: owner.team.id, teamName: "Olivia's team", role: "member", wasMember: false });
    expect(await roleOf(owner.team.id, invitee.user.id)).toBe("member");

    // The session moved to the team: its agents are there.
    const inTeam = await invitee.newCaller();
    expect((await inTeam.team.current()).id).toBe(owner.team.id);
    expect((await inTeam.agent.list({})).items.map((a) => a.id)).toEqual([agent.id]);

    // Used up: the link reads and accepts as "not valid", like any unknown link.
    expect(await errorOf(invitee.caller.team.invitation({ invitationId: invited.invitation.id }))).toEqual({
      code: "NOT_FOUND",
      message: INVITATION_NOT_FOUND,
    });
    expect(await errorOf(invitee.caller.team.acceptInvitation({ invitationId: invited.invitation.id }))).toMatchObject({
      code: "NOT_FOUND",
      message: INVITATION_NOT_FOUND,
    });
    expect((await owner.caller.team.invitations()).map((i) => i.id)).toEqual([another.invitation.id]);

    expect(await auditRows(owner.team.id, "team.invite")).toEqual([
      {
        actorId: owner.user.id,
        targetType: "invitation",
        targetId: invited.invitation.id,
        metadata: { email, role: "member", renewed: "false" },
      },
      expect.objectContaining({ targetId: another.invitation.id }),
    ]);
    expect(await auditRows(owner.team.id, "team.join")).toEqual([
      {
        actorId: invitee.user.id,
        targetType: "member",
        targetId: invitee.user.id,
        metadata: { email, role: "member", invitationId: invited.invitation.id, inviterId: owner.user.id },
      },
    ]);
  });

  it("gives unknown, malformed, expired, revoked and used links one message", async () => {
    const owner = await createTestTeam();
    const anonymous = await anonymousCaller();
    const notValid = { code: "NOT_FOUND", message: INVITATION_NOT_FOUND };
    expect(await errorOf(anonymous.team.invitation({ invitationId: randomBytes(32).toString("base64url") }))).toEqual(notValid);
    expect(await errorOf(anonymous.team.invitation({ invitationId: "not-an-invitation" }))).toEqual(notValid);

    const email = address();
    const lastWeek = new Date(Date.now() - INVITATION_TTL_MS - 60_000);
    const expired = await inviteMember({ teamId: owner.team.id, actorId: owner.user.id, email, role: "member", now: lastWeek });
    expect(await errorOf(anonymous.team.invitation({ invitationId: expired.invitation.id }))).toEqual(notValid);
    const invitee = await createTestUser({ email });
    expect(await errorOf(invitee.caller.team.acceptInvitation({ invitationId: expired.invitation.id }))).toMatchObject(notValid);
    expect(await roleOf(owner.team.id, invitee.user.id)).toBeNull();
    // Listed as expired so an admin can renew or revoke it; inviting again renews it (same link, 7 days).
    expect((await owner.caller.team.invitations()).find((i) => i.id === expired.invitation.id)).toMatchObject({ isExpired: true });
    const renewed = await owner.caller.team.invite({ email, role: "viewer" });
    expect(renewed).toMatchObject({ isRenewed: true, invitation: { id: expired.invitation.id, role: "viewer" } });
    expect(await invitee.caller.team.acceptInvitation({ invitationId: expired.invitation.id })).toMatchObject({ role: "viewer" });
  });

  it("binds an invitation to its email: another account gets a clear message and the invitation stays usable", async () => {
    const owner = await createTestTeam();
    const email = address("bound");
    const { invitation } = await owner.caller.team.invite({ email, role: "member" });
    const stranger = await createTestUser({ name: "Sam Stranger" });
    expect(await stranger.caller.team.invitation({ invitationId: invitation.id })).toMatchObject({
      email: `b…@example.test`,
      viewer: { isInvitedEmail: false, isMember: false },
    });
    expect(await errorOf(stranger.caller.team.acceptInvitation({ invitationId: invitation.id }))).toMatchObject({
      code: "FORBIDDEN",
      message:
        `This invitation is for b…@example.test, but you are signed in as ${stranger.user.email}. ` +
        "Sign out, then sign in or create an account with the invited address.",
    });
    expect(await roleOf(owner.team.id, stranger.user.id)).toBeNull();
    const invitee = await createTestUser({ email });
    await expect(invitee.caller.team.acceptInvitation({ invitationId: invitation.id })).resolves.toMatchObject({ role: "member" });
  });

  it("refuses to invite a member, renews a pending invitation instead of making a second one, and checks the form's fields", async () => {
    const owner = await createTestTeam();
    const admin = await addTestMember(owner.team.id, "admin");
    expect(await errorOf(owner.caller.team.invite({ email: admin.user.email, role: "viewer" }))).toEqual({
      code: "CONFLICT",
      message: `${admin.user.email} is already in Olivia's team (as admin). Change their role in the member list instead.`,
      fieldErrors: { email: [`${admin.user.email} is already in Olivia's team (as admin). Change their role in the member list instead.`] },
    });

    const email = address();
    const first = await owner.caller.team.invite({ email, role: "viewer" });
    const again = await admin.caller.team.invite({ email, role: "admin" });
    expect(again).toMatchObject({ isRenewed: true, invitation: { id: first.invitation.id, role: "admin" } });
    expect(again.invitation.expiresAt.getTime()).toBeGreaterThanOrEqual(first.invitation.expiresAt.getTime());
    const pending = await db.invitation.findMany({ where: { teamId: owner.team.id, email, status: "pending" } });
    expect(pending).toEqual([expect.objectContaining({ id: first.invitation.id, role: "admin", inviterId: admin.user.id })]);
    expect((await auditRows(owner.team.id, "team.invite")).map((r) => (r.metadata as { renewed: string }).renewed)).toEqual([
      "false",
      "true",
    ]);

    const badEmail = await errorOf(owner.caller.team.invite({ email: "not an email", role: "member" }));
    expect(badEmail).toMatchObject({ code: "BAD_REQUEST", fieldErrors: { email: ["Enter an email address like you@example.com."] } });
    const asOwner = await errorOf(owner.caller.team.invite({ email: address(), role: "owner" }));
    expect(asOwner).toMatchObject({
      code: "BAD_REQUEST",
      fieldErrors: {
        role: ["Invite people as viewer, member or admin. To make someone an owner, transfer ownership once they have joined."],
      },
    });
  });

  it("lets only admins and owners invite, list and revoke; a revoked link stops working", async () => {
    const owner = await createTestTeam();
    const admin = await addTestMember(owner.team.id, "admin");
    const member = await addTestMember(owner.team.id, "member");
    const viewer = await addTestMember(owner.team.id, "viewer");
    for (const person of [member, viewer]) {
      expect(await errorOf(person.caller.team.invite({ email: address(), role: "viewer" }))).toMatchObject({ code: "FORBIDDEN" });
      expect(await errorOf(person.caller.team.invitations())).toMatchObject({ code: "FORBIDDEN" });
    }
    // The rule holds in the domain function too, not only at the procedure's gate.
    expect(await errorOf(inviteMember({ teamId: owner.team.id, actorId: member.user.id, email: address(), role: "viewer" }))).toMatchObject(
      {
        code: "FORBIDDEN",
        message: "Inviting people needs the admin role or higher in Olivia's team; you are member.",
      },
    );

    const email = address();
    const { invitation } = await admin.caller.team.invite({ email, role: "member" });
    expect(await errorOf(member.caller.team.revokeInvitation({ invitationId: invitation.id }))).toMatchObject({ code: "FORBIDDEN" });
    await admin.caller.team.revokeInvitation({ invitationId: invitation.id });
    expect(await auditRows(owner.team.id, "team.invite_revoke")).toEqual([
      { actorId: admin.user.id, targetType: "invitation", targetId: invitation.id, metadata: { email, role: "member" } },
    ]);
    expect(await owner.caller.team.invitations()).toEqual([]);
    expect(await errorOf(owner.caller.team.revokeInvitation({ invitationId: invitation.id }))).toEqual({
      code: "NOT_FOUND",
      message: "That invitation was not found, or you do not have access to it.",
    });
    const invitee = await createTestUser({ email });
    expect(await errorOf(invitee.caller.team.invitation({ invitationId: invitation.id }))).toEqual({
      code: "NOT_FOUND",
      message: INVITATION_NOT_FOUND,
    });
    expect(await errorOf(invitee.caller.team.acceptInvitation({ invitationId: invitation.id }))).toMatchObject({ code: "NOT_FOUND" });
    expect(await roleOf(owner.team.id, invitee.user.id)).toBeNull();
  });

  it("uses an invitation once even when accepted twice at the same moment", async () => {
    const owner = await createTestTeam();
    const email = address();
    const { invitation } = await owner.caller.team.invite({ email, role: "member" });
    const invitee = await createTestUser({ email });
    const second = await invitee.newCaller();
    const results = await Promise.allSettled([
      invitee.caller.team.acceptInvitation({ invitationId: invitation.id }),
      second.team.acceptInvitation({ invitationId: invitation.id }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(await db.member.count({ where: { teamId: owner.team.id, userId: invitee.user.id } })).toBe(1);
    expect(await auditRows(owner.team.id, "team.join")).toHaveLength(1);
  });

  it("hands the invitation to a registered sender, and keeps it when sending fails", async () => {
    const owner = await createTestTeam();
    const sent: InviteMessage[] = [];
    setInviteSender({ send: async (message) => void sent.push(message) });
    const email = address();
    const result = await owner.caller.team.invite({ email, role: "viewer" });
    expect(result.email).toBe("sent");
    expect(sent).toEqual([
      {
        to: email,
        teamName: "Olivia's team",
        inviterName: "Olivia Owner",
        role: "viewer",
        url: new URL(`/invite/${result.invitation.id}`, env.APP_URL).toString(),
        expiresAt: result.invitation.expiresAt,
      },
    ]);

    setInviteSender({
      send: async () => {
        throw new Error("SMTP is down");
      },
    });
    const failed = await owner.caller.team.invite({ email: address(), role: "viewer" });
    expect(failed.email).toBe("failed");
    expect((await owner.caller.team.invitations()).map((i) => i.id)).toContain(failed.invitation.id);
  });
});

describe("roles", () => {
  it("lets admins change roles up to their own, and records each change", async () => {
    const owner = await createTestTeam();
    const admin = await addTestMember(owner.team.id, "admin");
    const viewer = await addTestMember(owner.team.id, "viewer");

    const listed = await viewer.caller.team.members();
    expect(listed.members.map((m) => m.role)).toEqual(["owner", "admin", "viewer"]);
    expect(listed.me).toEqual({ userId: viewer.user.id, role: "viewer", canManage: false });
    expect((await admin.caller.team.members()).me.canManage).toBe(true);

    // A viewer cannot decide approvals of the team; promoted to member they can (the id is random, so the
    // approval is "not found" — past the role gate).
    const agent = await owner.caller.agent.create(agentInput({ name: "Role gate" }));
    const held = await pendingApproval({ teamId: owner.team.id, agentId: agent.id });
    expect(await errorOf(viewer.caller.approval.decide({ approvalId: held.id, decision: "approved" }))).toMatchObject({
      code: "FORBIDDEN",
    });
    const approvalId = randomUUID();
    expect(await admin.caller.team.changeRole({ userId: viewer.user.id, role: "member" })).toEqual({
      userId: viewer.user.id,
      role: "member",
      changed: true,
    });
    expect(await errorOf(viewer.caller.approval.decide({ approvalId, decision: "approved" }))).toMatchObject({ code: "NOT_FOUND" });

    await admin.caller.team.changeRole({ userId: viewer.user.id, role: "admin" });
    expect(await roleOf(owner.team.id, viewer.user.id)).toBe("admin");
    // Nobody grants a role above their own: an admin cannot make an owner, not even of themselves.
    const above = await errorOf(admin.caller.team.changeRole({ userId: viewer.user.id, role: "owner" }));
    expect(above).toMatchObject({
      code: "FORBIDDEN",
      message: "You cannot make someone an owner: that is above your own role (admin).",
      fieldErrors: { role: ["You cannot make someone an owner: that is above your own role (admin)."] },
    });
    expect(await errorOf(admin.caller.team.changeRole({ userId: admin.user.id, role: "owner" }))).toMatchObject({
      code: "FORBIDDEN",
      message: "You cannot make yourself an owner: that is above your own role (admin).",
    });

    // The same role again changes nothing and records nothing.
    expect(await admin.caller.team.changeRole({ userId: viewer.user.id, role: "admin" })).toMatchObject({ changed: false });
    expect(await auditRows(owner.team.id, "team.role_change")).toEqual([
      {
        actorId: admin.user.id,
        targetType: "member",
        targetId: viewer.user.id,
        metadata: { email: viewer.user.email, from: "viewer", to: "member" },
      },
      {
        actorId: admin.user.id,
        targetType: "member",
        targetId: viewer.user.id,
        metadata: { email: viewer.user.email, from: "member", to: "admin" },
      },
    ]);
  });

  it("lets only admins and owners change roles and remove members", async () => {
    const owner = await createTestTeam();
    const member = await addTestMember(owner.team.id, "member");
    const viewer = await addTestMember(owner.team.id, "viewer");
    for (const call of [
      () => member.caller.team.changeRole({ userId: viewer.user.id, role: "member" }),
      () => member.caller.team.removeMember({ userId: viewer.user.id }),
      () => viewer.caller.team.changeRole({ userId: viewer.user.id, role: "member" }),
    ]) {
      expect(await errorOf(call())).toMatchObject({ code: "FORBIDDEN" });
    }
    // In the domain functions as well.
    expect(
      await errorOf(changeMemberRole({ teamId: owner.team.id, actorId: member.user.id, userId: viewer.user.id, role: "member" })),
    ).toMatchObject({
      code: "FORBIDDEN",
      message: "Changing roles needs the admin role or higher in Olivia's team; you are member.",
    });
    expect(await errorOf(removeMember({ teamId: owner.team.id, actorId: member.user.id, userId: viewer.user.id }))).toMatchObject({
      code: "FORBIDDEN",
      message: "Removing members needs the admin role or higher in Olivia's team; you are member.",
    });
    expect(await roleOf(owner.team.id, viewer.user.id)).toBe("viewer");
  });

  it("keeps admins away from owners", async () => {
    const owner = await createTestTeam();
    const admin = await addTestMember(owner.team.id, "admin");
    expect(await errorOf(admin.caller.team.changeRole({ userId: owner.user.id, role: "member" }))).toMatchObject({
      code: "FORBIDDEN",
      message: "Only an owner can change an owner's role.",
    });
    expect(await errorOf(admin.caller.team.removeMember({ userId: owner.user.id }))).toMatchObject({
      code: "FORBIDDEN",
      message: "Only an owner can remove an owner.",
    });
    expect(await errorOf(admin.caller.team.transferOwnership({ userId: admin.user.id }))).toMatchObject({ code: "FORBIDDEN" });
    expect(await errorOf(transferOwnership({ teamId: owner.team.id, actorId: admin.user.id, userId: admin.user.id }))).toEqual({
      code: "FORBIDDEN",
      message: "Only an owner can transfer ownership of Olivia's team.",
    });
    expect(await roleOf(owner.team.id, owner.user.id)).toBe("owner");
    expect(await roleOf(owner.team.id, admin.user.id)).toBe("admin");
  });

  it("never leaves a team without an owner: the last owner transfers ownership first and then becomes an admin", async () => {
    const owner = await createTestTeam();
    const member = await addTestMember(owner.team.id, "member");

    expect(await errorOf(owner.caller.team.changeRole({ userId: owner.user.id, role: "admin" }))).toEqual({
      code: "CONFLICT",
      message: "You are the only owner of Olivia's team. Transfer ownership to another member first.",
    });
    expect(await errorOf(owner.caller.team.leave())).toEqual({
      code: "CONFLICT",
      message: "You are the only owner of Olivia's team. Transfer ownership to another member before leaving.",
    });
    expect(await errorOf(owner.caller.team.transferOwnership({ userId: owner.user.id }))).toMatchObject({
      code: "BAD_REQUEST",
      message: "You already own Olivia's team; choose another member.",
    });

    await owner.caller.team.transferOwnership({ userId: member.user.id });
    expect(await roleOf(owner.team.id, member.user.id)).toBe("owner");
    expect(await roleOf(owner.team.id, owner.user.id)).toBe("admin");
    expect(await auditRows(owner.team.id, "team.transfer_ownership")).toEqual([
      {
        actorId: owner.user.id,
        targetType: "member",
        targetId: member.user.id,
        metadata: { email: member.user.email, previousRole: "member", previousOwnerId: owner.user.id },
      },
    ]);
    // No longer an owner: no second transfer; free to leave now.
    expect(await errorOf(owner.caller.team.transferOwnership({ userId: member.user.id }))).toMatchObject({ code: "FORBIDDEN" });
    expect(await owner.caller.team.leave()).toEqual({ nextTeamId: null });

    // A team of one cannot be left at all.
    const solo = await createTestTeam();
    expect(await errorOf(solo.caller.team.leave())).toEqual({
      code: "CONFLICT",
      message: "You are the only member of Olivia's team; a team cannot be left without an owner.",
    });
  });

  it("allows co-owners; of two owners demoting each other at the same moment, one is refused", async () => {
    const owner = await createTestTeam();
    const admin = await addTestMember(owner.team.id, "admin");
    await owner.caller.team.changeRole({ userId: admin.user.id, role: "owner" });
    const coOwner = await admin.newCaller();
    const results = await Promise.allSettled([
      owner.caller.team.changeRole({ userId: admin.user.id, role: "member" }),
      coOwner.team.changeRole({ userId: owner.user.id, role: "member" }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(await db.member.count({ where: { teamId: owner.team.id, role: "owner" } })).toBe(1);
  });

  it("lets people leave and admins remove them; their sessions move to another team of theirs", async () => {
    const owner = await createTestTeam();
    const admin = await addTestMember(owner.team.id, "admin");
    const viewer = await addTestMember(owner.team.id, "viewer");
    const member = await addTestMember(owner.team.id, "member");

    expect(await viewer.caller.team.leave()).toEqual({ nextTeamId: viewer.teamId });
    expect(await roleOf(owner.team.id, viewer.user.id)).toBeNull();
    expect((await (await viewer.newCaller()).team.current()).id).toBe(viewer.teamId);
    expect(await auditRows(owner.team.id, "team.leave")).toEqual([
      { actorId: viewer.user.id, targetType: "member", targetId: viewer.user.id, metadata: { role: "viewer" } },
    ]);

    expect(await errorOf(admin.caller.team.removeMember({ userId: admin.user.id }))).toMatchObject({
      code: "BAD_REQUEST",
      message: "To leave the team yourself, use Leave team.",
    });
    await admin.caller.team.removeMember({ userId: member.user.id });
    expect(await roleOf(owner.team.id, member.user.id)).toBeNull();
    // The old session's context still names the team, but the membership is checked per request.
    expect(await errorOf(member.caller.agent.list({}))).toMatchObject({ code: "FORBIDDEN" });
    expect((await (await member.newCaller()).team.current()).id).toBe(member.teamId);
    expect(await auditRows(owner.team.id, "team.remove_member")).toEqual([
      { actorId: admin.user.id, targetType: "member", targetId: member.user.id, metadata: { email: member.user.email, role: "member" } },
    ]);
    // An owner may remove an admin.
    await owner.caller.team.removeMember({ userId: admin.user.id });
    expect((await owner.caller.team.members()).members.map((m) => m.userId)).toEqual([owner.user.id]);
  });
});

describe("team isolation", () => {
  it("gives another team's owner the same not-found as a missing id, and shows them nothing of this team", async () => {
    const owner = await createTestTeam();
    const member = await addTestMember(owner.team.id, "member");
    const { invitation } = await owner.caller.team.invite({ email: address(), role: "viewer" });
    const other = await createTestTeam();
    const missingUser = randomBytes(16).toString("hex");
    const missingInvitation = randomBytes(32).toString("base64url");

    // Thunks: each call starts only when awaited, so none rejects unobserved.
    const pairs: [() => Promise<unknown>, () => Promise<unknown>][] = [
      [
        () => other.caller.team.changeRole({ userId: member.user.id, role: "viewer" }),
        () => other.caller.team.changeRole({ userId: missingUser, role: "viewer" }),
      ],
      [() => other.caller.team.removeMember({ userId: member.user.id }), () => other.caller.team.removeMember({ userId: missingUser })],
      [
        () => other.caller.team.transferOwnership({ userId: member.user.id }),
        () => other.caller.team.transferOwnership({ userId: missingUser }),
      ],
      [
        () => other.caller.team.revokeInvitation({ invitationId: invitation.id }),
        () => other.caller.team.revokeInvitation({ invitationId: missingInvitation }),
      ],
    ];
    for (const [theirs, missing] of pairs) {
      const [a, b] = [await errorOf(theirs()), await errorOf(missing())];
      expect(a.code).toBe("NOT_FOUND");
      expect(a).toEqual(b);
    }
    expect(await roleOf(owner.team.id, member.user.id)).toBe("member");
    expect(await db.invitation.findUniqueOrThrow({ where: { id: invitation.id }, select: { status: true } })).toEqual({
      status: "pending",
    });
    expect((await other.caller.team.members()).members.map((m) => m.userId)).toEqual([other.user.id]);
    expect(await other.caller.team.invitations()).toEqual([]);
    expect(await auditRows(owner.team.id, "team.role_change")).toEqual([]);
  });

  it("closes better-auth's own organization endpoints, which would bypass these rules", async () => {
    const owner = await createTestTeam();
    const member = await addTestMember(owner.team.id, "member");
    for (const [path, body] of [
      ["/organization/update-member-role", { memberId: member.user.id, role: "owner", organizationId: owner.team.id }],
      ["/organization/invite-member", { email: address(), role: "admin", organizationId: owner.team.id }],
      ["/organization/leave", { organizationId: owner.team.id }],
      ["/organization/delete", { organizationId: owner.team.id }],
    ] as const) {
      const response = await auth.handler(
        new Request(new URL(`/api/auth${path}`, env.APP_URL), {
          method: "POST",
          headers: { cookie: owner.headers.get("cookie")!, origin: env.APP_URL, "content-type": "application/json" },
          body: JSON.stringify(body),
        }),
      );
      expect(response.status, path).toBe(404);
    }
    const list = await auth.handler(
      new Request(new URL("/api/auth/organization/list-members", env.APP_URL), { headers: { cookie: owner.headers.get("cookie")! } }),
    );
    expect(list.status).toBe(404);
    expect(await roleOf(owner.team.id, member.user.id)).toBe("member");
    expect(await db.team.count({ where: { id: owner.team.id } })).toBe(1);
  });
});
