import { expect, test, type APIRequestContext } from "@playwright/test";

/**
 * Share links: a signed-in member runs a simulator agent, makes links through the app's tRPC API
 * (with the browser's session cookie), and a signed-out visitor opens them. Redacted data must be
 * absent from the served HTML itself, not just hidden by the page.
 */
const SHOTS = "tests/e2e/screenshots";
const unique = Date.now().toString(36);
const INVALID = "This share link is not valid. It may have expired or been revoked.";

/** Calls a tRPC procedure over HTTP the way the app's client does (superjson, one call, no batching). */
async function trpc<T>(request: APIRequestContext, path: string, input: unknown, kind: "query" | "mutation" = "mutation"): Promise<T> {
  const response =
    kind === "mutation"
      ? await request.post(`/api/trpc/${path}`, { data: { json: input } })
      : await request.get(`/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`);
  const body = (await response.json()) as { result?: { data: { json: T } }; error?: { json: { message: string } } };
  if (!response.ok() || !body.result) throw new Error(`${path} failed (${response.status()}): ${body.error?.json.message ?? "no body"}`);
  return body.result.data.json;
}

type Created = { path: string; link: { id: string } };

test("a shared history opens signed out, redaction removes data from the HTML, a revoked link is invalid", async ({
  page,
  browser,
  playwright,
  baseURL,
}) => {
  test.setTimeout(150_000);
  await page.goto("/sign-up");
  await page.getByLabel("Name", { exact: true }).fill("Share Tester");
  await page.getByLabel("Email").fill(`share-${unique}@example.test`);
  await page.getByLabel("Password").fill("long-enough-password-7");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/agents$/);

  // A simulator agent: cycle 1 sets its world state (phase "exploring"), cycle 2 remembers
  // "Working on: <goal>", cycle 3 searches memory (and finds that fact); cycle 4 waits for a person.
  const agent = await trpc<{ id: string }>(page.request, "agent.create", {
    name: "Pricing watcher",
    goal: "Compare the plans on three pricing pages.",
    model: "simulator-1",
    budgetUsd: 2,
    cooldownSeconds: 0,
  });
  await trpc(page.request, "agent.start", { id: agent.id });
  await expect
    .poll(async () => (await trpc<{ status: string }>(page.request, "agent.byId", { id: agent.id }, "query")).status, { timeout: 60_000 })
    .toBe("waiting_approval");

  const plain = await trpc<Created>(page.request, "share.create", { agentId: agent.id });
  const redacted = await trpc<Created>(page.request, "share.create", { agentId: agent.id, redactToolData: true, redactMemories: true });
  const toRevoke = await trpc<Created>(page.request, "share.create", { agentId: agent.id });

  // The served HTML, fetched with no cookies at all.
  const anonymous = await playwright.request.newContext({ baseURL });
  const plainHtml = await (await anonymous.get(plain.path)).text();
  const redactedResponse = await anonymous.get(redacted.path);
  expect(redactedResponse.status()).toBe(200);
  const redactedHtml = await redactedResponse.text();
  // Tool data (world state arguments, the fact's key names) and memory contents ("Working on: …").
  const secrets = ["exploring", "Working on:", "lastCycle", "working on"];
  for (const text of secrets) expect(plainHtml, `the unredacted page shows ${text}`).toContain(text);
  for (const text of secrets) expect(redactedHtml, `the redacted page must not contain ${text}`).not.toContain(text);
  expect(redactedHtml).toContain("Simulated step 2: remember.");
  expect(redactedHtml).toContain("hidden by this link");

  // A fresh signed-out browser sees the timeline, with no way to act on the agent.
  const visitor = await browser.newContext();
  const shared = await visitor.newPage();
  await shared.goto(plain.path);
  await expect(shared).toHaveURL(new RegExp(`${plain.path}$`));
  await expect(shared.getByTestId("shared-agent-name")).toHaveText("Pricing watcher");
  await expect(shared.getByTestId("shared-agent-status")).toHaveAttribute("data-status", "waiting_approval");
  for (const cycle of [1, 2, 3]) await expect(shared.locator(`[data-testid="shared-cycle"][data-cycle="${cycle}"]`)).toBeVisible();
  await expect(shared.locator('[data-testid="shared-cycle"][data-cycle="2"]')).toContainText("Working on:");
  await expect(shared.getByRole("button")).toHaveCount(0);
  await shared.screenshot({ path: `${SHOTS}/share-plain.png`, fullPage: true });
  await visitor.close();

  // Phone screenshots of the redacted link, light and dark.
  for (const scheme of ["light", "dark"] as const) {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: scheme, deviceScaleFactor: 2 });
    const view = await phone.newPage();
    await view.goto(redacted.path);
    await expect(view.getByTestId("shared-redaction")).toBeVisible();
    await expect(view.locator("[data-redacted]").first()).toBeVisible();
    await view.screenshot({ path: `${SHOTS}/share-${scheme}-phone.png`, fullPage: true });
    await phone.close();
  }

  // Revoked: the same page as for a link that never existed, with a 404.
  await trpc(page.request, "share.revoke", { id: toRevoke.link.id });
  for (const path of [toRevoke.path, "/share/not-a-real-token"]) {
    const response = await anonymous.get(path);
    expect(response.status()).toBe(404);
    expect(await response.text()).toContain(INVALID);
  }
  const gone = await browser.newContext();
  const revokedPage = await gone.newPage();
  await revokedPage.goto(toRevoke.path);
  await expect(revokedPage.getByTestId("share-invalid")).toContainText(INVALID);
  await expect(revokedPage.getByTestId("shared-agent-name")).toHaveCount(0);
  await revokedPage.screenshot({ path: `${SHOTS}/share-invalid.png`, fullPage: true });
  await gone.close();
  await anonymous.dispose();
});
