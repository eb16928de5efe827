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
import { checkPasswordStrength, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "./password-policy";

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
  // Origin checks on every cookie-carrying POST, in tests too (better-auth skips them under
  // NODE_ENV=test by default; tests/integration/cross-origin.test.ts proves they hold).
  advanced: { disableOriginCheck: false },
  database: prismaAdapter(db, { provider: "postgresql" }),
  emailAndPassword: {
    enabled: true,
    minPasswordLength: MIN_PASSWORD_LENGTH,
    maxPasswordLength: MAX_PASSWORD_LENGTH,
    autoSignIn: true,
  },
  rateLimit: {
    // On everywhere but `npm run dev` (tests included: tests/integration/cross-origin.test.ts).
    enabled: env.NODE_ENV !== "development",
    window: 60,
    max: 100,
    customRules: { "/sign-in/email": { window: 60, max: 10 }, "/sign-up/email": { window: 60, max: 10 } },
  },
  session: { expiresIn: 60 * 60 * 24 * 30, updateAge: 60 * 60 * 24 },
  hooks: {
    before: createAuthMiddleware(async (ctx) => {
      if (ctx.path !== "/sign-up/email") return;
      const body = (ctx.body ?? {}) as { password?: unknown; email?: unknown; name?: unknown };
      if (typeof body.name !== "string" || body.name.trim() === "") {
        throw new APIError("BAD_REQUEST", { message: "Enter your name.", code: "NAME_REQUIRED" });
      }
      if (typeof body.password === "string") {
        const problem = checkPasswordStrength(body.password, typeof body.email === "string" ? body.email : undefined);
        if (problem) throw new APIError("BAD_REQUEST", { message: problem, code: "WEAK_PASSWORD" });
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
  disabledPaths: Object.values(teamsPlugin.endpoints)
    .map((endpoint) => (endpoint as { path?: string }).path)
    .filter((path): path is string => typeof path === "string"),
  plugins: [teamsPlugin, nextCookies()],
});

export type Auth = typeof auth;
