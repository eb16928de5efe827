import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import type { ChatCompletionCreateParams } from "openai/resources/chat/completions";
import { inviteAndJoin, photograph, SHOTS, signUp } from "./people";
import { startFakeOpenAI, type FakeOpenAI, type ScriptedReply } from "../fixtures/fake-openai";

/**
 * Issue 19: Team → Model providers. An owner adds a provider on the fake OpenAI-compatible server (as
 * Ollama; 127.0.0.1 is open to model calls in the e2e environment, LONGHAUL_PRIVATE_MODEL_HOSTS in
 * playwright.config.ts) and tests it; a second one on a closed port fails as unreachable. The timeout is
 * edited, a name taken is refused next to the field, a provider an agent uses cannot be deleted, the
 * other can. A viewer sees the page without its controls.
 */
const unique = Date.now().toString(36);

let fake: FakeOpenAI;
let closedUrl = "";

test.beforeAll(async () => {
  // A server that keeps only to max_tokens and reports no usage, so the compatibility found is not OpenAI's.
  fake = await startFakeOpenAI({ latencyMs: 300, behaviour: { outputCap: "max_tokens", usage: false } });
  fake.setResponder((body: ChatCompletionCreateParams): ScriptedReply =>
    Array.isArray(body.tools) && body.tools.length > 0
      ? { kind: "tool_calls", calls: [{ name: "ping", arguments: { value: 7 } }] }
      : { kind: "message", content: Array.from({ length: 300 }, (_, i) => i + 1).join(" ") },
  );
  // A port nobody listens on: take one, then let it go.
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  closedUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/v1`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

test.afterAll(async () => {
  await fake?.stop();
});

test("an owner adds, tests, edits and deletes model providers; a viewer sees them read-only", async ({ page, browser, baseURL }) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1366, height: 900 });
  await signUp(page, "Olive Owner", `owner-${unique}@example.test`);

  // Team → Model providers, empty at first.
  await page.getByRole("link", { name: "Team", exact: true }).click();
  await page.getByRole("navigation", { name: "Team settings" }).getByRole("link", { name: "Model providers" }).click();
  await expect(page).toHaveURL(/\/team\/providers$/);
  await expect(page.getByRole("heading", { name: "Model providers", level: 1 })).toBeVisible();
  await expect(page.getByTestId("providers-empty")).toBeVisible();

  // The Ollama preset fills the address and says what it needs; the browser checks the timeout first.
  await page.getByRole("button", { name: "Add provider" }).click();
  const addForm = page.getByRole("form", { name: "Add a provider" });
  await addForm.getByLabel("Kind").selectOption({ label: "Ollama" });
  await expect(addForm.getByLabel("Base URL")).toHaveValue("http://localhost:11434/v1");
  await expect(addForm.getByLabel("Name", { exact: true })).toHaveValue("Ollama");
  await expect(addForm.getByText("an operator must allow its address (LONGHAUL_PRIVATE_MODEL_HOSTS)")).toBeVisible();
  await addForm.getByLabel("Name", { exact: true }).fill("Local fake");
  await addForm.getByLabel("Base URL").fill(fake.baseURL);
  await addForm.getByLabel("Timeout (seconds)").fill("0");
  await addForm.getByRole("button", { name: "Add header" }).click();
  await addForm.getByLabel("Header 1 name").fill("X-Longhaul-Test");
  await addForm.getByLabel("Header 1 value").fill("e2e-header-value");
  await addForm.getByRole("button", { name: "Add provider" }).click();
  await expect(addForm.getByText("At least 1 second.")).toBeVisible();
  await addForm.getByLabel("Timeout (seconds)").fill("30");
  await page.screenshot({ path: `${SHOTS}/providers-add-form.png`, fullPage: true, animations: "disabled" });
  await addForm.getByRole("button", { name: "Add provider" }).click();

  const local = page.getByTestId("provider").filter({ hasText: "Local fake" });
  await expect(local).toBeVisible();
  await expect(local).toContainText("Ollama");
  await expect(local).toContainText("no key");
  await expect(local).toContainText("X-Longhaul-Test");
  await expect(local).toContainText("30 s");
  await expect(local).toContainText("Not tested yet.");
  await expect(local).not.toContainText("e2e-header-value");

  // Test connection: pending while it runs, then a working result, its checks and models, and the compatibility in words.
  await local.getByRole("button", { name: "Test connection of Local fake" }).click();
  await expect(local.getByRole("button", { name: /^Testing…/ })).toBeVisible();
  await expect(local.getByText("this can take a few seconds")).toBeVisible();
  const result = local.getByTestId("provider-test-result");
  await expect(result).toHaveAttribute("data-ok", "true", { timeout: 30_000 });
  await expect(result).toContainText("Works");
  await expect(result).toContainText(`${fake.baseURL} works`);
  await expect(result.getByTestId("provider-check").filter({ hasText: "Calls tools natively." })).toHaveAttribute("data-ok", "true");
  await expect(result.getByTestId("provider-check").filter({ hasText: "Keeps to the output cap in max_tokens." })).toBeVisible();
  await expect(result.getByTestId("provider-models")).toContainText("gpt-4o-mini");
  await expect(local.getByTestId("provider-compat")).toHaveText("uses max_tokens, native tool calls, usage counted, no streaming needed");
  // The header went with the requests, as set.
  expect(fake.requests.some((r) => r.headers["x-longhaul-test"] === "e2e-header-value")).toBe(true);

  // A second provider on a port nobody listens on, with a key: shown only by its last four characters.
  await page.getByRole("button", { name: "Add provider" }).click();
  await addForm.getByLabel("Kind").selectOption({ label: "vLLM" });
  await addForm.getByLabel("Name", { exact: true }).fill("Closed port");
  await addForm.getByLabel("Base URL").fill(closedUrl);
  await addForm.getByLabel("API key").fill("sk-e2e-closed-W1x9");
  await addForm.getByRole("button", { name: "Add provider" }).click();
  const closed = page.getByTestId("provider").filter({ hasText: "Closed port" });
  await expect(closed).toContainText("set, ends in W1x9");
  await expect(closed).not.toContainText("sk-e2e-closed");
  await closed.getByRole("button", { name: "Test connection of Closed port" }).click();
  const failed = closed.getByTestId("provider-test-result");
  await expect(failed).toHaveAttribute("data-ok", "false", { timeout: 30_000 });
  await expect(failed).toContainText("Failed");
  await expect(failed).toContainText("unreachable");
  await expect(failed.getByTestId("provider-check").first()).toHaveAttribute("data-ok", "false");
  await expect(closed.getByTestId("provider-compat")).toHaveText("not known: no chat call got through (OpenAI's assumed)");
  await photograph(page, "providers-page");

  // Edit: a name already taken is refused by the server next to the field; the timeout changes.
  await local.getByRole("button", { name: "Edit Local fake" }).click();
  const editForm = local.getByRole("form", { name: "Edit Local fake" });
  await expect(local.getByText("Now set: X-Longhaul-Test (values hidden). Headers entered here replace all of them")).toBeVisible();
  await editForm.getByLabel("Name", { exact: true }).fill("Closed port");
  await editForm.getByRole("button", { name: "Save changes" }).click();
  await expect(editForm.locator("[data-field-error$='-name']")).toHaveText("That name is taken.");
  await editForm.getByLabel("Name", { exact: true }).fill("Local fake");
  await expect(editForm.locator("[data-field-error$='-name']")).toHaveCount(0);
  await editForm.getByLabel("Timeout (seconds)").fill("45");
  await photograph(page, "providers-edit-form");
  await editForm.getByRole("button", { name: "Save changes" }).click();
  await expect(editForm).toHaveCount(0);
  await expect(local).toContainText("45 s");
  // The headers were kept (the rows were left empty) and the test result too (same address).
  await expect(local).toContainText("X-Longhaul-Test");
  await expect(local.getByTestId("provider-test-result")).toHaveAttribute("data-ok", "true");

  // An agent on the working provider: deleting it is refused, and the message names the agent.
  await page.goto("/agents/new");
  await page.getByLabel("Name", { exact: true }).fill("Provider user");
  await page.getByLabel("Goal", { exact: true }).fill("Use the local fake model for nothing in particular.");
  await page.getByLabel("Model provider").selectOption({ label: `Local fake (${fake.baseURL})` });
  await page.getByLabel("Model", { exact: true }).fill("gpt-4o-mini");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
  await page.goto("/team/providers");
  await local.getByRole("button", { name: "Delete… Local fake" }).click();
  await local.getByRole("button", { name: "Delete provider" }).click();
  await expect(local.getByTestId("provider-delete-error")).toHaveText(
    '1 agent uses this provider ("Provider user"); move it to another provider first.',
  );
  await expect(local).toBeVisible();

  // Its key is replaced, then removed, apart from the form (provider.rotateKey); only the last four show.
  await closed.getByRole("button", { name: "Edit Closed port" }).click();
  await closed.getByRole("button", { name: "Replace key" }).click();
  await closed.getByLabel("New API key").fill("sk-e2e-rotated-Z7q2");
  await closed.getByRole("button", { name: "Save key" }).click();
  await expect(closed.getByTestId("provider-key-state")).toHaveText("set, ends in Z7q2");
  await closed.getByRole("button", { name: "Remove key…" }).click();
  await closed.getByRole("button", { name: "Remove key", exact: true }).click();
  await expect(closed.getByTestId("provider-key-state")).toHaveText("no key");
  await closed.getByRole("button", { name: "Cancel", exact: true }).click();
  await expect(closed).toContainText("no key");

  // The unused one goes, after a confirmation.
  await closed.getByRole("button", { name: "Delete… Closed port" }).click();
  await expect(closed.getByRole("group", { name: "Confirm deleting Closed port" })).toBeVisible();
  await closed.getByRole("button", { name: "Delete provider" }).click();
  await expect(page.getByTestId("provider")).toHaveCount(1);
  await expect(page.getByTestId("provider").filter({ hasText: "Closed port" })).toHaveCount(0);

  // A viewer, invited by link, sees the provider and its last test but no controls.
  const viewer = await inviteAndJoin(page, browser, baseURL!, {
    role: "viewer",
    name: "Vic Viewer",
    email: `viewer-${unique}@example.test`,
  });
  await viewer.goto("/team/providers");
  const seen = viewer.getByTestId("provider").filter({ hasText: "Local fake" });
  await expect(seen).toContainText("45 s");
  await expect(seen.getByTestId("provider-test-result")).toHaveAttribute("data-ok", "true");
  await expect(viewer.getByTestId("providers-read-only")).toHaveText(
    "You are a viewer here: you can see the providers and their prices. Admins and owners add, change, test, price and delete them.",
  );
  await expect(viewer.getByRole("button", { name: "Add provider" })).toHaveCount(0);
  await expect(viewer.getByRole("button", { name: /^Edit/ })).toHaveCount(0);
  await expect(viewer.getByRole("button", { name: /^Delete/ })).toHaveCount(0);
  await expect(viewer.getByRole("button", { name: /^Test connection/ })).toHaveCount(0);
  await photograph(viewer, "providers-viewer");
  await viewer.context().close();
});
