import { expect, test, type APIRequestContext } from "@playwright/test";
import { photograph, signUp } from "./people";

/**
 * Events in words on the agent's timeline and on its share page (people by name on the one, "a team
 * member" on the other), page state in the URL (tab, open cycle, list filters: reload, Back, a copied
 * link), and times that move (a row's "ago" advances; the Cycles card counts what the rows call finished).
 */
const unique = Date.now().toString(36);
const NAME = "Hana Timeline";

async function trpc<T>(request: APIRequestContext, path: string, input: unknown, kind: "query" | "mutation" = "mutation"): Promise<T> {
  const response =
    kind === "mutation"
      ? await request.post(`/api/trpc/${path}`, { data: { json: input } })
      : await request.get(`/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`);
  const body = (await response.json()) as { result?: { data: { json: T } }; error?: { json: { message: string } } };
  if (!response.ok() || !body.result) throw new Error(`${path} failed (${response.status()}): ${body.error?.json.message ?? "no body"}`);
  return body.result.data.json;
}

test("events read as words with names, page state lives in the URL, and relative times move", async ({ page, context }) => {
  test.setTimeout(180_000);
  await signUp(page, NAME, `history-${unique}@example.test`);
  // A simulator agent: cycles 1-3 run on their own, cycle 4 asks a person and waits (unfinished).
  const agent = await trpc<{ id: string }>(page.request, "agent.create", {
    name: "Timeline reader",
    goal: "Walk through the simulator's script and report progress.",
    model: "simulator-1",
    budgetUsd: 2,
    cooldownSeconds: 0,
  });
  await trpc(page.request, "agent.start", { id: agent.id });
  await expect
    .poll(async () => (await trpc<{ status: string }>(page.request, "agent.byId", { id: agent.id }, "query")).status, { timeout: 60_000 })
    .toBe("waiting_approval");

  await page.goto(`/agents/${agent.id}`);
  const cycleRows = page.locator('[data-testid="cycle"]');
  await expect(page.locator('[data-testid="cycle"][data-cycle="3"]')).toBeVisible({ timeout: 30_000 });

  // The Cycles card counts finished cycles, and the rows agree: the waiting cycle 4 says it is not finished.
  await expect(page.getByText("Cycles finished")).toBeVisible();
  await expect(page.getByTestId("agent-cycles")).toHaveText("3");
  const unfinished = page.locator('[data-testid="cycle"]:has([data-testid="cycle-unfinished"])');
  await expect(unfinished).toHaveCount(1);
  await expect(unfinished).toHaveAttribute("data-cycle", "4");
  expect((await cycleRows.count()) - (await unfinished.count())).toBe(3);
  // A real duration, never a false "0 ms".
  for (const text of await page.getByTestId("cycle-duration").allTextContents()) expect(text).not.toBe("0 ms");

  // A row's relative time moves while the page stays open (one ticking clock).
  const firstAge = page.locator('[data-testid="cycle"][data-cycle="1"] [data-testid="relative-time"]');
  const before = await firstAge.textContent();
  await expect.poll(async () => firstAge.textContent(), { timeout: 20_000 }).not.toBe(before);
  await expect(firstAge).not.toHaveText(/^in /);

  // Pause and resume: rows of their own, in words, with the person's name; no ids, no JSON.
  await page.getByRole("button", { name: "Pause" }).click();
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "paused", { timeout: 15_000 });
  await page.getByRole("button", { name: "Resume" }).click();
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "waiting_approval", { timeout: 30_000 });
  const events = page.getByTestId("timeline-event");
  await expect(events.filter({ hasText: `${NAME} paused the agent.` })).toHaveCount(1, { timeout: 15_000 });
  await expect(events.filter({ hasText: `${NAME} resumed the agent (it was paused).` })).toHaveCount(1);
  await expect(page.locator('[data-testid="cycle"][data-cycle="0"]')).toHaveCount(0);
  await expect(page.getByTestId("timeline")).not.toContainText('"by"');
  await expect(page.getByText("Start", { exact: true })).toHaveCount(0);
  await photograph(page, "timeline-events-in-words");

  // The share page says the same, naming nobody.
  const link = await trpc<{ path: string }>(page.request, "share.create", { agentId: agent.id });
  const shared = await context.newPage();
  await shared.goto(link.path);
  await expect(shared.getByText("A team member paused the agent.")).toBeVisible();
  await expect(shared.getByText("A team member resumed the agent (it was paused).")).toBeVisible();
  await expect(shared.locator("body")).not.toContainText(NAME);
  // Outside any cycle: rows of their own, not inside a cycle's card.
  await expect(shared.getByTestId("shared-outside-event").filter({ hasText: "paused the agent" })).toHaveCount(1);
  await expect(shared.getByTestId("shared-cycle").filter({ hasText: "paused the agent" })).toHaveCount(0);
  await photograph(shared, "share-events-in-words");
  await shared.close();

  // The tab is in the URL: a reload keeps it, Back returns to the tab before, then to the timeline.
  const tab = (name: string) => page.getByRole("tab", { name });
  await tab("Memory").click();
  await expect(page).toHaveURL(/[?&]tab=memory/);
  await page.reload();
  await expect(tab("Memory")).toHaveAttribute("aria-selected", "true");
  await tab("State").click();
  await expect(page).toHaveURL(/[?&]tab=state/);
  await page.goBack();
  await expect(page).toHaveURL(/[?&]tab=memory/);
  await expect(tab("Memory")).toHaveAttribute("aria-selected", "true");
  await page.goBack();
  await expect(page).toHaveURL(new RegExp(`/agents/${agent.id}$`));
  await expect(tab("Timeline")).toHaveAttribute("aria-selected", "true");

  // The open cycle is in the URL too: a reload (or the link) opens it again.
  await page.locator('[data-testid="cycle"][data-cycle="2"] summary').click();
  await expect(page).toHaveURL(/[?&]cycle=2/);
  await page.reload();
  await expect(page.locator('[data-testid="cycle"][data-cycle="2"] details')).toHaveAttribute("open", "");
  await expect(page.locator('[data-testid="cycle"][data-cycle="2"]')).toContainText("Simulated step 2: remember.");

  // The agents list's filters survive a reload, and a copied URL opens the same view.
  await page.goto("/agents");
  await page.getByLabel("Filter by status").selectOption("waiting_approval");
  await page.getByLabel("Search agents").fill("Timeline");
  await page.getByLabel("Sort agents").selectOption("name");
  await expect(page).toHaveURL(/[?&]q=Timeline/);
  await page.reload();
  await expect(page.getByLabel("Filter by status")).toHaveValue("waiting_approval");
  await expect(page.getByLabel("Search agents")).toHaveValue("Timeline");
  await expect(page.getByLabel("Sort agents")).toHaveValue("name");
  await expect(page.getByRole("link", { name: "Timeline reader" })).toBeVisible();
  const copied = await context.newPage();
  await copied.goto(page.url());
  await expect(copied.getByLabel("Filter by status")).toHaveValue("waiting_approval");
  await expect(copied.getByLabel("Search agents")).toHaveValue("Timeline");
  await copied.close();
});
