import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INVITE_ONLY_MESSAGE, getSignUpAvailability } from "~/server/auth/sign-up";
import { parseSignUpPolicy } from "~/server/auth/sign-up-policy";
import { startEmbeddedPostgres } from "~/server/db/embedded";
import { applyMigrations } from "~/server/db/migrate";
import { db } from "~/server/db/client";
import { env } from "~/server/env";
import { inviteMember } from "~/server/teams/invitations";
import { postJson, startAuthApp, type AuthApp } from "../factories/auth-app";
import { createTestTeam, TEST_PASSWORD } from "../factories/team";

// Security issue 17, hole 11: anyone who reached the sign-up page got an account and a team. These
// sign up over HTTP against better-auth as the app configures it (tests/fixtures/auth-app.ts), with
// LONGHAUL_SIGNUP as an operator would set it.

const ORIGIN = new URL(env.APP_URL).origin;

function address(label: string, domain = "example.test") {
  return `${label}-${randomBytes(4).toString("hex")}@${domain}`;
}

function signUp(app: AuthApp, from: string, body: { name: string; email: string; password?: string; invitationId?: string }) {
  return postJson(app.port, "/api/auth/sign-up/email", { password: TEST_PASSWORD, ...body }, { from, headers: { origin: ORIGIN } });
}

describe("a fresh instance with no LONGHAUL_SIGNUP (the embedded quick start)", () => {
  let database: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
  let client: pg.Client;
  let app: AuthApp;

  beforeAll(async () => {
    database = await startEmbeddedPostgres({ dataDir: null, port: 0 });
    await applyMigrations(database.url);
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
    app = await startAuthApp({ DATABASE_URL: database.url, LONGHAUL_SIGNUP: undefined });
  });
  afterAll(async () => {
    await app?.stop();
    await client?.end();
    await database?.stop();
  });

  const count = async (email: string) =>
    Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM "user" WHERE email = $1`, [email])).rows[0]!.n);

  it("lets the first person in as the owner of their team, then is invite-only", async () => {
    const first = address("first");
    const created = await signUp(app, "127.0.0.20", { name: "First Person", email: first });
    expect(created.status).toBe(200);
    const owner = await client.query<{ role: string }>(
      `SELECT m.role FROM member m JOIN "user" u ON u.id = m."userId" WHERE u.email = $1`,
      [first],
    );
    expect(owner.rows).toEqual([{ role: "owner" }]);

    const stranger = address("stranger");
    const refused = await signUp(app, "127.0.0.20", { name: "Stranger", email: stranger });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: "SIGN_UP_INVITE_ONLY", message: INVITE_ONLY_MESSAGE });
    expect(refused.setCookies).toEqual([]);
    expect(await count(stranger)).toBe(0);
  });

  it("lets an invited person in with the invitation link, and nobody else with it", async () => {
    const inviter = await client.query<{ userId: string; teamId: string }>(
      `SELECT "userId", "teamId" FROM member WHERE role = 'owner' LIMIT 1`,
    );
    const { userId, teamId } = inviter.rows[0]!;
    const invited = address("invited");
    const invitationId = randomBytes(32).toString("base64url");
    await client.query(
      `INSERT INTO invitation (id, "teamId", email, role, status, "expiresAt", "inviterId") VALUES ($1, $2, $3, 'member', 'pending', now() + interval '7 days', $4)`,
      [invitationId, teamId, invited, userId],
    );

    // Knowing an invited address is not enough: the link's id must come with the sign-up.
    const withoutLink = await signUp(app, "127.0.0.21", { name: "Guesser", email: invited });
    expect(withoutLink.body.code).toBe("SIGN_UP_INVITE_ONLY");
    const otherAddress = await signUp(app, "127.0.0.21", { name: "Forwarded", email: address("someone-else"), invitationId });
    expect(otherAddress.status).toBe(403);
    expect(otherAddress.body).toMatchObject({
      code: "SIGN_UP_WRONG_INVITED_EMAIL",
      message: expect.stringMatching(/^This invitation is for i…@example\.test/),
    });
    expect(await count(invited)).toBe(0);

    const accepted = await signUp(app, "127.0.0.21", { name: "Invited Person", email: invited.toUpperCase(), invitationId });
    expect(accepted.status).toBe(200);
    expect(await count(invited)).toBe(1);

    // A used, revoked or expired invitation opens nothing.
    const expiredId = randomBytes(32).toString("base64url");
    await client.query(
      `INSERT INTO invitation (id, "teamId", email, role, status, "expiresAt", "inviterId") VALUES ($1, $2, 'late@example.test', 'member', 'pending', now() - interval '1 minute', $3)`,
      [expiredId, teamId, userId],
    );
    const late = await signUp(app, "127.0.0.21", { name: "Late", email: "late@example.test", invitationId: expiredId });
    expect(late.body.code).toBe("SIGN_UP_INVITE_ONLY");
    await client.query(`UPDATE invitation SET status = 'canceled', "expiresAt" = now() + interval '1 day' WHERE id = $1`, [expiredId]);
    const revoked = await signUp(app, "127.0.0.21", { name: "Late", email: "late@example.test", invitationId: expiredId });
    expect(revoked.body.code).toBe("SIGN_UP_INVITE_ONLY");
  });
});

describe("LONGHAUL_SIGNUP as a list of e-mail domains", () => {
  let app: AuthApp;
  beforeAll(async () => {
    await createTestTeam(); // not the instance's first account
    app = await startAuthApp({ LONGHAUL_SIGNUP: "example.org, Example.NET" });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("takes addresses at those domains only", async () => {
    expect((await signUp(app, "127.0.0.22", { name: "Org", email: address("org", "example.org") })).status).toBe(200);
    expect((await signUp(app, "127.0.0.22", { name: "Net", email: address("net", "EXAMPLE.net") })).status).toBe(200);
    for (const email of [address("sub", "mail.example.org"), address("other", "example.com"), "trick@example.org.evil.test"]) {
      const refused = await signUp(app, "127.0.0.22", { name: "Outsider", email });
      expect(refused.status, email).toBe(403);
      expect(refused.body).toMatchObject({
        code: "SIGN_UP_DOMAIN_NOT_ALLOWED",
        message:
          "Accounts here are for addresses at example.org and example.net; for another address, ask a team admin for an invitation link.",
      });
      expect(await db.user.count({ where: { email: email.toLowerCase() } })).toBe(0);
    }
  });

  it("also takes an invited address from another domain, with its link", async () => {
    const admin = await createTestTeam();
    const guest = address("guest", "partner.test");
    const { invitation } = await inviteMember({ teamId: admin.team.id, actorId: admin.user.id, email: guest, role: "viewer" });
    const created = await signUp(app, "127.0.0.23", { name: "Guest", email: guest, invitationId: invitation.id });
    expect(created.status).toBe(200);
    expect(await db.user.count({ where: { email: guest } })).toBe(1);
  });
});

describe("what the sign-up page shows", () => {
  it("says up front when sign-up is closed, and opens for an invitation link", async () => {
    const admin = await createTestTeam();
    const inviteOnly = parseSignUpPolicy(undefined);
    expect(await getSignUpAvailability({ policy: inviteOnly })).toEqual({ isOpen: false, message: INVITE_ONLY_MESSAGE });
    expect(await getSignUpAvailability({ policy: inviteOnly, invitationId: "x".repeat(43) })).toEqual({
      isOpen: false,
      message: INVITE_ONLY_MESSAGE,
    });

    const { invitation } = await inviteMember({ teamId: admin.team.id, actorId: admin.user.id, email: "bea@example.test", role: "member" });
    expect(await getSignUpAvailability({ policy: inviteOnly, invitationId: invitation.id })).toEqual({
      isOpen: true,
      note: null,
      invitedEmailHint: "b…@example.test",
    });
    expect(await getSignUpAvailability({ policy: parseSignUpPolicy("open") })).toMatchObject({ isOpen: true, note: null });
    expect(await getSignUpAvailability({ policy: parseSignUpPolicy("example.org") })).toMatchObject({
      isOpen: true,
      note: expect.stringMatching(/^Accounts here are for addresses at example\.org\./),
    });
  });
});
