import "server-only";
import { can, isTeamRole, roleRank, type TeamRoleName } from "../../shared/roles";
import { db, type Prisma } from "../db/client";
import { AppError, notFound } from "../errors";
import { LOCKS, takeLock } from "../db/locks";
import { recordAudit } from "../audit/record";

/**
 * Team membership: who is in a team, with which role, and the changes admins and owners make.
 * The rules (docs/decisions/010-roles-and-invitations.md):
 * - Only admins and owners (team:manage) change roles and remove members; nobody grants a role
 *   above their own; only an owner changes or removes an owner.
 * - A team always keeps an owner: the last owner can neither leave nor be demoted; ownership is
 *   transferred first (owner only; the previous owner becomes admin).
 * - Every change is written to the audit log in the same transaction.
 * Changes to one team's members take a per-team lock, so two owners demoting each other at the
 * same moment cannot leave the team without one.
 */

type Tx = Prisma.TransactionClient;

export type TeamMember = {
  userId: string;
  name: string;
  email: string;
  role: TeamRoleName;
  joinedAt: Date;
};

const ROLE_WITH_ARTICLE: Record<TeamRoleName, string> = { viewer: "a viewer", member: "a member", admin: "an admin", owner: "an owner" };

export async function lockTeamMembers(tx: Tx, teamId: string): Promise<void> {
  await takeLock(tx, LOCKS.teamMembers(teamId));
}

type Actor = { role: TeamRoleName; name: string; email: string; teamName: string };

/** The acting person's membership, read inside the transaction (the role may have changed since the request began). */
export async function getActor(tx: Tx, { teamId, userId }: { teamId: string; userId: string }): Promise<Actor> {
  const member = await tx.member.findFirst({
    where: { teamId, userId },
    select: { role: true, user: { select: { name: true, email: true } }, team: { select: { name: true } } },
  });
  if (!member || !isTeamRole(member.role)) throw new AppError("FORBIDDEN", "You are not a member of this team.");
  return { role: member.role, name: member.user.name, email: member.user.email, teamName: member.team.name };
}

/** The actor, if they may manage the team's people (admin or owner); `doing` completes "… needs the admin role". */
export async function requireTeamManager(tx: Tx, ids: { teamId: string; userId: string }, doing: string): Promise<Actor> {
  const actor = await getActor(tx, ids);
  if (!can(actor.role, "team:manage")) {
    throw new AppError("FORBIDDEN", `${doing} needs the admin role or higher in ${actor.teamName}; you are ${actor.role}.`);
  }
  return actor;
}

async function countOwners(tx: Tx, teamId: string): Promise<number> {
  return tx.member.count({ where: { teamId, role: "owner" } });
}

async function findMember(tx: Tx, { teamId, userId }: { teamId: string; userId: string }) {
  const member = await tx.member.findFirst({
    where: { teamId, userId },
    select: { id: true, role: true, user: { select: { name: true, email: true } } },
  });
  if (!member) throw notFound("That member");
  return member;
}

/** Points the user's sessions that were on `teamId` at their oldest remaining team (null: the next request makes a personal one). */
async function moveSessionsOffTeam(tx: Tx, { teamId, userId }: { teamId: string; userId: string }): Promise<string | null> {
  const next = await tx.member.findFirst({ where: { userId }, orderBy: { createdAt: "asc" }, select: { teamId: true } });
  await tx.session.updateMany({ where: { userId, activeTeamId: teamId }, data: { activeTeamId: next?.teamId ?? null } });
  return next?.teamId ?? null;
}

/** Everyone in the team, owners first, then by when they joined. */
export async function listMembers({ teamId }: { teamId: string }): Promise<TeamMember[]> {
  const members = await db.member.findMany({
    where: { teamId },
    // TeamRole is a Postgres enum declared owner, admin, member, viewer: ascending is highest first.
    orderBy: [{ role: "asc" }, { createdAt: "asc" }],
    select: { userId: true, role: true, createdAt: true, user: { select: { name: true, email: true } } },
  });
  return members.map((m) => ({ userId: m.userId, name: m.user.name, email: m.user.email, role: m.role, joinedAt: m.createdAt }));
}

export async function changeMemberRole({
  teamId,
  actorId,
  userId,
  role,
}: {
  teamId: string;
  actorId: string;
  userId: string;
  role: TeamRoleName;
}): Promise<{ userId: string; role: TeamRoleName; changed: boolean }> {
  return db.$transaction(async (tx) => {
    await lockTeamMembers(tx, teamId);
    const actor = await requireTeamManager(tx, { teamId, userId: actorId }, "Changing roles");
    const target = await findMember(tx, { teamId, userId });
    const isSelf = userId === actorId;
    if (roleRank(role) > roleRank(actor.role)) {
      const message = `You cannot make ${isSelf ? "yourself" : "someone"} ${ROLE_WITH_ARTICLE[role]}: that is above your own role (${actor.role}).`;
      throw new AppError("FORBIDDEN", message, { fieldErrors: { role: [message] } });
    }
    if (target.role === "owner" && actor.role !== "owner") {
      throw new AppError("FORBIDDEN", "Only an owner can change an owner's role.");
    }
    if (target.role === role) return { userId, role, changed: false };
    if (target.role === "owner" && (await countOwners(tx, teamId)) <= 1) {
      throw new AppError(
        "CONFLICT",
        `${isSelf ? "You are" : `${target.user.name} is`} the only owner of ${actor.teamName}. Transfer ownership to another member first.`,
      );
    }
    await tx.member.update({ where: { id: target.id }, data: { role } });
    await recordAudit(tx, {
      teamId,
      actorId,
      action: "team.role_change",
      targetId: userId,
      metadata: { email: target.user.email, from: target.role, to: role },
    });
    return { userId, role, changed: true };
  });
}

export async function removeMember({ teamId, actorId, userId }: { teamId: string; actorId: string; userId: string }): Promise<void> {
  if (userId === actorId) throw new AppError("BAD_REQUEST", "To leave the team yourself, use Leave team.");
  await db.$transaction(async (tx) => {
    await lockTeamMembers(tx, teamId);
    const actor = await requireTeamManager(tx, { teamId, userId: actorId }, "Removing members");
    const target = await findMember(tx, { teamId, userId });
    if (target.role === "owner" && actor.role !== "owner") throw new AppError("FORBIDDEN", "Only an owner can remove an owner.");
    await tx.member.delete({ where: { id: target.id } });
    await moveSessionsOffTeam(tx, { teamId, userId });
    await recordAudit(tx, {
      teamId,
      actorId,
      action: "team.remove_member",
      targetId: userId,
      metadata: { email: target.user.email, role: target.role },
    });
  });
}

/** Leaves the team; the user's sessions move to their oldest remaining team, whose id is returned. */
export async function leaveTeam({ teamId, userId }: { teamId: string; userId: string }): Promise<{ nextTeamId: string | null }> {
  return db.$transaction(async (tx) => {
    await lockTeamMembers(tx, teamId);
    const actor = await getActor(tx, { teamId, userId });
    if (actor.role === "owner" && (await countOwners(tx, teamId)) <= 1) {
      const others = await tx.member.count({ where: { teamId, userId: { not: userId } } });
      throw new AppError(
        "CONFLICT",
        others === 0
          ? `You are the only member of ${actor.teamName}; a team cannot be left without an owner.`
          : `You are the only owner of ${actor.teamName}. Transfer ownership to another member before leaving.`,
      );
    }
    await tx.member.deleteMany({ where: { teamId, userId } });
    const nextTeamId = await moveSessionsOffTeam(tx, { teamId, userId });
    await recordAudit(tx, { teamId, actorId: userId, action: "team.leave", targetId: userId, metadata: { role: actor.role } });
    return { nextTeamId };
  });
}

/** Makes another member an owner; the acting owner becomes an admin. */
export async function transferOwnership({ teamId, actorId, userId }: { teamId: string; actorId: string; userId: string }): Promise<void> {
  await db.$transaction(async (tx) => {
    await lockTeamMembers(tx, teamId);
    const actor = await getActor(tx, { teamId, userId: actorId });
    if (actor.role !== "owner") throw new AppError("FORBIDDEN", `Only an owner can transfer ownership of ${actor.teamName}.`);
    if (userId === actorId) throw new AppError("BAD_REQUEST", `You already own ${actor.teamName}; choose another member.`);
    const target = await findMember(tx, { teamId, userId });
    await tx.member.update({ where: { id: target.id }, data: { role: "owner" } });
    await tx.member.updateMany({ where: { teamId, userId: actorId }, data: { role: "admin" } });
    await recordAudit(tx, {
      teamId,
      actorId,
      action: "team.transfer_ownership",
      targetId: userId,
      metadata: { email: target.user.email, previousRole: target.role, previousOwnerId: actorId },
    });
  });
}
