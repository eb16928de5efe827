import { expect, test, type APIRequestContext } from "@playwright/test";
import { inviteAndJoin, photograph, signUp } from "./people";

/**
 * Issue 19: Team → API tokens. An owner creates a token and sees it once, with a request that uses it
 * at the app's configured URL; after a reload only its prefix is left, in the page and in what the API
 * lists; revoking it asks first. A member is offered no role above their own and the server refuses one
 * asked for anyway; a viewer gets a sentence instead of the controls. And the agent form: moving an
 * agent that a schedule starts to a model priced nowhere is refused at the model field.
 */
const unique = Date.now().toString(36);

/** A tRPC call over HTTP as the app's client makes it (superjson, no batching), with the page's session. */
async function trpc(request: APIRequestContext, path: string, input?: unknown, kind: "query" | "mutation" = "mutation") {
  const response =
    kind === "mutation" ? await request.post(`/api/trpc/${path}`, { data: { json: input } }) : await request.get(`/api/trpc/${path}`);
  return { status: response.status(), text: await response.text() };
}

test("an owner creates a token, sees it once and revokes it; a member cannot make an owner's; a viewer reads why not", async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1366, height: 900 });
  await signUp(page, "Olive Owner", `tokens-owner-${unique}@example.test`);

  // Team → the third tab.
  await page.getByRole("link", { name: "Team", exact: true }).click();
  const tabs = page.getByRole("navigation", { name: "Team settings" });
  await expect(tabs.getByRole("link")).toHaveText([
    "Members",
    "Model providers",
    "MCP servers",
    "Secrets",
    "Channels",
    "Notifications",
    "API tokens",
  ]);
  await tabs.getByRole("link", { name: "Model providers" }).click();
  await expect(page).toHaveURL(/\/team\/providers$/);
  await expect(page.getByTestId("providers-empty")).toBeVisible();
  await photograph(page, "team-providers-tabs");
  await tabs.getByRole("link", { name: "API tokens" }).click();
  await expect(page).toHaveURL(/\/team\/tokens$/);
  await expect(tabs.getByRole("link", { name: "API tokens" })).toHaveAttribute("aria-current", "page");
  await expect(page.getByRole("heading", { name: "API tokens", level: 1 })).toBeVisible();
  await expect(page.getByTestId("api-tokens-empty")).toBeVisible();

  // The form: every role up to the owner's; errors at their fields, from the browser's check first.
  await page.getByRole("button", { name: "Create token" }).click();
  const form = page.getByRole("form", { name: "Create a token" });
  await expect(form.getByLabel("Role").locator("option")).toHaveText(["Viewer", "Member", "Admin", "Owner"]);
  await form.getByLabel("Expires after (days)").fill("0");
  await form.getByRole("button", { name: "Create token" }).click();
  await expect(form.locator('[data-field-error="token-name"]')).toHaveText("Name the token (what uses it).");
  await expect(form.locator('[data-field-error="token-expiresInDays"]')).toHaveText("At least 1 day.");
  await photograph(page, "api-tokens-form-errors");
  await form.getByLabel("Name").fill("Nightly CI");
  await form.getByLabel("Role").selectOption("member");
  await form.getByLabel("Expires after (days)").fill("30");
  await form.getByRole("button", { name: "Create token" }).click();

  // Shown once, with an example at the configured URL (APP_URL of the e2e server is its own address).
  const box = page.getByTestId("new-api-token");
  await expect(box).toContainText("you will not see it again");
  const token = await page.getByTestId("new-api-token-value").inputValue();
  expect(token).toMatch(/^lh_[A-Za-z0-9_-]{43}$/);
  await expect(page.getByTestId("new-api-token-curl")).toHaveText(
    `curl '${baseURL}/api/v1/agents' \\\n  -H 'Authorization: Bearer ${token}'`,
  );
  const row = page.getByTestId("api-token").filter({ hasText: "Nightly CI" });
  await expect(row).toHaveAttribute("data-status", "active");
  await expect(row).toContainText("Member");
  await expect(row).toContainText("by Olive Owner");
  await expect(row.getByTestId("api-token-last-used")).toHaveText("never");
  await expect(row).toContainText("Expires: in 30 days");
  await photograph(page, "api-tokens-created");

  // A reload: the token is gone for good; its prefix names it, in the page and in the API's list.
  await page.reload();
  await expect(page.getByTestId("new-api-token")).toHaveCount(0);
  await expect(row.getByTestId("api-token-prefix")).toHaveText(`${token.slice(0, 9)}…`);
  expect(await page.content()).not.toContain(token);
  const listed = await trpc(page.request, "apiToken.list", undefined, "query");
  expect(listed.status).toBe(200);
  expect(listed.text).toContain(`"prefix":"${token.slice(0, 9)}"`);
  expect(listed.text).not.toContain(token.slice(9));

  // A second token, then revoking the first: asked first, then marked, and the list says so too.
  await page.getByRole("button", { name: "Create token" }).click();
  await form.getByLabel("Name").fill("Deploy bot");
  await form.getByRole("button", { name: "Create token" }).click();
  await expect(page.getByTestId("new-api-token")).toContainText("Deploy bot");
  await page.getByRole("button", { name: "Done" }).click();
  await row.getByRole("button", { name: "Revoke… Nightly CI" }).click();
  await expect(row.getByRole("group", { name: "Confirm revoking Nightly CI" })).toContainText("Whatever uses it is refused from now on");
  await row.getByRole("button", { name: "Revoke token" }).click();
  await expect(row).toHaveAttribute("data-status", "revoked");
  await expect(row).toContainText("Revoked:");
  await expect(row.getByRole("button", { name: /^Revoke/ })).toHaveCount(0);
  const afterRevoke = JSON.parse((await trpc(page.request, "apiToken.list", undefined, "query")).text) as {
    result: { data: { json: { name: string; status: string }[] } };
  };
  expect(afterRevoke.result.data.json.map((t) => [t.name, t.status])).toEqual([
    ["Deploy bot", "active"],
    ["Nightly CI", "revoked"],
  ]);
  await photograph(page, "api-tokens");

  // A member: offered their role and below; an owner's token asked for by hand is refused by the server.
  const member = await inviteAndJoin(page, browser, baseURL!, {
    role: "member",
    name: "Mia Member",
    email: `tokens-member-${unique}@example.test`,
  });
  await member.goto("/team/tokens");
  await member.getByRole("button", { name: "Create token" }).click();
  await expect(member.getByLabel("Role").locator("option")).toHaveText(["Viewer", "Member"]);
  const refused = await trpc(member.request, "apiToken.create", { name: "Sneaky", role: "owner" });
  expect(refused.status).toBe(403);
  expect(refused.text).toContain("A token cannot act with more than your own role (member).");
  // The owner's tokens are listed for the member, but only the member's own could be revoked.
  await expect(member.getByTestId("api-token").filter({ hasText: "Deploy bot" })).toBeVisible();
  await expect(member.getByRole("button", { name: /^Revoke/ })).toHaveCount(0);
  await member.context().close();

  // A viewer: the page explains, and offers nothing.
  const viewer = await inviteAndJoin(page, browser, baseURL!, {
    role: "viewer",
    name: "Vic Viewer",
    email: `tokens-viewer-${unique}@example.test`,
  });
  await viewer.goto("/team/tokens");
  await expect(viewer.getByTestId("api-tokens-read-only")).toContainText("You are a viewer here.");
  await expect(viewer.getByRole("button", { name: "Create token" })).toHaveCount(0);
  await expect(viewer.getByTestId("api-token")).toHaveCount(0);
  await photograph(viewer, "api-tokens-viewer");
  await viewer.context().close();
});

test("the agent form refuses, at the model field, moving an agent a schedule starts to a model priced nowhere", async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1366, height: 900 });
  await signUp(page, "Pia Pricer", `price-edit-${unique}@example.test`);
  // A provider (an address nobody answers is fine: nothing is called).
  await page.goto("/team/providers");
  await page.getByRole("button", { name: "Add provider" }).click();
  const addForm = page.getByRole("form", { name: "Add a provider" });
  await addForm.getByLabel("Kind").selectOption({ label: "vLLM" });
  await addForm.getByLabel("Name", { exact: true }).fill("Lab vLLM");
  await addForm.getByLabel("Base URL").fill("https://vllm.lab.example.test/v1");
  await addForm.getByRole("button", { name: "Add provider" }).click();
  await expect(page.getByTestId("provider").filter({ hasText: "Lab vLLM" })).toBeVisible();

  // An agent on the simulator that a schedule starts on weekdays.
  await page.goto("/agents/new");
  await page.getByLabel("Name", { exact: true }).fill("Weekday reader");
  await page.getByLabel("Goal", { exact: true }).fill("Read the changelog every weekday and note what changed.");
  await page.getByLabel("Schedule (cron)").fill("0 9 * * 1-5");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);

  await page.goto(`${page.url()}/edit`);
  await page.getByLabel("Model provider").selectOption({ label: "Lab vLLM (https://vllm.lab.example.test/v1)" });
  await page.getByLabel("Model", { exact: true }).fill("qwen2.5-72b-instruct");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.locator('[data-field-error="agent-model"]')).toContainText(
    "qwen2.5-72b-instruct has no price on Lab vLLM: set its price per million tokens on the providers page (or mark it free)",
  );
  await expect(page.getByLabel("Model", { exact: true })).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByTestId("model-price-link").getByRole("link")).toHaveAttribute("href", "/team/providers");
  await photograph(page, "agent-form-model-unpriced");
});
