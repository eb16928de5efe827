import { expect, test, type Page } from "@playwright/test";
import { signUp } from "./people";

/**
 * Issue 22, defect 9: after creating an agent you land on it; every page has its own title; a skip link
 * comes first; "New agent" is one tab stop; the agents table fits at 1366 px; the agent page's tabs stay
 * reachable on a 390 px phone without the page scrolling sideways; the 404 page is Longhaul's.
 */
const unique = Date.now().toString(36);
const SHOTS = "tests/e2e/screenshots";

type Box = { x: number; y: number; width: number; height: number };
const boxOf = async (page: Page, selector: ReturnType<Page["locator"]>): Promise<Box> => {
  const box = await selector.boundingBox();
  if (!box) throw new Error("not rendered");
  return box;
};
const pageScrollsSideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

test("titles, skip link, one tab stop per action, and what fits at 1366 and 390 px", async ({ page }) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1366, height: 900 });
  await signUp(page, "Lena Layout", `lena-${unique}@example.test`);
  await expect(page).toHaveTitle("Agents · Longhaul");

  // The skip link is the first tab stop and moves focus to the page's content.
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press("Enter");
  await expect(page.locator("main#content")).toBeFocused();

  // "New agent" is one element: one tab stop, a link with no button inside it.
  const newAgent = page.getByRole("link", { name: "New agent" });
  await expect(newAgent.locator("button")).toHaveCount(0);
  await expect(page.locator("a button, button a")).toHaveCount(0);
  for (let i = 0; i < 10 && !(await newAgent.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press("Tab");
  await expect(newAgent).toBeFocused();
  await page.keyboard.press("Tab");
  expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).not.toBe("New agent");

  // After creating an agent you are on its page, titled with its name.
  await newAgent.click();
  await expect(page).toHaveTitle("New agent · Longhaul");
  await page.getByLabel("Name", { exact: true }).fill("A rather long agent name that keeps going");
  await page.getByLabel("Goal", { exact: true }).fill("Check three competitor pricing pages daily and report every change in detail.");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("agent-name")).toHaveText("A rather long agent name that keeps going");
  await expect(page).toHaveTitle("A rather long agent name that keeps going · Longhaul");
  const agentPath = new URL(page.url()).pathname;
  await page.goto(`${agentPath}/edit`);
  await expect(page).toHaveTitle("Edit A rather long agent name that keeps going · Longhaul");

  for (const [path, title] of [
    ["/approvals", "Approvals"],
    ["/audit", "Audit log"],
    ["/team", "Team"],
    ["/team/providers", "Model providers"],
    ["/team/channels", "Channels"],
    ["/team/tokens", "API tokens"],
  ] as const) {
    await page.goto(path);
    await expect(page).toHaveTitle(`${title} · Longhaul`);
  }

  // The agents table shows every column at 1366 px, without scrolling sideways.
  await page.goto("/agents");
  const table = page.getByTestId("agents-table");
  await expect(table.getByTestId("agent-row")).toHaveCount(1);
  const frame = table.locator("xpath=..");
  const overflow = await frame.evaluate((el) => el.scrollWidth - el.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  const lastHeader = await boxOf(page, table.locator("thead th").last());
  expect(lastHeader.x + lastHeader.width).toBeLessThanOrEqual(1366);
  await expect(table.locator("thead th").last()).toBeInViewport({ ratio: 1 });
  await page.screenshot({ path: `${SHOTS}/agents-table-1366.png`, animations: "disabled" });

  // On a phone, the page does not scroll sideways and every tab of the agent page can be reached.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(agentPath);
  await expect(page.getByTestId("agent-name")).toBeVisible();
  expect(await pageScrollsSideways(page)).toBe(false);
  const tablist = await boxOf(page, page.getByRole("tablist", { name: "Agent views" }));
  expect(tablist.x).toBeGreaterThanOrEqual(0);
  expect(tablist.x + tablist.width).toBeLessThanOrEqual(390);
  for (const name of ["Triggers", "Share"]) {
    await page.getByRole("tab", { name }).click();
    await expect(page.getByRole("tab", { name })).toHaveAttribute("aria-selected", "true");
    await expect(page.getByRole("tab", { name })).toBeInViewport({ ratio: 1 });
    expect(await pageScrollsSideways(page)).toBe(false);
  }
  // Arrow keys move between tabs (the selected tab is the one tab stop).
  await page.getByRole("tab", { name: "Share" }).focus();
  await page.keyboard.press("ArrowLeft");
  await expect(page.getByRole("tab", { name: "Triggers" })).toBeFocused();
  await expect(page.getByRole("tab", { name: "Triggers" })).toHaveAttribute("aria-selected", "true");
  await page.screenshot({ path: `${SHOTS}/agent-tabs-phone.png`, animations: "disabled" });

  // The 404 page is Longhaul's, with a way back.
  await page.setViewportSize({ width: 1366, height: 900 });
  const missing = await page.goto("/no-such-page");
  expect(missing?.status()).toBe(404);
  await expect(page).toHaveTitle("Page not found · Longhaul");
  await expect(page.getByTestId("not-found")).toContainText("This page was not found");
  await expect(page.getByTestId("not-found").getByRole("link", { name: "Go to your agents" })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/not-found.png`, fullPage: true, animations: "disabled" });
});
