import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect, test } from "@playwright/test";
import { photograph, signUp } from "./people";

/**
 * Issue 20, first slice: Team → MCP servers. An owner is refused a loopback URL at its field (the
 * outbound guard; LONGHAUL_PRIVATE_TOOL_HOSTS is not set), adds the real server-filesystem from
 * node_modules as a local command on a temporary folder (LONGHAUL_MCP_STDIO=on in playwright.config.ts),
 * refreshes it and reads its tools with their schema; a command that exits is shown down with its exit
 * code and stderr.
 */
const unique = Date.now().toString(36);
const FILESYSTEM = resolve("node_modules/@modelcontextprotocol/server-filesystem/dist/index.js");
let folder = "";

test.beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "longhaul-mcp-e2e-"));
  await writeFile(join(folder, "notes.txt"), "hello\n");
});

test.afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

test("an owner adds a local MCP server, refreshes it and reads its tools; a broken one is shown down", async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1366, height: 900 });
  await signUp(page, "Mona Owner", `mcp-owner-${unique}@example.test`);
  await page.getByRole("link", { name: "Team", exact: true }).click();
  await page.getByRole("navigation", { name: "Team settings" }).getByRole("link", { name: "MCP servers" }).click();
  await expect(page).toHaveURL(/\/team\/mcp$/);
  await expect(page.getByTestId("mcp-empty")).toBeVisible();

  // A loopback URL is refused next to the field.
  await page.getByRole("button", { name: "Add MCP server" }).click();
  const form = page.getByRole("form", { name: "Add an MCP server" });
  await form.getByLabel("Name", { exact: true }).fill("Loopback");
  await form.getByLabel("URL").fill("http://127.0.0.1:9/mcp");
  await form.getByRole("button", { name: "Add MCP server" }).click();
  await expect(form.getByText(/MCP servers are not reached at private addresses, and 127\.0\.0\.1 is a loopback address/)).toBeVisible();
  await photograph(page, "mcp-servers-loopback-refused");

  // The real server-filesystem as a local command.
  await form.getByLabel("How to reach it").selectOption({ label: "Local command (stdio)" });
  await form.getByLabel("Name", { exact: true }).fill("Files");
  await form.getByLabel("Command").fill(process.execPath);
  await form.getByLabel("Arguments").fill(`${FILESYSTEM}\n${folder}`);
  await form.getByRole("button", { name: "Add MCP server" }).click();
  const files = page.locator('[data-testid="mcp-server"][data-name="Files"]');
  await expect(files).toHaveAttribute("data-status", "unknown");
  await files.getByRole("button", { name: "Refresh Files" }).click();
  await expect(files).toHaveAttribute("data-status", "up", { timeout: 30_000 });
  const readTool = files.locator('[data-testid="mcp-tool"][data-name="read_text_file"]');
  await expect(readTool).toContainText("read-only");
  await readTool.getByText("Input schema").click();
  await expect(readTool.getByText("mcp_files_read_text_file")).toBeVisible();
  await expect(readTool.locator("pre")).toContainText('"path"');

  // A command that exits at once is down, with its exit code and what it wrote.
  await page.getByRole("button", { name: "Add MCP server" }).click();
  await form.getByLabel("How to reach it").selectOption({ label: "Local command (stdio)" });
  await form.getByLabel("Name", { exact: true }).fill("Broken");
  await form.getByLabel("Command").fill(process.execPath);
  await form.getByLabel("Arguments").fill("-e\nprocess.stderr.write('no token configured'); process.exit(2)");
  await form.getByRole("button", { name: "Add MCP server" }).click();
  const broken = page.locator('[data-testid="mcp-server"][data-name="Broken"]');
  await broken.getByRole("button", { name: "Refresh Broken" }).click();
  await expect(broken).toHaveAttribute("data-status", "down", { timeout: 30_000 });
  await expect(broken.getByTestId("mcp-server-error")).toHaveText(
    "The process exited with code 2 before answering. Its last output (stderr): no token configured",
  );
  await photograph(page, "mcp-servers");
});
