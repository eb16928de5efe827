import superjson from "superjson";
import { afterAll, describe, expect, it } from "vitest";
import { POST } from "~/app/api/trpc/[trpc]/route";
import { auth } from "~/server/auth/auth";
import { db } from "~/server/db/client";
import { env } from "~/server/env";
import { CROSS_ORIGIN_MESSAGE } from "~/server/security/same-origin";
import { agentInput } from "../factories/agent";
import { postJson, startAuthApp, type AuthApp } from "../factories/auth-app";
import { createTestTeam, TEST_PASSWORD } from "../factories/team";

const APP = new URL(env.APP_URL);

/** A browser-like POST to the tRPC route, carrying the user's session cookie. */
function mutation(path: string, input: unknown, cookie: Headers, extra: Record<string, string>) {
  return new Request(`${APP.origin}/api/trpc/${path}`, {
    method: "POST",
    headers: new Headers([...cookie.entries(), ["content-type", "application/json"], ["host", APP.host], ...Object.entries(extra)]),
    body: JSON.stringify(superjson.serialize(input)),
  });
}

describe("cross-origin writes", () => {
  it("refuses tRPC mutations from another site even with a valid session cookie, and changes nothing", async () => {
    const owner = await createTestTeam();
    const attacks: Record<string, string>[] = [
      { origin: "https://evil.example" },
      { origin: "null" },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site", origin: `${APP.protocol}//other.${APP.hostname}` },
    ];
    for (const headers of attacks) {
      const response = await POST(mutation("agent.create", agentInput({ name: "Planted by another site" }), owner.headers, headers));
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(await response.json()).toMatchObject({ error: { message: CROSS_ORIGIN_MESSAGE } });
    }
    // A page whose name resolves to the app (DNS rebinding) sends its own name as Origin and Host alike.
    const rebound = mutation("agent.create", agentInput({ name: "Planted by a rebound name" }), owner.headers, {});
    rebound.headers.set("host", "rebound.example:3000");
    rebound.headers.set("origin", "http://rebound.example:3000");
    expect((await POST(rebound)).status).toBe(403);
    expect(await db.agent.count({ where: { teamId: owner.team.id } })).toBe(0);

    // The app's own pages (same origin), and clients that send no Origin at all, get through.
    const own = await POST(
      mutation("agent.create", agentInput({ name: "From the app" }), owner.headers, {
        origin: APP.origin,
        "sec-fetch-site": "same-origin",
      }),
    );
    expect(own.status).toBe(200);
    const script = await POST(mutation("agent.create", agentInput({ name: "From a script" }), owner.headers, {}));
    expect(script.status).toBe(200);
    expect(await db.agent.count({ where: { teamId: owner.team.id } })).toBe(2);
  });

  it("better-auth refuses a sign-in posted from another origin", async () => {
    const owner = await createTestTeam();
    const response = await auth.handler(
      new Request(`${APP.origin}/api/auth/sign-in/email`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: "https://evil.example", cookie: "better-auth.session_token=x" },
        body: JSON.stringify({ email: owner.user.email, password: TEST_PASSWORD }),
      }),
    );
    expect(response.status).toBe(403);
    expect(response.headers.getSetCookie()).toHaveLength(0);
  });
});

// Security issue 17, hole 4: a new X-Forwarded-For per attempt escaped the sign-in limit, and the
// counts lived in each process's memory. These go over HTTP through the app's own front
// (server/http/app-server.ts) to better-auth as the app configures it, from chosen socket addresses.
describe("sign-in rate limiting", () => {
  const apps: AuthApp[] = [];
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
  });
  async function start(env: Record<string, string> = {}) {
    const app = await startAuthApp(env);
    apps.push(app);
    return app;
  }
  function signIn(app: AuthApp, password: string, email: string, from: string, forwardedFor?: string) {
    const headers: Record<string, string> = { origin: APP.origin };
    if (forwardedFor) headers["x-forwarded-for"] = forwardedFor;
    return postJson(app.port, "/api/auth/sign-in/email", { email, password }, { from, headers }).then((answer) => answer.status);
  }

  it("counts attempts per socket address, whatever X-Forwarded-For a client sends", async () => {
    const owner = await createTestTeam();
    const app = await start();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++)
      statuses.push(await signIn(app, `wrong-password-${i}`, owner.user.email, "127.0.0.2", `203.0.113.${i + 1}`));
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses[10]).toBe(429);
    // Even the right password waits now from that address, whatever it claims; another address signs in.
    expect(await signIn(app, TEST_PASSWORD, owner.user.email, "127.0.0.2", "198.51.100.77")).toBe(429);
    expect(await signIn(app, TEST_PASSWORD, owner.user.email, "127.0.0.3")).toBe(200);
  });

  it("believes X-Forwarded-For only from TRUSTED_PROXIES, and then the address the proxy saw", async () => {
    const owner = await createTestTeam();
    const app = await start({ TRUSTED_PROXIES: "127.0.0.4" });
    // Through the trusted proxy (socket 127.0.0.4): the client 203.0.113.50, whatever it wrote itself to the left.
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const chain = i % 2 === 0 ? "203.0.113.50" : `10.9.9.${i}, 203.0.113.50`;
      statuses.push(await signIn(app, `wrong-password-${i}`, owner.user.email, "127.0.0.4", chain));
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses[10]).toBe(429);
    // Another client behind the same proxy is not held back by that one.
    expect(await signIn(app, TEST_PASSWORD, owner.user.email, "127.0.0.4", "203.0.113.51")).toBe(200);
    // A client that reaches the app directly (not via the proxy) cannot borrow the proxy's trust.
    for (let i = 0; i < 10; i++) expect(await signIn(app, `wrong-${i}`, owner.user.email, "127.0.0.5", `203.0.113.${60 + i}`)).toBe(401);
    expect(await signIn(app, TEST_PASSWORD, owner.user.email, "127.0.0.5", "203.0.113.70")).toBe(429);
  });

  it("holds across app processes: the counts are in the database", async () => {
    const owner = await createTestTeam();
    const [first, second] = await Promise.all([start(), start()]);
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push(await signIn(i % 2 === 0 ? first : second, `wrong-${i}`, owner.user.email, "127.0.0.6"));
    expect(statuses).toEqual(Array(10).fill(401));
    expect(await signIn(first, TEST_PASSWORD, owner.user.email, "127.0.0.6")).toBe(429);
    expect(await signIn(second, TEST_PASSWORD, owner.user.email, "127.0.0.6")).toBe(429);
    expect(await db.rateLimit.count({ where: { key: { startsWith: "127.0.0.6|" } } })).toBe(1);
  });
});

describe("sign-in answers", () => {
  it("are the same for an unknown address and a wrong password", async () => {
    const owner = await createTestTeam();
    const attempt = (email: string) =>
      auth.handler(
        new Request(`${APP.origin}/api/auth/sign-in/email`, {
          method: "POST",
          headers: { "content-type": "application/json", origin: APP.origin, "x-forwarded-for": "192.0.2.44" },
          body: JSON.stringify({ email, password: "not-the-password-1" }),
        }),
      );
    const wrongPassword = await attempt(owner.user.email);
    const unknownEmail = await attempt(`nobody-${owner.user.id}@example.test`);
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(wrongPassword.status);
    expect(await unknownEmail.json()).toEqual(await wrongPassword.json());
  });
});
