import "server-only";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { TeamRoleName } from "../../shared/roles";
import { db } from "../db/client";
import { env } from "../env";
import { AppError, notFound } from "../errors";
import { logger } from "../logger";
import { queueInvitationEmail } from "./invite-email";
import { getInviteSender } from "./invite-sender";
import { lockTeamMembers, requireTeamManager } from "./members";
import { recordAudit } from "../audit/record";

/**
 * Invitations by link: an admin invites an e-mail address with a role; the link `/invite/<id>`
 * (32 random bytes, base64url) is shown to the admin to copy, and e-mailed too when a sender is
 * registered (server/teams/invite-sender.ts, off by default). The rules
 * (docs/decisions/010-roles-and-invitations.md):
 * - only admins and owners invite and revoke; invitations grant viewer, member or admin, never
 *   owner (ownership is given to people already in the team) and never above the inviter's role;
 * - an invitation is bound to its e-mail address, expires after 7 days, is used once and can be
 *   revoked; inviting an address that already has a pending invitation renews that invitation
 *   (same link, the new role, 7 days from now) rather than making a second one;
 * - an unknown, expired, revoked or used link gets one and the same message.
 */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
export const INVITABLE_ROLES = ["viewer", "member", "admin"] as const satisfies readonly TeamRoleName[];
export type InvitableRole = (typeof INVITABLE_ROLES)[number];

const INVITATION_ID = /^[A-Za-z0-9_-]{43}$/;
const emailSchema = z.email();

export const INVITATION_NOT_FOUND =
  "This invitation link is not valid: it may have expired, been revoked or been used already. Ask the person who invited you for a new link.";

function invitationNotFound(): AppError {
  return new AppError("NOT_FOUND", INVITATION_NOT_FOUND);
}

export function newInvitationId(): string {
  return randomBytes(32).toString("base64url");
}

export function invitationPath(id: string): string {
  return `/invite/${id}`;
}

/** "a…@example.com": enough for the invited person to recognise their address, little for anyone else. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at <= 0) return "…";
  return `${email[0]}…${email.slice(at)}`;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function isInvitableRole(role: string): role is InvitableRole {
  return (INVITABLE_ROLES as readonly string[]).includes(role);
}

export type PendingInvitation = {
  id: string;
  email: string;
  role: TeamRoleName;
  expiresAt: Date;
  createdAt: Date;
  isExpired: boolean;
  inviter: { name: string };
};

/** The team's pending invitations (expired ones too, marked, so an admin can renew or revoke them), newest first. */
export async function listInvitations({ teamId, now = new Date() }: { teamId: string; now?: Date }): Promise<PendingInvitation[]> {
  const rows = await db.invitation.findMany({
    where: { teamId, status: "pending" },
    orderBy: { createdAt: "desc" },
    take: 200,
    select: { id: true, email: true, role: true, expiresAt: true, createdAt: true, inviter: { select: { name: true } } },
  });
  return rows.map((row) => ({ ...row, role: row.role ?? "member", isExpired: row.expiresAt <= now }));
}

export type InviteResult = {
  invitation: { id: string; email: string; role: InvitableRole; expiresAt: Date };
  path: string;
  /** True when a pending invitation for this address was renewed instead of a new one made. */
  isRenewed: boolean;
  /**
   * "queued": handed to the team's e-mail channel (emailChannel names it); "off": no e-mail channel and no
   * sender registered (the default); "sent"/"failed": what the registered sender did.
   */
  email: "off" | "queued" | "sent" | "failed";
  emailChannel?: string;
};

export async function inviteMember({
  teamId,
  actorId,
  email,
  role,
  now = new Date(),
}: {
  teamId: string;
  actorId: string;
  email: string;
  role: string;
  now?: Date;
}): Promise<InviteResult> {
  const address = normalizeEmail(email);
  if (!emailSchema.safeParse(address).success) {
    const message = "Enter an email address like you@example.com.";
    throw new AppError("BAD_REQUEST", message, { fieldErrors: { email: [message] } });
  }
  if (!isInvitableRole(role)) {
    const message = "Invite people as viewer, member or admin. To make someone an owner, transfer ownership once they have joined.";
    throw new AppError("BAD_REQUEST", message, { fieldErrors: { role: [message] } });
  }
  const expiresAt = new Date(now.getTime() + INVITATION_TTL_MS);
  const result = await db.$transaction(async (tx) => {
    await lockTeamMembers(tx, teamId);
    // Invitable roles stop at admin and inviting needs admin, so an invitation is never above its inviter.
    const actor = await requireTeamManager(tx, { teamId, userId: actorId }, "Inviting people");
    const member = await tx.member.findFirst({ where: { teamId, user: { email: address } }, select: { role: true } });
    if (member) {
      const message = `${address} is already in ${actor.teamName} (as ${member.role}). Change their role in the member list instead.`;
      throw new AppError("CONFLICT", message, { fieldErrors: { email: [message] } });
    }
    const pending = await tx.invitation.findFirst({
      where: { teamId, email: address, status: "pending" },
      orderBy: { createdAt: "desc" },
      select: { id: true },
    });
    const id = pending?.id ?? newInvitationId();
    if (pending) {
      await tx.invitation.update({ where: { id }, data: { role, expiresAt, inviterId: actorId } });
    } else {
      await tx.invitation.create({ data: { id, teamId, email: address, role, status: "pending", expiresAt, inviterId: actorId } });
    }
    await recordAudit(tx, {
      teamId,
      actorId,
      action: "team.invite",
      targetId: id,
      metadata: { email: address, role, renewed: pending ? "true" : "false" },
    });
    return { id, isRenewed: pending !== null, teamName: actor.teamName, inviterName: actor.name };
  });

  let emailStatus: InviteResult["email"] = "off";
  let emailChannel: string | undefined;
  const url = new URL(invitationPath(result.id), env.APP_URL).toString();
  const sender = getInviteSender();
  const mail = { to: address, teamName: result.teamName, inviterName: result.inviterName, role, url, expiresAt };
  let channel: Awaited<ReturnType<typeof queueInvitationEmail>> = null;
  try {
    channel = await queueInvitationEmail({ teamId, invitationId: result.id, ...mail });
  } catch (error) {
    logger.warn({ err: error, teamId }, "invitation e-mail could not be queued on the team's e-mail channel");
    emailStatus = "failed";
  }
  if (channel) {
    emailStatus = "queued";
    emailChannel = channel.channelName;
  } else if (sender && emailStatus === "off") {
    try {
      await sender.send(mail);
      emailStatus = "sent";
    } catch (error) {
      // The invitation stands: the admin is told and copies the link instead.
      logger.warn({ err: error, teamId }, "invitation e-mail could not be sent");
      emailStatus = "failed";
    }
  }
  return {
    invitation: { id: result.id, email: address, role, expiresAt },
    path: invitationPath(result.id),
    isRenewed: result.isRenewed,
    email: emailStatus,
    ...(emailChannel ? { emailChannel } : {}),
  };
}

export async function revokeInvitation({
  teamId,
  actorId,
  invitationId,
}: {
  teamId: string;
  actorId: string;
  invitationId: string;
}): Promise<void> {
  await db.$transaction(async (tx) => {
    await lockTeamMembers(tx, teamId);
    await requireTeamManager(tx, { teamId, userId: actorId }, "Revoking invitations");
    const invitation = await tx.invitation.findFirst({
      where: { id: invitationId, teamId, status: "pending" },
      select: { email: true, role: true },
    });
    if (!invitation) throw notFound("That invitation");
    await tx.invitation.updateMany({ where: { id: invitationId, teamId, status: "pending" }, data: { status: "canceled" } });
    await recordAudit(tx, {
      teamId,
      actorId,
      action: "team.invite_revoke",
      targetId: invitationId,
      metadata: { email: invitation.email, role: invitation.role ?? "member" },
    });
  });
}

export type InvitationView = {
  teamName: string;
  role: TeamRoleName;
  inviterName: string;
  expiresAt: Date;
  /** The invited address, masked unless the signed-in viewer is that address. */
  email: string;
  /** Who is looking: null when signed out. */
  viewer: { email: string; isInvitedEmail: boolean; isMember: boolean } | null;
};

/** What the invite page shows. Anyone holding the link may read it; nothing here is more than the link's holder needs. */
export async function getInvitation({
  invitationId,
  viewer,
  now = new Date(),
}: {
  invitationId: string;
  viewer: { userId: string; email: string } | null;
  now?: Date;
}): Promise<InvitationView> {
  if (!INVITATION_ID.test(invitationId)) throw invitationNotFound();
  const invitation = await db.invitation.findFirst({
    where: { id: invitationId, status: "pending", expiresAt: { gt: now } },
    select: {
      teamId: true,
      email: true,
      role: true,
      expiresAt: true,
      team: { select: { name: true } },
      inviter: { select: { name: true } },
    },
  });
  if (!invitation) throw invitationNotFound();
  const isInvitedEmail = viewer !== null && normalizeEmail(viewer.email) === invitation.email;
  const isMember = viewer !== null && (await db.member.count({ where: { teamId: invitation.teamId, userId: viewer.userId } })) > 0;
  return {
    teamName: invitation.team.name,
    role: invitation.role ?? "member",
    inviterName: invitation.inviter.name,
    expiresAt: invitation.expiresAt,
    email: isInvitedEmail ? invitation.email : maskEmail(invitation.email),
    viewer: viewer ? { email: viewer.email, isInvitedEmail, isMember } : null,
  };
}

/**
 * Accepts an invitation as the signed-in user, whose e-mail must be the invited one. Joins the team
 * with the invited role (a person already in the team keeps their role) and makes it the session's
 * active team. The invitation is used up either way.
 */
export async function acceptInvitation({
  invitationId,
  userId,
  sessionId,
  now = new Date(),
}: {
  invitationId: string;
  userId: string;
  sessionId: string | null;
  now?: Date;
}): Promise<{ teamId: string; teamName: string; role: TeamRoleName; wasMember: boolean }> {
  if (!INVITATION_ID.test(invitationId)) throw invitationNotFound();
  return db.$transaction(async (tx) => {
    const invitation = await tx.invitation.findFirst({
      where: { id: invitationId, status: "pending", expiresAt: { gt: now } },
      select: { teamId: true, email: true, role: true, inviterId: true, team: { select: { name: true } } },
    });
    if (!invitation) throw invitationNotFound();
    const { teamId } = invitation;
    await lockTeamMembers(tx, teamId);
    const user = await tx.user.findUnique({ where: { id: userId }, select: { email: true } });
    if (!user) throw new AppError("UNAUTHORIZED", "Sign in to continue.");
    if (normalizeEmail(user.email) !== invitation.email) {
      throw new AppError(
        "FORBIDDEN",
        `This invitation is for ${maskEmail(invitation.email)}, but you are signed in as ${user.email}. ` +
          "Sign out, then sign in or create an account with the invited address.",
      );
    }
    // Claimed under the team lock and only while still pending: a revoke or a second accept that got
    // there first leaves nothing to claim.
    const claimed = await tx.invitation.updateMany({
      where: { id: invitationId, status: "pending", expiresAt: { gt: now } },
      data: { status: "accepted" },
    });
    if (claimed.count === 0) throw invitationNotFound();
    const existing = await tx.member.findFirst({ where: { teamId, userId }, select: { role: true } });
    const role: TeamRoleName = existing?.role ?? invitation.role ?? "member";
    if (!existing) {
      await tx.member.create({ data: { id: randomBytes(16).toString("hex"), teamId, userId, role } });
      await recordAudit(tx, {
        teamId,
        actorId: userId,
        action: "team.join",
        targetId: userId,
        metadata: { email: invitation.email, role, invitationId, inviterId: invitation.inviterId },
      });
    }
    if (sessionId) await tx.session.updateMany({ where: { id: sessionId, userId }, data: { activeTeamId: teamId } });
    return { teamId, teamName: invitation.team.name, role, wasMember: existing !== null };
  });
}
