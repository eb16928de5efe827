import { expect, test } from "@playwright/test";
import pg from "pg";
import { inviteAndJoin, photograph, SHOTS, signUp } from "./people";
import { startFakeOpenAI, type FakeOpenAI } from "../fixtures/fake-openai";

/**
 * Issue 19: Model providers → Memory embeddings (docs/decisions/033). An owner whose agent has 500
 * memories (written offline, here straight into the database) chooses the fake OpenAI-compatible
 * server and text-embedding-3-small, reads what saving would re-embed, saves, and watches the bundled
 * executor's team-memory-reembed run move every memory; the provider can then not be deleted. A
 * viewer sees the section read-only.
 */
const unique = Date.now().toString(36);
const MEMORIES = 500;
let fake: FakeOpenAI;

test.beforeAll(async () => {
  // Slow enough (eight calls of 64) for the progress to be seen.
  fake = await startFakeOpenAI({ latencyMs: 400 });
});
test.afterAll(async () => {
  await fake?.stop();
});

async function addOfflineMemories(email: string, agentName: string) {
  const database = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await database.connect();
  try {
    await database.query(
      `INSERT INTO memory ("agentId", "teamId", kind, content, embedder, "updatedAt")
       SELECT a.id, a."teamId", 'episode', 'Cycle ' || n || ': looked up order ' || (1000 + n), 'offline:hash-v1', now()
         FROM agent a JOIN member m ON m."teamId" = a."teamId" JOIN "user" u ON u.id = m."userId", generate_series(1, $3::int) AS n
        WHERE u.email = $1 AND a.name = $2`,
      [email, agentName, MEMORIES],
    );
  } finally {
    await database.end();
  }
}

test("an owner moves the team's memories to a provider's embedding model and sees it finish; a viewer only looks", async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1366, height: 900 });
  const email = `embed-owner-${unique}@example.test`;
  await signUp(page, "Erin Embedder", email);

  // A provider on the fake server, and an agent with memories on the offline embedder.
  await page.goto("/team/providers");
  await page.getByRole("button", { name: "Add provider" }).click();
  const addForm = page.getByRole("form", { name: "Add a provider" });
  await addForm.getByLabel("Kind").selectOption({ label: "Ollama" });
  await addForm.getByLabel("Name", { exact: true }).fill("Local fake");
  await addForm.getByLabel("Base URL").fill(fake.baseURL);
  await addForm.getByRole("button", { name: "Add provider" }).click();
  const local = page.getByTestId("provider").filter({ hasText: "Local fake" });
  await local.getByRole("button", { name: "Test connection of Local fake" }).click();
  // (The fake does not call tools unless scripted; what matters here is the models it lists.)
  await expect(local.getByTestId("provider-models")).toContainText("text-embedding-3-small", { timeout: 30_000 });
  await page.goto("/agents/new");
  await page.getByLabel("Name", { exact: true }).fill("Rememberer");
  await page.getByLabel("Goal", { exact: true }).fill("Keep notes about orders.");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
  await addOfflineMemories(email, "Rememberer");

  await page.goto("/team/providers");
  const section = page.getByTestId("embedding-settings");
  await expect(section.getByRole("heading", { name: "Memory embeddings" })).toBeVisible();
  await expect(section.getByTestId("embedder-current")).toHaveText("Offline (Longhaul's own, lexical, free)");
  await expect(section.getByTestId("embedder-all-done")).toHaveText(`All ${MEMORIES} memories are on this embedder.`);
  await expect(section.getByRole("button", { name: "Save" })).toBeDisabled();

  // Choose the provider: the model field offers what its connection test listed; the sentence says what saving costs.
  await section.getByLabel("Embed with").selectOption({ label: "Local fake" });
  await expect(section.locator("datalist option[value='text-embedding-3-small']")).toHaveCount(1);
  await section.getByLabel("Embedding model").fill("text embedding");
  await section.getByRole("button", { name: "Save" }).click();
  await expect(section.getByText("Model names use letters, digits and . : / - _ only.")).toBeVisible();
  await section.getByLabel("Embedding model").fill("text-embedding-3-small");
  await expect(section.getByTestId("embedding-estimate")).toHaveText(
    `${MEMORIES} memories will be re-embedded at Local fake's embedding price: less than $0.01 in all, charged to each agent's budget.`,
  );
  await photograph(page, "embedding-settings-choose");
  await section.getByRole("button", { name: "Save" }).click();

  // Progress while the executor re-embeds, then every memory is on the new embedder.
  const status = section.getByTestId("embedder-status");
  await expect(status).toHaveAttribute("data-reembedding", "true");
  await expect(status.getByRole("progressbar", { name: "Memories re-embedded" })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/embedding-settings-progress.png`, fullPage: true, animations: "disabled" });
  await expect(section.getByTestId("embedder-all-done")).toHaveText(`All ${MEMORIES} memories are on this embedder.`, {
    timeout: 60_000,
  });
  await expect(status).toHaveAttribute("data-waiting", "0");
  await expect(section.getByTestId("embedder-current")).toHaveText("text-embedding-3-small through Local fake");
  const embedded = fake.requests
    .filter((r) => r.path === "/v1/embeddings")
    .flatMap((r) => (r.body as { input: string[] }).input)
    .filter((t) => t.startsWith("Cycle "));
  expect(embedded).toHaveLength(MEMORIES);
  await photograph(page, "embedding-settings-done");

  // The provider now embeds the team's memories: deleting it is refused with what to do.
  await local.getByRole("button", { name: "Delete… Local fake" }).click();
  await local.getByRole("button", { name: "Delete provider" }).click();
  await expect(
    page.getByText("This provider embeds the team's memories; choose another provider or Offline under Memory embeddings first"),
  ).toBeVisible();

  // A viewer sees the choice and the counts, and nothing to change.
  const viewer = await inviteAndJoin(page, browser, baseURL!, {
    role: "viewer",
    name: "Vic Viewer",
    email: `embed-viewer-${unique}@example.test`,
  });
  await viewer.setViewportSize({ width: 1366, height: 900 });
  await viewer.goto("/team/providers");
  const seen = viewer.getByTestId("embedding-settings");
  await expect(seen.getByTestId("embedder-current")).toHaveText("text-embedding-3-small through Local fake");
  await expect(seen.getByTestId("embedding-read-only")).toHaveText("Admins and owners choose the embedder.");
  await expect(seen.getByRole("button")).toHaveCount(0);
  await expect(seen.getByLabel("Embed with")).toHaveCount(0);
  await photograph(viewer, "embedding-settings-viewer");
  await viewer.context().close();
});
