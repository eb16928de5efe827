/**
 * `npm run db:seed`: a demo account with a team and a few idle agents, for trying the dashboard.
 * Safe to run twice (it reuses the account and skips agents that exist).
 *
 *   Email:    demo@longhaul.local
 *   Password: try-longhaul-2026
 */
import { prepareDatabase } from "./lib/database";

const DEMO_EMAIL = "demo@longhaul.local";
const DEMO_PASSWORD = "try-longhaul-2026";

const { stop } = await prepareDatabase({ log: console.log });
try {
  const { auth } = await import("../server/auth/auth");
  const { db } = await import("../server/db/client");
  const { closeDatabasePool } = await import("../server/db/raw");
  const { createAgent } = await import("../server/agents/agents");
  const { ensurePersonalTeam } = await import("../server/teams/personal-team");

  const existing = await db.user.findUnique({ where: { email: DEMO_EMAIL }, select: { id: true, name: true } });
  // Through sign-up, so the sign-up policy applies (docs/decisions/020): on a fresh instance this is its
  // first account; on one that has accounts, LONGHAUL_SIGNUP decides (the demo password is published).
  const user =
    existing ??
    (await auth.api
      .signUpEmail({ body: { name: "Demo User", email: DEMO_EMAIL, password: DEMO_PASSWORD } })
      .then((result) => ({ id: result.user.id, name: result.user.name }))
      .catch((error: unknown) => {
        if (!((error as { body?: { code?: string } }).body?.code ?? "").startsWith("SIGN_UP_")) throw error;
        console.error(
          `The demo account was not created: ${(error as Error).message}\n` +
            "To add it anyway (its password is published): LONGHAUL_SIGNUP=open npm run db:seed",
        );
        process.exitCode = 1;
        return null;
      }));
  if (user) {
    const teamId = await ensurePersonalTeam({ userId: user.id, userName: user.name });
    const samples = [
      {
        name: "Competitor pricing watcher",
        goal: "Check three competitor pricing pages daily and report any change with a diff.",
        budgetUsd: 5,
      },
      {
        name: "Inbox triage",
        goal: "Label incoming support e-mails by urgency and draft replies for the urgent ones.",
        budgetUsd: 12.5,
        budgetCycles: 2000,
      },
      {
        name: "Dependency upgrader",
        goal: "Keep the service's npm dependencies current, one pull request per upgrade.",
        budgetUsd: 20,
        cooldownSeconds: 3600,
      },
    ];
    for (const sample of samples) {
      const exists = await db.agent.findFirst({ where: { teamId, name: sample.name }, select: { id: true } });
      if (exists) continue;
      await createAgent({ teamId, userId: user.id, input: { model: "simulator-1", ...sample } });
    }
    console.log(`Seeded. Sign in as ${DEMO_EMAIL} / ${DEMO_PASSWORD}.`);
  }
  await db.$disconnect();
  await closeDatabasePool();
} finally {
  await stop();
}
