import { expect, test, type APIRequestContext, type Browser, type Page } from "@playwright/test";
import { approvalLinkFor } from "./approval-link-helper";
import { axeFindings, expectNoSeriousViolations } from "./axe";
import { signUp } from "./people";

/**
 * The accessibility pass (issue 22): every page of the app, in light and dark, at 1366 px and on a 390 px
 * phone, through axe-core; no serious or critical violation anywhere. Every finding (minor ones too) is
 * printed at the end.
 */
const unique = Date.now().toString(36);

const MODES = [
  { name: "1366 light", viewport: { width: 1366, height: 900 }, colorScheme: "light" },
  { name: "1366 dark", viewport: { width: 1366, height: 900 }, colorScheme: "dark" },
  { name: "390 light", viewport: { width: 390, height: 844 }, colorScheme: "light" },
  { name: "390 dark", viewport: { width: 390, height: 844 }, colorScheme: "dark" },
] as const;

/** The page as it is now, in every mode; back to 1366 light after. */
async function audit(page: Page, where: string) {
  for (const mode of MODES) {
    await page.setViewportSize(mode.viewport);
    await page.emulateMedia({ colorScheme: mode.colorScheme, reducedMotion: "reduce" });
    await expectNoSeriousViolations(page, `${where} (${mode.name})`);
  }
  await page.setViewportSize(MODES[0].viewport);
  await page.emulateMedia({ colorScheme: "light" });
}

async function trpc<T>(request: APIRequestContext, path: string, input: unknown): Promise<T> {
  const response = await request.post(`/api/trpc/${path}`, { data: { json: input } });
  const body = (await response.json()) as { result?: { data: { json: T } }; error?: { json: { message: string } } };
  if (!response.ok() || !body.result) throw new Error(`${path} failed (${response.status()}): ${body.error?.json.message ?? "no body"}`);
  return body.result.data.json;
}

async function signedOut(browser: Browser, baseURL: string) {
  const context = await browser.newContext({ baseURL, viewport: MODES[0].viewport });
  return { context, page: await context.newPage() };
}

test.afterAll(() => {
  console.log(`axe findings (${axeFindings.length}):\n${axeFindings.join("\n")}`);
});

test("every page has no serious or critical accessibility violation, in light and dark, at 1366 and 390 px", async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(900_000);
  await page.setViewportSize(MODES[0].viewport);

  const visitor = await signedOut(browser, baseURL!);
  await visitor.page.goto("/sign-in");
  await expect(visitor.page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await audit(visitor.page, "sign-in");
  await visitor.page.goto("/sign-up");
  await expect(visitor.page.getByRole("heading", { name: "Create your account" })).toBeVisible();
  await audit(visitor.page, "sign-up");

  await signUp(page, "Ada Access", `ada-${unique}@example.test`);
  await expect(page.getByTestId("agents-empty")).toBeVisible();
  await audit(page, "agents list, empty");

  await page.getByRole("link", { name: "New agent" }).click();
  await expect(page.getByRole("button", { name: "Create agent" })).toBeVisible();
  await audit(page, "new agent");
  await page.getByLabel("Name", { exact: true }).fill("Access agent");
  await page.getByLabel("Goal", { exact: true }).fill("Walk through the simulator's script and report progress.");
  await page.getByLabel("Money limit (USD)").fill("2");
  await page.getByLabel("Cooldown between cycles (s)").fill("0");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
  const agentUrl = new URL(page.url()).pathname;
  const agentId = agentUrl.split("/").pop()!;
  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "waiting_approval", { timeout: 60_000 });

  for (const tab of ["Timeline", "Memory", "State", "Budget", "Runs", "Triggers", "Share"]) {
    await page.getByRole("tab", { name: tab }).click();
    await expect(page.getByRole("tab", { name: tab })).toHaveAttribute("aria-selected", "true");
    await expect(page.getByRole("tabpanel").filter({ visible: true })).toBeVisible();
    await page.waitForLoadState("networkidle");
    await audit(page, `agent page, ${tab} tab`);
  }

  await page.goto(`${agentUrl}/edit`);
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue("Access agent");
  await audit(page, "edit agent");
  await page.goto("/agents/import");
  await expect(page.getByRole("heading", { name: "Import an agent's history" })).toBeVisible();
  await audit(page, "import");
  await page.goto("/agents");
  await expect(page.getByTestId("agent-row")).toHaveCount(1);
  await audit(page, "agents list");

  await page.goto("/approvals");
  await expect(page.getByTestId("approval-item").first()).toBeVisible();
  await audit(page, "approvals");
  await page.goto("/audit");
  await expect(page.locator('[data-testid="audit-row"]').first()).toBeVisible();
  await audit(page, "audit log");

  await page.goto("/team");
  await page.getByLabel("Email").fill(`guest-${unique}@example.test`);
  await page.getByRole("button", { name: "Create invitation link" }).click();
  const inviteLink = await page.getByTestId("invite-link").inputValue();
  await audit(page, "team");
  for (const [path, name] of [
    ["/team/providers", "model providers"],
    ["/team/channels", "channels"],
    ["/team/mcp", "MCP servers"],
    ["/team/notifications", "notifications"],
    ["/team/secrets", "secrets"],
    ["/team/tokens", "API tokens"],
    ["/teams/new", "new team"],
  ] as const) {
    await page.goto(path);
    await expect(page.locator("main h1").first()).toBeVisible();
    await page.waitForLoadState("networkidle");
    await audit(page, name);
  }

  await page.goto("/no-such-page");
  await expect(page.getByTestId("not-found")).toBeVisible();
  await audit(page, "404");
  await page.goto(`/agents/${crypto.randomUUID()}`);
  await expect(page.getByTestId("not-found")).toBeVisible();
  await audit(page, "404 inside the app");

  const { token } = await approvalLinkFor("Access agent");
  await page.goto(`/approve/${token}`);
  await expect(page.getByTestId("approval-item")).toBeVisible();
  await audit(page, "approval link");

  const share = await trpc<{ path: string }>(page.request, "share.create", { agentId });
  await visitor.page.goto(share.path);
  await expect(visitor.page.getByTestId("shared-agent-name")).toHaveText("Access agent");
  await audit(visitor.page, "share page");
  await visitor.page.goto(inviteLink);
  await expect(visitor.page.getByRole("link", { name: "Create an account" })).toBeVisible();
  await audit(visitor.page, "invitation");
  await visitor.context.close();
});
