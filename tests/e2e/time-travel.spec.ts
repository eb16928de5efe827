import { expect, test, type Page } from "@playwright/test";
import { copyFile } from "node:fs/promises";
import { keepOnlyTools, photograph, SHOTS, signUp } from "./people";

/**
 * Time travel and an agent's end of life, as a new user: the simulator tour checkpoints every 10 cycles
 * and this one ends at 5, so its cycles have no checkpoint; fork it at cycle 3 with the world state
 * edited (a JSON mistake is pointed at by line and column), see the fork link to its parent and the
 * parent list its fork; archive the fork (hidden, then in the Archived view), restore it, and delete it
 * after typing its name.
 */
const unique = Date.now().toString(36);

async function openAgent(page: Page, name: string) {
  await page.goto("/agents");
  await page.getByRole("link", { name, exact: true }).click();
  await expect(page.getByTestId("agent-name")).toHaveText(name);
}

test("fork the tour at a cycle without a checkpoint, with an edited state; archive, restore and delete the fork", async ({ page }) => {
  test.setTimeout(180_000);
  await signUp(page, "Traveller Tester", `traveller-${unique}@example.test`);

  await page.getByRole("link", { name: "New agent" }).click();
  await page.getByLabel("Start from a template").selectOption({ label: "Try it: simulator tour" });
  await page.getByLabel("Name", { exact: true }).fill("Tour");
  await keepOnlyTools(page, ["Search memory", "Remember", "Update world state"]);
  await page.getByLabel("Cycle limit").fill("5");
  await page.getByRole("button", { name: "Create agent" }).click();
  // A new agent opens on its own page.
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
  await openAgent(page, "Tour");
  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "completed", { timeout: 60_000 });

  // No checkpoint (one every 10 cycles), yet any cycle can be forked.
  await page.getByRole("tab", { name: "State" }).click();
  const forkAny = page.getByTestId("fork-any-cycle");
  await forkAny.getByLabel("Fork from the end of cycle").fill("9");
  await expect(forkAny.getByText("Choose a cycle from 0 to 5.")).toBeVisible();
  await forkAny.getByLabel("Fork from the end of cycle").fill("3");
  await forkAny.getByRole("button", { name: "Fork…" }).click();
  const state = forkAny.getByLabel("World state (JSON)");
  // The simulator set its world state in cycle 1 (update, remember, search: cycle 4 updates again).
  await expect(state).toHaveValue(/"lastCycle": 1/);
  await state.fill('{\n  "phase": "what if",\n  oops\n}');
  await expect(forkAny.getByText(/Not valid JSON at line 3, column 3/)).toBeVisible();
  await expect(forkAny.getByRole("button", { name: "Create fork" })).toBeDisabled();
  await photograph(page, "fork-any-cycle");
  await state.fill('{\n  "phase": "what if",\n  "lastCycle": 3\n}');
  await forkAny.getByLabel("Name of the new agent").fill("Tour what-if");
  await forkAny.getByLabel("Instructions").fill("Try the other path.");
  await forkAny.getByRole("button", { name: "Create fork" }).click();

  await expect(page.getByTestId("agent-name")).toHaveText("Tour what-if");
  await expect(page.getByTestId("agent-cycles")).toHaveText("3");
  await expect(page.getByTestId("fork-lineage")).toContainText("Forked from Tour at cycle 3.");
  await page.getByRole("tab", { name: "State" }).click();
  await expect(page.getByTestId("world-state")).toContainText('"phase": "what if"');
  await expect(page.getByText("(empty)")).toHaveCount(0);
  await expect(page.getByText(/^c3: /m)).toBeVisible();
  await photograph(page, "fork-lineage");

  // The parent lists its fork and is unchanged.
  await page.getByTestId("fork-lineage").getByRole("link", { name: "Tour" }).click();
  await expect(page.getByTestId("agent-name")).toHaveText("Tour");
  await expect(page.getByTestId("fork-lineage")).toContainText("Forks: Tour what-if");
  await expect(page.getByTestId("agent-cycles")).toHaveText("5");

  // Archive the fork: hidden from the list, shown in the Archived view, restorable.
  await openAgent(page, "Tour what-if");
  await page.getByTestId("agent-lifecycle").getByRole("button", { name: "Archive" }).click();
  await expect(page.getByTestId("agent-lifecycle").getByText("Archived")).toBeVisible();
  await page.goto("/agents");
  await expect(page.getByRole("link", { name: "Tour what-if", exact: true })).toHaveCount(0);
  await page.getByRole("button", { name: "Archived" }).click();
  await expect(page.getByRole("link", { name: "Tour what-if", exact: true })).toBeVisible();
  await page.getByLabel("Select Tour what-if").check();
  await expect(page.getByTestId("bulk-bar")).toContainText("1 selected");
  await photograph(page, "agents-archived");
  await page.getByTestId("bulk-bar").getByRole("button", { name: "Restore" }).click();
  await expect(page.getByRole("link", { name: "Tour what-if", exact: true })).toHaveCount(0);
  await page.getByRole("button", { name: "Active" }).click();
  await expect(page.getByRole("link", { name: "Tour what-if", exact: true })).toBeVisible();

  // Delete it: the name must be typed.
  await openAgent(page, "Tour what-if");
  const lifecycle = page.getByTestId("agent-lifecycle");
  await lifecycle.getByRole("button", { name: "Delete…" }).click();
  await expect(lifecycle.getByRole("button", { name: "Delete for good" })).toBeDisabled();
  await lifecycle.getByLabel("Type the agent's name to confirm").fill("Tour what-if");
  await photograph(page, "agent-delete");
  await lifecycle.getByRole("button", { name: "Delete for good" }).click();
  await expect(page).toHaveURL(/\/agents$/);
  await expect(page.getByRole("link", { name: "Tour what-if", exact: true })).toHaveCount(0);
  await openAgent(page, "Tour");
  await expect(page.getByTestId("fork-lineage")).toHaveCount(0);

  await copyFile(`${SHOTS}/fork-any-cycle.png`, "docs/screenshots/fork-any-cycle.png");
  await copyFile(`${SHOTS}/agents-archived.png`, "docs/screenshots/agents-archived.png");
});
