import { expect, test, type Page } from "@playwright/test";

const SHOTS = "tests/e2e/screenshots";
const unique = Date.now().toString(36);
const email = `e2e-${unique}@example.test`;
const password = "long-enough-password-7";

async function signUp(page: Page, name: string, address: string, pass: string) {
  await page.goto("/sign-up");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Email").fill(address);
  await page.getByLabel("Password").fill(pass);
  await page.getByRole("button", { name: "Create account" }).click();
}

test.describe.configure({ mode: "serial" });

test("an anonymous visitor is sent to sign-in", async ({ page }) => {
  await page.goto("/agents");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fagents$/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
});

test("sign-up explains a weak password, then creates the account and an empty agents list", async ({ page }) => {
  await signUp(page, "Erin Example", email, "short");
  await expect(page.locator('[data-field-error="password"]')).toHaveText("Use at least 10 characters (this one has 5).");
  await page.screenshot({ path: `${SHOTS}/sign-up-errors.png`, fullPage: true });

  await page.getByLabel("Password").fill(password);
  await page.screenshot({ path: `${SHOTS}/sign-up.png`, fullPage: true });
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/agents$/);
  await expect(page.getByTestId("agents-empty")).toContainText("No agents yet");
  await expect(page.getByTestId("team-switcher")).toContainText("Erin's team (owner)");
  await page.screenshot({ path: `${SHOTS}/agents-empty.png`, fullPage: true });
});

test("a duplicate email gets a clear message", async ({ page }) => {
  await signUp(page, "Someone Else", email, password);
  await expect(page.locator('[data-field-error="email"]')).toHaveText(
    "An account with this email already exists. Sign in instead, or use another email.",
  );
});

test("sign in, create a team, create an agent with bad then good input, see it listed", async ({ page }) => {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("wrong-password-1");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "match" })).toHaveText("That email and password do not match an account.");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/agents$/);

  // A new team becomes the active one.
  await page.getByTestId("team-switcher").selectOption({ label: "+ Create a team…" });
  await expect(page).toHaveURL(/\/teams\/new$/);
  await page.getByLabel("Team name").fill("Growth Research");
  await page.getByRole("button", { name: "Create team" }).click();
  await expect(page).toHaveURL(/\/agents$/);
  await expect(page.getByTestId("team-switcher").locator("option:checked")).toHaveText("Growth Research (owner)");

  // Every bad field shows its own message, and nothing is saved.
  await page.getByRole("link", { name: "New agent" }).click();
  await page.getByLabel("Goal", { exact: true }).fill("short");
  await page.getByLabel("Money limit (USD)").fill("-5");
  await page.getByLabel("Cooldown between cycles (s)").fill("-3");
  await page.getByLabel("Ask me at (% of budget)").fill("120");
  await page.getByLabel("Token limit").fill("1.5");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page.locator('[data-field-error="agent-name"]')).toHaveText("Give the agent a name.");
  await expect(page.locator('[data-field-error="agent-goal"]')).toHaveText("Describe the goal in at least 10 characters.");
  await expect(page.locator('[data-field-error="agent-budgetUsd"]')).toHaveText("The budget must be more than $0.");
  await expect(page.locator('[data-field-error="agent-cooldownSeconds"]')).toHaveText("The cooldown can't be negative.");
  await expect(page.locator('[data-field-error="agent-softLimitPercent"]')).toHaveText("The soft limit must be at most 100 percent.");
  await expect(page.locator('[data-field-error="agent-budgetTokens"]')).toHaveText("Enter a whole number of tokens.");
  await page.screenshot({ path: `${SHOTS}/agent-form-errors.png`, fullPage: true });

  await page.getByLabel("Name", { exact: true }).fill("Competitor watcher");
  await page.getByLabel("Goal", { exact: true }).fill("Check three competitor pricing pages daily and report changes.");
  await page.getByLabel("Money limit (USD)").fill("7.50");
  await page.getByLabel("Cooldown between cycles (s)").fill("300");
  await page.getByLabel("Ask me at (% of budget)").fill("75");
  await page.getByLabel("Token limit").fill("");
  await page.screenshot({ path: `${SHOTS}/agent-form.png`, fullPage: true });
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
  // Created: the new agent's page; the list shows it too.
  await page.goto("/agents");
  const row = page.getByTestId("agent-row").filter({ hasText: "Competitor watcher" });
  await expect(row).toContainText("Idle");
  await expect(row).toContainText("$0.00 / $7.50");
  await page.screenshot({ path: `${SHOTS}/agents-list.png`, fullPage: true });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(row).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/agents-list-dark-phone.png`, fullPage: true });
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 1280, height: 720 });

  // The same name again is refused by the server, next to the field.
  await page.getByRole("link", { name: "New agent" }).click();
  await page.getByLabel("Name", { exact: true }).fill("Competitor watcher");
  await page.getByLabel("Goal", { exact: true }).fill("A second agent with the same name as the first.");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page.locator('[data-field-error="agent-name"]')).toHaveText(
    'An agent named "Competitor watcher" already exists in this team. Choose another name.',
  );

  // Switching back to the personal team shows its own (empty) list.
  await page.goto("/agents");
  await page.getByTestId("team-switcher").selectOption({ label: "Erin's team (owner)" });
  await expect(page.getByTestId("agents-empty")).toBeVisible();
});
