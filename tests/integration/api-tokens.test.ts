import { describe, expect, it } from "vitest";
import { authenticateApiToken } from "~/server/api-tokens/tokens";
import { db } from "~/server/db/client";
import { env } from "~/server/env";
import { addTestMember, createTestTeam } from "../factories/team";

/**
 * Team API tokens: shown once, stored hashed, acting with a role no higher than their creator's (now
 * as well as when made), revoked by their creator or an admin, audited.
 */
describe("API tokens", () => {
  it("are shown once, stored as a hash, and authenticate as their team and role", async () => {
    const owner = await createTestTeam();
    const { token, apiToken } = await owner.caller.apiToken.create({ name: "CI", role: "member", expiresInDays: 30 });
    expect(token).toMatch(/^lh_[A-Za-z0-9_-]{43}$/);
    expect(apiToken).toMatchObject({ name: "CI", role: "member", status: "active", prefix: token.slice(0, 9) });
    const row = await db.apiToken.findUniqueOrThrow({ where: { id: apiToken.id } });
    expect(JSON.stringify(row)).not.toContain(token.slice(3));
    expect(JSON.stringify(await owner.caller.apiToken.list())).not.toContain(token.slice(3));

    expect(await authenticateApiToken(token)).toEqual({
      tokenId: apiToken.id,
      teamId: owner.team.id,
      teamName: expect.any(String),
      userId: owner.user.id,
      role: "member",
      user: { id: owner.user.id, name: owner.user.name, email: owner.user.email },
    });
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: apiToken.id } })).lastUsedAt).not.toBeNull();
    for (const wrong of [token.slice(0, -1) + (token.endsWith("A") ? "B" : "A"), token.slice(3), "", null, 42, `${token} `])
      expect(await authenticateApiToken(wrong)).toBeNull();
    expect(await db.auditLog.count({ where: { teamId: owner.team.id, action: "token.create", targetId: apiToken.id } })).toBe(1);
  });

  it("never act above their creator: not when made, not after a demotion, not after the creator leaves", async () => {
    const owner = await createTestTeam();
    const admin = await addTestMember(owner.team.id, "admin");
    await expect(admin.caller.apiToken.create({ name: "too high", role: "owner" })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "A token cannot act with more than your own role (admin).",
    });
    const { token } = await admin.caller.apiToken.create({ name: "deploys", role: "admin" });
    expect((await authenticateApiToken(token))?.role).toBe("admin");
    await db.member.updateMany({ where: { teamId: owner.team.id, userId: admin.user.id }, data: { role: "viewer" } });
    expect((await authenticateApiToken(token))?.role).toBe("viewer");
    await db.member.deleteMany({ where: { teamId: owner.team.id, userId: admin.user.id } });
    expect(await authenticateApiToken(token)).toBeNull();
  });

  it("are revoked by their creator or an admin, and stop working; expired ones too", async () => {
    const owner = await createTestTeam();
    const member = await addTestMember(owner.team.id, "member");
    const other = await addTestMember(owner.team.id, "member");
    const mine = await member.caller.apiToken.create({ name: "mine", role: "viewer" });
    await expect(other.caller.apiToken.revoke({ id: mine.apiToken.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await member.caller.apiToken.revoke({ id: mine.apiToken.id });
    expect(await authenticateApiToken(mine.token)).toBeNull();
    expect((await owner.caller.apiToken.list()).find((t) => t.id === mine.apiToken.id)?.status).toBe("revoked");
    const theirs = await other.caller.apiToken.create({ name: "theirs", role: "member" });
    await owner.caller.apiToken.revoke({ id: theirs.apiToken.id });
    expect(await authenticateApiToken(theirs.token)).toBeNull();
    expect(await db.auditLog.count({ where: { teamId: owner.team.id, action: "token.revoke" } })).toBe(2);

    const expiring = await owner.caller.apiToken.create({ name: "short", role: "viewer", expiresInDays: 1 });
    expect(await authenticateApiToken(expiring.token, new Date(Date.now() + 2 * 24 * 3600 * 1000))).toBeNull();
    await expect(owner.caller.apiToken.create({ name: "", role: "viewer", expiresInDays: 0 })).rejects.toThrow(
      /Name the token|At least 1 day/,
    );
    const viewer = await addTestMember(owner.team.id, "viewer");
    await expect(viewer.caller.apiToken.create({ name: "v", role: "viewer" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const stranger = await createTestTeam();
    await expect(stranger.caller.apiToken.revoke({ id: expiring.apiToken.id })).rejects.toThrow("That token was not found");
  });

  it("are listed with whether the caller may revoke each; a new one comes with the public API's address from APP_URL", async () => {
    const owner = await createTestTeam();
    const member = await addTestMember(owner.team.id, "member");
    const created = await member.caller.apiToken.create({ name: "member's", role: "member" });
    expect(created.apiUrl).toBe(new URL("/api/v1/", env.APP_URL).toString());
    await owner.caller.apiToken.create({ name: "owner's", role: "owner" });
    const mayRevoke = async (caller: typeof owner.caller) =>
      Object.fromEntries((await caller.apiToken.list()).map((t) => [t.name, t.mayRevoke]));
    expect(await mayRevoke(member.caller)).toEqual({ "owner's": false, "member's": true });
    expect(await mayRevoke(owner.caller)).toEqual({ "owner's": true, "member's": true });
    const other = await addTestMember(owner.team.id, "member");
    expect(await mayRevoke(other.caller)).toEqual({ "owner's": false, "member's": false });
  });
});
