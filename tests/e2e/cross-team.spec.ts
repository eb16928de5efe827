import { expect, test, type APIRequestContext } from "@playwright/test";
import { inviteAndJoin, signUp } from "./people";

/**
 * Issue 22: links into any of my teams, and the cross-team approvals inbox. Ann's agent asks a question;
 * Ben, a member of Ann's team working in his own team, opens a plain link to the agent (the active team
 * switches, and the page says so), answers the question from his inbox without switching, and follows
 * the card's link to the agent (switching again). Otto, in neither team, gets the 404 page.
 */
const unique = Date.now().toString(36);
const SHOTS = "tests/e2e/screenshots";

async function trpc<T>(request: APIRequestContext, path: string, input?: unknown): Promise<T> {
  const response =
    input === undefined ? await request.get(`/api/trpc/${path}`) : await request.post(`/api/trpc/${path}`, { data: { json: input } });
  const body = (await response.json()) as { result?: { data: { json: T } }; error?: { json: { message: string } } };
  if (!response.ok() || !body.result) throw new Error(`${path} failed (${response.status()}): ${body.error?.json.message ?? "no body"}`);
  return body.result.data.json;
}

type Mine = { teams: { id: string; name: string }[]; activeTeamId: string | null };

test("a link to an agent of another of my teams switches to it; the inbox lists and decides every team's approvals", async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(300_000);
  await signUp(page, "Ann Owner", `ann-${unique}@example.test`);
  await page.getByRole("link", { name: "New agent" }).click();
  await page.getByLabel("Name", { exact: true }).fill("Ann's agent");
  await page.getByLabel("Goal", { exact: true }).fill("Walk through the simulator's script and report progress.");
  await page.getByLabel("Cooldown between cycles (s)").fill("0");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
  const agentPath = new URL(page.url()).pathname;
  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "waiting_approval", { timeout: 60_000 });

  const ben = await inviteAndJoin(page, browser, baseURL!, { role: "member", name: "Ben Member", email: `ben-${unique}@example.test` });
  const mine = await trpc<Mine>(ben.request, "team.mine");
  const bensTeam = mine.teams.find((t) => t.name === "Ben's team")!;
  await trpc(ben.request, "team.setActive", { teamId: bensTeam.id });

  // A plain link, as a teammate would paste it: the active team switches, and the page says so.
  await ben.goto(agentPath);
  await expect(ben.getByTestId("agent-name")).toHaveText("Ann's agent");
  await expect(ben.getByTestId("team-switched")).toContainText("Switched to team Ann's team");
  await expect(ben).toHaveURL(new RegExp(`${agentPath}$`));
  await expect(ben).toHaveTitle("Ann's agent · Longhaul");
  await expect(ben.getByTestId("team-switcher").locator("option:checked")).toHaveText(/^Ann's team/);
  await ben.screenshot({ path: `${SHOTS}/cross-team-switched.png`, fullPage: true, animations: "disabled" });

  // Someone outside both teams gets the 404 page, which names nothing of the agent.
  const ottoContext = await browser.newContext({ baseURL });
  const otto = await ottoContext.newPage();
  await signUp(otto, "Otto Outside", `otto-${unique}@example.test`);
  const refused = await otto.goto(agentPath);
  expect(refused?.status()).toBe(404);
  await expect(otto.getByTestId("not-found")).toContainText("This page was not found");
  await expect(otto.getByText("Ann's agent")).toHaveCount(0);
  await otto.screenshot({ path: `${SHOTS}/not-found-in-app.png`, fullPage: true, animations: "disabled" });
  await ottoContext.close();

  // Back in his own team, Ben's inbox lists Ann's team's question, with its team; the filter narrows it.
  await trpc(ben.request, "team.setActive", { teamId: bensTeam.id });
  await ben.goto("/approvals");
  const card = ben.getByTestId("approval-item").filter({ hasText: "Ann's agent" });
  await expect(card).toBeVisible();
  await expect(card.getByTestId("approval-team")).toHaveText("Team Ann's team");
  await ben.getByTestId("approvals-team-filter").selectOption({ label: "Ben's team" });
  await expect(ben).toHaveURL(new RegExp(`/approvals\\?team=${bensTeam.id}$`));
  await expect(ben.getByTestId("approvals-empty")).toBeVisible();
  await ben.reload();
  await expect(ben.getByTestId("approvals-team-filter")).toHaveValue(bensTeam.id);
  await ben.getByTestId("approvals-team-filter").selectOption({ label: "All teams" });
  await expect(card).toBeVisible();
  await ben.screenshot({ path: `${SHOTS}/cross-team-inbox.png`, fullPage: true, animations: "disabled" });

  // The keyboard still works: "a" goes to the answer, Ctrl+Enter sends it; his active team stays his own.
  await ben.locator("body").click({ position: { x: 5, y: 5 } });
  await ben.keyboard.press("a");
  await expect(card.getByLabel("Answer", { exact: true })).toBeFocused();
  await ben.keyboard.type("Keep going.");
  await ben.keyboard.press("Control+Enter");
  await expect(ben.getByRole("status").filter({ hasText: "Sent your answer to Ann's agent." })).toBeVisible();
  await expect(ben.getByTestId("recent-approval").filter({ hasText: "Ann's agent" }).getByTestId("approval-team")).toBeVisible();
  expect((await trpc<{ name: string }>(ben.request, "team.current")).name).toBe("Ben's team");

  // The recent decision's link to the agent, followed inside the app, switches teams too.
  await ben.getByTestId("recent-approval").filter({ hasText: "Ann's agent" }).getByRole("link", { name: "Ann's agent" }).click();
  await expect(ben.getByTestId("agent-name")).toHaveText("Ann's agent");
  await expect(ben.getByTestId("team-switched")).toContainText("Switched to team Ann's team");
  await ben.context().close();
});
