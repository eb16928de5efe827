import { expect, test } from "@playwright/test";
import { keepOnlyTools, signUp } from "./people";

/**
 * The keyboard (issue 22, build 5): Ctrl+K opens the command palette, which jumps to an agent by name,
 * pauses and resumes the agent on screen, and approves the next held call (named before Enter); `?` lists the
 * shortcuts; `g` then a letter goes to a page.
 */
const unique = Date.now().toString(36);

test("jump to an agent, approve the next call and pause from the palette; shortcuts on ?", async ({ page }) => {
  test.setTimeout(120_000);
  await signUp(page, "Palette User", `palette-${unique}@example.test`);
  await page.goto("/agents/new");
  await page.getByLabel("Name", { exact: true }).fill("Needs a yes");
  await page.getByLabel("Goal", { exact: true }).fill("Send a message that needs approval.");
  await page.getByLabel("Money limit (USD)").fill("1");
  await page.getByLabel("Cooldown between cycles (s)").fill("0");
  await keepOnlyTools(page, ["Send message", "Finish"]);
  await page.getByLabel("Approval for Send message").selectOption({ label: "Ask every time" });
  await page.getByRole("button", { name: "Create agent" }).click();
  await page.waitForURL(/\/agents(\/[0-9a-f-]+)?$/);
  await page.goto("/agents");

  // Jump to the agent by typing part of its name.
  await page.keyboard.press("Control+k");
  const palette = page.getByRole("dialog");
  await expect(palette.getByPlaceholder("Jump to an agent, or type a command…")).toBeFocused();
  await page.keyboard.type("needs");
  await expect(palette.getByRole("option", { name: /Needs a yes/ })).toBeVisible();
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("agent-name")).toHaveText("Needs a yes");
  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "waiting_approval", { timeout: 60_000 });

  // Pause, then resume, the agent on screen from the palette.
  await page.keyboard.press("Control+k");
  await page.keyboard.type("pause");
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "paused", { timeout: 15_000 });
  await page.keyboard.press("Control+k");
  await page.keyboard.type("resume");
  await expect(palette.getByRole("option", { name: "Resume this agent" })).toBeVisible();
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "waiting_approval", { timeout: 30_000 });

  // Approve the next held call: the palette names it before Enter approves it.
  await page.keyboard.press("Control+k");
  await page.keyboard.type("approve");
  const approve = palette.getByRole("option", { name: /Approve next: send_message for Needs a yes/ });
  await expect(approve).toBeVisible();
  await page.screenshot({ path: "tests/e2e/screenshots/command-palette.png" });
  await page.keyboard.press("Enter");
  await expect(page.getByText("Approved send_message for Needs a yes.")).toBeVisible();
  await expect(page.getByTestId("agent-status")).not.toHaveAttribute("data-status", "waiting_approval", { timeout: 30_000 });

  // `?` lists the shortcuts; `g` then `o` goes to the overview.
  await page.locator("body").click({ position: { x: 5, y: 5 } });
  await page.keyboard.press("?");
  await expect(page.getByTestId("shortcuts-help")).toBeVisible();
  await expect(page.getByTestId("shortcuts-help")).toContainText("g then o");
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("shortcuts-help")).toBeHidden();
  await page.keyboard.press("g");
  await page.keyboard.press("o");
  await expect(page).toHaveURL(/\/overview$/);
});
