import { copyFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { photograph, SHOTS, signUp } from "./people";

/**
 * The team's activity (issue 22, fleet views): every cycle and run of every agent in one list, searched
 * by agent, tool, outcome, error text and time, with latency and cost; the filters live in the URL.
 */
const unique = Date.now().toString(36);

test("the activity lists every cycle and run of the team, searchable, and opens a cycle on its agent's timeline", async ({ page }) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1366, height: 900 });
  await signUp(page, "Activity Owner", `activity-${unique}@example.test`);

  // An agent that walks the simulator's script: cycle 4's question is rejected, cycle 6 finishes.
  await page.goto("/agents/new");
  await page.getByLabel("Name", { exact: true }).fill("Scout");
  await page.getByLabel("Goal", { exact: true }).fill("Walk through the simulator's script.");
  await page.getByLabel("Money limit (USD)").fill("0.5");
  await page.getByLabel("Cooldown between cycles (s)").fill("0");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
  const agentPath = new URL(page.url()).pathname;
  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "waiting_approval", { timeout: 60_000 });
  await page.getByRole("link", { name: "Approvals" }).click();
  await page.getByRole("button", { name: /^Reject/ }).click();
  await expect(page.getByText("Nothing is waiting for you")).toBeVisible({ timeout: 15_000 });
  await page.goto(agentPath);
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "completed", { timeout: 60_000 });

  // The list, from the navigation: newest first, each cycle once, with its outcome, tool, latency and cost.
  await page.getByRole("link", { name: "Activity", exact: true }).click();
  await expect(page).toHaveURL(/\/activity$/);
  await expect(page).toHaveTitle(/Activity/);
  const rows = page.getByTestId("fleet-cycle");
  await expect(rows).toHaveCount(6);
  expect(await rows.evaluateAll((trs) => trs.map((tr) => `${tr.getAttribute("data-cycle")} ${tr.getAttribute("data-outcome")}`))).toEqual([
    "6 succeeded",
    "5 succeeded",
    "4 failed",
    "3 succeeded",
    "2 succeeded",
    "1 succeeded",
  ]);
  const fourth = page.locator('[data-testid="fleet-cycle"][data-cycle="4"]');
  await expect(fourth).toContainText("ask_human");
  await expect(fourth.getByTestId("fleet-cycle-error")).toHaveText("A person did not approve this action; it was not executed.");
  await expect(fourth).toContainText(/\$0\.\d+/);

  // Searching: tool, error text, outcome; each in the URL, so a reload keeps it and Back undoes it.
  await page.getByLabel("Tool", { exact: true }).fill("remember");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-cycle", "2");
  await expect(page).toHaveURL(/tool=remember/);
  await page.getByLabel("Tool", { exact: true }).fill("");
  await page.getByLabel("Error text", { exact: true }).fill("did not approve");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-cycle", "4");
  await page.getByLabel("Error text", { exact: true }).fill("");
  await expect(rows).toHaveCount(6);
  await page.getByLabel("Outcome").selectOption({ label: "Succeeded" });
  await expect(rows).toHaveCount(5);
  await page.reload();
  await expect(page.getByLabel("Outcome")).toHaveValue("succeeded");
  await expect(rows).toHaveCount(5);
  await page.goBack();
  await expect(rows).toHaveCount(6);
  await page.getByLabel("Agent", { exact: true }).fill("nobody by that name");
  await expect(page.getByTestId("activity-empty")).toHaveText("No cycles match these filters in the last 24 hours.");
  await page.getByRole("button", { name: "Clear filters" }).click();
  await expect(rows).toHaveCount(6);
  await expect(page.getByLabel("Agent", { exact: true })).toHaveValue("");

  // A cycle opens on its agent's timeline, unfolded.
  await page.locator('[data-testid="fleet-cycle"][data-cycle="4"]').getByRole("link").click();
  await expect(page.getByTestId("agent-name")).toHaveText("Scout");
  const opened = page.locator('[data-testid="cycle"][data-cycle="4"]');
  await expect(opened.locator("details")).toHaveAttribute("open", "");
  await expect(opened).toContainText("Result: rejected");
  await page.goBack();
  await expect(rows).toHaveCount(6);
  await photograph(page, "fleet-activity");

  // The runs: one, completed, with its six cycles and the failed one.
  await page.getByRole("tab", { name: "Runs" }).click();
  await expect(page).toHaveURL(/view=runs/);
  const run = page.getByTestId("fleet-run");
  await expect(run).toHaveCount(1);
  await expect(run).toHaveAttribute("data-status", "completed");
  await expect(run).toContainText("6 cycles, 1 failed");
  await expect(run).not.toContainText("still going");
  await page.getByLabel("Run status").selectOption({ label: "Failed" });
  await expect(page.getByTestId("activity-empty")).toHaveText("No runs match these filters in the last 24 hours.");
  await page.getByLabel("Run status").selectOption({ label: "All statuses" });
  await expect(run).toHaveCount(1);
  await photograph(page, "fleet-activity-runs");

  // The overview links to the failed cycles.
  await page.getByRole("link", { name: "Overview", exact: true }).click();
  await page.getByTestId("cycles-per-hour").getByRole("link", { name: "Failed cycles" }).click();
  await expect(page).toHaveURL(/\/activity\?outcome=failed$/);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-cycle", "4");

  await copyFile(`${SHOTS}/fleet-activity.png`, "docs/screenshots/fleet-activity.png");
  await copyFile(`${SHOTS}/fleet-activity-dark-phone.png`, "docs/screenshots/fleet-activity-phone-dark.png");
});
