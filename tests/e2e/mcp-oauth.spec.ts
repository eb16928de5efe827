import { expect, test } from "@playwright/test";
import type { OAuthMcpServer } from "../fixtures/oauth-mcp-server";
import { inviteAndJoin, photograph, signUp } from "./people";

/**
 * Issue 20: OAuth sign-in for a remote MCP server, in the browser. The OAuth-protected MCP server is
 * built from the official SDK's server side (tests/fixtures/oauth-mcp-server.ts) on 127.0.0.2, the one
 * private address the e2e app opens to tools (LONGHAUL_PRIVATE_TOOL_HOSTS in playwright.config.ts). Its
 * authorization server consents at once, so Connect goes there and straight back to Longhaul's callback.
 */
const unique = Date.now().toString(36);
let oauthServer: OAuthMcpServer;

test.beforeAll(async () => {
  // The SDK takes a plain-http issuer only on localhost and 127.0.0.1; it reads this when its router loads.
  process.env.MCP_DANGEROUSLY_ALLOW_INSECURE_ISSUER_URL = "1";
  const { startOAuthMcpServer } = await import("../fixtures/oauth-mcp-server");
  oauthServer = await startOAuthMcpServer("127.0.0.2");
});

test.afterAll(async () => {
  await oauthServer?.close();
});

test("an owner connects an OAuth-protected MCP server; a viewer sees the state; Disconnect signs out", async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1366, height: 900 });
  await signUp(page, "Otto Owner", `mcp-oauth-owner-${unique}@example.test`);
  await page.goto("/team/mcp");
  await page.getByRole("button", { name: "Add MCP server" }).click();
  const form = page.getByRole("form", { name: "Add an MCP server" });
  await form.getByLabel("Name", { exact: true }).fill("Protected");
  await form.getByLabel("URL").fill(oauthServer.url);
  await form.getByRole("button", { name: "Add MCP server" }).click();

  const card = page.locator('[data-testid="mcp-server"][data-name="Protected"]');
  await card.getByRole("button", { name: "Refresh Protected" }).click();
  await expect(card).toHaveAttribute("data-status", "down", { timeout: 30_000 });
  await expect(card).toHaveAttribute("data-auth-status", "required");
  await expect(card.getByTestId("mcp-oauth")).toContainText("Sign-in needed");
  await expect(card.getByTestId("mcp-oauth-reason")).toHaveText("the server asks for an OAuth sign-in. An admin can connect it.");

  // Connect: to the authorization server and back through /api/mcp/oauth/callback.
  await card.getByRole("button", { name: "Connect Protected" }).click();
  await expect(page).toHaveURL(/\/team\/mcp\?oauth=connected&server=/, { timeout: 30_000 });
  await expect(page.getByTestId("mcp-oauth-return")).toHaveText("Signed in to Protected: 1 tool.");
  await expect(card).toHaveAttribute("data-status", "up");
  await expect(card).toHaveAttribute("data-auth-status", "authorized");
  await expect(card.getByText("mcp_protected_whoami")).toBeAttached();
  expect(oauthServer.provider.counts.codeExchanges).toBe(1);
  await photograph(page, "mcp-oauth-signed-in");

  // A viewer sees the state, without the buttons.
  const viewer = await inviteAndJoin(page, browser, baseURL!, {
    role: "viewer",
    name: "Vera Viewer",
    email: `mcp-oauth-viewer-${unique}@example.test`,
  });
  await viewer.goto("/team/mcp");
  const seen = viewer.locator('[data-testid="mcp-server"][data-name="Protected"]');
  await expect(seen.getByTestId("mcp-oauth")).toContainText("Signed in");
  await expect(seen.getByRole("button", { name: /Connect|Disconnect/ })).toHaveCount(0);
  await viewer.context().close();

  // Disconnect: sign-in needed again.
  await page.goto("/team/mcp");
  await card.getByRole("button", { name: "Disconnect… Protected" }).click();
  await card.getByRole("button", { name: "Disconnect", exact: true }).click();
  await expect(card).toHaveAttribute("data-auth-status", "required");
  await expect(card.getByTestId("mcp-oauth-reason")).toHaveText("Signed out. An admin can connect it again.");
  await expect(card.getByRole("button", { name: "Connect Protected" })).toBeVisible();
});
