import { expect, test } from "@playwright/test";
import { keepOnlyTools } from "./people";

/**
 * Roles and invitations: an owner invites a second person as viewer by link; that person signs up
 * from the invite page, comes back to it, accepts, and sees the team's agent and its waiting
 * approval but cannot decide it. Made a member, they can.
 */
const SHOTS = "tests/e2e/screenshots";
const unique = Date.now().toString(36);
const PASSWORD = "long-enough-password-7";

/** The simulator walks its script through the enabled tools; these are the ones left on. */

test("an invited viewer sees the team's agent and its approval but cannot decide it; as a member they can", async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(180_000);
  const inviteeEmail = `invitee-${unique}@example.test`;

  // The owner: an agent whose every message waits for a person (the simulator sends in cycle 4).
  await page.goto("/sign-up");
  await page.getByLabel("Name", { exact: true }).fill("Owner Tester");
  await page.getByLabel("Email").fill(`owner-${unique}@example.test`);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/agents$/);
  await page.getByRole("link", { name: "New agent" }).click();
  await page.getByLabel("Name", { exact: true }).fill("Messenger");
  await page.getByLabel("Goal", { exact: true }).fill("Report progress to the team, but only with a person's approval.");
  await page.getByLabel("Cooldown between cycles (s)").fill("0");
  await page.getByLabel("Cycle limit").fill("10");
  await keepOnlyTools(page, ["Search memory", "Remember", "Update world state", "Send message"]);
  await page.getByLabel("Approval for Send message").selectOption({ label: "Ask every time" });
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "waiting_approval", { timeout: 45_000 });

  // Invite by link. The form explains a bad address before anything is made.
  await page.getByRole("link", { name: "Team", exact: true }).click();
  await expect(page).toHaveURL(/\/team$/);
  await expect(page.getByRole("heading", { name: "Owner's team", exact: true })).toBeVisible();
  await page.getByLabel("Email").fill("not an address");
  await page.getByRole("button", { name: "Create invitation link" }).click();
  await expect(page.locator('[data-field-error="invite-email"]')).toHaveText("Enter an email address like you@example.com.");
  await page.getByLabel("Email").fill(inviteeEmail);
  await page.getByLabel("Role", { exact: true }).selectOption("viewer");
  await page.getByRole("button", { name: "Create invitation link" }).click();
  const link = await page.getByTestId("invite-link").inputValue();
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
  const pending = page.getByTestId("invitation").filter({ hasText: inviteeEmail });
  await expect(pending).toContainText("Viewer");
  await expect(pending.getByTestId("invitation-link")).toHaveValue(link);
  await page.screenshot({ path: `${SHOTS}/team-page-invited.png`, fullPage: true, animations: "disabled" });

  // The link is bound to the invited address: the owner, signed in as someone else, cannot use it.
  await page.goto(link);
  await expect(page.getByTestId("invitation").getByRole("alert")).toHaveText(
    `This invitation is for i…@example.test, but you are signed in as owner-${unique}@example.test. ` +
      "Sign out, then sign in or create an account with the invited address.",
  );
  await expect(page.getByRole("button", { name: /^Accept/ })).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/invite-page-wrong-email.png`, fullPage: true, animations: "disabled" });
  await page.goto("/team");

  // The invitee, signed out, in a browser of their own: the invite page, then sign-up, then back.
  const context = await browser.newContext({ baseURL });
  const guest = await context.newPage();
  await guest.goto(link);
  await expect(guest.getByRole("heading", { name: "Join Owner's team" })).toBeVisible();
  await expect(guest.getByTestId("invitation")).toContainText("Owner Tester invited i…@example.test to join as a viewer.");
  await guest.screenshot({ path: `${SHOTS}/invite-page-signed-out.png`, fullPage: true, animations: "disabled" });
  await guest.getByRole("link", { name: "Create an account" }).click();
  await expect(guest).toHaveURL(/\/sign-up\?next=%2Finvite%2F/);
  await guest.getByLabel("Name", { exact: true }).fill("Ivy Invitee");
  await guest.getByLabel("Email").fill(inviteeEmail);
  await guest.getByLabel("Password").fill(PASSWORD);
  await guest.getByRole("button", { name: "Create account" }).click();
  await expect(guest).toHaveURL(/\/invite\/[A-Za-z0-9_-]{43}$/);
  await expect(guest.getByTestId("invitation")).toContainText(`Signed in as ${inviteeEmail}.`);
  await guest.emulateMedia({ colorScheme: "dark" });
  await guest.setViewportSize({ width: 390, height: 844 });
  await guest.screenshot({ path: `${SHOTS}/invite-page-dark-phone.png`, fullPage: true, animations: "disabled" });
  await guest.emulateMedia({ colorScheme: "light" });
  await guest.setViewportSize({ width: 1280, height: 720 });
  await guest.getByRole("button", { name: "Accept and join Owner's team" }).click();

  // In the team: its agent, and its waiting approval, which a viewer cannot decide.
  await expect(guest).toHaveURL(/\/agents$/);
  await expect(guest.getByRole("link", { name: "Messenger", exact: true })).toBeVisible();
  await expect(guest.getByTestId("team-switcher").locator("option:checked")).toHaveText("Owner's team (viewer)");
  await guest.getByRole("link", { name: "Approvals" }).click();
  await expect(guest.getByText("Progress at cycle 4").first()).toBeVisible();
  // Its buttons are off, with the reason on the card (the server refuses a viewer's decision too: authz-matrix).
  await expect(guest.getByText("You are a viewer in Owner's team")).toBeVisible();
  await expect(guest.getByRole("button", { name: "Approve send_message for Messenger" })).toBeDisabled();
  // A viewer sees the members but no controls, and no invitations.
  await guest.getByRole("link", { name: "Team", exact: true }).click();
  await expect(guest.getByTestId("member")).toHaveCount(2);
  await expect(guest.getByRole("heading", { name: "Invite people" })).toHaveCount(0);
  await expect(guest.getByRole("combobox", { name: /^Role of/ })).toHaveCount(0);

  // The owner sees the invitation used, and makes the invitee a member.
  await page.reload();
  await expect(page.getByText("No pending invitations.")).toBeVisible();
  const invitee = page.getByTestId("member").filter({ hasText: inviteeEmail });
  await expect(invitee.getByRole("combobox", { name: "Role of Ivy Invitee" })).toHaveValue("viewer");
  await invitee.getByRole("combobox", { name: "Role of Ivy Invitee" }).selectOption("member");
  await expect(page.getByText("Ivy Invitee is now a member.")).toBeVisible();
  await expect(invitee.getByRole("combobox", { name: "Role of Ivy Invitee" })).toHaveValue("member");
  await page.getByRole("button", { name: "Close toast" }).first().click();
  await page.screenshot({ path: `${SHOTS}/team-page-members.png`, fullPage: true, animations: "disabled" });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${SHOTS}/team-page-dark-phone.png`, fullPage: true, animations: "disabled" });
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 1280, height: 720 });

  // Now a member, the invitee approves the message.
  await guest.goto("/approvals");
  await expect(guest.getByText("You are a viewer in Owner's team")).toHaveCount(0);
  await guest.getByLabel("Comment (optional)").fill("Approved as a member.");
  await guest.getByRole("button", { name: "Approve send_message for Messenger" }).click();
  await expect(guest.getByText("Nothing is waiting for you")).toBeVisible({ timeout: 15_000 });

  // The owner's agent went on past the approved message.
  await page.goto("/agents");
  await page.getByRole("link", { name: "Messenger", exact: true }).click();
  await expect.poll(async () => Number(await page.getByTestId("agent-cycles").textContent()), { timeout: 45_000 }).toBeGreaterThan(4);
  await context.close();
});
