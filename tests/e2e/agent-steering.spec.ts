import { expect, test, type Page } from "@playwright/test";
import { keepOnlyTools } from "./people";

/**
 * Steering agents on the simulator model with the bundled executor: templates and the edit form
 * (every bad input explained), forking from a checkpoint, approving one held action and rejecting
 * another, and a soft budget limit that holds the agent until a person raises the budget.
 */
const SHOTS = "tests/e2e/screenshots";
const unique = Date.now().toString(36);

async function signUp(page: Page, who: string) {
  await page.goto("/sign-up");
  await page.getByLabel("Name", { exact: true }).fill(`${who} Tester`);
  await page.getByLabel("Email").fill(`${who.toLowerCase()}-${unique}@example.test`);
  await page.getByLabel("Password").fill("long-enough-password-7");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/agents$/);
}

/** The simulator walks its script through the enabled tools; these are the ones left on. */

async function openAgent(page: Page, name: string) {
  await page.goto("/agents");
  await page.getByRole("link", { name, exact: true }).click();
  await expect(page.getByTestId("agent-name")).toHaveText(name);
}

const cycleRow = (page: Page, cycle: number) => page.locator(`[data-testid="cycle"][data-cycle="${cycle}"]`);

test("a template fills the form, the edit form explains every bad input, and a fork starts from a checkpoint", async ({ page }) => {
  test.setTimeout(150_000);
  await signUp(page, "Forker");

  await page.getByRole("link", { name: "New agent" }).click();
  await page.getByLabel("Start from a template").selectOption({ label: "Try it: simulator tour" });
  await expect(page.getByLabel("Goal", { exact: true })).toHaveValue(/Show how a long-running agent works/);
  await expect(page.getByLabel("Cooldown between cycles (s)")).toHaveValue("0");
  await page.getByLabel("Name", { exact: true }).fill("Forkable");
  // Three quiet tools, straight on, and a cycle limit that ends the run by itself.
  await keepOnlyTools(page, ["Search memory", "Remember", "Update world state"]);
  await page.getByLabel("Cycle limit").fill("12");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);

  await openAgent(page, "Forkable");
  await page.getByRole("link", { name: "Edit" }).click();
  await expect(page).toHaveURL(/\/edit$/);
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue("Forkable");

  // Checked in the browser: each message next to its field, nothing saved.
  await page.locator("summary", { hasText: "Memory and recall" }).click();
  await page.getByLabel("Similarity weight").fill("-1");
  await page.getByLabel("Memories kept").fill("5");
  await page.getByLabel("Schedule (cron)").fill("every day");
  await page.getByLabel("Schedule time zone").fill("Mars/Olympus");
  await page.getByLabel("Cycle limit").fill("0");
  await page.getByLabel("Temperature").fill("3");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.locator('[data-field-error="agent-memory-similarity"]')).toHaveText("The similarity weight can't be negative.");
  await expect(page.locator('[data-field-error="agent-memory-cap"]')).toHaveText("Keep at least 100 memories.");
  await expect(page.locator('[data-field-error="agent-scheduleCron"]')).toHaveText(
    "Write 5 fields: minute hour day-of-month month day-of-week, e.g. 0 9 * * 1-5.",
  );
  await expect(page.locator('[data-field-error="agent-scheduleTimezone"]')).toHaveText(
    "That time zone is not known. Use a name like UTC, Europe/Berlin or America/New_York.",
  );
  await expect(page.locator('[data-field-error="agent-budgetCycles"]')).toHaveText("The cycles limit must be at least 1.");
  await expect(page.locator('[data-field-error="agent-temperature"]')).toHaveText("Temperature must be between 0 and 2.");
  await page.screenshot({ path: `${SHOTS}/agent-edit-errors.png`, fullPage: true });

  // Checked by the server: a cron expression of the right shape that cannot fire.
  await page.getByLabel("Similarity weight").fill("1");
  await page.getByLabel("Memories kept").fill("5000");
  await page.getByLabel("Schedule time zone").fill("Europe/Berlin");
  await page.getByLabel("Cycle limit").fill("12");
  await page.getByLabel("Temperature").fill("0.2");
  await page.getByLabel("Schedule (cron)").fill("61 * * * *");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.locator('[data-field-error="agent-scheduleCron"]')).toContainText("That schedule is not a valid cron expression");

  await page.getByLabel("Schedule (cron)").fill("0 9 * * 1-5");
  await page.getByLabel("Goal", { exact: true }).fill("Keep notes, remember facts and search them, twelve cycles long.");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Saved 3 settings; they apply from the next cycle.")).toBeVisible();
  await expect(page.getByTestId("agent-name")).toHaveText("Forkable");
  await expect(page.getByText("Keep notes, remember facts and search them, twelve cycles long.")).toBeVisible();

  // Run to the cycle limit (the agent completes there); a checkpoint is written at cycle 10.
  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "completed", { timeout: 60_000 });
  await expect(page.getByTestId("agent-cycles")).toHaveText("12");
  await page.getByRole("tab", { name: "State" }).click();
  const checkpoint = page.getByTestId("checkpoint").filter({ hasText: "Cycle 10" });
  await checkpoint.getByRole("button", { name: "Fork from cycle 10…" }).click();
  await checkpoint.getByLabel("Name of the new agent").fill("Forkable");
  await checkpoint.getByRole("button", { name: "Create fork" }).click();
  await expect(checkpoint.locator('[data-field-error="fork-name-10"]')).toHaveText(
    'An agent named "Forkable" already exists in this team. Choose another name.',
  );
  await page.screenshot({ path: `${SHOTS}/agent-fork.png`, fullPage: true });
  await checkpoint.getByLabel("Name of the new agent").fill("Forked at ten");
  await checkpoint.getByRole("button", { name: "Create fork" }).click();

  // The fork: idle, at cycle 10, with the state as of that checkpoint; it continues from there.
  await expect(page.getByTestId("agent-name")).toHaveText("Forked at ten");
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "idle");
  await expect(page.getByTestId("agent-cycles")).toHaveText("10");
  await page.getByRole("tab", { name: "State" }).click();
  // The simulator last updated its world state in cycle 9 (the source has since moved on to cycle 12).
  await expect(page.getByTestId("world-state")).toContainText('"lastCycle": 9');
  await page.getByRole("tab", { name: "Memory" }).click();
  await expect(page.getByTestId("facts")).toContainText("Working on:");
  await page.getByRole("tab", { name: "Timeline" }).click();
  await page.getByRole("button", { name: "Start" }).click();
  await expect(cycleRow(page, 11)).toBeVisible({ timeout: 45_000 });
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "completed", { timeout: 45_000 });
  await expect(page.getByTestId("agent-cycles")).toHaveText("12");

  // Export the source's full history and import it back as a read-only archive.
  await openAgent(page, "Forkable");
  const downloading = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^Forkable-\d{4}-\d{2}-\d{2}\.jsonl$/);
  const file = await download.path();
  await page.goto("/agents");
  await page.getByRole("link", { name: "Import" }).click();
  await page
    .getByLabel("Export file")
    .setInputFiles({ name: "broken.jsonl", mimeType: "application/x-ndjson", buffer: Buffer.from("{oops\n") });
  await page.getByRole("button", { name: "Import" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Line 1" })).toHaveText("Line 1: not valid JSON. Nothing was imported.");
  await page.getByLabel("Export file").setInputFiles(file);
  await page.getByRole("button", { name: "Import" }).click();
  await expect(page.getByTestId("agent-name")).toHaveText("Forkable (imported)");
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "archived");
  await expect(page.getByTestId("agent-cycles")).toHaveText("12");
  await expect(cycleRow(page, 12)).toBeVisible();
  await expect(page.getByRole("button", { name: /Start|Resume/ })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Edit" })).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/agent-imported.png`, fullPage: true });
  await openAgent(page, "Forked at ten");

  // Phone width, dark: the agent page and its edit form stay usable.
  await page.emulateMedia({ colorScheme: "dark" });
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(page.getByTestId("agent-status")).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/agent-page-dark-phone.png`, fullPage: true });
  await page.getByRole("link", { name: "Edit" }).click();
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue("Forked at ten");
  await page.screenshot({ path: `${SHOTS}/agent-edit-dark-phone.png`, fullPage: true });
});

test("approve one held action, reject another, and raise the budget at its soft limit", async ({ page }) => {
  test.setTimeout(150_000);
  await signUp(page, "Approver");

  // Every message needs a person; no finish, so the agent keeps going until its cycle limit.
  await page.getByRole("link", { name: "New agent" }).click();
  await page.getByLabel("Name", { exact: true }).fill("Messenger");
  await page.getByLabel("Goal", { exact: true }).fill("Report progress to the team, but only with a person's approval.");
  await page.getByLabel("Cooldown between cycles (s)").fill("0");
  await page.getByLabel("Cycle limit").fill("10");
  // The simulator's script over these tools is 5 steps long (world state twice): it sends in cycles 4 and 9.
  await keepOnlyTools(page, ["Search memory", "Remember", "Update world state", "Send message"]);
  await page.getByLabel("Approval for Send message").selectOption({ label: "Ask every time" });
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
  await openAgent(page, "Messenger");
  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "waiting_approval", { timeout: 45_000 });

  // Cycle 4's message: approved in the inbox, with a comment.
  await page.getByRole("link", { name: "Approvals" }).click();
  await expect(page.getByText("Progress at cycle 4").first()).toBeVisible();
  await page.getByLabel("Comment (optional)").fill("Fine to send.");
  await page.getByRole("button", { name: "Approve send_message for Messenger" }).click();
  await expect(page.getByText("Nothing is waiting for you")).toBeVisible({ timeout: 15_000 });

  // Cycle 9's message: rejected. A reload loses nothing while it waits.
  await expect(page.getByText("Progress at cycle 9").first()).toBeVisible({ timeout: 45_000 });
  await page.reload();
  await expect(page.getByText("Progress at cycle 9").first()).toBeVisible();
  await page.emulateMedia({ colorScheme: "dark" });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${SHOTS}/approvals-inbox-dark-phone.png`, fullPage: true });
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.getByLabel("Comment (optional)").fill("Too chatty, skip this one.");
  await page.getByRole("button", { name: "Reject send_message for Messenger" }).click();
  await expect(page.getByText("Nothing is waiting for you")).toBeVisible({ timeout: 15_000 });

  await openAgent(page, "Messenger");
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "completed", { timeout: 45_000 });
  const fourth = cycleRow(page, 4);
  await fourth.locator("summary").click();
  await expect(fourth).toContainText("Result: succeeded");
  const ninth = cycleRow(page, 9);
  await ninth.locator("summary").click();
  await expect(ninth).toContainText("Result: rejected");
  await expect(ninth).toContainText("Too chatty, skip this one.");
  // Its cycle limit ended it after cycle 10: the end is cycle 10's, and no row shows a cycle 11 that never ran.
  const tenth = cycleRow(page, 10);
  await tenth.locator("summary").click();
  await expect(tenth).toContainText("The cycle limit of 10 is reached.");
  await expect(cycleRow(page, 11)).toHaveCount(0);
  await expect(page.getByTestId("cycle-unfinished")).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/agent-approved-and-rejected.png`, fullPage: true });

  // A token budget with a low soft limit: the agent holds and asks; raising the budget lets it go on.
  await page.goto("/agents");
  await page.getByRole("link", { name: "New agent" }).click();
  await page.getByLabel("Name", { exact: true }).fill("Thrifty");
  await page.getByLabel("Goal", { exact: true }).fill("Keep notes until the token budget needs a person's decision.");
  await page.getByLabel("Cooldown between cycles (s)").fill("0");
  await page.getByLabel("Token limit").fill("20000");
  await page.getByLabel("Ask me at (% of budget)").fill("5");
  await keepOnlyTools(page, ["Search memory", "Remember", "Update world state"]);
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
  await openAgent(page, "Thrifty");
  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "waiting_approval", { timeout: 45_000 });
  await expect(page.getByTestId("agent-status-reason")).toContainText("past the 5% soft limit. Raise the budget to continue, or stop it.");
  const heldAt = Number(await page.getByTestId("agent-cycles").textContent());
  await page.getByRole("tab", { name: "Budget" }).click();
  await page.screenshot({ path: `${SHOTS}/agent-soft-limit.png`, fullPage: true });
  await page.getByLabel("New token limit").fill("1000000");
  await page.getByRole("button", { name: "Raise budget" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Raised the token limit." })).toBeVisible();
  await expect(page.getByTestId("agent-status-reason")).toHaveCount(0, { timeout: 15_000 });
  await expect
    .poll(async () => Number(await page.getByTestId("agent-cycles").textContent()), { timeout: 45_000 })
    .toBeGreaterThan(heldAt + 1);
  await page.getByRole("button", { name: "Pause" }).click();
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "paused", { timeout: 15_000 });
});
