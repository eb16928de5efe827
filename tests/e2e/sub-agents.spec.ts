import { expect, test, type Page } from "@playwright/test";
import { CHILD_BUDGET_FIXED, CHILD_ENDED_NO_RESTART } from "../../shared/delegation";
import { expectNoSeriousViolations } from "./axe";
import { inviteAndJoin, keepOnlyTools, signUp } from "./people";

/**
 * Sub-agents on the dashboard (issue 23): a simulator agent with `delegate` enabled starts two children
 * at its cycle 3 and waits for them; the Sub-agents tab lists them reaching "completed"; a child's page
 * says who started it and links back, its budget and Resume are disabled with their reasons; both
 * timelines tell the delegation in words; a viewer sees the tree without controls.
 */
const DOCS = "docs/screenshots";
const unique = Date.now().toString(36);

async function openTree(page: Page) {
  await page.getByRole("tab", { name: /^Sub-agents/ }).click();
  await expect(page.getByTestId("tree-panel")).toBeVisible();
}

test("a parent delegates to two children: the tree, a child's page and back, the timeline, a viewer", async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(240_000);
  await signUp(page, "Tree Owner", `tree-owner-${unique}@example.test`);

  await page.getByRole("link", { name: "New agent" }).click();
  await page.getByLabel("Name", { exact: true }).fill("Tree planner");
  await page.getByLabel("Goal", { exact: true }).fill("Split the reading between two helpers and report what they found.");
  await page.getByLabel("Money limit (USD)").fill("2");
  await page.getByLabel("Cooldown between cycles (s)").fill("0");
  await keepOnlyTools(page, ["Update world state", "Remember", "Finish"]);
  await page.getByRole("checkbox", { name: /^Delegate/ }).check();
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
  const parentUrl = page.url();

  await page.getByRole("button", { name: "Start" }).click();
  await openTree(page);
  const nodes = page.getByTestId("tree-node");
  await expect(nodes).toHaveCount(2, { timeout: 60_000 });
  await expect(nodes.filter({ hasText: "first reader" })).toHaveAttribute("data-status", "completed", { timeout: 90_000 });
  await expect(nodes.filter({ hasText: "second reader" })).toHaveAttribute("data-status", "completed", { timeout: 90_000 });
  await expect(nodes.first()).toContainText("parent waits · started at cycle 3");
  await expect(page.getByRole("tab", { name: "Sub-agents (2)" })).toBeVisible();
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "completed", { timeout: 60_000 });

  // The photographs: 1366 light and a 390 px phone in dark mode; then axe on the tree, both ways.
  await expect(page.locator("[data-sonner-toast]")).toHaveCount(0, { timeout: 15_000 });
  await page.screenshot({ path: `${DOCS}/sub-agents.png`, fullPage: true, animations: "disabled" });
  await expectNoSeriousViolations(page, "sub-agents tab (1366 light)");
  await page.emulateMedia({ colorScheme: "dark" });
  await page.setViewportSize({ width: 390, height: 844 });
  // Opened on the phone (a reload), so the tab row shows the selected tab.
  await page.reload();
  await expect(page.getByTestId("tree-node")).toHaveCount(2);
  await page.screenshot({ path: `${DOCS}/sub-agents-phone-dark.png`, fullPage: true, animations: "disabled" });
  await expectNoSeriousViolations(page, "sub-agents tab (390 dark)");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, "the page scrolls sideways on a phone").toBeLessThanOrEqual(0);
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 1366, height: 900 });

  // A child's page: who started it, with a link back; its limits and Resume disabled with the reasons.
  await nodes.filter({ hasText: "first reader" }).getByTestId("tree-node-link").click();
  await expect(page.getByTestId("agent-name")).toHaveText(/first reader/);
  await expect(page.getByTestId("parent-line")).toHaveText("Started by Tree planner (cycle 3); it waits for its result.");
  const resume = page.getByRole("button", { name: "Resume" });
  await expect(resume).toHaveAttribute("aria-disabled", "true");
  await resume.click({ force: true }); // aria-disabled: Playwright would wait for it to be enabled
  await expect(page.getByTestId("permission-reason")).toHaveText(CHILD_ENDED_NO_RESTART);
  await page.keyboard.press("Escape");
  const startedBy = page.locator('[data-testid="timeline-event"]').filter({ hasText: "Started by its parent" });
  await page.screenshot({ path: "tests/e2e/screenshots/sub-agents-child.png", fullPage: true, animations: "disabled" });
  await expect(startedBy).toContainText("Started by Tree planner at its cycle 3; Tree planner waits for the result.");
  await page.getByRole("tab", { name: "Budget" }).click();
  const raise = page.getByTestId("raise-budget-child").getByRole("button", { name: "Raise the budget" });
  await expect(raise).toHaveAttribute("aria-disabled", "true");
  await expect(raise).toHaveAccessibleDescription(CHILD_BUDGET_FIXED);
  await page.getByRole("tab", { name: "Sub-agents" }).click();
  await expect(page.getByTestId("tree-empty")).toBeVisible();

  // Back to the parent; its cycle 3 tells the delegation: the call and each child's end, linked.
  await page.getByTestId("parent-link").click();
  await expect(page).toHaveURL(new RegExp(`${parentUrl.split("/").pop()}`));
  await expect(page.getByTestId("agent-name")).toHaveText("Tree planner");
  await page.getByRole("tab", { name: "Timeline" }).click();
  const third = page.locator('[data-testid="cycle"][data-cycle="3"]');
  await third.locator("summary").click();
  await expect(third).toContainText("Started 2 child agents and waits for their results");
  await expect(third.getByTestId("delegate-result")).toContainText(
    /2 child agents ended: .*first reader.* completed, .*second reader.* completed\./,
  );
  await expect(third.getByTestId("delegate-child")).toHaveCount(2);
  await third.scrollIntoViewIfNeeded();
  await page.screenshot({ path: "tests/e2e/screenshots/sub-agents-timeline.png", animations: "disabled" });
  await third.getByTestId("child-link").filter({ hasText: "second reader" }).click();
  await expect(page.getByTestId("agent-name")).toHaveText(/second reader/);
  await page.goBack();
  await expect(page.getByTestId("agent-name")).toHaveText("Tree planner");

  // The agents list grouped by tree: the children under their parent, indented, kept in the URL.
  await page.goto("/agents");
  await expect(page.getByTestId("agent-row")).toHaveCount(3);
  await page.getByTestId("group-by-tree").check();
  await expect(page).toHaveURL(/tree=true/);
  const rows = page.getByTestId("agent-row");
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toContainText("Tree planner");
  await expect(rows.nth(1)).toHaveAttribute("data-level", "1");
  await expect(rows.nth(2)).toHaveAttribute("data-level", "1");
  await page.getByLabel("Filter by status").selectOption("completed");
  await expect(rows).toHaveCount(3);
  await page.reload();
  await expect(page.getByTestId("group-by-tree")).toBeChecked();

  // A viewer sees the tree, and the controls only as disabled, with the reason.
  const viewer = await inviteAndJoin(page, browser, baseURL!, {
    role: "viewer",
    name: "Tree Viewer",
    email: `tree-viewer-${unique}@example.test`,
  });
  await viewer.goto(`${new URL(parentUrl).pathname}?tab=tree`);
  await expect(viewer.getByTestId("tree-node")).toHaveCount(2);
  await expect(viewer.getByRole("button", { name: "Resume" })).toHaveAttribute("aria-disabled", "true");
  await viewer.getByTestId("tree-node-link").filter({ hasText: "first reader" }).click();
  await expect(viewer.getByTestId("parent-line")).toContainText("Started by Tree planner");
  await expect(viewer.getByRole("button", { name: "Resume" })).toHaveAttribute("aria-disabled", "true");
  await viewer.context().close();
});
