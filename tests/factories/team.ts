import { randomBytes } from "node:crypto";
import { auth } from "~/server/auth/auth";
import { createTRPCContext } from "~/server/api/trpc";
import { createCaller } from "~/server/api/root";
import { db } from "~/server/db/client";
import type { TeamRoleName } from "~/shared/roles";

export const TEST_PASSWORD = "correct-horse-42";

/**
 * Signs a user up through better-auth (the real path: hooks create the personal team) and returns
 * the user, their team, the session cookie and a tRPC caller built from that cookie.
 */
export async function createTestUser({ name = "Test User", email }: { name?: string; email?: string } = {}) {
  const address = email ?? `user-${randomBytes(6).toString("hex")}@example.test`;
  const { headers, response } = await auth.api.signUpEmail({
    body: { name, email: address, password: TEST_PASSWORD },
    returnHeaders: true,
  });
  const cookie = headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const requestHeaders = new Headers({ cookie });
  const membership = await db.member.findFirstOrThrow({ where: { userId: response.user.id }, select: { teamId: true } });
  return {
    user: response.user,
    teamId: membership.teamId,
    headers: requestHeaders,
    caller: createCaller(await createTRPCContext({ headers: requestHeaders })),
    /** A fresh caller, e.g. after the active team changed. */
    newCaller: async () => createCaller(await createTRPCContext({ headers: requestHeaders })),
  };
}

export async function createTestTeam() {
  const owner = await createTestUser({ name: "Olivia Owner" });
  return { ...owner, team: { id: owner.teamId } };
}

/** Adds a new user to `teamId` with `role` and makes that team their active one. */
export async function addTestMember(teamId: string, role: TeamRoleName) {
  const member = await createTestUser({ name: `${role} user` });
  await db.member.create({ data: { id: randomBytes(16).toString("hex"), teamId, userId: member.user.id, role } });
  await db.session.updateMany({ where: { userId: member.user.id }, data: { activeTeamId: teamId } });
  return { ...member, caller: await member.newCaller() };
}

export function anonymousCaller() {
  return createTRPCContext({ headers: new Headers() }).then((ctx) => createCaller(ctx));
}
