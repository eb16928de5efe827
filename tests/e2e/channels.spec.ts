import { createHmac, timingSafeEqual } from "node:crypto";
import { copyFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { startChannelReceiver } from "../fixtures/channel-receiver";
import { inviteAndJoin, photograph, SHOTS, signUp } from "./people";

/**
 * Issue 21: Team → Channels. An admin adds an outgoing webhook pointing at a real receiver on 127.0.0.2
 * (the one private address the e2e app allows tools and channels), sees its signing secret once,
 * sends a test and reads the sentence; the receiver got a request signed with that secret. A viewer
 * sees the channel, never its URL, and no controls.
 */
const unique = Date.now().toString(36);

test("an admin adds a signed webhook channel and sends a test; a viewer reads it only", async ({ page, browser, baseURL }) => {
  test.setTimeout(240_000);
  const receiver = await startChannelReceiver({ host: "127.0.0.2" });
  try {
    await page.setViewportSize({ width: 1366, height: 900 });
    await signUp(page, "Oona Owner", `channels-owner-${unique}@example.test`);
    const admin = await inviteAndJoin(page, browser, baseURL!, {
      role: "admin",
      name: "Ada Admin",
      email: `channels-admin-${unique}@example.test`,
    });

    await admin.getByRole("link", { name: "Team", exact: true }).click();
    await admin.getByRole("navigation", { name: "Team settings" }).getByRole("link", { name: "Channels" }).click();
    await expect(admin).toHaveURL(/\/team\/channels$/);
    await expect(admin.getByTestId("channels-empty")).toBeVisible();

    await admin.getByRole("button", { name: "Add channel" }).click();
    const form = admin.getByRole("form", { name: "Add a channel" });
    await form.getByLabel("Name").fill("Ops receiver");
    await form.getByLabel("Receiver URL").fill("not a url");
    await form.getByRole("button", { name: "Add channel" }).click();
    await expect(form.locator('[data-field-error="channel-new-url"]')).toHaveText("Enter an http(s) URL like https://hooks.example.com/…");
    const url = `${receiver.url}/longhaul/events`;
    await form.getByLabel("Receiver URL").fill(url);
    await form.getByRole("button", { name: "Add channel" }).click();

    // The signing secret, this once.
    const box = admin.getByTestId("channel-signing-secret");
    await expect(box).toContainText("you will not see it again");
    const secret = await admin.getByTestId("channel-signing-secret-value").inputValue();
    expect(secret).toMatch(/^lhsig_[\w-]{43}$/);
    const card = admin.locator('[data-testid="channel"][data-name="Ops receiver"]');
    await expect(card.getByTestId("channel-target")).toHaveText(`127.0.0.2:${receiver.port} …ents`);

    await card.getByRole("button", { name: "Send test to Ops receiver" }).click();
    await expect(card.getByRole("status")).toHaveText(/^Delivered in \d+ ms \(HTTP 200\)\.$/);
    await expect(card.getByTestId("channel-last-test")).toContainText("Delivered in");
    const [request] = await receiver.waitForRequests(1);
    expect(request!.path).toBe("/longhaul/events");
    const match = /^t=(\d+),sha256=([0-9a-f]{64})$/.exec(String(request!.headers["x-longhaul-signature"]))!;
    const expected = createHmac("sha256", secret)
      .update(`${match[1]}.${String(request!.headers["x-longhaul-delivery"])}.`)
      .update(request!.raw)
      .digest();
    expect(timingSafeEqual(expected, Buffer.from(match[2]!, "hex"))).toBe(true);
    expect(request!.json).toMatchObject({ title: "Test message from Longhaul", attempt: 1 });

    await box.getByRole("button", { name: "Done" }).click();
    await expect(box).toHaveCount(0);
    await admin.reload();
    expect(await admin.content()).not.toContain(secret);
    expect(await admin.content()).not.toContain("/longhaul/events");
    await photograph(admin, "channels-page");
    await copyFile(`${SHOTS}/channels-page.png`, "docs/screenshots/channels-page.png");
    await copyFile(`${SHOTS}/channels-page-dark-phone.png`, "docs/screenshots/channels-page-phone-dark.png");
    await admin.context().close();

    const viewer = await inviteAndJoin(page, browser, baseURL!, {
      role: "viewer",
      name: "Val Viewer",
      email: `channels-viewer-${unique}@example.test`,
    });
    await viewer.goto("/team/channels");
    await expect(viewer.getByTestId("channels-read-only")).toContainText("You are a viewer here");
    const seen = viewer.locator('[data-testid="channel"][data-name="Ops receiver"]');
    await expect(seen.getByTestId("channel-last-test")).toContainText("Delivered in");
    await expect(seen.getByRole("button")).toHaveCount(0);
    await expect(viewer.getByRole("button", { name: "Add channel" })).toHaveCount(0);
    await viewer.context().close();
  } finally {
    await receiver.close();
  }
});
