import { expect, test, type APIRequestContext, type Locator, type Page } from "@playwright/test";
import pg from "pg";
import { inviteAndJoin, SHOTS, signUp } from "./people";

/**
 * Issue 20, MCP tools in the UI. An owner's team has two MCP servers written straight into the database
 * (as discovery would leave them): "Docs", up, with three tools whose annotations set their default
 * policies, and "Tickets", down. The owner enables tools on a new agent, finds them kept on the edit
 * form, is refused a stored tool no server offers until removing it; a viewer is told the edit page is not theirs.
 * Then an MCP call's result and progress (events written here with the event log's sequence rule) show
 * on the timeline and on a share link, an unknown outcome reads as such, and in the inbox "Mark done"
 * records the approval as approved with the answer "done".
 */
const unique = Date.now().toString(36);
const AGENT = "Docs researcher";
const DOWN_ERROR = "Could not connect: tickets.example.com refused the connection.";
// A 120 × 72 bar chart (PNG, 260 bytes), small enough for the result to keep.
const CHART_PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAHgAAABICAMAAAAKwMFNAAAABlBMVEUlY+v09PUiIB/IAAAACXBIWXMAAAsTAAALEwEAmpwYAAAApElEQVRoge2UUQqDQAwFX+5/6UItS6LUuhKfFGc+1w0DQ1bFTQixC9lMKxDbkE9VQWxDPtX/i7UC8T768X1vlNRTaO56GSX1FJq7XkZJ3Z1aX5JenlqIP5A67l4uHdp2Id5C6jhZovLo5VKTAHGQ+g3LlViS8JzED+TwTlR4TokRpem8QurEiNJ0XiF1YkRpOq+QOjGiXJ3ai8y+AWIb8qni4eIXfZ4YwXp8WB8AAAAASUVORK5CYII=";

const tool = (slug: string, name: string, extra: Record<string, unknown>) => ({
  name,
  exposedName: `mcp_${slug}_${name}`,
  inputSchema: { type: "object", properties: { query: { type: "string", description: "What to look for." } }, required: ["query"] },
  ...extra,
});
const discovery = (tools: unknown[]) => ({
  server: { name: "docs-mcp", version: "1.4.0" },
  tools,
  resources: [],
  resourceTemplates: [],
  prompts: [],
});

const DOCS_TOOLS = [
  tool("docs", "search_docs", {
    title: "Search the docs",
    description: "Full-text search over the team's documentation.",
    annotations: { readOnlyHint: true, openWorldHint: false },
  }),
  tool("docs", "publish_page", {
    description:
      "Publishes a draft page to the public documentation site. The page becomes visible to everyone at once, search engines are " +
      "pinged, and subscribers of the space get an email about it; publishing the same page twice sends the emails twice.",
    annotations: { readOnlyHint: false, destructiveHint: false },
  }),
  tool("docs", "delete_page", {
    title: "Delete a page",
    description: "Deletes a page for good.",
    annotations: { destructiveHint: true },
  }),
];
const TICKET_TOOLS = [tool("tickets", "create_ticket", { description: "Opens a ticket.", annotations: {} })];

async function withDatabase<T>(run: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await db.connect();
  try {
    return await run(db);
  } finally {
    await db.end();
  }
}

async function addServers(email: string) {
  return withDatabase(async (db) => {
    const { rows } = await db.query<{ teamId: string }>(
      `SELECT m."teamId" FROM member m JOIN "user" u ON u.id = m."userId" WHERE u.email = $1`,
      [email],
    );
    const teamId = rows[0]!.teamId;
    const insert = `INSERT INTO mcp_server ("teamId", name, slug, transport, url, status, "lastError", "lastCheckedAt", discovery, "discoveredAt", "callCostUsd", "updatedAt")
                    VALUES ($1, $2, $3, 'http', $4, $5, $6, now(), $7::jsonb, now(), $8, now())`;
    await db.query(insert, [
      teamId,
      "Docs",
      "docs",
      "https://docs.example.com/mcp",
      "up",
      null,
      JSON.stringify(discovery(DOCS_TOOLS)),
      "0.002",
    ]);
    await db.query(insert, [
      teamId,
      "Tickets",
      "tickets",
      "https://tickets.example.com/mcp",
      "down",
      DOWN_ERROR,
      JSON.stringify(discovery(TICKET_TOOLS)),
      null,
    ]);
    return teamId;
  });
}

/** Events as the loop appends them: the next sequence number from the agent row, in one statement. */
async function appendEvents(agentId: string, events: { cycle: number; type: string; payload: unknown }[]) {
  await withDatabase(async (db) => {
    for (const event of events) {
      await db.query(
        `WITH next AS (
           UPDATE agent SET "lastEventSeq" = "lastEventSeq" + 1, "eventCount" = "eventCount" + 1, "lastActiveAt" = now()
            WHERE id = $1::uuid RETURNING "lastEventSeq" AS seq, "teamId"
         )
         INSERT INTO agent_event ("agentId", "teamId", seq, cycle, type, payload, "createdAt")
         SELECT $1::uuid, next."teamId", next.seq, $2, $3::"EventType", $4::jsonb, now() FROM next`,
        [agentId, event.cycle, event.type, JSON.stringify(event.payload)],
      );
    }
    await db.query(`UPDATE agent SET "cycleCount" = GREATEST("cycleCount", $2) WHERE id = $1::uuid`, [
      agentId,
      Math.max(...events.map((e) => e.cycle)),
    ]);
  });
}

/** Calls a tRPC procedure over HTTP the way the app's client does (superjson, one call, no batching). */
async function trpc<T>(request: APIRequestContext, path: string, input: unknown): Promise<T> {
  const response = await request.post(`/api/trpc/${path}`, { data: { json: input } });
  const body = (await response.json()) as { result?: { data: { json: T } }; error?: { json: { message: string } } };
  if (!response.ok() || !body.result) throw new Error(`${path} failed (${response.status()}): ${body.error?.json.message ?? "no body"}`);
  return body.result.data.json;
}

/** A part of the page with a margin around it (an element's own screenshot cuts its ring off). */
async function photographPart(page: Page, part: Locator, name: string) {
  const box = (await part.boundingBox())!;
  const scrollY = await page.evaluate(() => window.scrollY);
  const margin = 12;
  const x = Math.max(0, box.x - margin);
  const width = Math.min(page.viewportSize()!.width - x, box.width + 2 * margin);
  const clip = { x, y: Math.max(0, box.y + scrollY - margin), width, height: box.height + 2 * margin };
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true, clip, animations: "disabled" });
}

const toolRow = (scope: Page | Locator, name: string) => scope.locator(`[data-testid="mcp-agent-tool"][data-name="${name}"]`);

test("an owner sets an agent's MCP tools, a viewer cannot edit them, MCP results show on the timeline, an unknown outcome is marked done", async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1366, height: 900 });
  const email = `mcp-tools-${unique}@example.test`;
  await signUp(page, "Mira Owner", email);
  await addServers(email);

  // The servers' page shows each server's price and time limit; the form explains a bad one at its field.
  await page.goto("/team/mcp");
  const docsCard = page.locator('[data-testid="mcp-server"][data-name="Docs"]');
  await expect(docsCard.getByTestId("mcp-server-price")).toHaveText("$0.002");
  await expect(docsCard.getByTestId("mcp-server-timeout")).toHaveText("120 s");
  await page.getByRole("button", { name: "Add MCP server" }).click();
  const serverForm = page.getByRole("form", { name: "Add an MCP server" });
  await serverForm.getByLabel("Name", { exact: true }).fill("Priced");
  await serverForm.getByLabel("URL").fill("https://priced.example.com/mcp");
  await serverForm.getByLabel("Price per call (USD)").fill("one cent");
  await serverForm.getByLabel("Time limit per call (seconds)").fill("0");
  await serverForm.getByRole("button", { name: "Add MCP server" }).click();
  await expect(serverForm.locator('[data-field-error="mcp-call-cost"]')).toContainText("Enter a price per call in USD");
  await expect(serverForm.locator('[data-field-error="mcp-call-timeout"]')).toHaveText("A call may take at least 1 second.");
  await serverForm.getByRole("button", { name: "Cancel" }).click();

  // A new agent: every MCP tool is off, at the policy its annotations suggest.
  await page.goto("/agents/new");
  await page.getByLabel("Name", { exact: true }).fill(AGENT);
  await page.getByLabel("Goal", { exact: true }).fill("Answer questions about retention from the team's documentation.");
  const section = page.getByTestId("mcp-tools-section");
  const docs = section.locator('[data-testid="mcp-server-tools"][data-slug="docs"]');
  const tickets = section.locator('[data-testid="mcp-server-tools"][data-slug="tickets"]');
  await expect(docs).toHaveAttribute("data-status", "up");
  await expect(docs).toContainText("$0.002 a call");
  for (const [name, policy, why] of [
    ["mcp_docs_search_docs", "never", "read-only"],
    ["mcp_docs_publish_page", "first_time", "neither read-only nor destructive"],
    ["mcp_docs_delete_page", "always", "destructive"],
  ] as const) {
    const row = toolRow(docs, name);
    await expect(row.getByRole("checkbox")).not.toBeChecked();
    await expect(row.getByRole("combobox")).toHaveValue(policy);
    await expect(row.getByTestId("mcp-tool-default")).toContainText(why);
  }
  // The down server is marked, with why; its tools can be set but are not offered while it is down.
  await expect(tickets).toHaveAttribute("data-status", "down");
  await expect(tickets.getByTestId("mcp-server-down")).toContainText(DOWN_ERROR);
  await expect(tickets.getByTestId("mcp-server-down")).toContainText("the model is not offered them while the server is down");
  await tickets.getByRole("button", { name: "Enable all tools of Tickets" }).click();
  await expect(toolRow(tickets, "mcp_tickets_create_ticket").getByRole("checkbox")).toBeChecked();
  await tickets.getByRole("button", { name: "Disable all tools of Tickets" }).click();
  await expect(toolRow(tickets, "mcp_tickets_create_ticket").getByRole("checkbox")).not.toBeChecked();

  // Enable search (as it starts) and publish (asking every time); read a long description and a schema.
  await toolRow(docs, "mcp_docs_search_docs").getByRole("checkbox").check();
  const publish = toolRow(docs, "mcp_docs_publish_page");
  await publish.getByRole("checkbox").check();
  await publish.getByRole("combobox").selectOption("always");
  await publish.getByText("Show the whole description").click();
  await expect(publish).toContainText("publishing the same page twice sends the emails twice");
  const search = toolRow(docs, "mcp_docs_search_docs");
  await search.getByText("Input schema").click();
  await expect(search.getByTestId("mcp-tool-schema")).toContainText('"query"');
  await expect(page.locator("[data-sonner-toast]")).toHaveCount(0, { timeout: 15_000 });
  await photographPart(page, section, "agent-mcp-tools");
  await page.emulateMedia({ colorScheme: "dark" });
  await page.setViewportSize({ width: 390, height: 844 });
  await photographPart(page, section, "agent-mcp-tools-phone-dark");
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 1366, height: 900 });

  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("agent-name")).toHaveText(AGENT);
  const agentId = new URL(page.url()).pathname.split("/").pop()!;

  // The edit form has them as saved.
  await page.goto(`/agents/${agentId}/edit`);
  await expect(toolRow(page, "mcp_docs_search_docs").getByRole("checkbox")).toBeChecked();
  await expect(toolRow(page, "mcp_docs_search_docs").getByRole("combobox")).toHaveValue("never");
  await expect(toolRow(page, "mcp_docs_publish_page").getByRole("checkbox")).toBeChecked();
  await expect(toolRow(page, "mcp_docs_publish_page").getByRole("combobox")).toHaveValue("always");
  await expect(toolRow(page, "mcp_docs_delete_page").getByRole("checkbox")).not.toBeChecked();

  // A stored tool that no server offers any more: listed, refused while enabled, saved once removed.
  await withDatabase((db) =>
    db.query(
      `UPDATE agent SET tools = tools || '[{"name":"mcp_docs_old_search","enabled":true,"approval":"never"}]'::jsonb WHERE id = $1::uuid`,
      [agentId],
    ),
  );
  await page.reload();
  const stale = page.locator('[data-testid="mcp-stale-tool"][data-name="mcp_docs_old_search"]');
  await expect(stale).toContainText("enabled");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.locator('[data-field-error="agent-mcp-tools"]')).toContainText("No MCP server of this team offers mcp_docs_old_search");
  await stale.getByRole("button", { name: "Remove mcp_docs_old_search" }).click();
  await expect(stale).toHaveCount(0);
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page).toHaveURL(new RegExp(`/agents/${agentId}$`));
  const stored = await withDatabase(
    async (db) => (await db.query<{ tools: { name: string }[] }>(`SELECT tools FROM agent WHERE id = $1::uuid`, [agentId])).rows[0]!.tools,
  );
  expect(stored.map((t) => t.name)).not.toContain("mcp_docs_old_search");
  expect(stored.map((t) => t.name)).toContain("mcp_docs_search_docs");

  // A viewer opening the edit page is told why it is not theirs (issue 22: controls follow permissions), with no form to change.
  const viewer = await inviteAndJoin(page, browser, baseURL!, {
    role: "viewer",
    name: "Vera Viewer",
    email: `mcp-tools-viewer-${unique}@example.test`,
  });
  await viewer.goto(`/agents/${agentId}/edit`);
  await expect(viewer.getByTestId("agent-form-read-only")).toContainText("Viewers cannot edit agents.");
  await expect(toolRow(viewer, "mcp_docs_search_docs")).toHaveCount(0);
  await expect(viewer.getByRole("button", { name: "Save changes" })).toHaveCount(0);
  await viewer.context().close();

  // An MCP call's progress and result (cycle 1), and a call whose attempt died mid-call (cycle 2).
  const result = {
    mcp: { serverId: "00000000-0000-4000-8000-000000000000", server: "Docs", tool: "search_docs" },
    isError: false,
    text: "3 pages mention retention.",
    content: [
      { type: "text", text: "3 pages mention retention." },
      { type: "image", mimeType: "image/png", bytes: 260, data: CHART_PNG },
      { type: "image", mimeType: "image/png", bytes: 122_880 },
      { type: "resource_link", uri: "https://docs.example.com/retention", name: "retention", title: "Retention policy" },
      { type: "resource_link", uri: "javascript:alert(1)", name: "not a link" },
      { type: "resource_link", uri: "docs://pages/42", name: "page 42" },
    ],
    structuredContent: { matches: [{ page: "Retention policy", score: 0.92 }] },
    truncated: { bytes: 90_000, note: "The result was cut to 64 KB for the model." },
  };
  await appendEvents(agentId, [
    {
      cycle: 1,
      type: "thought",
      payload: {
        content: "Search the docs for retention.",
        model: "simulator-1",
        call: { name: "mcp_docs_search_docs", arguments: '{"query":"retention"}' },
      },
    },
    { cycle: 1, type: "tool_call", payload: { name: "mcp_docs_search_docs", arguments: { query: "retention" } } },
    { cycle: 1, type: "observation", payload: { kind: "tool_progress", name: "mcp_docs_search_docs", progress: 1, total: 4 } },
    {
      cycle: 1,
      type: "observation",
      payload: { kind: "tool_progress", name: "mcp_docs_search_docs", progress: 3, total: 4, message: "Searched 3 of 4 spaces" },
    },
    { cycle: 1, type: "tool_result", payload: { name: "mcp_docs_search_docs", status: "succeeded", result, costUsd: "0.002" } },
    { cycle: 2, type: "tool_call", payload: { name: "mcp_docs_publish_page", arguments: { page: "retention" } } },
    { cycle: 2, type: "tool_result", payload: { name: "mcp_docs_publish_page", status: "unknown" } },
  ]);
  await page.goto(`/agents/${agentId}`);
  const first = page.locator('[data-testid="cycle"][data-cycle="1"]');
  await first.locator("summary").first().click();
  const shown = first.getByTestId("mcp-result");
  await expect(shown).toContainText("Docs");
  await expect(shown).toContainText("search_docs");
  await expect(shown).toContainText("3 pages mention retention.");
  await expect(shown.getByTestId("mcp-image")).toHaveAttribute("src", `data:image/png;base64,${CHART_PNG}`);
  await expect(shown.getByTestId("mcp-placeholder")).toHaveText("Image: image/png, 120 KB (not kept)");
  const link = shown.getByRole("link", { name: /Retention policy/ });
  await expect(link).toHaveAttribute("href", "https://docs.example.com/retention");
  await expect(link).toHaveAttribute("rel", "noopener noreferrer nofollow");
  await expect(shown.getByRole("link")).toHaveCount(1);
  await expect(shown).toContainText("javascript:alert(1)");
  await expect(shown).toContainText("docs://pages/42");
  await shown.getByText("Structured content").click();
  await expect(shown.getByTestId("mcp-structured")).toContainText('"score": 0.92');
  await expect(shown.getByTestId("mcp-truncated")).toContainText("The result was cut to 64 KB for the model. (88 KB in all)");
  const progress = first.getByTestId("mcp-progress");
  await expect(progress).toContainText("3 of 4");
  await expect(progress).toContainText("Searched 3 of 4 spaces");
  await expect(progress.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "75");
  const second = page.locator('[data-testid="cycle"][data-cycle="2"]');
  await expect(second.getByTestId("cycle-result")).toHaveText("outcome unknown");
  await second.locator("summary").first().click();
  await expect(second.getByTestId("cycle-outcome-unknown")).toHaveText(
    "Outcome unknown: the call was in flight when its attempt died; a person decides in the inbox.",
  );
  await page.screenshot({ path: `${SHOTS}/timeline-mcp-result.png`, fullPage: true, animations: "disabled" });

  // A share link shows the same result, without the server's id.
  const link2 = await trpc<{ path: string }>(page.request, "share.create", { agentId });
  const visitor = await browser.newContext();
  const shared = await visitor.newPage();
  await shared.goto(link2.path);
  const sharedFirst = shared.locator('[data-testid="shared-cycle"][data-cycle="1"]');
  await expect(sharedFirst.getByTestId("mcp-result")).toContainText("3 pages mention retention.");
  await expect(sharedFirst.getByTestId("mcp-image")).toBeVisible();
  await expect(sharedFirst.getByTestId("mcp-progress")).toContainText("3 of 4");
  await expect(shared.locator('[data-testid="shared-cycle"][data-cycle="2"]')).toContainText("Outcome unknown");
  expect(await shared.content()).not.toContain(result.mcp.serverId);
  await shared.screenshot({ path: `${SHOTS}/share-mcp-result.png`, fullPage: true, animations: "disabled" });
  await visitor.close();

  // The inbox: the unknown outcome, settled as done.
  const approvalId = await withDatabase(async (db) => {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO approval ("agentId", "teamId", cycle, kind, "toolName", "toolArgs", reason)
       SELECT id, "teamId", 2, 'outcome', 'mcp_docs_publish_page', '{"page":"retention"}'::jsonb,
              'The call to publish_page on Docs was in flight when its attempt died; it may or may not have happened.'
         FROM agent WHERE id = $1::uuid RETURNING id`,
      [agentId],
    );
    return rows[0]!.id;
  });
  await page.goto("/approvals");
  const card = page.getByTestId("approval-item").filter({ hasText: AGENT });
  await expect(card).toContainText("Outcome unknown");
  await expect(card.getByTestId("approval-server")).toContainText("Docs");
  await expect(card.getByTestId("approval-args")).toContainText('"page": "retention"');
  await expect(card).toContainText("it may or may not have happened");
  const subject = `mcp_docs_publish_page for ${AGENT}`;
  for (const label of ["Retry", "Mark done", "Skip"])
    await expect(card.getByRole("button", { name: `${label}: ${subject}` })).toBeEnabled();
  await expect(card.getByRole("button", { name: `Approve ${subject}` })).toHaveCount(0);
  await expect(page.locator("[data-sonner-toast]")).toHaveCount(0, { timeout: 15_000 });
  await page.screenshot({ path: `${SHOTS}/inbox-outcome-unknown.png`, fullPage: true, animations: "disabled" });
  await card.getByRole("button", { name: `Mark done: ${subject}` }).click();
  await expect(
    page
      .getByRole("status")
      .filter({ hasText: `Marked mcp_docs_publish_page done for ${AGENT}.` })
      .first(),
  ).toBeVisible();
  await expect(page.getByTestId("recent-approval").filter({ hasText: AGENT })).toContainText("Marked done");
  const decided = await withDatabase(
    async (db) =>
      (await db.query<{ status: string; answer: string | null }>(`SELECT status, answer FROM approval WHERE id = $1::uuid`, [approvalId]))
        .rows[0]!,
  );
  expect(decided).toEqual({ status: "approved", answer: "done" });
});
