import { copyFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import pg from "pg";
import { inviteAndJoin, photograph, SHOTS, signUp } from "./people";

/**
 * Issue 21: Team → Notifications. An admin adds a rule (a rule without channels is refused at its field
 * first), sees it listed; a viewer sees it with no controls and sets their own e-mail notifications,
 * told that the team has no e-mail channel yet. Channels are written straight into the database here:
 * their own pages are built elsewhere.
 */
const unique = Date.now().toString(36);

/** The ids of the teams `email` belongs to, by team name. */
async function teamsOf(email: string) {
  const database = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await database.connect();
  try {
    const found = await database.query<{ id: string; name: string }>(
      `SELECT t.id, t.name FROM team t JOIN member m ON m."teamId" = t.id JOIN "user" u ON u.id = m."userId" WHERE u.email = $1`,
      [email],
    );
    return new Map(found.rows.map((r) => [r.name, r.id]));
  } finally {
    await database.end();
  }
}

async function addChannels(email: string) {
  const database = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await database.connect();
  try {
    await database.query(
      `INSERT INTO channel (id, "teamId", name, kind, "secretsCiphertext", "updatedAt")
       SELECT gen_random_uuid(), m."teamId", c.name, c.kind::"ChannelKind", 'x', now()
         FROM member m JOIN "user" u ON u.id = m."userId",
              (VALUES ('#ops-alerts', 'slack'), ('Incident webhook', 'webhook')) AS c(name, kind)
        WHERE u.email = $1`,
      [email],
    );
  } finally {
    await database.end();
  }
}

test("an admin adds a notification rule; a viewer reads it and sets their own e-mail rule", async ({ page, browser, baseURL }) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1366, height: 900 });
  const ownerEmail = `notif-owner-${unique}@example.test`;
  await signUp(page, "Nora Owner", ownerEmail);
  await addChannels(ownerEmail);
  const admin = await inviteAndJoin(page, browser, baseURL!, {
    role: "admin",
    name: "Ada Admin",
    email: `notif-admin-${unique}@example.test`,
  });

  await admin.getByRole("link", { name: "Team", exact: true }).click();
  await admin.getByRole("navigation", { name: "Team settings" }).getByRole("link", { name: "Notifications" }).click();
  await expect(admin).toHaveURL(/\/team\/notifications$/);
  await expect(admin.getByTestId("rules-empty")).toBeVisible();

  await admin.getByRole("button", { name: "Add rule" }).click();
  const form = admin.getByRole("form", { name: "Add a rule" });
  await form.getByLabel("Name").fill("Approvals to Slack");
  await form.getByRole("button", { name: "Add rule" }).click();
  await expect(form.locator('[data-field-error="new-rule-channels"]')).toHaveText("Pick at least one channel.");
  await form.getByLabel("#ops-alerts").check();
  await form.getByLabel("Stuck").check();
  await form.getByLabel("Minimum interval (seconds)").fill("300");
  await form.getByRole("button", { name: "Add rule" }).click();
  const row = admin.locator('[data-testid="notification-rule"][data-name="Approvals to Slack"]');
  await expect(row).toContainText("Approval requested, Question asked, Stuck → #ops-alerts");
  await expect(row).toContainText("at most one message per 5 min, the rest in a digest");
  await photograph(admin, "notification-rules");
  await copyFile(`${SHOTS}/notification-rules.png`, "docs/screenshots/notification-rules.png");
  await admin.context().close();

  const viewer = await inviteAndJoin(page, browser, baseURL!, {
    role: "viewer",
    name: "Val Viewer",
    email: `notif-viewer-${unique}@example.test`,
  });
  await viewer.goto("/team/notifications");
  await expect(viewer.getByTestId("rules-read-only")).toContainText("You are a viewer here");
  const seen = viewer.locator('[data-testid="notification-rule"][data-name="Approvals to Slack"]');
  await expect(seen).toContainText("#ops-alerts");
  await expect(seen.getByRole("button")).toHaveCount(0);
  await expect(viewer.getByRole("button", { name: "Add rule" })).toHaveCount(0);

  const mine = viewer.getByRole("form", { name: "My e-mail notifications" });
  await expect(mine.getByTestId("no-email-channel")).toContainText("no e-mail channel");
  await mine.getByLabel("Failed").check();
  await mine.getByLabel("Minimum interval (seconds)").fill("-5");
  await mine.getByRole("button", { name: "Save my e-mail notifications" }).click();
  await expect(mine.locator('[data-field-error="my-interval"]')).toHaveText("The interval cannot be negative.");
  await mine.getByLabel("Minimum interval (seconds)").fill("0");
  await mine.getByRole("button", { name: "Save my e-mail notifications" }).click();
  await viewer.reload();
  await expect(viewer.getByRole("form", { name: "My e-mail notifications" }).getByLabel("Failed")).toBeChecked();

  // A message's deep link opens the page in the team it is about, whichever team is active.
  const teams = await teamsOf(`notif-viewer-${unique}@example.test`);
  const own = [...teams.entries()].find(([name]) => name !== "Nora's team")![1];
  await viewer.goto(`/go/${own}/agents`);
  await expect(viewer).toHaveURL(/\/agents$/);
  await expect(viewer.getByTestId("team-switcher")).toHaveValue(own);
  await viewer.goto(`/go/${teams.get("Nora's team")}/team/notifications`);
  await expect(viewer).toHaveURL(/\/team\/notifications$/);
  await expect(viewer.getByTestId("rules-read-only")).toBeVisible();
  await expect(viewer.getByTestId("team-switcher")).toHaveValue(teams.get("Nora's team")!);
  // Someone else's team, and a path to another site: refused, no redirect.
  const stranger = await viewer.goto("/go/not-a-team-of-yours/agents");
  expect(stranger?.status()).toBe(404);
  await expect(viewer.getByRole("heading", { name: "Not a team of yours" })).toBeVisible();
  // Next.js folds "//" in a path before the route sees it: whatever answers, it is this host.
  await viewer.goto(`/go/${teams.get("Nora's team")}//evil.example/x`);
  expect(new URL(viewer.url()).host).toBe(new URL(baseURL!).host);
  // A path the route itself refuses (a backslash reads as a slash in browsers): 400, no redirect.
  const elsewhere = await viewer.goto(`/go/${teams.get("Nora's team")}/%5C%5Cevil.example/x`);
  expect(elsewhere?.status()).toBe(400);
  expect(new URL(viewer.url()).host).toBe(new URL(baseURL!).host);
  await viewer.context().close();
});
