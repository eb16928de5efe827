import { expect, test, type Browser, type Page } from "@playwright/test";

/**
 * Guarded fields and live access, as people meet them: a member who tries to raise an agent's budget
 * in the edit form is told at the field that it needs an admin, and nothing changes; a viewer watching
 * an agent's live timeline who is removed from the team sees the live updates stop, with the reason.
 */
const SHOTS = "tests/e2e/screenshots";
const unique = Date.now().toString(36);
const PASSWORD = "long-enough-password-7";

async function signUp(page: Page, name: string, email: string) {
  await page.goto("/sign-up");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/agents$/);
}

/** The owner invites `email` with `role`; that person signs up from the link in a browser of their own and accepts. */
async function invite(page: Page, browser: Browser, baseURL: string, role: "member" | "viewer", name: string) {
  const email = `${role}-${unique}@example.test`;
  await page.goto("/team");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Role", { exact: true }).selectOption(role);
  await page.getByRole("button", { name: "Create invitation link" }).click();
  const link = await page.getByTestId("invite-link").inputValue();
  const context = await browser.newContext({ baseURL });
  const guest = await context.newPage();
  await guest.goto(link);
  await guest.getByRole("link", { name: "Create an account" }).click();
  await guest.getByLabel("Name", { exact: true }).fill(name);
  await guest.getByLabel("Email").fill(email);
  await guest.getByLabel("Password").fill(PASSWORD);
  await guest.getByRole("button", { name: "Create account" }).click();
  await expect(guest).toHaveURL(/\/invite\//);
  await guest.getByRole("button", { name: /^Accept/ }).click();
  await expect(guest).toHaveURL(/\/agents$/);
  return guest;
}

test("a member cannot raise a budget from the edit form; a removed viewer's live timeline stops and says why", async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(180_000);
  await signUp(page, "Owner Tester", `owner-${unique}@example.test`);
  await page.getByRole("link", { name: "New agent" }).click();
  await page.getByLabel("Name", { exact: true }).fill("Budgeted");
  await page.getByLabel("Goal", { exact: true }).fill("Watch a page and report changes within a small budget.");
  await page.getByLabel("Money limit (USD)").fill("0.5");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents$/);
  await page.getByRole("link", { name: "Budgeted", exact: true }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
  const agentUrl = page.url();

  // A member: the edit form, a higher budget, the field says why not.
  const member = await invite(page, browser, baseURL!, "member", "Mia Member");
  await member.goto(`${agentUrl}/edit`);
  await member.getByLabel("Money limit (USD)").fill("50");
  await member.getByRole("button", { name: "Save changes" }).click();
  await expect(member.locator('[data-field-error="agent-budgetUsd"]')).toContainText(
    "Raising the money limit needs an admin (you are a member).",
  );
  await member.screenshot({ path: `${SHOTS}/edit-member-raise-refused.png`, fullPage: true, animations: "disabled" });
  await member.goto(agentUrl);
  await expect(member.getByText("$0.50", { exact: false }).first()).toBeVisible();

  // A viewer watching the live timeline, then removed by the owner.
  const viewer = await invite(page, browser, baseURL!, "viewer", "Vic Viewer");
  await viewer.goto(agentUrl);
  await expect(viewer.getByTestId("live-status")).toHaveText("Live");
  await page.goto("/team");
  const row = page.getByTestId("member").filter({ hasText: "Vic Viewer" });
  await row.getByRole("button", { name: "Remove Vic Viewer" }).click();
  await row.getByRole("button", { name: "Yes, remove" }).click();
  await expect(viewer.getByTestId("live-status")).toContainText("Live updates stopped: You no longer have access", { timeout: 15_000 });
  await viewer.screenshot({ path: `${SHOTS}/live-stream-access-lost.png`, fullPage: true, animations: "disabled" });
});
