import { expect, test } from "@playwright/test";

/**
 * The agent page on the simulator model, with the bundled executor running the loop: start an agent,
 * watch its cycles arrive live (no reload), open one, pause and resume it.
 */
const SHOTS = "tests/e2e/screenshots";
const unique = Date.now().toString(36);

test("start an agent, see its cycles arrive live, inspect one, pause and resume", async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto("/sign-up");
  await page.getByLabel("Name", { exact: true }).fill("Agent Page Tester");
  await page.getByLabel("Email").fill(`agent-page-${unique}@example.test`);
  await page.getByLabel("Password").fill("long-enough-password-7");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/agents$/);

  await page.getByRole("link", { name: "New agent" }).click();
  await page.getByLabel("Name", { exact: true }).fill("Live watcher");
  await page.getByLabel("Goal", { exact: true }).fill("Walk through the simulator's script and report progress.");
  await page.getByLabel("Money limit (USD)").fill("2");
  await page.getByLabel("Cooldown between cycles (s)").fill("1");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);

  await expect(page.getByTestId("agent-name")).toHaveText("Live watcher");
  await expect(page.getByTestId("timeline-empty")).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/agent-page-idle.png`, fullPage: true });

  await page.getByRole("button", { name: "Start" }).click();
  // Cycles 1-3 run on their own (world state, remember, search memory); cycle 4 asks a person and waits.
  // They arrive over the live subscription: the page is never reloaded.
  for (const cycle of [1, 2, 3]) {
    await expect(page.locator(`[data-testid="cycle"][data-cycle="${cycle}"]`)).toBeVisible({ timeout: 45_000 });
  }
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "waiting_approval", { timeout: 30_000 });
  await expect(page.getByTestId("live-status")).toHaveText("Live");

  const second = page.locator('[data-testid="cycle"][data-cycle="2"]');
  await second.locator("summary").click();
  await expect(second).toContainText("Thought");
  await expect(second).toContainText("Simulated step 2: remember.");
  await expect(second).toContainText("Tool call");
  await expect(second).toContainText("Result: succeeded");
  await expect(second).toContainText("Recalled memories");
  await page.screenshot({ path: `${SHOTS}/agent-page-live.png`, fullPage: true });

  await page.getByRole("button", { name: "Pause" }).click();
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "paused", { timeout: 15_000 });
  await expect(page.getByRole("status").filter({ hasText: "Paused at the next safe point." })).toBeVisible();
  await page.getByRole("button", { name: "Resume" }).click();
  // Resumed from its checkpoint: still waiting for the same approval, no cycle repeated.
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "waiting_approval", { timeout: 30_000 });
  await expect(page.locator('[data-testid="cycle"][data-cycle="2"]')).toHaveCount(1);
  await expect(page.getByTestId("agent-cycles")).toHaveText("3");
  await page.screenshot({ path: `${SHOTS}/agent-page-resumed.png`, fullPage: true });

  // The question waits in the team's approvals inbox; answering it lets the agent finish its script.
  await page.getByRole("link", { name: "Approvals" }).click();
  await expect(page).toHaveURL(/\/approvals$/);
  await expect(page.getByText("Should I keep going? (simulated question)").first()).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/approvals-inbox.png`, fullPage: true });
  await page.getByLabel("Answer", { exact: true }).fill("Yes, go on.");
  await page.getByRole("button", { name: /Send answer/ }).click();
  await expect(page.getByRole("status").filter({ hasText: /answer/i })).toBeVisible();
  await expect(page.getByText("Nothing is waiting for you")).toBeVisible({ timeout: 15_000 });

  await page.getByRole("link", { name: "Agents" }).click();
  await page.getByRole("link", { name: "Live watcher" }).click();
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "completed", { timeout: 45_000 });
  const fourth = page.locator('[data-testid="cycle"][data-cycle="4"]');
  await fourth.locator("summary").click();
  await expect(fourth).toContainText("Yes, go on.");
  await page.screenshot({ path: `${SHOTS}/agent-page-completed.png`, fullPage: true });

  // Memory: the episodes of its cycles and the fact it remembered; pin one, a bad edit is explained, forget one.
  await page.getByRole("tab", { name: "Memory" }).click();
  await expect(page.getByTestId("memory").first()).toBeVisible();
  await expect(page.getByTestId("facts")).toContainText("Working on:");
  await page.getByLabel("Search memories").fill("update_world_state");
  await expect(page.getByTestId("memory")).toHaveCount(2);
  const episode = page.getByTestId("memory").first();
  await episode.getByRole("button", { name: "Pin" }).click();
  await expect(episode.getByRole("status")).toHaveText("Pinned: shown to the agent every cycle, never pruned.");
  await expect(episode).toContainText("Pinned");
  const other = page.getByTestId("memory").nth(1);
  await other.getByRole("button", { name: "Edit" }).click();
  await other.getByLabel("Memory text").fill("   ");
  await other.getByRole("button", { name: "Save" }).click();
  await expect(other).toContainText("A memory can't be empty; forget it instead.");
  await other.getByRole("button", { name: "Cancel" }).click();
  await other.getByRole("button", { name: "Forget…" }).click();
  await other.getByRole("button", { name: "Forget for good" }).click();
  await expect(page.getByTestId("memory")).toHaveCount(1);
  await page.screenshot({ path: `${SHOTS}/agent-memory.png`, fullPage: true });

  // State: the world state now.
  await page.getByRole("tab", { name: "State" }).click();
  await expect(page.getByTestId("world-state")).toContainText('"phase": "wrapping-up"');

  // Budget: raising needs a new limit above the current one; the message lands beside the field.
  await page.getByRole("tab", { name: "Budget" }).click();
  await page.getByRole("button", { name: "Raise budget" }).click();
  await expect(page.locator('[data-field-error="raise-budgetUsd"]')).toHaveText("Enter at least one new limit.");
  await page.getByLabel("New money limit (USD)").fill("1");
  await page.getByRole("button", { name: "Raise budget" }).click();
  await expect(page.locator('[data-field-error="raise-budgetUsd"]')).toHaveText("Enter more than the current $2.00.");
  await page.getByLabel("New money limit (USD)").fill("3");
  await page.getByRole("button", { name: "Raise budget" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Raised the money limit." })).toBeVisible();
  await expect(page.getByText("$3.00").first()).toBeVisible();
  await expect(page.getByText(/By kind|by kind/).first()).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/agent-budget.png`, fullPage: true });

  // Runs: the executor's runs of this agent (the first, ended by the pause, and the resumed one).
  await page.getByRole("tab", { name: "Runs" }).click();
  await expect(page.getByRole("tabpanel")).toContainText(/completed|Completed/);
  // The server's state and steps came through Inngest's REST API from the bundled executor.
  await expect(page.getByTestId("run-row").first()).toContainText(/\d+ steps?/);
  await expect(page.getByTestId("run-server-silent")).toHaveCount(0);
  await expect(page.getByTestId("run-steps-elsewhere")).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/agent-runs.png`, fullPage: true });
});

test("an unknown or foreign agent id shows a clear message", async ({ page }) => {
  await page.goto("/sign-up");
  await page.getByLabel("Name", { exact: true }).fill("Curious Visitor");
  await page.getByLabel("Email").fill(`curious-${unique}@example.test`);
  await page.getByLabel("Password").fill("long-enough-password-7");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/agents$/);
  await page.goto("/agents/00000000-0000-4000-8000-000000000000");
  // The app's 404 page, which does not tell whether the agent exists in a team the reader is not in.
  await expect(page.getByTestId("not-found")).toContainText("This page was not found");
});
