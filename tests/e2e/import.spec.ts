import { expect, test } from "@playwright/test";
import pg from "pg";
import { generateExport } from "../../bench/import-data";

/**
 * Importing an agent's history in the browser (docs/decisions/012, 021): a bad file is explained by
 * line, a second import while one runs is refused with a sentence, and a real file shows its progress
 * and ends on the archive's page.
 */
const SHOTS = "tests/e2e/screenshots";
const unique = Date.now().toString(36);

test("an import explains a bad file, waits for a running one, shows progress and opens the archive", async ({ page }) => {
  test.setTimeout(120_000);
  const email = `import-${unique}@example.test`;
  await page.goto("/sign-up");
  await page.getByLabel("Name", { exact: true }).fill("Import Tester");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("long-enough-password-7");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/agents$/);

  await page.goto("/agents/import");
  await expect(page.getByRole("heading", { name: "Import an agent's history" })).toBeVisible();

  // A file that is not an export.
  await page.setInputFiles("#import-file", {
    name: "notes.jsonl",
    mimeType: "application/x-ndjson",
    buffer: Buffer.from('{"hello":"world"}\n'),
  });
  await page.getByRole("button", { name: "Import" }).click();
  await expect(
    page.getByText("Line 1: this is not a Longhaul agent export (the first line must be its header). Nothing was imported."),
  ).toBeVisible();

  // Another import of the team is running (held here in the database): this one is refused, nothing is lost.
  const file = generateExport({ bytes: 3 * 1024 * 1024, shape: "mixed" });
  const database = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await database.connect();
  try {
    const { rows } = await database.query<{ teamId: string }>(
      `SELECT m."teamId" FROM member m JOIN "user" u ON u.id = m."userId" WHERE u.email = $1`,
      [email],
    );
    const teamId = rows[0]!.teamId;
    await database.query(`INSERT INTO agent_import ("teamId", "runningTeamId", "fileBytes", "heartbeatAt") VALUES ($1, $1, 10, now())`, [
      teamId,
    ]);
    await page.setInputFiles("#import-file", { name: "history.jsonl", mimeType: "application/x-ndjson", buffer: Buffer.from(file.text) });
    await page.getByRole("button", { name: "Import" }).click();
    await expect(page.getByText("An import is already running for this team. Wait for it to finish, then try again.")).toBeVisible();
    await page.screenshot({ path: `${SHOTS}/import-already-running.png`, fullPage: true });
    await database.query(`UPDATE agent_import SET status = 'failed', "runningTeamId" = NULL WHERE "teamId" = $1`, [teamId]);
  } finally {
    await database.end();
  }

  // The same file again: progress while it is checked and written, then the archive's page.
  await page.getByRole("button", { name: "Import" }).click();
  const progress = page.getByRole("progressbar", { name: "Import progress" });
  await expect(progress).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/import-progress.png`, fullPage: true });
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/, { timeout: 60_000 });
  await expect(
    page.getByText(`Imported “Bench import mixed (imported)”: ${file.counts.events} events, ${file.counts.memories} memories.`),
  ).toBeVisible();
  await expect(page.getByTestId("agent-name")).toHaveText("Bench import mixed (imported)");
  await page.screenshot({ path: `${SHOTS}/import-done.png`, fullPage: true });
  await page.goto("/agents");
  await expect(page.getByRole("link", { name: "Bench import mixed (imported)" })).toBeVisible();
});
