import { copyFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { photograph, SHOTS, signUp } from "./people";

/**
 * The team overview (issue 22, fleet views): an agent waiting for a person is listed first under
 * "Needs attention", with its cycles in the last 24 hours and its spend beside the team's others.
 */
const unique = Date.now().toString(36);

test("the overview lists what needs a person first, then cycles and spend", async ({ page }) => {
  test.setTimeout(120_000);
  await signUp(page, "Fleet Owner", `fleet-${unique}@example.test`);
  for (const name of ["Asks a question", "Never started"]) {
    await page.goto("/agents/new");
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("Goal", { exact: true }).fill("Walk through the simulator's script.");
    await page.getByLabel("Money limit (USD)").fill("0.5");
    await page.getByLabel("Cooldown between cycles (s)").fill("0");
    await page.getByRole("button", { name: "Create agent" }).click();
    await page.waitForURL(/\/agents(\/[0-9a-f-]+)?$/);
  }
  await page.goto("/agents");
  await page.getByRole("link", { name: "Asks a question" }).click();
  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "waiting_approval", { timeout: 60_000 });

  await page.getByRole("link", { name: "Overview", exact: true }).click();
  await expect(page).toHaveURL(/\/overview$/);
  const attention = page.getByTestId("attention-agent");
  await expect(attention).toHaveCount(1);
  await expect(attention.first()).toContainText("Asks a question");
  await expect(attention.first()).toContainText("waiting for a person");
  await expect(page.getByTestId("status-counts")).toContainText("1 waiting approval");
  await expect(page.getByTestId("status-counts")).toContainText("1 idle");
  await expect(page.getByTestId("cycles-per-hour")).toContainText(/4 cycles; 0 failed/);
  await expect(page.getByTestId("spend-per-model")).toContainText("simulator-1");
  await expect(page.getByTestId("spend-per-agent")).toContainText("Asks a question");
  await attention.first().getByRole("link", { name: "Asks a question" }).click();
  await expect(page.getByTestId("agent-name")).toHaveText("Asks a question");
  await page.goBack();
  await expect(page.getByTestId("attention")).toBeVisible();
  await photograph(page, "fleet-overview");
  await copyFile(`${SHOTS}/fleet-overview.png`, "docs/screenshots/fleet-overview.png");
  await copyFile(`${SHOTS}/fleet-overview-dark-phone.png`, "docs/screenshots/fleet-overview-phone-dark.png");
});
