import { expect, test } from "@playwright/test";
import { inviteAndJoin, SHOTS, signUp } from "./people";

/**
 * Guarded fields and live access, as people meet them: a member who tries to raise an agent's budget
 * in the edit form is told at the field that it needs an admin, and nothing changes; a viewer watching
 * an agent's live timeline who is removed from the team sees the live updates stop, with the reason.
 */
const unique = Date.now().toString(36);

test("a member cannot raise a budget from the edit form; a removed viewer's live timeline stops and says why", async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(180_000);
  await signUp(page, "Owner Tester", `owner-${unique}@example.test`);
  await page.getByRole("link", { name: "New agent" }).click();
  await page.getByLabel("Name", { exact: true }).fill("Budgeted");
  await page.getByLabel("Goal", { exact: true }).fill("Watch a page and report changes within a small budget.");
  await page.getByLabel("Money limit (USD)").fill("0.5");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
  const agentUrl = new URL(page.url()).pathname;

  // A member: the edit form, a higher budget, the field says why not.
  const member = await inviteAndJoin(page, browser, baseURL!, {
    role: "member",
    name: "Mia Member",
    email: `member-${unique}@example.test`,
  });
  await member.goto(`${agentUrl}/edit`);
  await member.getByLabel("Money limit (USD)").fill("50");
  await member.getByRole("button", { name: "Save changes" }).click();
  await expect(member.locator('[data-field-error="agent-budgetUsd"]')).toContainText(
    "Raising the money limit needs an admin (you are a member).",
  );
  await member.screenshot({ path: `${SHOTS}/edit-member-raise-refused.png`, fullPage: true, animations: "disabled" });
  await member.goto(agentUrl);
  await expect(member.getByText("$0.50", { exact: false }).first()).toBeVisible();

  // A viewer watching the live timeline, then removed by the owner.
  const viewer = await inviteAndJoin(page, browser, baseURL!, {
    role: "viewer",
    name: "Vic Viewer",
    email: `viewer-${unique}@example.test`,
  });
  await viewer.goto(agentUrl);
  await expect(viewer.getByTestId("live-status")).toHaveText("Live");
  await page.goto("/team");
  const row = page.getByTestId("member").filter({ hasText: "Vic Viewer" });
  await row.getByRole("button", { name: "Remove Vic Viewer" }).click();
  await row.getByRole("button", { name: "Yes, remove" }).click();
  // Told at once, whichever notices first: the live stream ends with the reason, or the page's own refresh
  // of the agent is refused and the page says the agent is no longer theirs to see.
  const told = viewer
    .getByTestId("live-status")
    .filter({ hasText: "Live updates stopped: You no longer have access" })
    .or(viewer.getByRole("alert").filter({ hasText: "you do not have access to it" }));
  await expect(told.first()).toBeVisible({ timeout: 15_000 });
  await viewer.screenshot({ path: `${SHOTS}/live-stream-access-lost.png`, fullPage: true, animations: "disabled" });
});
