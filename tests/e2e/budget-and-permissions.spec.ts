import { copyFile } from "node:fs/promises";
import { expect, test, type Page } from "@playwright/test";
import { expectNoSeriousViolations } from "./axe";
import { inviteAndJoin, photograph, SHOTS, signUp } from "./people";

/**
 * Issue 22, defects 2-5 as a person meets them: a $0.001 budget reads "$0.001" (not "$0.00"); an
 * agent stopped by its budget says why with the amounts and shows no forecast; a raise with one field
 * that cannot apply keeps it (with why) and applies the other; a viewer sees the controls they may not
 * use disabled with the reason (on a phone, which has no hover, by tapping them), a member sees why
 * Raise budget is not theirs.
 */
const unique = Date.now().toString(36);
/** Playwright waits for an aria-disabled control to become enabled before acting; a finger does not. */
const TAP_DISABLED = { force: true } as const;

async function createAgent(page: Page, name: string, budgetUsd: string) {
  await page.goto("/agents/new");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Goal", { exact: true }).fill("Walk through the simulator's script and report progress.");
  await page.getByLabel("Money limit (USD)").fill(budgetUsd);
  await page.getByLabel("Cooldown between cycles (s)").fill("1");
  await page.getByRole("button", { name: "Create agent" }).click();
  // A new agent opens on its own page.
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
}

test("a $0.001 budget: amounts keep their digits, the stop says why, a raise keeps the field it could not apply", async ({ page }) => {
  test.setTimeout(150_000);
  await signUp(page, "Penny Pincher", `penny-${unique}@example.test`);
  await createAgent(page, "Penny", "0.001");
  await page.goto("/agents");
  await expect(page.getByTestId("agent-row").filter({ hasText: "Penny" })).toContainText("$0.00 / $0.001");

  await page.getByRole("link", { name: "Penny" }).click();
  await expect(page.getByTestId("agent-spend")).toHaveText("$0.00 / $0.001");
  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "budget_exhausted", { timeout: 90_000 });
  const reason = page.getByTestId("agent-status-reason");
  await expect(reason).toHaveText(
    /^The next model call could cost up to \$0\.000\d+; \$0\.000\d+ is left of the \$0\.001 limit, so it was not made\./,
  );
  // No amount rounded away to cents ("$0.00" followed by no further digit).
  await expect(reason).not.toHaveText(/\$0\.00(?!\d)/);
  // The cycle whose model call the budget refused says so, not "not finished".
  await expect(page.locator('[data-testid="cycle"]').first().getByTestId("cycle-result")).toHaveText("not run: budget limit");
  await expect(page.getByTestId("cycle-unfinished")).toHaveCount(0);

  await page.getByRole("tab", { name: "Budget" }).click();
  const forecast = page.getByTestId("budget-forecast");
  await expect(forecast).toHaveText(/^The next model call could cost up to/);
  await expect(forecast).not.toContainText("reached in");
  await expect(page.getByTestId("budget-panel")).toContainText("of $0.001 spent");

  // A token raise on an agent without a token limit is not applied, and says why; the money raise beside it is.
  await page.getByLabel("New money limit (USD)").fill("0.0005");
  await page.getByRole("button", { name: "Raise budget" }).click();
  await expect(page.locator('[data-field-error="raise-budgetUsd"]')).toHaveText("Enter more than the current $0.001.");
  await page.getByLabel("New money limit (USD)").fill("0.002");
  await page.getByLabel("New token limit").fill("5000");
  await page.getByRole("button", { name: "Raise budget" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Raised the money limit. Not applied: the token limit" })).toBeVisible();
  await expect(page.locator('[data-field-error="raise-budgetTokens"]')).toHaveText(
    "This agent has no token limit, so there is nothing to raise; leave this empty.",
  );
  await expect(page.getByLabel("New token limit")).toHaveValue("5000");
  await expect(page.getByLabel("New money limit (USD)")).toHaveValue("");
  await expect(page.getByTestId("agent-spend")).toContainText("/ $0.002");
  await photograph(page, "budget-small-raise");
});

test("a viewer sees what they may not do, disabled with the reason; a member sees why Raise budget is not theirs", async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(180_000);
  await signUp(page, "Olga Owner", `perm-owner-${unique}@example.test`);
  await createAgent(page, "Watched", "2");
  const viewer = await inviteAndJoin(page, browser, baseURL!, {
    role: "viewer",
    name: "Vera Viewer",
    email: `perm-viewer-${unique}@example.test`,
  });
  const member = await inviteAndJoin(page, browser, baseURL!, {
    role: "member",
    name: "Max Member",
    email: `perm-member-${unique}@example.test`,
  });

  // The agents list: New agent and Import are there, disabled, with why.
  await viewer.goto("/agents");
  const newAgent = viewer.getByRole("button", { name: "New agent" });
  await expect(newAgent).toBeDisabled();
  await expect(newAgent).toHaveAccessibleDescription("Viewers cannot create agents. Ask an admin for the member role.");
  await expect(viewer.getByRole("button", { name: "Import" })).toBeDisabled();
  await expect(viewer.getByRole("link", { name: "New agent" })).toHaveCount(0);

  // The agent page: Start, Edit and Stop disabled with the reason (hover: title; screen readers: description).
  await viewer.getByRole("link", { name: "Watched" }).click();
  await expect(viewer.getByTestId("agent-name")).toHaveText("Watched");
  const start = viewer.getByRole("button", { name: "Start" });
  await expect(start).toBeDisabled();
  await expect(start).toHaveAccessibleDescription("Viewers cannot start agents. Ask an admin for the member role.");
  await expect(viewer.locator("[data-permission-denied]").filter({ has: start })).toHaveAttribute(
    "title",
    "Viewers cannot start agents. Ask an admin for the member role.",
  );
  await expect(viewer.getByRole("button", { name: "Edit" })).toHaveAccessibleDescription(
    "Viewers cannot edit agents. Ask an admin for the member role.",
  );
  await expect(viewer.getByRole("button", { name: "Stop…" })).toBeDisabled();
  await photograph(viewer, "agent-page-viewer");

  // A phone has no hover: tapping a greyed-out control shows its reason under it, on screen; a tap elsewhere hides it.
  const phone = await browser.newContext({
    baseURL,
    storageState: await viewer.context().storageState(),
    viewport: { width: 390, height: 844 },
    hasTouch: true,
    isMobile: true,
    colorScheme: "dark",
  });
  const viewerPhone = await phone.newPage();
  await viewerPhone.goto(new URL(viewer.url()).pathname);
  await expect(viewerPhone.getByTestId("agent-name")).toHaveText("Watched");
  const reason = viewerPhone.getByTestId("permission-reason");
  await expect(reason).toHaveCount(0);
  await viewerPhone.getByRole("button", { name: "Start" }).tap(TAP_DISABLED);
  await expect(reason).toHaveText("Viewers cannot start agents. Ask an admin for the member role.");
  await expect(reason).toBeInViewport({ ratio: 1 });
  await expect(viewerPhone.getByTestId("agent-status")).toHaveAttribute("data-status", "idle");
  await expectNoSeriousViolations(viewerPhone, "agent page, a viewer's reason on a phone (390 dark)");
  await viewerPhone.screenshot({ path: `${SHOTS}/permission-reason-phone-dark.png` });
  await viewerPhone.getByTestId("agent-name").tap();
  await expect(reason).toHaveCount(0);
  // The last control of the row: its reason is moved in from the screen's edge, not cut off.
  await viewerPhone.getByRole("button", { name: "Stop…" }).tap(TAP_DISABLED);
  await expect(reason).toHaveText("Viewers cannot stop agents. Ask an admin for the member role.");
  await expect(reason).toBeInViewport({ ratio: 1 });
  await viewerPhone.screenshot({ path: `${SHOTS}/permission-reason-stop-phone-dark.png` });
  await viewerPhone.getByRole("button", { name: "Stop…" }).tap(TAP_DISABLED);
  await expect(reason).toHaveCount(0);
  // The agents list's New agent, in light mode.
  await viewerPhone.emulateMedia({ colorScheme: "light" });
  await viewerPhone.goto("/agents");
  await viewerPhone.getByRole("button", { name: "New agent" }).tap(TAP_DISABLED);
  await expect(reason).toHaveText("Viewers cannot create agents. Ask an admin for the member role.");
  await expect(reason).toBeInViewport({ ratio: 1 });
  await viewerPhone.screenshot({ path: `${SHOTS}/permission-reason-phone.png` });
  await phone.close();
  await copyFile(`${SHOTS}/permission-reason-phone-dark.png`, "docs/screenshots/permission-reason-phone-dark.png");
  await copyFile(`${SHOTS}/permission-reason-phone.png`, "docs/screenshots/permission-reason-phone.png");
  await viewer.getByRole("tab", { name: "Budget" }).click();
  await expect(viewer.getByTestId("permission-note").filter({ hasText: "raise budgets" })).toHaveText(
    "Viewers cannot raise budgets. Ask an admin for the admin role.",
  );
  await expect(viewer.getByRole("button", { name: "Raise budget" })).toHaveCount(0);
  await viewer.getByRole("tab", { name: "Share" }).click();
  await expect(viewer.getByTestId("permission-note").filter({ hasText: "share links" })).toBeVisible();

  // The edit page explains instead of showing a form.
  // The page's own path (its tab is in the query string).
  const agentPath = new URL(viewer.url()).pathname;
  await viewer.goto(`${agentPath}/edit`);
  await expect(viewer.getByTestId("agent-form-read-only")).toContainText("Viewers cannot edit agents. Ask an admin for the member role.");
  await expect(viewer.getByRole("button", { name: "Save changes" })).toHaveCount(0);
  await expect(viewer.getByLabel("Goal", { exact: true })).toHaveCount(0);

  // A member may start it, not raise its budget.
  await member.goto(agentPath);
  await expect(member.getByRole("button", { name: "Start" })).toBeEnabled();
  await member.getByRole("tab", { name: "Budget" }).click();
  await expect(member.getByTestId("permission-note").filter({ hasText: "raise budgets" })).toHaveText(
    "Members cannot raise budgets. Ask an admin for the admin role.",
  );
  await member.getByRole("button", { name: "Start" }).click();

  // The simulator's fourth cycle asks a question: the viewer follows it in the inbox but cannot answer.
  await viewer.goto("/approvals");
  const card = viewer.getByTestId("approval-item").first();
  await expect(card).toBeVisible({ timeout: 90_000 });
  // The inbox lists every team of the person's: the card says they are a viewer in its team, and why its buttons are off.
  await expect(card.getByTestId("approval-viewer-note")).toBeVisible();
  const answer = card.getByRole("button", { name: /^(Send answer|Approve)/ });
  await expect(answer).toBeDisabled();
  await expect(answer).toHaveAccessibleDescription(
    /^You are a viewer in .+: you can follow this approval, but deciding it needs the member role or higher there\.$/,
  );
  await photograph(viewer, "approvals-viewer");

  await copyFile(`${SHOTS}/agent-page-viewer.png`, "docs/screenshots/agent-page-viewer.png");
  await viewer.context().close();
  await member.context().close();
});
