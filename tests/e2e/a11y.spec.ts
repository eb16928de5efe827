import { expect, test, type APIRequestContext, type Browser, type Page } from "@playwright/test";
import { copyFile } from "node:fs/promises";
import { approvalLinkFor } from "./approval-link-helper";
import { axeFindings, expectNoSeriousViolations } from "./axe";
import { photograph, SHOTS, signUp } from "./people";

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

/** A screenshot pair from `photograph` into docs/screenshots (`<name>.png`, `<name>-phone-dark.png`). */
async function keepScreenshot(page: Page, name: string) {
  await photograph(page, name);
  await copyFile(`${SHOTS}/${name}.png`, `docs/screenshots/${name}.png`);
  await copyFile(`${SHOTS}/${name}-dark-phone.png`, `docs/screenshots/${name}-phone-dark.png`);
}

async function createAgent(page: Page, name: string) {
  await page.goto("/agents/new");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Goal", { exact: true }).fill("Walk through the simulator's script and report progress.");
  await page.getByLabel("Money limit (USD)").fill("2");
  await page.getByLabel("Cooldown between cycles (s)").fill("0");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
  return new URL(page.url()).pathname;
}

test("the overview, the activity, a cycle's trace, the command palette, the shortcuts, the fork form and the archive and delete confirmations pass axe", async ({
  page,
}) => {
  test.setTimeout(600_000);
  await page.setViewportSize(MODES[0].viewport);
  await signUp(page, "Ines Inspector", `ines-${unique}@example.test`);
  const spare = await createAgent(page, "Spare agent");
  await createAgent(page, "Traced agent");
  await page.getByRole("button", { name: "Start" }).click();
  // Cycles 1-3 run; cycle 4 asks a person and waits.
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "waiting_approval", { timeout: 60_000 });

  const second = page.locator('[data-testid="cycle"][data-cycle="2"]');
  await second.locator("details > summary").first().click();
  await second.getByTestId("open-trace").click();
  await expect(second.getByTestId("trace-spans")).toBeVisible();
  await expect(second.getByTestId("trace-reply")).toBeVisible();
  await audit(page, "cycle trace");
  await second.locator("details > summary").first().click();

  // The command palette, open on the agent page (its agent's actions, the agents, the pages).
  await page.keyboard.press("Control+k");
  const palette = page.getByRole("dialog", { name: "Command palette" });
  await expect(palette.getByPlaceholder("Jump to an agent, or type a command…")).toBeFocused();
  await expect(palette.getByRole("option", { name: /Traced agent/ })).toBeVisible();
  await expect(palette.getByRole("option", { name: "Pause this agent" })).toBeVisible();
  // Its lists load while it opens; axe once measured a group mid-render on a loaded machine (a contrast
  // finding on elements about to be replaced), so it looks once they have all arrived.
  await page.waitForLoadState("networkidle");
  await audit(page, "command palette");
  await keepScreenshot(page, "command-palette");
  await page.keyboard.press("Escape");
  await expect(palette).toBeHidden();

  await page.locator("body").click({ position: { x: 5, y: 5 } });
  await page.keyboard.press("?");
  await expect(page.getByTestId("shortcuts-help")).toBeVisible();
  await audit(page, "shortcuts dialog");
  await keepScreenshot(page, "shortcuts-help");
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("shortcuts-help")).toBeHidden();

  // The fork form, from the end of cycle 2.
  await page.getByRole("tab", { name: "State" }).click();
  const forkAny = page.getByTestId("fork-any-cycle");
  await forkAny.getByLabel("Fork from the end of cycle").fill("2");
  await forkAny.getByRole("button", { name: "Fork…" }).click();
  await expect(forkAny.getByLabel("World state (JSON)")).toBeVisible();
  await audit(page, "fork form");
  await keepScreenshot(page, "fork-dialog");

  // The agent page's delete confirmation (the name to type).
  await page.goto(spare);
  const lifecycle = page.getByTestId("agent-lifecycle");
  await lifecycle.getByRole("button", { name: "Delete…" }).click();
  await expect(lifecycle.getByLabel("Type the agent's name to confirm")).toBeVisible();
  await audit(page, "delete confirmation on the agent page");
  await keepScreenshot(page, "agent-delete-confirm");

  // The agents list: both ticked, the bulk bar's archive and delete.
  await page.goto("/agents");
  await page.getByLabel("Select all agents on this page").check();
  const bar = page.getByTestId("bulk-bar");
  await expect(bar).toContainText("2 selected");
  await bar.getByRole("button", { name: "Delete…" }).click();
  await expect(bar.getByLabel("Type to confirm the deletion")).toBeVisible();
  await audit(page, "bulk delete confirmation");
  await keepScreenshot(page, "agents-bulk-delete-confirm");
  await bar.getByRole("button", { name: "Cancel" }).click();
  await page.getByLabel("Select Traced agent").uncheck();
  await bar.getByRole("button", { name: "Archive" }).click();
  await expect(page.getByRole("link", { name: "Spare agent", exact: true })).toHaveCount(0);
  await page.getByRole("button", { name: "Archived" }).click();
  await page.getByLabel("Select Spare agent").check();
  await expect(bar).toContainText("1 selected");
  await audit(page, "archived agents with the bulk bar");
  await keepScreenshot(page, "agents-archive-bar");

  await page.goto("/overview");
  await expect(page.getByTestId("status-counts")).toBeVisible();
  await page.waitForLoadState("networkidle");
  await audit(page, "team overview");

  await page.goto("/activity");
  await expect(page.getByTestId("fleet-cycle").first()).toBeVisible();
  await page.waitForLoadState("networkidle");
  await audit(page, "activity: cycles");
  await page.goto("/activity?view=runs&window=all");
  await expect(page.getByTestId("fleet-run").first()).toBeVisible();
  await page.waitForLoadState("networkidle");
  await audit(page, "activity: runs");
  await page.goto("/activity?agent=nobody");
  await expect(page.getByTestId("activity-empty")).toBeVisible();
  await audit(page, "activity: nothing matches");
});
