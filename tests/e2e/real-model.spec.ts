import { expect, test } from "@playwright/test";
import type { ChatCompletionCreateParams } from "openai/resources/chat/completions";
import { inviteAndJoin, photograph, signUp } from "./people";
import { agentAndCycleOf, startFakeOpenAI, type FakeOpenAI, type ScriptedReply } from "../fixtures/fake-openai";

/**
 * Issue 19, end to end: real models from the browser. An owner adds a provider on the fake
 * OpenAI-compatible server (as Ollama, listing a local model the instance has no price for; 127.0.0.1 is
 * open to model calls in the e2e environment, LONGHAUL_PRIVATE_MODEL_HOSTS), tests it, and creates an
 * agent on that model. Starting it is refused until the model has a price; the owner sets one on the
 * providers page (the refusal links there), starts the agent, watches its cycles (the model's own tool
 * calls) and reads its spend, computed from the usage the server reports at the price set. A price the
 * agent depends on cannot be deleted. A viewer sees the prices without their controls.
 */
const unique = Date.now().toString(36);
const MODEL = "local-llm-7b";
const AGENT = "Priced runner";

// The usage every agent call reports, and the price set for it: each cycle costs
// 1,200 × $1,000 / 1e6 + 150 × $2,000 / 1e6 = $1.20 + $0.30 = $1.50, three cycles $4.50.
const USAGE = { prompt_tokens: 1200, completion_tokens: 150 };
const PRICE = { input: 1000, output: 2000 };
const CYCLE_COST = (USAGE.prompt_tokens * PRICE.input + USAGE.completion_tokens * PRICE.output) / 1e6;
const CYCLES = 3;

let fake: FakeOpenAI;

/** The agent's script, one tool call a cycle; anything else (the connection test) gets what a test asks for. */
function respond(body: ChatCompletionCreateParams): ScriptedReply {
  const { agent, cycle } = agentAndCycleOf(body);
  if (agent === AGENT) {
    if (cycle === 1)
      return { kind: "tool_calls", calls: [{ name: "update_world_state", arguments: { set: { phase: "priced" } } }], usage: USAGE };
    if (cycle === 2)
      return {
        kind: "tool_calls",
        calls: [{ name: "remember", arguments: { content: "The local model costs $1,000 in per million tokens.", key: "price" } }],
        usage: USAGE,
      };
    return {
      kind: "tool_calls",
      calls: [{ name: "finish", arguments: { result: "Ran three cycles on the local model.", isSuccess: true } }],
      usage: USAGE,
    };
  }
  return Array.isArray(body.tools) && body.tools.length > 0
    ? { kind: "tool_calls", calls: [{ name: "ping", arguments: { value: 7 } }] }
    : { kind: "message", content: Array.from({ length: 300 }, (_, i) => i + 1).join(" ") };
}

test.beforeAll(async () => {
  // Like Ollama's compatibility layer: keeps to max_tokens; lists its own models.
  fake = await startFakeOpenAI({ latencyMs: 200, behaviour: { outputCap: "max_tokens" }, models: [MODEL, "nomic-embed-text"] });
  fake.setResponder(respond);
});

test.afterAll(async () => {
  await fake?.stop();
});

test("an agent on a model priced nowhere is refused, then priced on the providers page, runs and is charged that price", async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1366, height: 900 });
  await signUp(page, "Rhea Owner", `real-model-${unique}@example.test`);

  // The provider, tested: it lists the local model.
  await page.goto("/team/providers");
  await page.getByRole("button", { name: "Add provider" }).click();
  const addForm = page.getByRole("form", { name: "Add a provider" });
  await addForm.getByLabel("Kind").selectOption({ label: "Ollama" });
  await addForm.getByLabel("Name", { exact: true }).fill("Local LLM");
  await addForm.getByLabel("Base URL").fill(fake.baseURL);
  await addForm.getByRole("button", { name: "Add provider" }).click();
  const card = page.getByTestId("provider").filter({ hasText: "Local LLM" });
  await card.getByRole("button", { name: "Test connection of Local LLM" }).click();
  await expect(card.getByTestId("provider-test-result")).toHaveAttribute("data-ok", "true", { timeout: 30_000 });
  await expect(card.getByTestId("provider-models")).toContainText(MODEL);
  const prices = card.getByTestId("provider-prices");
  await expect(prices.getByTestId("prices-empty")).toBeVisible();

  // An agent on that model, which no price table knows.
  await page.goto("/agents/new");
  await page.getByLabel("Name", { exact: true }).fill(AGENT);
  await page.getByLabel("Goal", { exact: true }).fill("Run three cycles on the local model and report what it cost.");
  await page.getByLabel("Model provider").selectOption({ label: `Local LLM (${fake.baseURL})` });
  await page.getByLabel("Model", { exact: true }).fill(MODEL);
  await page.getByLabel("Reply limit (tokens)").fill("400");
  await page.getByLabel("Money limit (USD)").fill("50");
  await page.getByLabel("Cooldown between cycles (s)").fill("0");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);

  // Starting it is refused: the model has no price; the message says so and links to the providers page.
  await expect(page.getByTestId("agent-name")).toHaveText(AGENT);
  await expect(page.getByTestId("agent-model")).toHaveText(`${MODEL} on Local LLM`);
  await page.getByRole("button", { name: "Start" }).click();
  const refused = page.getByTestId("start-refused");
  await expect(refused).toContainText(
    `${MODEL} has no price on Local LLM: set its price per million tokens on the providers page (or mark it free) before starting`,
  );
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "idle");
  await photograph(page, "real-model-start-refused");
  await refused.getByRole("link", { name: "Set a price on the Model providers page" }).click();
  await expect(page).toHaveURL(/\/team\/providers$/);

  // The price form: a model the instance knows is prefilled and its default said; field errors sit by their fields.
  await prices.getByRole("button", { name: "Set a price on Local LLM" }).click();
  const form = prices.getByRole("form", { name: "Set a price on Local LLM" });
  await form.getByLabel("Model").fill("gpt-4o-mini");
  await expect(form.getByTestId("price-instance-default")).toHaveText("instance default: $0.15 / $0.60");
  await expect(form.getByLabel("Input ($ per million)")).toHaveValue("0.15");
  await expect(form.getByLabel("Output ($ per million)")).toHaveValue("0.6");
  await form.getByLabel("Model").fill(MODEL);
  await expect(form.getByTestId("price-instance-default")).toHaveCount(0);
  await expect(form.getByLabel("Input ($ per million)")).toHaveValue("");
  await form.getByLabel("Input ($ per million)").fill("-5");
  await form.getByRole("button", { name: "Save price" }).click();
  await expect(form.locator("[data-field-error$='-input']")).toHaveText("A price cannot be negative.");
  await expect(form.locator("[data-field-error$='-output']")).toHaveText("Enter a price in USD per million tokens.");
  await photograph(page, "real-model-price-form");
  await form.getByLabel("Input ($ per million)").fill("1,000");
  await form.getByLabel("Output ($ per million)").fill(String(PRICE.output));
  await expect(form.locator("[data-field-error]")).toHaveCount(0);
  await form.getByRole("button", { name: "Save price" }).click();
  await expect(form).toHaveCount(0);
  const priced = prices.getByTestId("price").filter({ hasText: MODEL });
  await expect(priced.getByTestId("price-input")).toHaveText("$1,000.00");
  await expect(priced.getByTestId("price-output")).toHaveText("$2,000.00");

  // Small prices keep their digits; Mark free sets both to zero and says what that means.
  await prices.getByRole("button", { name: "Set a price on Local LLM" }).click();
  await form.getByLabel("Model").fill("nomic-embed-text");
  await form.getByLabel("Input ($ per million)").fill("0.02");
  await form.getByLabel("Output ($ per million)").fill("0.0075");
  await form.getByRole("button", { name: "Save price" }).click();
  const small = prices.getByTestId("price").filter({ hasText: "nomic-embed-text" });
  await expect(small.getByTestId("price-input")).toHaveText("$0.02");
  await expect(small.getByTestId("price-output")).toHaveText("$0.0075");
  // Change opens the form on that model with its own price.
  await small.getByRole("button", { name: "Change the price of nomic-embed-text" }).click();
  await expect(form.getByLabel("Model")).toHaveValue("nomic-embed-text");
  await expect(form.getByLabel("Input ($ per million)")).toHaveValue("0.02");
  await expect(form.getByLabel("Output ($ per million)")).toHaveValue("0.0075");
  await form.getByRole("button", { name: "Cancel" }).click();
  await expect(form).toHaveCount(0);
  await prices.getByRole("button", { name: "Set a price on Local LLM" }).click();
  await form.getByLabel("Model").fill("gpt-4o-mini");
  await expect(form.getByText("budgets will count nothing for this model's calls")).toBeVisible();
  await form.getByRole("button", { name: "Mark free" }).click();
  const free = prices.getByTestId("price").filter({ hasText: "gpt-4o-mini" });
  await expect(free).toContainText("free");
  await expect(free.getByTestId("price-input")).toHaveText("$0.00");
  // A price nothing depends on is deleted after a confirmation.
  await free.getByRole("button", { name: "Delete… the price of gpt-4o-mini" }).click();
  await free.getByRole("button", { name: "Delete price" }).click();
  await expect(prices.getByTestId("price")).toHaveCount(2);
  await photograph(page, "real-model-prices");

  // Started now, it runs on the local model: the model's tool calls on the timeline, charged at the price set.
  await page.goto("/agents");
  await page.getByRole("link", { name: AGENT }).click();
  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.getByTestId("start-refused")).toHaveCount(0);
  for (const [cycle, tool] of [
    [1, "update_world_state"],
    [2, "remember"],
    [3, "finish"],
  ] as const) {
    const row = page.locator(`[data-testid="cycle"][data-cycle="${cycle}"]`);
    await expect(row).toBeVisible({ timeout: 45_000 });
    await expect(row.locator("summary")).toContainText(tool);
  }
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "completed", { timeout: 45_000 });
  await expect(page.getByTestId("agent-cycles")).toHaveText(String(CYCLES));
  const second = page.locator('[data-testid="cycle"][data-cycle="2"]');
  await expect(second.locator("summary")).toContainText(`$${CYCLE_COST.toFixed(2)}`);
  await second.locator("summary").click();
  await expect(second).toContainText(`${MODEL} · ${USAGE.prompt_tokens} in / ${USAGE.completion_tokens} out`);
  await expect(second).toContainText("Result: succeeded");
  // $1.50 a cycle × 3 = $4.50 of the $50.00 budget.
  await expect(page.getByTestId("agent-spend")).toHaveText(`$${(CYCLE_COST * CYCLES).toFixed(2)} / $50.00`, { timeout: 15_000 });
  await photograph(page, "real-model-agent-spend");
  const agentCalls = fake.requests.filter(
    (r) => r.path === "/v1/chat/completions" && agentAndCycleOf(r.body as ChatCompletionCreateParams).agent === AGENT,
  );
  expect(agentCalls).toHaveLength(CYCLES);
  expect(agentCalls.every((r) => (r.body as { model?: string }).model === MODEL)).toBe(true);

  // The price the agent depends on cannot be deleted: the server's refusal names it.
  await page.goto("/team/providers");
  await priced.getByRole("button", { name: `Delete… the price of ${MODEL}` }).click();
  await priced.getByRole("button", { name: "Delete price" }).click();
  await expect(prices.getByTestId("price-delete-error")).toContainText(`Agents use ${MODEL} ("${AGENT}") and it has no other price`);
  await expect(priced).toBeVisible();

  // A viewer sees the prices, read-only.
  const viewer = await inviteAndJoin(page, browser, baseURL!, {
    role: "viewer",
    name: "Val Viewer",
    email: `real-model-viewer-${unique}@example.test`,
  });
  await viewer.goto("/team/providers");
  const seen = viewer.getByTestId("provider").filter({ hasText: "Local LLM" }).getByTestId("provider-prices");
  await expect(seen.getByTestId("price").filter({ hasText: MODEL }).getByTestId("price-input")).toHaveText("$1,000.00");
  await expect(seen.getByTestId("price").filter({ hasText: "nomic-embed-text" }).getByTestId("price-output")).toHaveText("$0.0075");
  await expect(seen.getByRole("button")).toHaveCount(0);
  await expect(viewer.getByRole("form", { name: /Set a price/ })).toHaveCount(0);
  await photograph(viewer, "real-model-prices-viewer");
  await viewer.context().close();
});
