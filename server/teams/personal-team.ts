import "server-only";
import { randomBytes } from "node:crypto";
import { db } from "../db/client";

export function slugify(name: string): string {
  const base = name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return base === "" ? "team" : base;
}

export function uniqueSlug(name: string): string {
  return `${slugify(name)}-${randomBytes(3).toString("hex")}`;
}

/**
 * Every user has at least one team: the personal team made at sign-up. Idempotent, and also called
 * when a session finds a user without any team (e.g. the team was deleted), so nobody is stranded.
 */
export async function ensurePersonalTeam({ userId, userName }: { userId: string; userName: string }): Promise<string> {
  const teamId = await db.$transaction(async (tx) => {
    const existing = await tx.member.findFirst({
      where: { userId },
      orderBy: { createdAt: "asc" },
      select: { teamId: true },
    });
    if (existing) return existing.teamId;
    const teamId = randomBytes(16).toString("hex");
    const firstName = userName.trim().split(/\s+/)[0] ?? "My";
    await tx.team.create({
      data: {
        id: teamId,
        name: `${firstName}'s team`,
        slug: uniqueSlug(firstName),
        metadata: JSON.stringify({ personal: true }),
        members: { create: { id: randomBytes(16).toString("hex"), userId, role: "owner" } },
      },
    });
    return teamId;
  });
  // better-auth creates the first session inside the sign-up transaction, before this runs
  // (after-hooks wait for the commit), so point sessions without a team at the new one.
  await db.session.updateMany({ where: { userId, activeTeamId: null }, data: { activeTeamId: teamId } });
  return teamId;
}

export async function findDefaultTeamId(userId: string): Promise<string | null> {
  const membership = await db.member.findFirst({
    where: { userId },
    orderBy: { createdAt: "asc" },
    select: { teamId: true },
  });
  return membership?.teamId ?? null;
}
