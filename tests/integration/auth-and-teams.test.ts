import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { auth } from "~/server/auth/auth";
import { db } from "~/server/db/client";
import { env } from "~/server/env";
import { agentInput } from "../factories/agent";
import { createTestUser, TEST_PASSWORD } from "../factories/team";

function email() {
  return `person-${randomBytes(5).toString("hex")}@example.test`;
}

async function signUpError(body: { name: string; email: string; password: string }) {
  try {
    await auth.api.signUpEmail({ body });
    return null;
  } catch (error) {
    return error as { status: string; body?: { code?: string; message?: string } };
  }
}

describe("sign-up", () => {
  it("creates the user, a personal team they own, and a session on that team", async () => {
    const { user, teamId, caller } = await createTestUser({ name: "Ada Lovelace" });
    const team = await db.team.findUniqueOrThrow({ where: { id: teamId }, include: { members: true } });
    expect(team.name).toBe("Ada's team");
    expect(team.members).toEqual([expect.objectContaining({ userId: user.id, role: "owner" })]);
    const mine = await caller.team.mine();
    expect(mine.activeTeamId).toBe(teamId);
    expect(mine.teams).toEqual([expect.objectContaining({ id: teamId, role: "owner", isPersonal: true })]);
  });

  it("rejects a weak password with a message that says what to change, and saves nothing", async () => {
    const address = email();
    const error = await signUpError({ name: "Weak", email: address, password: "short1" });
    expect(error?.body?.message).toMatch(/at least 10 characters/);
    // Security issue 17, hole 10: these two passed the old rules (10 characters, letters and a digit).
    const common = await signUpError({ name: "Weak", email: address, password: "password12" });
    expect(common?.body?.code).toBe("WEAK_PASSWORD");
    expect(common?.body?.message).toBe(
      "This password is too easy to guess: this is a commonly used password. Add more words that are less common.",
    );
    const repeated = await signUpError({ name: "Weak", email: address, password: "aaaaaaaaa1" });
    expect(repeated?.body?.code).toBe("WEAK_PASSWORD");
    expect(repeated?.body?.message).toMatch(/^This password is too easy to guess: repeated characters like "aaa" are easy to guess\./);
    // Your own name is one of the first guesses.
    const personal = await signUpError({ name: "Margaret Hamilton", email: `margaret.hamilton.${address}`, password: "hamilton-2026" });
    expect(personal?.body?.message).toMatch(/it contains your name or e-mail address/);
    expect(await db.user.count({ where: { email: address } })).toBe(0);
  });

  it("applies the same rule where a password changes", async () => {
    const person = await createTestUser();
    await expect(
      auth.api.changePassword({ body: { currentPassword: TEST_PASSWORD, newPassword: "password12" }, headers: person.headers }),
    ).rejects.toMatchObject({ body: { code: "WEAK_PASSWORD" } });
    await expect(
      auth.api.changePassword({
        body: { currentPassword: TEST_PASSWORD, newPassword: "a-much-better-phrase-17" },
        headers: person.headers,
      }),
    ).resolves.toBeTruthy();
  });

  it("has no password reset until there is mail to send its link", async () => {
    for (const path of ["/request-password-reset", "/reset-password"]) {
      const response = await auth.handler(
        new Request(`${env.APP_URL}/api/auth${path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: "someone@example.test", token: "x", newPassword: "a-much-better-phrase-17" }),
        }),
      );
      expect(response.status, path).toBe(404);
    }
  });

  it("rejects a duplicate email and keeps the first account untouched", async () => {
    const address = email();
    await createTestUser({ email: address, name: "First" });
    const error = await signUpError({ name: "Second", email: address, password: TEST_PASSWORD });
    expect(error?.body?.code).toMatch(/USER_ALREADY_EXISTS/);
    const users = await db.user.findMany({ where: { email: address } });
    expect(users.map((u) => u.name)).toEqual(["First"]);
    expect(await db.member.count({ where: { userId: users[0]!.id } })).toBe(1);
  });

  it("signs in with the right password only", async () => {
    const address = email();
    await createTestUser({ email: address });
    await expect(auth.api.signInEmail({ body: { email: address, password: TEST_PASSWORD } })).resolves.toMatchObject({
      user: { email: address },
    });
    await expect(auth.api.signInEmail({ body: { email: address, password: "wrong-password-1" } })).rejects.toMatchObject({
      status: "UNAUTHORIZED",
    });
  });
});

describe("teams", () => {
  it("creates a team, makes it active, and switches back", async () => {
    const person = await createTestUser();
    const created = await person.caller.team.create({ name: "  Research Ops  " });
    expect(created.name).toBe("Research Ops");
    const caller = await person.newCaller();
    const mine = await caller.team.mine();
    expect(mine.activeTeamId).toBe(created.id);
    expect(mine.teams.map((t) => t.name).sort()).toEqual(["Research Ops", "Test's team"]);

    // Agents are per team: one made in the new team does not appear in the personal team.
    await caller.agent.create(agentInput({ name: "Ops agent" }));
    await caller.team.setActive({ teamId: person.teamId });
    const back = await person.newCaller();
    expect((await back.team.current()).id).toBe(person.teamId);
    expect((await back.agent.list({})).items).toEqual([]);
  });

  it("refuses to switch to a team the user does not belong to", async () => {
    const a = await createTestUser();
    const b = await createTestUser();
    await expect(a.caller.team.setActive({ teamId: b.teamId })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await (await a.newCaller()).team.current()).id).toBe(a.teamId);
  });

  it("validates team names", async () => {
    const person = await createTestUser();
    await expect(person.caller.team.create({ name: " x " })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "Team names need at least 2 characters.",
    });
  });
});
