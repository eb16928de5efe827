import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { SHOTS, signUp } from "./people";

/**
 * Issue 20 end to end, as a new admin does it: add a remote MCP server (the real
 * @modelcontextprotocol/server-everything over Streamable HTTP, on 127.0.0.2: the one private address
 * the e2e app opens to tools, LONGHAUL_PRIVATE_TOOL_HOSTS in playwright.config.ts), see its tools,
 * enable `echo` on a new agent asking the first time, start it (the Simulator calls an enabled MCP tool
 * with arguments made from its schema), approve the first call in the inbox, and read the server's
 * answer on the agent's timeline. The bundled executor runs the loop.
 */
const unique = Date.now().toString(36);
const EVERYTHING = resolve("node_modules/@modelcontextprotocol/server-everything/dist/index.js");
let everything: ChildProcess;
let url: string;

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.2", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

test.beforeAll(async () => {
  const port = await freePort();
  everything = spawn(process.execPath, [EVERYTHING, "streamableHttp"], { env: { ...process.env, PORT: String(port) }, stdio: "pipe" });
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error("server-everything did not start")), 20_000);
    const onOutput = (chunk: Buffer) => {
      if (/listening on port|running on port/i.test(chunk.toString())) {
        clearTimeout(timer);
        done();
      }
    };
    everything.stdout!.on("data", onOutput);
    everything.stderr!.on("data", onOutput);
  });
  url = `http://127.0.0.2:${port}/mcp`;
});

test.afterAll(() => {
  everything?.kill("SIGTERM");
});

const toolRow = (scope: Page | Locator, name: string) => scope.locator(`[data-testid="mcp-agent-tool"][data-name="${name}"]`);

test("an admin adds a remote MCP server, enables a tool on an agent, approves its first call and sees the result", async ({ page }) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1366, height: 900 });
  await signUp(page, "Ada Admin", `mcp-flow-${unique}@example.test`);

  // The server: added by its URL, refreshed, up, with its tools under the names a model sees.
  await page.goto("/team/mcp");
  await page.getByRole("button", { name: "Add MCP server" }).click();
  const form = page.getByRole("form", { name: "Add an MCP server" });
  await form.getByLabel("Name", { exact: true }).fill("Everything");
  await form.getByLabel("URL").fill(url);
  await form.getByRole("button", { name: "Add MCP server" }).click();
  const card = page.locator('[data-testid="mcp-server"][data-name="Everything"]');
  await card.getByRole("button", { name: "Refresh Everything" }).click();
  await expect(card).toHaveAttribute("data-status", "up", { timeout: 30_000 });
  await expect(card.getByText("mcp_everything_echo")).toBeAttached();
  await expect(page.locator("[data-sonner-toast]")).toHaveCount(0, { timeout: 15_000 });
  await page.screenshot({ path: `${SHOTS}/mcp-servers-page.png`, fullPage: true });

  // A new agent on the Simulator with echo enabled, asking the first time (echo is read-only, so it starts at "never").
  await page.goto("/agents/new");
  await page.getByLabel("Name", { exact: true }).fill("Echo caller");
  await page.getByLabel("Goal", { exact: true }).fill("Walk through the simulator's script, calling the MCP tool it has.");
  await page.getByLabel("Money limit (USD)").fill("2");
  await page.getByLabel("Cooldown between cycles (s)").fill("1");
  const echo = toolRow(page.getByTestId("mcp-tools-section"), "mcp_everything_echo");
  await expect(echo.getByRole("combobox")).toHaveValue("never");
  await echo.getByRole("checkbox").check();
  await echo.getByRole("combobox").selectOption("first_time");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("agent-name")).toHaveText("Echo caller");

  // Cycles 1-3 (world state, remember, search memory), then the MCP call waits for its first approval.
  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.getByTestId("agent-status")).toHaveAttribute("data-status", "waiting_approval", { timeout: 60_000 });
  await page.getByRole("link", { name: "Approvals" }).click();
  await expect(page).toHaveURL(/\/approvals$/);
  await page.getByRole("button", { name: "Approve mcp_everything_echo for Echo caller" }).click();
  await expect(page.getByText("Nothing is waiting for you")).toBeVisible({ timeout: 15_000 });

  // The server's answer on the timeline: the call ran once, after the approval.
  await page.getByRole("link", { name: "Agents" }).click();
  await page.getByRole("link", { name: "Echo caller" }).click();
  const fourth = page.locator('[data-testid="cycle"][data-cycle="4"]');
  await expect(fourth).toBeVisible({ timeout: 45_000 });
  await expect(fourth.getByTestId("cycle-result")).toHaveText("succeeded", { timeout: 45_000 });
  await fourth.locator("summary").click();
  await expect(fourth).toContainText("Echo: Hello from the Longhaul simulator");
  await expect(fourth).toContainText("Everything");
  await expect(page.locator("[data-sonner-toast]")).toHaveCount(0, { timeout: 15_000 });
  await fourth.screenshot({ path: `${SHOTS}/timeline-mcp-live.png` });
});
