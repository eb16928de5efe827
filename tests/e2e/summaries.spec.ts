import { expect, test } from "@playwright/test";
import type { ChatCompletionCreateParams } from "openai/resources/chat/completions";
import { inviteAndJoin, photograph, signUp } from "./people";
import { agentAndCycleOf, startFakeOpenAI, type FakeOpenAI, type ScriptedReply } from "../fixtures/fake-openai";

/**
 * Issue 19, point 5 (docs/decisions/032), in the browser: an owner chooses a cheaper model of the
 * team's provider to write summaries (refused until it has a price), runs an agent on the fake
 * OpenAI-compatible server past its first fold (cycle 12 folds cycles 1–5), reads on the timeline the
 * summary that model wrote, and undoes it. A viewer sees the choice without its controls.
 */
const unique = Date.now().toString(36);
const MODEL = "local-agent-7b";
const SUMMARIZER = "cheap-summarizer";
const AGENT = "Summarised runner";
const LAST_CYCLE = 13;
const SUMMARY = "The runner counted its steps from 1 to 5 in the world state; nothing failed.";

let fake: FakeOpenAI;

function respond(body: ChatCompletionCreateParams): ScriptedReply {
  const hasTools = Array.isArray(body.tools) && body.tools.length > 0;
  // A summary call asks for text, without tools.
  if (!hasTools) return { kind: "message", content: SUMMARY, usage: { prompt_tokens: 900, completion_tokens: 60 } };
  const { agent, cycle } = agentAndCycleOf(body);
  if (agent !== AGENT) return { kind: "tool_calls", calls: [{ name: "ping", arguments: { value: 7 } }] };
  if (cycle >= LAST_CYCLE) return { kind: "tool_calls", calls: [{ name: "finish", arguments: { result: "Counted.", isSuccess: true } }] };
  return { kind: "tool_calls", calls: [{ name: "update_world_state", arguments: { set: { step: cycle } } }] };
}

test.beforeAll(async () => {
  fake = await startFakeOpenAI({ latencyMs: 50, models: [MODEL, SUMMARIZER] });
  fake.setResponder(respond);
});

test.afterAll(async () => {
  await fake?.stop();
});

test("an owner has a cheaper model write summaries, reads one on the timeline and undoes it; a viewer only reads the choice", async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1366, height: 900 });
  await signUp(page, "Sumi Owner", `summaries-${unique}@example.test`);

  await page.goto("/team/providers");
  await page.getByRole("button", { name: "Add provider" }).click();
  const addForm = page.getByRole("form", { name: "Add a provider" });
  await addForm.getByLabel("Kind").selectOption({ label: "Ollama" });
  await addForm.getByLabel("Name", { exact: true }).fill("Local LLM");
  await addForm.getByLabel("Base URL").fill(fake.baseURL);
  await addForm.getByRole("button", { name: "Add provider" }).click();
  const card = page.getByTestId("provider").filter({ hasText: "Local LLM" });
  await expect(card).toBeVisible();
  const prices = card.getByTestId("provider-prices");
  const priceForm = prices.getByRole("form", { name: "Set a price on Local LLM" });
  await prices.getByRole("button", { name: "Set a price on Local LLM" }).click();
  await priceForm.getByLabel("Model").fill(MODEL);
  await priceForm.getByLabel("Input ($ per million)").fill("1");
  await priceForm.getByLabel("Output ($ per million)").fill("2");
  await priceForm.getByRole("button", { name: "Save price" }).click();
  await expect(prices.getByTestId("price").filter({ hasText: MODEL })).toBeVisible();

  // Summaries: each agent's own model at first; a model without a price is refused with the reason.
  const panel = page.getByTestId("summarizer-settings");
  await expect(panel.getByTestId("summarizer-current")).toHaveText("Each agent's own model writes its summaries.");
  await panel.getByRole("button", { name: "Change who writes summaries" }).click();
  await panel.getByLabel("Written by").selectOption({ label: "A model of Local LLM" });
  await panel.getByLabel("Model", { exact: true }).fill(SUMMARIZER);
  await panel.getByRole("button", { name: "Save" }).click();
  await expect(panel.getByTestId("summarizer-error")).toContainText(`${SUMMARIZER} has no price on Local LLM`);
  await panel.getByRole("button", { name: "Cancel" }).click();
  await prices.getByRole("button", { name: "Set a price on Local LLM" }).click();
  await priceForm.getByLabel("Model").fill(SUMMARIZER);
  await priceForm.getByLabel("Input ($ per million)").fill("0.1");
  await priceForm.getByLabel("Output ($ per million)").fill("0.2");
  await priceForm.getByRole("button", { name: "Save price" }).click();
  await expect(prices.getByTestId("price").filter({ hasText: SUMMARIZER })).toBeVisible();
  await panel.getByRole("button", { name: "Change who writes summaries" }).click();
  await panel.getByLabel("Written by").selectOption({ label: "A model of Local LLM" });
  await panel.getByLabel("Model", { exact: true }).fill(SUMMARIZER);
  await panel.getByRole("button", { name: "Save" }).click();
  await expect(panel.getByTestId("summarizer-current")).toHaveText(`${SUMMARIZER} on Local LLM writes every agent's summaries.`);
  await photograph(page, "summaries-settings");

  // An agent on the provider's model runs past its first fold.
  await page.goto("/agents/new");
  await page.getByLabel("Name", { exact: true }).fill(AGENT);
  await page.getByLabel("Goal", { exact: true }).fill("Count your steps in the world state, thirteen cycles, then finish.");
  await page.getByLabel("Model provider").selectOption({ label: `Local LLM (${fake.baseURL})` });
  await page.getByLabel("Model", { exact: true }).fill(MODEL);
  await page.getByLabel("Money limit (USD)").fill("50");
  await page.getByLabel("Cooldown between cycles (s)").fill("0");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "completed", { timeout: 120_000 });

  // Cycle 12 folded cycles 1–5: the summarizer's summary, its cost, and what it replaced.
  const folded = page.locator('[data-testid="cycle"][data-cycle="12"]');
  await folded.locator("summary").first().click();
  const event = folded.locator('[data-testid="summary-event"][data-stage="fold"]');
  await expect(event).toHaveAttribute("data-by", "model");
  await expect(event).toContainText(`Summary of cycles 1–5 written by ${SUMMARIZER}`);
  await expect(event).toContainText("900 in / 60 out");
  await event.getByText("Before and after").click();
  await expect(event.getByTestId("summary-next")).toHaveText(SUMMARY);
  await photograph(page, "summaries-timeline");
  const summaryCalls = fake.requests.filter((r) => r.path === "/v1/chat/completions" && !(r.body as { tools?: unknown[] }).tools?.length);
  expect(summaryCalls.length).toBeGreaterThanOrEqual(1);
  expect((summaryCalls[0]!.body as { model: string }).model).toBe(SUMMARIZER);

  // Undo puts the digest lines back (the newest model summary: the agent has stopped).
  await event.getByRole("button", { name: "Undo this summary…" }).click();
  await event.getByRole("button", { name: "Put the digest back" }).click();
  await expect(event).toContainText("Undone: the digest lines were put back.", { timeout: 15_000 });
  await expect(folded.locator('[data-testid="summary-event"][data-stage="restore"]')).toContainText(
    "Summary restored to the digest of cycles 1–5",
  );

  // A viewer sees who writes summaries, without the control.
  const viewer = await inviteAndJoin(page, browser, baseURL!, {
    role: "viewer",
    name: "Vic Viewer",
    email: `summaries-viewer-${unique}@example.test`,
  });
  await viewer.goto("/team/providers");
  const seen = viewer.getByTestId("summarizer-settings");
  await expect(seen.getByTestId("summarizer-current")).toHaveText(`${SUMMARIZER} on Local LLM writes every agent's summaries.`);
  await expect(seen.getByRole("button", { name: "Change who writes summaries" })).toHaveCount(0);
  await viewer.context().close();
});
