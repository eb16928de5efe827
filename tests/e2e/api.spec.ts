import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { photograph, signUp } from "./people";

/**
 * Issue 19, the public API from outside: a person signs up and makes a team API token (tRPC, as the
 * token page does), then docs/api/drive-agent.sh drives an agent end to end with curl alone against the
 * running app and executor: create, start, watch its cycles, events, spend, memories, share, stop,
 * export. The OpenAPI document and the browsable reference are served by the app.
 */
const unique = Date.now().toString(36);

test("a curl-only script drives an agent end to end through /api/v1; the reference is browsable", async ({ page, baseURL }) => {
  test.setTimeout(180_000);
  await signUp(page, "Scripting Sam", `sam-${unique}@example.test`);
  const created = await page.request.post("/api/trpc/apiToken.create", { data: { json: { name: "drive-agent.sh", role: "member" } } });
  expect(created.ok()).toBe(true);
  const token = ((await created.json()) as { result: { data: { json: { token: string } } } }).result.data.json.token;
  expect(token).toMatch(/^lh_/);

  const cwd = mkdtempSync(path.join(os.tmpdir(), "drive-agent-"));
  const run = spawnSync("bash", [path.resolve("docs/api/drive-agent.sh")], {
    cwd,
    env: { ...process.env, LONGHAUL_URL: baseURL, LONGHAUL_TOKEN: token, LONGHAUL_CYCLES: "2" },
    encoding: "utf8",
    timeout: 150_000,
  });
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  expect(run.stdout).toContain("token acts as member");
  const cycles = Number(/Status: \w+ after (\d+) cycles/.exec(run.stdout)?.[1]);
  expect(cycles).toBeGreaterThanOrEqual(2);
  expect(run.stdout).toMatch(/Events: [1-9]\d* \(/);
  expect(run.stdout).toMatch(new RegExp(`Share link: ${baseURL}/share/\\S+`));
  const exported = readdirSync(cwd).find((f) => f.endsWith(".jsonl"))!;
  expect(readFileSync(path.join(cwd, exported), "utf8").split("\n")[0]).toContain("longhaul.agent-export");

  // What the script did is what the dashboard shows.
  const id = /Created agent ([0-9a-f-]{36})/.exec(run.stdout)![1]!;
  await page.goto(`/agents/${id}`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("curl demo");

  const document = await page.request.get("/api/v1/openapi.json");
  expect((await document.json()) as { openapi: string }).toMatchObject({ openapi: expect.stringMatching(/^3\.1/) });
  const unauthorized = await page.request.get("/api/v1/agents");
  expect(unauthorized.status()).toBe(401);

  await page.goto("/api/docs");
  await expect(page.getByRole("heading", { name: "Longhaul API" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Agents", exact: true })).toBeVisible();
  await expect(page.locator("#agents-create")).toContainText("/agents");
  await photograph(page, "api-docs");
});
