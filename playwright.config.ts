import { randomBytes } from "node:crypto";
import { defineConfig } from "@playwright/test";

// Run through `npm test` (or `npm run test:e2e`), which provides a fresh database and a build.
const port = Number(process.env.PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
// The bundled executor runs agents for the app, as `npm start` does; it syncs the app every 2 s until it answers.
const executorPort = port + 1;
const executorUrl = `http://127.0.0.1:${executorPort}`;
// Signed mode, as `npm start` runs it (docs/decisions/017): the executor signs its calls and the app's SDK
// is in cloud mode. Kept in process.env so that the worker processes, which load this file again, agree.
process.env.E2E_INNGEST_SIGNING_KEY ||= `signkey-test-${randomBytes(32).toString("hex")}`;
process.env.E2E_INNGEST_EVENT_KEY ||= randomBytes(32).toString("hex");
const inngestKeys = { INNGEST_SIGNING_KEY: process.env.E2E_INNGEST_SIGNING_KEY, INNGEST_EVENT_KEY: process.env.E2E_INNGEST_EVENT_KEY };
// Model calls may reach the fake OpenAI-compatible server a test starts on 127.0.0.1; tools may not (docs/decisions/019).
const outboundHosts = { LONGHAUL_PRIVATE_MODEL_HOSTS: process.env.LONGHAUL_PRIVATE_MODEL_HOSTS ?? "127.0.0.1,localhost" };

export default defineConfig({
  testDir: "tests/e2e",
  outputDir: "test-results",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: [
    {
      command: `node --conditions=react-server --import tsx scripts/executor.ts -u ${baseURL}/api/inngest -p ${executorPort}`,
      url: `${executorUrl}/health`,
      env: { ...(process.env as Record<string, string>), ...inngestKeys, EXECUTOR_SYNC_INTERVAL_MS: "2000" },
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: "pipe",
      stderr: "pipe",
    },
    {
      // The app as `npm start` serves it: Next behind Longhaul's HTTP front (scripts/serve.ts).
      command: `node --conditions=react-server --import tsx scripts/serve.ts`,
      url: `${baseURL}/sign-in`,
      env: {
        ...(process.env as Record<string, string>),
        ...inngestKeys,
        ...outboundHosts,
        INNGEST_DEV: "0",
        INNGEST_BASE_URL: executorUrl,
        HOST: "127.0.0.1",
        PORT: String(port),
        // Every browser of the suite signs up from 127.0.0.1; the limit itself is tested on servers of its own
        // (tests/e2e/security.spec.ts) with the default.
        AUTH_RATE_LIMIT_PER_MINUTE: "1000",
        // tests/e2e/mcp-servers.spec.ts adds server-filesystem from node_modules as a local MCP server.
        LONGHAUL_MCP_STDIO: "on",
        // tests/e2e/mcp-oauth.spec.ts signs in to an OAuth-protected MCP server on 127.0.0.2 (only that
        // address: tools stay refused 127.0.0.1, which other specs check).
        LONGHAUL_PRIVATE_TOOL_HOSTS: "127.0.0.2",
      },
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: "pipe",
      stderr: "pipe",
    },
  ],
});
