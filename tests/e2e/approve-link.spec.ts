import { expect, test, type Page } from "@playwright/test";
import { approvalLinkFor, approvalStatus } from "./approval-link-helper";
import { inviteAndJoin, PASSWORD, signUp } from "./people";

/**
 * Deciding from a link in a message (issue 21): an agent on the simulator holds a message for approval,
 * a link to it is opened signed out, the person signs in, sees exactly what will be approved and
 * approves; a viewer sees the same page without the means to decide; the navigation counts what waits.
 */
const DOCS = "docs/screenshots";
const unique = Date.now().toString(36);

async function keepOnlyTools(page: Page, keep: string[]) {
  for (const label of ["Search memory", "Remember", "Update world state", "HTTP GET", "Send message", "Ask a person", "Finish"]) {
    const box = page.getByRole("checkbox", { name: new RegExp(`^${label}`) });
    if ((await box.count()) === 0) continue;
    if (keep.includes(label)) await box.check();
    else await box.uncheck();
  }
}

test("a link opened signed out leads through sign-in to the approval, which only a click decides", async ({ page, browser, baseURL }) => {
  test.setTimeout(180_000);
  await signUp(page, "Olivia Owner", `olivia-${unique}@example.test`);
  const member = { name: "Ana Member", email: `ana-${unique}@example.test` };
  const ana = await inviteAndJoin(page, browser, baseURL!, { role: "member", ...member });
  await ana.context().close();
  const viewer = await inviteAndJoin(page, browser, baseURL!, { role: "viewer", name: "Vic Viewer", email: `vic-${unique}@example.test` });

  // An agent whose messages each need a person's approval.
  await page.goto("/agents");
  await page.getByRole("link", { name: "New agent" }).click();
  await page.getByLabel("Name", { exact: true }).fill("Messenger");
  await page.getByLabel("Goal", { exact: true }).fill("Report progress to the team, but only with a person's approval.");
  await page.getByLabel("Cooldown between cycles (s)").fill("0");
  await page.getByLabel("Cycle limit").fill("6");
  await keepOnlyTools(page, ["Search memory", "Remember", "Update world state", "Send message"]);
  await page.getByLabel("Approval for Send message").selectOption({ label: "Ask every time" });
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents$/);
  await page.getByRole("link", { name: "Messenger", exact: true }).click();
  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "waiting_approval", { timeout: 60_000 });

  // The navigation counts it for the owner (who decides), not for the viewer (who only watches).
  await expect(page.getByTestId("nav-pending-count")).toHaveText(/^1/, { timeout: 30_000 });
  await viewer.goto("/agents");
  await expect(viewer.getByRole("link", { name: "Approvals" })).toBeVisible();
  await expect(viewer.getByTestId("nav-pending-count")).toHaveCount(0);

  const { token, approvalId } = await approvalLinkFor("Messenger");
  const link = `/approve/${token}?do=approve`;

  // The viewer sees what it asks, and why they cannot decide it.
  await viewer.goto(link);
  await expect(viewer.getByTestId("link-viewer")).toContainText("You are a viewer in");
  await expect(viewer.getByTestId("approval-args")).toContainText("Progress at cycle");
  await expect(viewer.getByRole("button", { name: "Approve send_message for Messenger" })).toBeDisabled();
  await viewer.context().close();

  // Signed out: sign-in first, then back to the link.
  const context = await browser.newContext({ baseURL });
  const guest = await context.newPage();
  await guest.goto(link);
  await expect(guest).toHaveURL(/\/sign-in\?next=/);
  await guest.getByLabel("Email").fill(member.email);
  await guest.getByLabel("Password").fill(PASSWORD);
  await guest.getByRole("button", { name: "Sign in" }).click();
  await expect(guest).toHaveURL(new RegExp(`/approve/${token}\\?do=approve$`));
  await expect(guest.getByTestId("link-team")).toContainText("you are a member");
  await expect(guest.getByRole("heading", { name: "Messenger: held tool call" })).toBeVisible();
  await expect(guest.getByTestId("approval-args")).toContainText("Progress at cycle");
  await expect(guest.getByTestId("link-intent")).toContainText("Nothing is decided yet");
  await expect(guest.getByRole("button", { name: "Approve send_message for Messenger" })).toBeFocused();
  // Opening it (a GET with ?do=approve, and a reload) decided nothing.
  await guest.reload();
  await expect(guest.getByTestId("approval-args")).toBeVisible();
  expect(await approvalStatus(approvalId)).toEqual({ status: "pending", decidedBy: null });

  await guest.setViewportSize({ width: 1366, height: 900 });
  await guest.screenshot({ path: `${DOCS}/approve-from-link.png`, fullPage: true, animations: "disabled" });
  await guest.emulateMedia({ colorScheme: "dark" });
  await guest.setViewportSize({ width: 390, height: 844 });
  await guest.screenshot({ path: `${DOCS}/approve-from-link-phone-dark.png`, fullPage: true, animations: "disabled" });
  await guest.emulateMedia({ colorScheme: "light" });
  await guest.setViewportSize({ width: 1366, height: 900 });

  await guest.getByLabel("Comment (optional)").fill("Sent from my phone.");
  await guest.getByRole("button", { name: "Approve send_message for Messenger" }).click();
  await expect(guest.getByTestId("link-decided")).toContainText("Approved by Ana Member");
  expect(await approvalStatus(approvalId)).toEqual({ status: "approved", decidedBy: "Ana Member" });
  // The link cannot decide again: it says who did.
  await guest.reload();
  await expect(guest.getByTestId("link-decided")).toContainText("with this link");
  await context.close();

  // The owner's inbox shows it decided by Ana.
  await page.goto("/approvals");
  await expect(page.getByText("Ana Member").first()).toBeVisible({ timeout: 15_000 });
  await expect(page.getByText("Sent from my phone.").first()).toBeVisible();

  // A malformed link is a plain "not valid".
  await page.goto("/approve/not-a-real-token");
  await expect(page.getByTestId("link-not-found")).toContainText("This approval link is not valid");
});
