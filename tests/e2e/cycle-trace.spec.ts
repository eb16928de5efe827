import { copyFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { photograph, SHOTS, signUp } from "./people";

/**
 * A cycle's trace (issue 22): on the simulator, with the bundled executor running the loop, open a
 * cycle's trace and see its spans on a time axis, the exact messages sent to the model and the reply;
 * a cycle that waited for a person shows the wait as a span.
 */
const unique = Date.now().toString(36);

test("open a cycle's trace: spans on a time axis, the exact prompt, the reply, a person's wait", async ({ page }) => {
  test.setTimeout(150_000);
  await signUp(page, "Trace Reader", `trace-${unique}@example.test`);
  await page.goto("/agents/new");
  await page.getByLabel("Name", { exact: true }).fill("Traced walker");
  await page.getByLabel("Goal", { exact: true }).fill("Walk through the simulator's script.");
  await page.getByLabel("Money limit (USD)").fill("2");
  await page.getByLabel("Cooldown between cycles (s)").fill("0");
  await page.getByRole("button", { name: "Create agent" }).click();
  await page.waitForURL(/\/agents(\/[0-9a-f-]+)?$/);
  await page.goto("/agents");
  await page.getByRole("link", { name: "Traced walker" }).click();
  await page.getByRole("button", { name: "Start" }).click();
  // Cycle 4 asks a person (the simulator's ask_human); answer it in the inbox.
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "waiting_approval", { timeout: 60_000 });
  const agentUrl = page.url();
  await page.goto("/approvals");
  await page.getByLabel("Answer", { exact: true }).fill("Yes, go on.");
  await page.getByRole("button", { name: /Send answer/ }).click();
  await expect(page.getByText("Nothing is waiting for you")).toBeVisible({ timeout: 15_000 });
  await page.goto(agentUrl);
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "completed", { timeout: 60_000 });

  const second = page.locator('[data-testid="cycle"][data-cycle="2"]');
  await second.locator("details > summary").first().click();
  await second.getByTestId("open-trace").click();
  const trace = second.getByTestId("cycle-trace");
  await expect(trace.getByTestId("trace-spans")).toBeVisible();
  for (const kind of ["read", "context", "recall", "budget", "model", "tool", "write"])
    await expect(trace.locator(`[data-testid="trace-span"][data-kind="${kind}"]`).first()).toBeVisible();
  await expect(trace.getByText("exact: matches what was sent")).toBeVisible();
  await expect(trace.getByTestId("trace-message").first()).toContainText('You are "Traced walker"');
  await expect(trace.getByTestId("trace-message").nth(1)).toContainText("Cycle 2.");
  await expect(trace.getByTestId("trace-reply")).toContainText("remember");
  await expect(trace.getByTestId("trace-reply")).toContainText("finish reason tool_calls");
  await second.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/cycle-trace.png`, fullPage: false });

  // The cycle that asked a person: its wait is a span of its own, between the model call and the answer's act.
  await second.locator("details > summary").first().click();
  const fourth = page.locator('[data-testid="cycle"][data-cycle="4"]');
  await fourth.locator("details > summary").first().click();
  await fourth.getByTestId("open-trace").click();
  await expect(fourth.locator('[data-testid="trace-span"][data-kind="approval"]')).toContainText("wait for an answer: answered");
  // The question's answer is the act's result (no tool runs): the act after the wait writes it, in a step of its own.
  const kinds = await fourth.getByTestId("trace-span").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-kind")));
  expect(kinds.indexOf("approval")).toBeGreaterThan(kinds.indexOf("model"));
  expect(kinds.lastIndexOf("write")).toBeGreaterThan(kinds.indexOf("approval"));

  const download = page.waitForEvent("download");
  await fourth.getByRole("button", { name: "Download OTLP JSON" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe("cycle-4-trace.otlp.json");
  await photograph(page, "cycle-trace-approval");
  await copyFile(`${SHOTS}/cycle-trace.png`, "docs/screenshots/cycle-trace.png");
  await copyFile(`${SHOTS}/cycle-trace-approval-dark-phone.png`, "docs/screenshots/cycle-trace-phone-dark.png");
});
