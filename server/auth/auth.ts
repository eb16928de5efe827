import "server-only";
import { betterAuth } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { nextCookies } from "better-auth/next-js";
import { organization } from "better-auth/plugins";
import { createAccessControl } from "better-auth/plugins/access";
import { adminAc, defaultStatements, memberAc, ownerAc } from "better-auth/plugins/organization/access";
import { db } from "../db/client";
import { env } from "../env";
import { ensurePersonalTeam } from "../teams/personal-team";
import { checkPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "../../shared/password-policy";
import { decideSignUp } from "./sign-up";

// better-auth's organization plugin manages teams, members and invitations. We call its
// "organization" a team everywhere (model, columns, UI): see docs/decisions/010-roles-and-invitations.md.
const accessControl = createAccessControl(defaultStatements);
const viewerAc = accessControl.newRole({ organization: [], member: [], invitation: [] });

const teamsPlugin = organization({
  ac: accessControl,
  roles: { owner: ownerAc, admin: adminAc, member: memberAc, viewer: viewerAc },
  creatorRole: "owner",
  schema: {
    organization: { modelName: "team" },
    member: { fields: { organizationId: "teamId" } },
    invitation: { fields: { organizationId: "teamId" } },
    session: { fields: { activeOrganizationId: "activeTeamId" } },
  },
});

export const auth = betterAuth({
  appName: "Longhaul",
  baseURL: env.APP_URL,
  secret: env.BETTER_AUTH_SECRET,
  trustedOrigins: [env.APP_URL],
  advanced: {
    // Origin checks on every cookie-carrying POST, in tests too (better-auth skips them under
    // NODE_ENV=test by default; tests/integration/request-security.test.ts proves they hold).
    disableOriginCheck: false,
    // The client's address, for the rate limit: the app's HTTP front (server/http/app-server.ts) replaces
    // X-Forwarded-For with the one address it trusts (the socket's peer, or what TRUSTED_PROXIES
    // forwarded), so whatever a client writes there never reaches this point.
    ipAddress: { ipAddressHeaders: ["x-forwarded-for"] },
  },
  database: prismaAdapter(db, { provider: "postgresql" }),
  emailAndPassword: {
    enabled: true,
    minPasswordLength: MIN_PASSWORD_LENGTH,
    maxPasswordLength: MAX_PASSWORD_LENGTH,
    autoSignIn: true,
  },
  rateLimit: {
    // On everywhere but `npm run dev` (tests included: tests/integration/request-security.test.ts).
    enabled: env.NODE_ENV !== "development",
    // Counted in the database (the rate_limit table), so every app process sees the same counts.
    storage: "database",
    window: 60,
    max: 100,
    customRules: {
      "/sign-in/email": { window: 60, max: env.AUTH_RATE_LIMIT_PER_MINUTE },
      "/sign-up/email": { window: 60, max: env.AUTH_RATE_LIMIT_PER_MINUTE },
    },
  },
  session: { expiresIn: 60 * 60 * 24 * 30, updateAge: 60 * 60 * 24 },
  hooks: {
    before: createAuthMiddleware(async (ctx) => {
      if (ctx.path === "/sign-up/email") {
        const body = (ctx.body ?? {}) as { password?: unknown; email?: unknown; name?: unknown; invitationId?: unknown };
        if (typeof body.name !== "string" || body.name.trim() === "") {
          throw new APIError("BAD_REQUEST", { message: "Enter your name.", code: "NAME_REQUIRED" });
        }
        const email = typeof body.email === "string" ? body.email : "";
        const invitationId = typeof body.invitationId === "string" ? body.invitationId : null;
        const decision = await decideSignUp({ email, invitationId, policy: env.LONGHAUL_SIGNUP });
        if (!decision.isAllowed) throw new APIError("FORBIDDEN", { message: decision.message, code: decision.code });
        if (typeof body.password === "string") await refuseWeakPassword(body.password, { email, name: body.name });
      } else if (ctx.path === "/change-password" || ctx.path === "/reset-password") {
        // Every other place a password is set: the same rule (the new password's owner is not in the body).
        const body = (ctx.body ?? {}) as { newPassword?: unknown };
        if (typeof body.newPassword === "string") await refuseWeakPassword(body.newPassword, {});
      }
    }),
  },
  databaseHooks: {
    user: {
      create: {
        // After-hooks run once sign-up's transaction has committed. Nothing in a hook may query
        // through `db` while better-auth's transaction is open: the embedded database serialises
        // transactions, so that query would wait forever.
        after: async (user) => {
          await ensurePersonalTeam({ userId: user.id, userName: user.name });
        },
      },
    },
  },
  // Teams, members and invitations change only through our functions (server/teams/*), which hold
  // the rules and write the audit log; the plugin's HTTP endpoints would bypass both, so they answer
  // 404 (docs/decisions/010-roles-and-invitations.md). The plugin still supplies the schema.
  // Password reset needs mail, which Longhaul does not send yet: without it the endpoints could only
  // fail, after the password check above had spent its time (docs/decisions/020).
  disabledPaths: [
    ...Object.values(teamsPlugin.endpoints)
      .map((endpoint) => (endpoint as { path?: string }).path)
      .filter((path): path is string => typeof path === "string"),
    "/request-password-reset",
    "/reset-password",
  ],
  plugins: [teamsPlugin, nextCookies()],
});

export type Auth = typeof auth;

async function refuseWeakPassword(password: string, person: { email?: string; name?: string }): Promise<void> {
  const { problem } = await checkPassword(password, person);
  if (problem) throw new APIError("BAD_REQUEST", { message: problem, code: "WEAK_PASSWORD" });
}
