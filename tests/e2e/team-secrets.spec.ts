import { copyFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { inviteAndJoin, photograph, SHOTS, signUp } from "./people";

/**
 * Issue 20, point 5: Team → Secrets. An admin adds a secret (a bad name is refused at its field first),
 * sees it as "set, ends in …" and never again in full, rotates it; a viewer sees the name and no
 * controls; the agent form offers the HTTP request tool with its own allow-list.
 */
const unique = Date.now().toString(36);
const VALUE = "ghp_e2e-secret-value-Z9y8";
const ROTATED = "ghp_e2e-rotated-value-Q7w6";

test("an admin adds and rotates a secret, seen only by its last four characters; a viewer reads names only", async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1366, height: 900 });
  await signUp(page, "Oona Owner", `secrets-owner-${unique}@example.test`);
  const admin = await inviteAndJoin(page, browser, baseURL!, {
    role: "admin",
    name: "Ada Admin",
    email: `secrets-admin-${unique}@example.test`,
  });

  await admin.getByRole("link", { name: "Team", exact: true }).click();
  await admin.getByRole("navigation", { name: "Team settings" }).getByRole("link", { name: "Secrets" }).click();
  await expect(admin).toHaveURL(/\/team\/secrets$/);
  await expect(admin.getByTestId("secrets-empty")).toBeVisible();

  await admin.getByRole("button", { name: "Add secret" }).click();
  const form = admin.getByRole("form", { name: "Add a secret" });
  await form.getByLabel("Name").fill("github token");
  await form.getByLabel("Value").fill(VALUE);
  await form.getByRole("button", { name: "Add secret" }).click();
  await expect(form.locator('[data-field-error="secret-name"]')).toHaveText(
    "Use capital letters, digits and underscores, starting with a letter (e.g. GITHUB_TOKEN).",
  );
  await form.getByLabel("Name").fill("GITHUB_TOKEN");
  await form.getByRole("button", { name: "Add secret" }).click();
  const row = admin.locator('[data-testid="secret"][data-name="GITHUB_TOKEN"]');
  await expect(row.getByTestId("secret-state")).toHaveText("set, ends in Z9y8");
  await expect(row).toContainText("Use as {{secret:GITHUB_TOKEN}} · added by Ada Admin");

  // Rotating: the new value's last four, and never a value in the page.
  await row.getByRole("button", { name: "Rotate… GITHUB_TOKEN" }).click();
  await row.getByLabel("New value of GITHUB_TOKEN").fill(ROTATED);
  await row.getByRole("button", { name: "Save new value" }).click();
  await expect(row.getByTestId("secret-state")).toHaveText("set, ends in Q7w6");
  await admin.reload();
  await expect(row.getByTestId("secret-state")).toHaveText("set, ends in Q7w6");
  const html = await admin.content();
  expect(html).not.toContain(VALUE.slice(0, -4));
  expect(html).not.toContain(ROTATED.slice(0, -4));
  await photograph(admin, "team-secrets");
  await copyFile(`${SHOTS}/team-secrets.png`, "docs/screenshots/team-secrets.png");

  // Deleting asks first.
  await admin.getByRole("button", { name: "Add secret" }).click();
  await form.getByLabel("Name").fill("OLD_KEY");
  await form.getByLabel("Value").fill("old-key-value-1234");
  await form.getByRole("button", { name: "Add secret" }).click();
  const old = admin.locator('[data-testid="secret"][data-name="OLD_KEY"]');
  await old.getByRole("button", { name: "Delete… OLD_KEY" }).click();
  await expect(old.getByRole("group", { name: "Confirm deleting OLD_KEY" })).toContainText("there is no team secret named OLD_KEY");
  await old.getByRole("button", { name: "Delete secret" }).click();
  await expect(old).toHaveCount(0);
  await admin.context().close();

  // A viewer: the names, a sentence why, and no controls.
  const viewer = await inviteAndJoin(page, browser, baseURL!, {
    role: "viewer",
    name: "Val Viewer",
    email: `secrets-viewer-${unique}@example.test`,
  });
  await viewer.goto("/team/secrets");
  await expect(viewer.getByTestId("secrets-read-only")).toContainText("You are a viewer here");
  await expect(viewer.locator('[data-testid="secret"][data-name="GITHUB_TOKEN"]').getByTestId("secret-state")).toHaveText(
    "set, ends in Q7w6",
  );
  await expect(viewer.getByRole("button", { name: "Add secret" })).toHaveCount(0);
  await expect(viewer.getByRole("button", { name: /^Rotate/ })).toHaveCount(0);
  await expect(viewer.getByRole("button", { name: /^Delete/ })).toHaveCount(0);
  await photograph(viewer, "team-secrets-viewer");
  await viewer.context().close();

  // The agent form: HTTP request is off by default, asks every time, and has its own allow-list.
  await page.goto("/agents/new");
  const tool = page.getByRole("checkbox", { name: /^HTTP request/ });
  await expect(tool).not.toBeChecked();
  await expect(page.getByLabel("Approval for HTTP request")).toHaveValue("always");
  await tool.check();
  await expect(page.getByLabel("Hosts it may send requests to")).toBeVisible();
  await expect(page.getByLabel("Hosts it may fetch from")).toHaveCount(0);
});
