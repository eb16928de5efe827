import "server-only";
import { randomBytes } from "node:crypto";
import { db } from "../db/client";
import { AppError } from "../errors";
import type { TeamRoleName } from "../../shared/roles";
import { uniqueSlug } from "./personal-team";
import { recordAudit } from "../audit/record";

export type Membership = { teamId: string; teamName: string; role: TeamRoleName };

/** The caller's membership in one team, found by both ids in one query (null when not a member). */
export async function getMembership({ teamId, userId }: { teamId: string; userId: string }): Promise<Membership | null> {
  const member = await db.member.findFirst({
    where: { teamId, userId },
    select: { role: true, team: { select: { id: true, name: true } } },
  });
  return member ? { teamId: member.team.id, teamName: member.team.name, role: member.role } : null;
}

/**
 * The membership, only while the session that opened a long-lived request (a live stream) is still
 * signed in and unexpired: one query, so a removed member or a signed-out session loses it at once.
 */
export async function getMembershipOfSession({
  teamId,
  userId,
  sessionId,
}: {
  teamId: string;
  userId: string;
  sessionId: string;
}): Promise<Membership | null> {
  const member = await db.member.findFirst({
    where: { teamId, userId, user: { sessions: { some: { id: sessionId, expiresAt: { gt: new Date() } } } } },
    select: { role: true, team: { select: { id: true, name: true } } },
  });
  return member ? { teamId: member.team.id, teamName: member.team.name, role: member.role } : null;
}

export async function listTeamsForUser({ userId }: { userId: string }) {
  const members = await db.member.findMany({
    where: { userId },
    orderBy: { createdAt: "asc" },
    select: { role: true, team: { select: { id: true, name: true, slug: true, metadata: true } } },
  });
  return members.map((m) => ({
    id: m.team.id,
    name: m.team.name,
    slug: m.team.slug,
    role: m.role,
    isPersonal: m.team.metadata?.includes('"personal":true') ?? false,
  }));
}

export const TEAM_NAME_MAX = 60;

export function validateTeamName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length < 2)
    throw new AppError("BAD_REQUEST", "Team names need at least 2 characters.", {
      fieldErrors: { name: ["Team names need at least 2 characters."] },
    });
  if (trimmed.length > TEAM_NAME_MAX)
    throw new AppError("BAD_REQUEST", `Team names can be at most ${TEAM_NAME_MAX} characters.`, {
      fieldErrors: { name: [`At most ${TEAM_NAME_MAX} characters.`] },
    });
  return trimmed;
}

/** Creates a team with the user as owner and makes it the active team of the given session. */
export async function createTeam({ userId, name, sessionId }: { userId: string; name: string; sessionId: string | null }) {
  const teamName = validateTeamName(name);
  return db.$transaction(async (tx) => {
    const team = await tx.team.create({
      data: {
        id: randomBytes(16).toString("hex"),
        name: teamName,
        slug: uniqueSlug(teamName),
        members: { create: { id: randomBytes(16).toString("hex"), userId, role: "owner" } },
      },
      select: { id: true, name: true, slug: true },
    });
    if (sessionId) await tx.session.updateMany({ where: { id: sessionId, userId }, data: { activeTeamId: team.id } });
    await recordAudit(tx, { teamId: team.id, actorId: userId, action: "team.create", targetId: team.id });
    return team;
  });
}

/** Switches the session's active team; only to a team the user belongs to. */
export async function setActiveTeam({ userId, teamId, sessionId }: { userId: string; teamId: string; sessionId: string }) {
  const membership = await getMembership({ teamId, userId });
  if (!membership) throw new AppError("NOT_FOUND", "That team was not found, or you are not a member of it.");
  await db.session.updateMany({ where: { id: sessionId, userId }, data: { activeTeamId: teamId } });
  return membership;
}
