import { expect, test } from "@playwright/test";
import { approvalLinkFor, approvalStatus } from "./approval-link-helper";
import { inviteAndJoin, keepOnlyTools, PASSWORD, signUp } from "./people";

/**
 * Deciding from a link in a message (issue 21): an agent on the simulator holds a message for approval,
 * a link to it is opened signed out, the person signs in, sees exactly what will be approved and
 * approves; a viewer sees the same page without the means to decide; the navigation counts what waits.
 */
const DOCS = "docs/screenshots";

type NotificationLog = { asked: number; shown: { title: string; body: string }[]; clickLast: () => void };
declare global {
  interface Window {
    __notificationLog: NotificationLog;
  }
}

/** A stand-in for the browser's Notification API (headless Chromium shows none): records prompts and notifications. */
function recordNotifications() {
  const log: NotificationLog = { asked: 0, shown: [], clickLast: () => undefined };
  let permission: NotificationPermission = "default";
  const instances: { onclick: (() => void) | null }[] = [];
  class RecordedNotification {
    onclick: (() => void) | null = null;
    static get permission() {
      return permission;
    }
    static async requestPermission() {
      log.asked += 1;
      permission = "granted";
      return permission;
    }
    constructor(title: string, options?: { body?: string }) {
      log.shown.push({ title, body: options?.body ?? "" });
      instances.push(this);
    }
  }
  log.clickLast = () => instances.at(-1)?.onclick?.();
  Object.defineProperty(window, "Notification", { value: RecordedNotification, configurable: true });
  window.__notificationLog = log;
}
const unique = Date.now().toString(36);

test("a link opened signed out leads through sign-in to the approval, which only a click decides", async ({ page, browser, baseURL }) => {
  test.setTimeout(300_000);
  await page.addInitScript(recordNotifications);
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
  // The simulator's script over these tools sends in cycles 4 and 9.
  await page.getByLabel("Cycle limit").fill("10");
  await keepOnlyTools(page, ["Search memory", "Remember", "Update world state", "Send message"]);
  await page.getByLabel("Approval for Send message").selectOption({ label: "Ask every time" });
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
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
  await expect(viewer.getByTestId("approval-viewer-note")).toContainText("You are a viewer in");
  await expect(viewer.getByTestId("approval-args")).toContainText("Progress at cycle");
  await expect(viewer.getByRole("button", { name: "Approve send_message for Messenger" })).toBeDisabled();
  await viewer.context().close();

  // Browser notifications: never asked for on load; turned on with the button.
  await page.goto("/approvals");
  await expect(page.getByText("Progress at cycle 4").first()).toBeVisible();
  expect(await page.evaluate(() => window.__notificationLog.asked)).toBe(0);
  await page.getByRole("button", { name: "Turn on browser notifications" }).click();
  await expect(page.getByText("Browser notifications are on for new approvals.")).toBeVisible();
  expect(await page.evaluate(() => window.__notificationLog.asked)).toBe(1);

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

  // The owner's inbox (still open) shows it decided by Ana.
  await expect(page.getByText("Sent from my phone.").first()).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText("Ana Member").first()).toBeVisible();

  // The agent goes on and holds its next message: the open page shows a browser notification, whose click opens it.
  await expect
    .poll(() => page.evaluate(() => window.__notificationLog.shown.map((n) => `${n.title} | ${n.body}`)), { timeout: 120_000 })
    .toEqual(["Messenger: send_message waits for approval | Messenger in Olivia's team"]);
  await page.evaluate(() => window.__notificationLog.clickLast());
  await expect(page).toHaveURL(/\/approvals#approval-[0-9a-f-]{36}$/);
  await expect(page.getByText("Progress at cycle 9").first()).toBeVisible();
  await page.getByRole("button", { name: "Turn off" }).click();
  await expect(page.getByRole("button", { name: "Turn on browser notifications" })).toBeVisible();

  // A malformed link is a plain "not valid".
  await page.goto("/approve/not-a-real-token");
  await expect(page.getByTestId("link-not-found")).toContainText("This approval link is not valid");
});
