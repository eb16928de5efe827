import { expect, test } from "@playwright/test";
import { startChannelReceiver, type ReceivedRequest } from "../fixtures/channel-receiver";
import { keepOnlyTools, signUp } from "./people";

/**
 * Issue 21 end to end, as a team would set it up: an owner adds a webhook channel (a real receiver on
 * 127.0.0.2, the one private address the e2e app allows), sends a test, makes a notification rule for
 * approvals, and creates an agent whose messages need approval and go to that channel. The approval
 * notification reaches the receiver with a signed Approve link; opening it in the browser and clicking
 * Approve lets the agent go on, and its message arrives at the receiver. The delivery log shows both.
 */
const DOCS = "docs/screenshots";
const unique = Date.now().toString(36);

type Body = { title?: string; data?: { kind?: string }; actions?: { label: string; url: string }[] };
const bodyOf = (request: ReceivedRequest) => (request.json ?? {}) as Body;

async function firstRequest(requests: ReceivedRequest[], matches: (body: Body) => boolean, timeoutMs = 120_000) {
  await expect.poll(() => requests.some((r) => matches(bodyOf(r))), { timeout: timeoutMs }).toBe(true);
  return requests.find((r) => matches(bodyOf(r)))!;
}

test("a webhook channel gets a test, an approval notification whose link approves, then the agent's message", async ({ page }) => {
  test.setTimeout(300_000);
  const receiver = await startChannelReceiver({ host: "127.0.0.2" });
  try {
    await page.setViewportSize({ width: 1366, height: 900 });
    await signUp(page, "Olga Owner", `flow-owner-${unique}@example.test`);

    // The channel, and its test.
    await page.goto("/team/channels");
    await page.getByRole("button", { name: "Add channel" }).click();
    const form = page.getByRole("form", { name: "Add a channel" });
    await form.getByLabel("Name").fill("Team hook");
    await form.getByLabel("Receiver URL").fill(`${receiver.url}/hooks/longhaul`);
    await form.getByRole("button", { name: "Add channel" }).click();
    await expect(page.getByTestId("channel-signing-secret")).toBeVisible();
    await page.getByTestId("channel-signing-secret").getByRole("button", { name: "Done" }).click();
    const card = page.locator('[data-testid="channel"][data-name="Team hook"]');
    await card.getByRole("button", { name: "Send test to Team hook" }).click();
    await expect(card.getByRole("status")).toHaveText(/^Delivered in \d+ ms \(HTTP 200\)\.$/);

    // A rule: approvals and questions to the channel, each at once.
    await page.goto("/team/notifications");
    await page.getByRole("button", { name: "Add rule" }).click();
    const rule = page.getByRole("form", { name: "Add a rule" });
    await rule.getByLabel("Name").fill("Approvals to the hook");
    await rule.getByLabel("Team hook").check();
    await rule.getByLabel("Minimum interval (seconds)").fill("0");
    await rule.getByRole("button", { name: "Add rule" }).click();
    await expect(page.locator('[data-testid="notification-rule"][data-name="Approvals to the hook"]')).toContainText("Team hook");

    // An agent whose messages need approval and go to the channel.
    await page.goto("/agents");
    await page.getByRole("link", { name: "New agent" }).click();
    await page.getByLabel("Name", { exact: true }).fill("Courier");
    await page.getByLabel("Goal", { exact: true }).fill("Report progress to the team's hook, with a person's approval.");
    await page.getByLabel("Cooldown between cycles (s)").fill("0");
    await page.getByLabel("Cycle limit").fill("6");
    await keepOnlyTools(page, ["Search memory", "Remember", "Update world state", "Send message"]);
    await page.getByLabel("Approval for Send message").selectOption({ label: "Ask every time" });
    await page
      .getByTestId("agent-channels")
      .getByRole("checkbox", { name: /Team hook/ })
      .check();
    await page.getByTestId("agent-channels").screenshot({ path: `${DOCS}/agent-form-channels.png`, animations: "disabled" });
    await page.getByRole("button", { name: "Create agent" }).click();
    await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
    await page.getByRole("button", { name: "Start" }).click();

    // The notification arrives with a signed Approve link.
    const notification = await firstRequest(receiver.requests, (b) => b.data?.kind === "approval_requested");
    expect(bodyOf(notification).title).toContain("Courier");
    const approve = bodyOf(notification).actions?.find((a) => a.label === "Approve");
    expect(approve?.url).toMatch(/\/approve\/lha_[\w-]+\?do=approve$/);
    expect(receiver.requests.some((r) => bodyOf(r).data?.kind === "agent_message")).toBe(false);

    // Opened in the browser (signed in as the owner): what will be approved, then the click.
    await page.goto(approve!.url);
    await expect(page.getByTestId("approval-args")).toContainText("Progress at cycle");
    await expect(page.getByTestId("link-intent")).toContainText("Nothing is decided yet");
    await page.screenshot({ path: `${DOCS}/approve-from-notification.png`, fullPage: true, animations: "disabled" });
    await page.getByRole("button", { name: "Approve send_message for Courier" }).click();
    await expect(page.getByTestId("link-decided")).toContainText("Approved by Olga Owner");

    // The agent goes on: its message reaches the receiver, once, with the agent named.
    const message = await firstRequest(receiver.requests, (b) => b.data?.kind === "agent_message");
    expect(bodyOf(message).title).toMatch(/^Progress at cycle \d+$/);
    const key = message.headers["idempotency-key"];
    await page.waitForTimeout(2000);
    expect(receiver.requests.filter((r) => r.headers["idempotency-key"] === key)).toHaveLength(1);

    // The delivery log lists the test, the notification and the message, each delivered.
    await page.goto("/team/channels");
    const log = page.getByTestId("delivery-log");
    const messageRow = log.getByTestId("delivery").filter({ hasText: "Agent message to Team hook" });
    await expect(messageRow).toContainText(bodyOf(message).title!);
    await expect(messageRow).toContainText("Delivered");
    await expect(log.getByTestId("delivery").filter({ hasText: "Test message from Longhaul" })).toContainText("Delivered");
    await expect(
      log.getByTestId("delivery").filter({ hasText: 'Courier asks for approval: send_message "Progress at cycle' }),
    ).toContainText("Delivered");
    await messageRow.getByText("Attempts and what was sent").click();
    await log.screenshot({ path: `${DOCS}/delivery-log.png`, animations: "disabled" });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.setViewportSize({ width: 390, height: 844 });
    await log.screenshot({ path: `${DOCS}/delivery-log-phone-dark.png`, animations: "disabled" });
    // No approval token is shown in the log.
    expect(await log.innerText()).not.toMatch(/lha_[\w-]{20,}/);
  } finally {
    await receiver.close();
  }
});
