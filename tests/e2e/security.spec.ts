import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import net from "node:net";
import { expect, test, type APIRequestContext, type Browser, type BrowserContext, type Page } from "@playwright/test";
import pg from "pg";
import { postJson } from "../factories/auth-app";

/**
 * Security issue 17 in the browser, against the production build served as `npm start` serves it
 * (scripts/serve.ts): hardening headers on every response, the app working under its
 * Content-Security-Policy, the sign-in limit against forged X-Forwarded-For, ?next= that stays on the
 * app, the password hint, and an invite-only instance's sign-up page.
 *
 * These tests sign up and sign in often. The limits count per client address in the shared database,
 * and every browser here connects from 127.0.0.1, so this file runs two servers of its own from the same
 * build, configured as behind a reverse proxy (TRUSTED_PROXIES=127.0.0.1), and each browser context
 * sends the X-Forwarded-For such a proxy would add: every context is its own client, and the rest of
 * the suite keeps 127.0.0.1's allowance.
 */
const SHOTS = "tests/e2e/screenshots";
const unique = Date.now().toString(36);
const PASSWORD = "long-enough-password-7";
const DESKTOP = { width: 1366, height: 900 };
const PHONE = { width: 390, height: 844 };
const LOOKS = [
  ["desktop", DESKTOP, "light"],
  ["desktop-dark", DESKTOP, "dark"],
  ["phone", PHONE, "light"],
  ["phone-dark", PHONE, "dark"],
] as const;

test.describe.configure({ mode: "serial" });

type AppServer = { url: string; process: ChildProcess };
let hardened: AppServer;
let inviteOnly: AppServer;
let clients = 0;

/** A client address of its own (TEST-NET-2), as the trusted proxy would report it. */
function nextClientAddress(): string {
  clients += 1;
  return `198.51.100.${clients}`;
}

function newClient(browser: Browser, server: AppServer, options: Parameters<Browser["newContext"]>[0] = {}): Promise<BrowserContext> {
  // Reduced motion: screenshots show the meter's final colours, not a transition.
  return browser.newContext({
    viewport: DESKTOP,
    reducedMotion: "reduce",
    ...options,
    baseURL: server.url,
    extraHTTPHeaders: { "x-forwarded-for": nextClientAddress() },
  });
}

async function startAppServer(env: Record<string, string | undefined>): Promise<AppServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const merged: NodeJS.ProcessEnv = { ...process.env, HOST: "127.0.0.1", PORT: String(port), APP_URL: url };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete merged[name];
    else merged[name] = value;
  }
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/serve.ts"], {
    env: merged,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  for (let i = 0; ; i++) {
    if (child.exitCode !== null || i > 120) throw new Error(`the app server did not start:\n${output}`);
    if (
      await fetch(`${url}/sign-in`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { url, process: child };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function stopAppServer(server: AppServer | undefined) {
  if (!server || server.process.exitCode !== null) return;
  const exited = new Promise((resolve) => server.process.once("exit", resolve));
  server.process.kill("SIGTERM");
  await exited;
}

test.beforeAll(async ({ baseURL }) => {
  test.setTimeout(120_000);
  // Agents started here run on the suite's executor (it calls the main app; both share the database).
  const executor = `http://127.0.0.1:${Number(new URL(baseURL!).port) + 1}`;
  const inngest = {
    INNGEST_DEV: "0",
    INNGEST_BASE_URL: executor,
    INNGEST_SIGNING_KEY: process.env.E2E_INNGEST_SIGNING_KEY,
    INNGEST_EVENT_KEY: process.env.E2E_INNGEST_EVENT_KEY,
  };
  [hardened, inviteOnly] = await Promise.all([
    startAppServer({ ...inngest, TRUSTED_PROXIES: "127.0.0.1" }),
    // As `npm start` serves an instance that has accounts, with no LONGHAUL_SIGNUP: invite-only.
    startAppServer({ ...inngest, TRUSTED_PROXIES: "127.0.0.1", LONGHAUL_SIGNUP: undefined }),
  ]);
});

test.afterAll(async () => {
  await Promise.all([stopAppServer(hardened), stopAppServer(inviteOnly)]);
});

async function trpc<T>(request: APIRequestContext, path: string, input: unknown, kind: "query" | "mutation" = "mutation"): Promise<T> {
  const response =
    kind === "mutation"
      ? await request.post(`/api/trpc/${path}`, { data: { json: input } })
      : await request.get(`/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`);
  const body = (await response.json()) as { result?: { data: { json: T } }; error?: { json: { message: string } } };
  if (!response.ok() || !body.result) throw new Error(`${path} failed (${response.status()}): ${body.error?.json.message ?? "no body"}`);
  return body.result.data.json;
}

async function signUp(page: Page, name: string, email: string) {
  await page.goto("/sign-up");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/agents$/);
}

async function signIn(page: Page, email: string, next?: string) {
  await page.goto(next === undefined ? "/sign-in" : `/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Collects every Content-Security-Policy violation the page reports (console and DOM event). */
async function watchPolicyViolations(page: Page): Promise<() => Promise<string[]>> {
  const seen: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to (load|execute|apply|connect|frame)/i.test(message.text())) seen.push(message.text());
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const store = window as unknown as { __violations?: string[] };
      (store.__violations ??= []).push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  return async () => [...seen, ...(await page.evaluate(() => (window as unknown as { __violations?: string[] }).__violations ?? []))];
}

function expectHardened(headers: Record<string, string>, what: string, referrerPolicy = "strict-origin-when-cross-origin") {
  const policy = headers["content-security-policy"] ?? "";
  for (const directive of ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'", "form-action 'self'", "default-src 'self'"]) {
    expect(policy, `${what}: ${directive}`).toContain(directive);
  }
  expect(policy, `${what}: script nonce`).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{16,}' 'strict-dynamic'(;|$)/);
  expect(headers["x-frame-options"], what).toBe("DENY");
  expect(headers["x-content-type-options"], what).toBe("nosniff");
  expect(headers["referrer-policy"], what).toBe(referrerPolicy);
}

test("every page and API response carries the hardening headers", async ({ browser, playwright }) => {
  test.setTimeout(120_000);
  const context = await newClient(browser, hardened);
  const page = await context.newPage();
  await signUp(page, "Header Checker", `headers-${unique}@example.test`);
  const agent = await trpc<{ id: string }>(page.request, "agent.create", {
    name: "Header watcher",
    goal: "Watch the response headers of three pages.",
    model: "simulator-1",
    budgetUsd: 2,
    cooldownSeconds: 0,
  });
  const sharePath = (await trpc<{ path: string }>(page.request, "share.create", { agentId: agent.id })).path;

  const signedIn = [
    "/",
    "/agents",
    `/agents/${agent.id}`,
    `/agents/${agent.id}/edit`,
    "/agents/new",
    "/approvals",
    "/audit",
    "/team",
    "/teams/new",
  ];
  const signedInApi = ["/api/auth/get-session", "/api/trpc/team.mine", `/api/agents/${agent.id}/export`];
  for (const path of [...signedIn, ...signedInApi]) {
    const response = await page.request.get(path, { maxRedirects: 0 });
    expect(response.status(), path).toBeLessThan(500);
    expectHardened(response.headers(), path);
  }
  await context.close();

  const anonymous = await playwright.request.newContext({
    baseURL: hardened.url,
    extraHTTPHeaders: { "x-forwarded-for": nextClientAddress() },
  });
  const signedOut: [string, string?][] = [
    ["/sign-in"],
    ["/sign-up"],
    ["/agents"], // a redirect to sign-in
    ["/no-such-page"],
    [`/invite/${"x".repeat(43)}`],
    [sharePath, "no-referrer"],
    ["/share/not-a-token", "no-referrer"],
    ["/api/auth/get-session"],
    ["/api/trpc/team.mine"],
    ["/api/metrics"],
    ["/api/inngest"],
  ];
  for (const [path, referrerPolicy] of signedOut) {
    const response = await anonymous.get(path, { maxRedirects: 0 });
    expect(response.status(), path).toBeLessThan(500);
    expectHardened(response.headers(), path, referrerPolicy);
  }
  // A POST too: a refused sign-in is a response like any other.
  const refused = await anonymous.post("/api/auth/sign-in/email", {
    data: { email: "nobody@example.test", password: "wrong-password-1" },
    headers: { origin: hardened.url },
  });
  expect(refused.status()).toBe(401);
  expectHardened(refused.headers(), "POST /api/auth/sign-in/email");
  await anonymous.dispose();
});

test("the app runs under its Content-Security-Policy: sign-in, agents list, agent page, share page", async ({ browser }) => {
  test.setTimeout(120_000);
  const email = `csp-${unique}@example.test`;
  const context = await newClient(browser, hardened);
  const page = await context.newPage();
  const violations = await watchPolicyViolations(page);
  await signUp(page, "Policy Checker", email);
  const agent = await trpc<{ id: string }>(page.request, "agent.create", {
    name: "Pricing watcher",
    goal: "Compare the plans on three pricing pages.",
    model: "simulator-1",
    budgetUsd: 2,
    cooldownSeconds: 0,
  });
  await trpc(page.request, "agent.start", { id: agent.id });
  await expect
    .poll(async () => (await trpc<{ status: string }>(page.request, "agent.byId", { id: agent.id }, "query")).status, { timeout: 60_000 })
    .toBe("waiting_approval");
  const share = await trpc<{ path: string }>(page.request, "share.create", { agentId: agent.id });

  await page.goto("/agents");
  await expect(page.getByRole("link", { name: "Pricing watcher" })).toBeVisible();
  await page.goto(`/agents/${agent.id}`);
  await expect(page.getByTestId("cycle").first()).toBeVisible();
  await page.getByTestId("cycle").first().locator("summary").click();
  await page.screenshot({ path: `${SHOTS}/csp-agent-page.png`, fullPage: true });

  // Signed out: the sign-in form and where it leads, then the share page.
  await context.clearCookies();
  await signIn(page, email);
  await expect(page).toHaveURL(`${hardened.url}/agents`);
  await context.clearCookies();
  await page.goto(share.path);
  await expect(page.getByText("Pricing watcher").first()).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/csp-share-page.png`, fullPage: true });

  expect(await violations()).toEqual([]);
  await context.close();
});

test("after signing in, ?next= never leaves the app", async ({ browser }) => {
  const email = `next-${unique}@example.test`;
  const context = await newClient(browser, hardened);
  const page = await context.newPage();
  await signUp(page, "Next Checker", email);
  for (const next of [
    "/\\evil.example",
    "/%5Cevil.example",
    "//evil.example",
    "/\t/evil.example",
    "https://evil.example",
    "javascript:alert(1)",
  ]) {
    await context.clearCookies();
    await signIn(page, email, next);
    await expect(page, JSON.stringify(next)).toHaveURL(`${hardened.url}/agents`);
  }
  // A path on the app is followed.
  await context.clearCookies();
  await signIn(page, email, "/approvals?status=pending");
  await expect(page).toHaveURL(`${hardened.url}/approvals?status=pending`);
  await context.close();
});

test("the sign-in limit counts the socket's address, or what a trusted proxy forwarded", async () => {
  const port = Number(new URL(hardened.url).port);
  const attempt = (from: string, forwardedFor?: string) =>
    postJson(
      port,
      "/api/auth/sign-in/email",
      { email: `nobody-${unique}@example.test`, password: "wrong-password-1" },
      { from, headers: { origin: hardened.url, ...(forwardedFor ? { "x-forwarded-for": forwardedFor } : {}) } },
    ).then((answer) => answer.status);
  // 127.0.0.2 is no proxy: whatever it claims, it is one client.
  const forged: number[] = [];
  for (let i = 0; i < 11; i++) forged.push(await attempt("127.0.0.2", `192.0.2.${i + 1}`));
  expect(forged.slice(0, 10)).toEqual(Array(10).fill(401));
  expect(forged[10]).toBe(429);
  expect(await attempt("127.0.0.3")).toBe(401);
  // 127.0.0.1 is the trusted proxy: the client it names is counted, whatever that client wrote to the left.
  const proxied: number[] = [];
  for (let i = 0; i < 11; i++) proxied.push(await attempt("127.0.0.1", `10.1.1.${i}, 192.0.2.200`));
  expect(proxied.slice(0, 10)).toEqual(Array(10).fill(401));
  expect(proxied[10]).toBe(429);
  expect(await attempt("127.0.0.1", "192.0.2.201")).toBe(401);
});

test("the password hint says how strong a password is as the person types", async ({ browser }) => {
  for (const [label, viewport, colorScheme] of LOOKS) {
    const context = await newClient(browser, hardened, { viewport, colorScheme });
    const page = await context.newPage();
    await page.goto("/sign-up");
    const hint = page.getByTestId("password-strength");
    await expect(hint).toHaveAttribute("aria-live", "polite");
    await expect(hint).toHaveText("At least 10 characters. A few uncommon words make a strong password.");
    await page.getByLabel("Name", { exact: true }).fill("Hint Reader");
    await page.getByLabel("Email").fill(`hint-${unique}@example.test`);
    await page.getByLabel("Password").pressSequentially("passwo");
    await expect(hint).toHaveText("4 more characters to go (at least 10).");
    await page.getByLabel("Password").pressSequentially("rd12");
    await expect(hint).toHaveText("Weak: this is a commonly used password. Add more words that are less common.");
    await expect(page.getByTestId("password-meter")).toHaveAttribute("data-score", "1");
    await page.screenshot({ path: `${SHOTS}/password-hint-weak-${label}.png`, fullPage: true });
    await page.getByLabel("Password").fill("copper kettle mountain 9");
    await expect(hint).toHaveText("Very strong password.");
    await page.screenshot({ path: `${SHOTS}/password-hint-strong-${label}.png`, fullPage: true });
    if (label === "desktop") {
      // Submitting a weak password explains why, in the field's message.
      await page.getByLabel("Password").fill("aaaaaaaaa1");
      await page.getByRole("button", { name: "Create account" }).click();
      await expect(page.locator('[data-field-error="password"]')).toHaveText(
        /^This password is too easy to guess: repeated characters like "aaa" are easy to guess\./,
      );
    }
    await context.close();
  }
});

test("an invite-only instance says so on the sign-up page instead of letting someone fill in the form", async ({ browser }) => {
  for (const [label, viewport, colorScheme] of LOOKS) {
    const context = await newClient(browser, inviteOnly, { viewport, colorScheme });
    const page = await context.newPage();
    await page.goto("/sign-up");
    await expect(page.getByTestId("sign-up-closed")).toContainText(
      "This Longhaul instance is invite-only; ask a team admin for an invitation link.",
    );
    await expect(page.getByLabel("Password")).toHaveCount(0);
    await page.screenshot({ path: `${SHOTS}/sign-up-invite-only-${label}.png`, fullPage: true });
    await page.goto("/sign-in");
    await expect(page.getByText("New here? Accounts on this instance are by invitation.")).toBeVisible();
    await context.close();
  }
});

test("an invite-only instance lets the holder of an invitation link create the invited account", async ({ browser }) => {
  const invited = `invited-${unique}@example.test`;
  const invitationId = randomBytes(32).toString("base64url");
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    const owner = await client.query<{ userId: string; teamId: string }>(
      `SELECT "userId", "teamId" FROM member WHERE role = 'owner' LIMIT 1`,
    );
    await client.query(
      `INSERT INTO invitation (id, "teamId", email, role, status, "expiresAt", "inviterId") VALUES ($1, $2, $3, 'member', 'pending', now() + interval '7 days', $4)`,
      [invitationId, owner.rows[0]!.teamId, invited, owner.rows[0]!.userId],
    );
  } finally {
    await client.end();
  }
  const context = await newClient(browser, inviteOnly);
  const page = await context.newPage();
  await page.goto(`/invite/${invitationId}`);
  await page.getByRole("link", { name: "Create an account" }).click();
  await expect(page.getByText("The address the invitation was sent to (i…@example.test).")).toBeVisible();
  await page.getByLabel("Name", { exact: true }).fill("Invited Person");
  await page.getByLabel("Email").fill(invited);
  await page.getByLabel("Password").fill(PASSWORD);
  await expect(page.getByTestId("password-strength")).toHaveText("Very strong password.");
  await page.screenshot({ path: `${SHOTS}/sign-up-invited.png`, fullPage: true });
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(`${inviteOnly.url}/invite/${invitationId}`);
  await expect(page.getByRole("button", { name: /^Accept and join/ })).toBeVisible();
  await context.close();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
