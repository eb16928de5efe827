import { expect, test, type APIRequestContext, type Browser, type Page } from "@playwright/test";

/**
 * A tour of every screen, for comparing the UI before and after a change: each screen's key text is
 * asserted, and each is photographed on a desktop in light and dark and on a 390 px phone in light and
 * dark, under test-results/tour/ (not committed; Playwright empties test-results at the start of a run,
 * so copy the folder away to compare two runs).
 */
const TOUR = "test-results/tour";
const unique = Date.now().toString(36);
const PASSWORD = "long-enough-password-7";

const VIEWS = [
  { name: "desktop-light", viewport: { width: 1280, height: 800 }, colorScheme: "light" },
  { name: "desktop-dark", viewport: { width: 1280, height: 800 }, colorScheme: "dark" },
  { name: "phone-light", viewport: { width: 390, height: 844 }, colorScheme: "light" },
  { name: "phone-dark", viewport: { width: 390, height: 844 }, colorScheme: "dark" },
] as const;

/** Photographs the page as it is now in every view, then puts back the desktop light view. */
async function photograph(page: Page, screen: string) {
  for (const view of VIEWS) {
    await page.setViewportSize(view.viewport);
    await page.emulateMedia({ colorScheme: view.colorScheme });
    await page.screenshot({ path: `${TOUR}/${screen}.${view.name}.png`, fullPage: true, animations: "disabled" });
  }
  await page.setViewportSize(VIEWS[0].viewport);
  await page.emulateMedia({ colorScheme: "light" });
}

/** Calls a tRPC procedure over HTTP the way the app's client does (superjson, one call, no batching). */
async function trpc<T>(request: APIRequestContext, path: string, input: unknown): Promise<T> {
  const response = await request.post(`/api/trpc/${path}`, { data: { json: input } });
  const body = (await response.json()) as { result?: { data: { json: T } }; error?: { json: { message: string } } };
  if (!response.ok() || !body.result) throw new Error(`${path} failed (${response.status()}): ${body.error?.json.message ?? "no body"}`);
  return body.result.data.json;
}

async function openShared(browser: Browser, path: string) {
  const context = await browser.newContext({ viewport: VIEWS[0].viewport });
  const page = await context.newPage();
  await page.goto(path);
  return { context, page };
}

test("a tour of every screen, photographed in light, dark and on a phone", async ({ page, browser }) => {
  test.setTimeout(240_000);

  // Sign-up, blank.
  await page.setViewportSize(VIEWS[0].viewport);
  await page.goto("/sign-up");
  await expect(page.getByRole("heading", { name: "Create your account" })).toBeVisible();
  await photograph(page, "01-sign-up");
  await page.getByLabel("Name", { exact: true }).fill("Tour Guide");
  await page.getByLabel("Email").fill(`tour-${unique}@example.test`);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();

  // The agents list, empty.
  await expect(page).toHaveURL(/\/agents$/);
  await expect(page.getByTestId("agents-empty")).toContainText("No agents yet");
  await photograph(page, "02-agents-empty");

  // The new agent form, blank and then with every field's error.
  await page.getByRole("link", { name: "New agent" }).click();
  await expect(page.getByRole("heading", { name: "New agent" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Create agent" })).toBeVisible();
  await photograph(page, "03-agent-form");
  await page.getByLabel("Goal", { exact: true }).fill("short");
  await page.getByLabel("Money limit (USD)").fill("-5");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page.locator('[data-field-error="agent-name"]')).toHaveText("Give the agent a name.");
  await expect(page.locator('[data-field-error="agent-budgetUsd"]')).toHaveText("The budget must be more than $0.");
  await photograph(page, "04-agent-form-errors");

  // A simulator agent: cycles 1-3 run on their own, cycle 4 asks a person and waits.
  await page.getByLabel("Name", { exact: true }).fill("Tour agent");
  await page.getByLabel("Goal", { exact: true }).fill("Walk through the simulator's script and report progress.");
  await page.getByLabel("Money limit (USD)").fill("2");
  await page.getByLabel("Cooldown between cycles (s)").fill("0");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
  // Created: the new agent's page; the list shows it too.
  await page.goto("/agents");
  const row = page.getByTestId("agent-row").filter({ hasText: "Tour agent" });
  await expect(row).toContainText("Idle");
  await expect(row).toContainText("$0.00 / $2.00");
  await photograph(page, "05-agents-list");

  await page.getByRole("link", { name: "Tour agent" }).click();
  await expect(page.getByTestId("agent-name")).toHaveText("Tour agent");
  await expect(page.getByTestId("timeline-empty")).toBeVisible();
  await photograph(page, "06-agent-idle");
  // The page's own path: its tab and open cycles live in the query string.
  const agentUrl = new URL(page.url()).pathname;
  const agentId = agentUrl.split("/").pop()!;

  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "waiting_approval", { timeout: 60_000 });
  for (const cycle of [1, 2, 3]) await expect(page.locator(`[data-testid="cycle"][data-cycle="${cycle}"]`)).toBeVisible();
  await page.locator('[data-testid="cycle"][data-cycle="2"] summary').click();
  await expect(page.locator('[data-testid="cycle"][data-cycle="2"]')).toContainText("Simulated step 2: remember.");
  await expect(page.getByRole("button", { name: "Pause" })).toBeVisible();
  await photograph(page, "07-agent-timeline");

  // The agent page's other tabs.
  const tabs: [string, string, (panel: ReturnType<Page["getByRole"]>) => Promise<void>][] = [
    [
      "Memory",
      "08-agent-memory",
      async (panel) => {
        await expect(page.getByTestId("memory").first()).toBeVisible();
        await expect(page.getByTestId("facts")).toContainText("Working on:");
        await expect(panel.getByRole("heading", { name: "Facts" })).toBeVisible();
      },
    ],
    [
      "State",
      "09-agent-state",
      async () => {
        await expect(page.getByTestId("world-state")).toContainText('"phase"');
      },
    ],
    [
      "Budget",
      "10-agent-budget",
      async (panel) => {
        await expect(page.getByTestId("budget-panel")).toContainText("$2.00");
        await expect(panel.getByRole("heading", { name: "Raise the budget" })).toBeVisible();
      },
    ],
    [
      "Runs",
      "11-agent-runs",
      async () => {
        await expect(page.getByTestId("runs-panel")).toContainText(/running|Running|waiting|Waiting/);
      },
    ],
    [
      "Triggers",
      "12-agent-triggers",
      async (panel) => {
        await expect(panel.getByRole("heading", { name: "Webhook" })).toBeVisible();
        await expect(panel.getByRole("heading", { name: "Schedule" })).toBeVisible();
      },
    ],
    [
      "Share",
      "13-agent-share",
      async (panel) => {
        await expect(panel.getByRole("heading", { name: "Share this agent's history" })).toBeVisible();
      },
    ],
  ];
  for (const [tab, screen, check] of tabs) {
    await page.getByRole("tab", { name: tab }).click();
    const panel = page.getByRole("tabpanel").filter({ visible: true });
    await expect(page.getByRole("tab", { name: tab })).toHaveAttribute("aria-selected", "true");
    await check(panel);
    await photograph(page, screen);
  }

  // The edit form.
  await page.goto(`${agentUrl}/edit`);
  await expect(page.getByRole("heading", { name: "Edit “Tour agent”" })).toBeVisible();
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue("Tour agent");
  await photograph(page, "14-agent-edit");

  // The approvals inbox with the simulator's question.
  await page.goto("/approvals");
  await expect(page.getByText("Should I keep going? (simulated question)").first()).toBeVisible();
  await photograph(page, "15-approvals");

  // The team, with a pending invitation.
  await page.goto("/team");
  await expect(page.getByRole("heading", { name: "Tour's team", exact: true })).toBeVisible();
  await page.getByLabel("Email").fill(`tour-guest-${unique}@example.test`);
  await page.getByRole("button", { name: "Create invitation link" }).click();
  await expect(page.getByTestId("invite-link")).toBeVisible();
  await photograph(page, "16-team");

  // The team's model providers, one of them never tested.
  await trpc(page.request, "provider.create", { name: "Tour Ollama", kind: "ollama", baseUrl: "http://127.0.0.1:11434/v1" });
  await page.getByRole("navigation", { name: "Team settings" }).getByRole("link", { name: "Model providers" }).click();
  await expect(page.getByTestId("provider").filter({ hasText: "Tour Ollama" })).toContainText("Not tested yet.");
  await photograph(page, "16b-team-providers");

  // The audit log.
  await page.goto("/audit");
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
  await expect(page.locator('[data-testid="audit-row"][data-action="agent.create"]')).toBeVisible();
  await photograph(page, "17-audit");

  // A share link, opened signed out.
  const share = await trpc<{ path: string }>(page.request, "share.create", { agentId, redactMemories: true });
  const shared = await openShared(browser, share.path);
  await expect(shared.page.getByTestId("shared-agent-name")).toHaveText("Tour agent");
  await expect(shared.page.locator('[data-testid="shared-cycle"][data-cycle="2"]')).toBeVisible();
  await expect(shared.page.getByTestId("shared-redaction")).toBeVisible();
  await photograph(shared.page, "18-share");
  await shared.page.goto("/share/not-a-real-token");
  await expect(shared.page.getByTestId("share-invalid")).toBeVisible();
  await photograph(shared.page, "19-share-invalid");
  await shared.context.close();

  // Import, with a file that is not an export.
  await page.goto("/agents/import");
  await expect(page.getByRole("heading", { name: "Import an agent's history" })).toBeVisible();
  await page.setInputFiles("#import-file", {
    name: "notes.jsonl",
    mimeType: "application/x-ndjson",
    buffer: Buffer.from('{"hello":"world"}\n'),
  });
  await page.getByRole("button", { name: "Import" }).click();
  await expect(page.getByText("Line 1: this is not a Longhaul agent export")).toBeVisible();
  await photograph(page, "20-import");

  // Sign-in, signed out.
  const visitor = await openShared(browser, "/sign-in");
  await expect(visitor.page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await photograph(visitor.page, "21-sign-in");
  await visitor.context.close();
});
