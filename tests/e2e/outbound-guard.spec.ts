import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import type { ChatCompletionCreateParams } from "openai/resources/chat/completions";
import { startFakeOpenAI, type FakeOpenAI, type ScriptedReply } from "../fixtures/fake-openai";

/**
 * Issue 17: an agent whose http_get allow-list names 127.0.0.1 asks for a "metadata" server on loopback.
 * The outbound guard refuses it (the app runs without LONGHAUL_PRIVATE_TOOL_HOSTS), the server receives
 * no connection, and the timeline says "refused: private address", not a network error. The model is the
 * fake OpenAI-compatible server on 127.0.0.1, which the e2e environment opens to model calls only
 * (LONGHAUL_PRIVATE_MODEL_HOSTS in playwright.config.ts).
 */
const SHOTS = "tests/e2e/screenshots";
const unique = Date.now().toString(36);

let fake: FakeOpenAI;
let metadata: http.Server;
let metadataConnections = 0;
let metadataUrl = "";

test.beforeAll(async () => {
  metadata = http.createServer((_req, res) => res.end("iam-role-credentials"));
  metadata.on("connection", () => (metadataConnections += 1));
  await new Promise<void>((resolve) => metadata.listen(0, "127.0.0.1", resolve));
  metadataUrl = `http://127.0.0.1:${(metadata.address() as AddressInfo).port}/latest/meta-data/`;

  fake = await startFakeOpenAI();
  // First the fetch, then (having seen its result in the prompt) finish.
  fake.setResponder((body: ChatCompletionCreateParams): ScriptedReply => {
    const prompt = JSON.stringify(body.messages);
    return prompt.includes("refused: private address")
      ? { kind: "tool_calls", calls: [{ name: "finish", arguments: { result: "The metadata server is off limits.", isSuccess: false } }] }
      : { kind: "tool_calls", calls: [{ name: "http_get", arguments: { url: metadataUrl } }] };
  });
});

test.afterAll(async () => {
  await fake?.stop();
  metadata?.closeAllConnections();
  await new Promise<void>((resolve) => metadata?.close(() => resolve()));
});

test("a refused http_get shows in the timeline as 'refused: private address'", async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto("/sign-up");
  await page.getByLabel("Name", { exact: true }).fill("Guard Tester");
  await page.getByLabel("Email").fill(`guard-${unique}@example.test`);
  await page.getByLabel("Password").fill("long-enough-password-7");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/agents$/);

  // Created through the app's own API, from the signed-in page (the Model providers page has its own spec).
  const created = await page.evaluate(async (baseUrl) => {
    const response = await fetch("/api/trpc/provider.create", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: { name: "Fake model", baseUrl, apiKey: "sk-e2e-guard" } }),
    });
    return response.status;
  }, fake.baseURL);
  expect(created).toBe(200);

  await page.getByRole("link", { name: "New agent" }).click();
  await page.getByLabel("Name", { exact: true }).fill("Metadata prober");
  await page.getByLabel("Goal", { exact: true }).fill("Read the cloud metadata service and report what it says.");
  await page.getByLabel("Model provider").selectOption({ label: `Fake model (${fake.baseURL})` });
  await page.getByLabel("Model", { exact: true }).fill("gpt-4o-mini");
  await page.getByLabel("Money limit (USD)").fill("2");
  await page.getByLabel("Cooldown between cycles (s)").fill("0");
  for (const label of ["Search memory", "Remember", "Update world state", "Send message", "Ask a person"]) {
    await page.getByRole("checkbox", { name: new RegExp(`^${label}`) }).uncheck();
  }
  await page.getByRole("checkbox", { name: /^HTTP GET/ }).check();
  await page.getByLabel("Approval for HTTP GET").selectOption({ label: "Run without asking" });
  // The member's allow-list names loopback; it never opens a private address (only the operator can).
  await page.getByLabel("Hosts it may fetch from").fill("127.0.0.1");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);

  await expect(page.getByTestId("agent-name")).toHaveText("Metadata prober");
  await page.getByRole("button", { name: "Start" }).click();

  const first = page.locator('[data-testid="cycle"][data-cycle="1"]');
  await expect(first).toBeVisible({ timeout: 45_000 });
  await expect(first.getByTestId("cycle-result")).toHaveText("refused: private address");
  await first.locator("summary").click();
  await expect(first).toContainText("Result: refused: private address");
  await expect(first).toContainText(
    "refused: private address (127.0.0.1 is a loopback address; an operator can allow it with LONGHAUL_PRIVATE_TOOL_HOSTS)",
  );
  await expect(first).not.toContainText("fetch failed");
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "completed", { timeout: 45_000 });
  await page.screenshot({ path: `${SHOTS}/outbound-refused.png`, fullPage: true });
  expect(metadataConnections).toBe(0);
});
