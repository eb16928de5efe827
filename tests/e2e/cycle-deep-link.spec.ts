import { expect, test, type Page } from "@playwright/test";
import { copyFile } from "node:fs/promises";
import pg from "pg";
import { SHOTS, signUp } from "./people";

/**
 * A link to any cycle (issue 22): `/agents/<id>?cycle=N` opens cycle N and scrolls to it even when it is
 * older than the first page of the timeline (the newest 20 cycles): the pages down to it load first. A
 * cycle the agent never had, or one whose history the retention policy deleted, is said so on the page.
 * The history (45 cycles) is written the way the loop appends events, straight into the database.
 */
const unique = Date.now().toString(36);
const CYCLES = 45;

async function withDatabase<T>(run: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await db.connect();
  try {
    return await run(db);
  } finally {
    await db.end();
  }
}

/** Cycles 1..count, each a thought, a tool call and its result, numbered in order; the agent's counters follow. */
async function writeHistory(agentId: string, count: number) {
  await withDatabase(async (db) => {
    await db.query(
      `INSERT INTO agent_event ("agentId", "teamId", seq, cycle, type, payload, "createdAt")
       SELECT a.id, a."teamId", (c - 1) * 3 + k, c,
              (ARRAY['thought', 'tool_call', 'tool_result'])[k]::"EventType",
              CASE k
                WHEN 1 THEN jsonb_build_object('content', 'Looked at step ' || c || '.', 'model', 'simulator-1',
                                               'call', jsonb_build_object('name', 'remember', 'arguments', '{}'))
                WHEN 2 THEN jsonb_build_object('name', 'remember', 'arguments', jsonb_build_object('note', 'step ' || c))
                ELSE jsonb_build_object('status', 'succeeded', 'result', 'ok')
              END,
              now() - make_interval(mins => $2 - c)
         FROM agent a, generate_series(1, $2) AS c, generate_series(1, 3) AS k
        WHERE a.id = $1::uuid`,
      [agentId, count],
    );
    await db.query(
      `UPDATE agent SET "lastEventSeq" = $2 * 3, "eventCount" = $2 * 3, "cycleCount" = $2, "lastActiveAt" = now() WHERE id = $1::uuid`,
      [agentId, count],
    );
  });
}

/** What the retention policy leaves behind: the events of cycles 1..through gone, the agent saying so. */
async function deleteHistoryThrough(agentId: string, through: number) {
  await withDatabase(async (db) => {
    await db.query(`DELETE FROM agent_event WHERE "agentId" = $1::uuid AND cycle <= $2`, [agentId, through]);
    await db.query(`UPDATE agent SET "coldDeletedThroughCycle" = $2 WHERE id = $1::uuid`, [agentId, through]);
  });
}

function cycleRow(page: Page, cycle: number) {
  return page.locator(`[data-testid="cycle"][data-cycle="${cycle}"]`);
}

test("a link to an old cycle loads the timeline down to it, opens it and scrolls to it; a missing or deleted cycle is said so", async ({
  page,
}) => {
  test.setTimeout(180_000);
  await signUp(page, "Link Follower", `deep-link-${unique}@example.test`);
  await page.goto("/agents/new");
  await page.getByLabel("Name", { exact: true }).fill("Long history");
  await page.getByLabel("Goal", { exact: true }).fill("Have many cycles behind it.");
  await page.getByLabel("Money limit (USD)").fill("2");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
  const agentPath = new URL(page.url()).pathname;
  const agentId = agentPath.split("/").pop()!;
  await writeHistory(agentId, CYCLES);

  // Cycle 7 is two pages below the newest (46..27, 26..7): loaded, opened, on screen, its summary focused.
  await page.goto(`${agentPath}?cycle=7`);
  const seventh = cycleRow(page, 7);
  await expect(seventh).toBeInViewport({ timeout: 20_000 });
  await expect(seventh.locator("details")).toHaveAttribute("open", "");
  await expect(seventh).toContainText("Looked at step 7.");
  await expect(seventh.locator("summary")).toBeFocused();
  await expect(cycleRow(page, CYCLES)).not.toBeInViewport();
  await expect(page.getByTestId("deep-link-note")).toHaveCount(0);
  // The link still names it: a reload lands there again.
  expect(new URL(page.url()).searchParams.get("cycle")).toBe("7");
  // The window as the reader sees it (a full-page picture of a virtual list is mostly blank rows).
  await page.screenshot({ path: `${SHOTS}/timeline-deep-link.png` });

  // On a phone too, and for the oldest cycle.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${agentPath}?cycle=1`);
  await expect(cycleRow(page, 1)).toBeInViewport({ timeout: 20_000 });
  await expect(cycleRow(page, 1).locator("details")).toHaveAttribute("open", "");
  await page.setViewportSize({ width: 1366, height: 900 });

  // A cycle the agent never had.
  await page.goto(`${agentPath}?cycle=99`);
  await expect(page.getByTestId("deep-link-note")).toContainText(
    `There is no cycle 99 in this agent's history: its cycles run from 1 to ${CYCLES}.`,
  );
  await page.getByTestId("deep-link-note").getByRole("button", { name: "Dismiss" }).click();
  await expect(page.getByTestId("deep-link-note")).toHaveCount(0);

  // A cycle whose history the retention policy deleted.
  await deleteHistoryThrough(agentId, 10);
  await page.goto(`${agentPath}?cycle=5`);
  await expect(page.getByTestId("deep-link-note")).toContainText(
    "Cycle 5 cannot be shown: its history was deleted by the retention policy (history is kept from cycle 11).",
  );
  await expect(cycleRow(page, CYCLES)).toBeVisible();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: `${SHOTS}/timeline-deep-link-deleted-phone-dark.png` });
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 1366, height: 900 });
  // Cycle 11, the oldest kept, still opens.
  await page.goto(`${agentPath}?cycle=11`);
  await expect(cycleRow(page, 11)).toBeInViewport({ timeout: 20_000 });
  await expect(cycleRow(page, 11).locator("details")).toHaveAttribute("open", "");

  await copyFile(`${SHOTS}/timeline-deep-link.png`, "docs/screenshots/timeline-deep-link.png");
  await copyFile(`${SHOTS}/timeline-deep-link-deleted-phone-dark.png`, "docs/screenshots/timeline-deep-link-deleted-phone-dark.png");
});
