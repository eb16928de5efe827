import superjson from "superjson";
import { describe, expect, it } from "vitest";
import { POST } from "~/app/api/trpc/[trpc]/route";
import { auth } from "~/server/auth/auth";
import { db } from "~/server/db/client";
import { env } from "~/server/env";
import { CROSS_ORIGIN_MESSAGE } from "~/server/security/same-origin";
import { agentInput } from "../factories/agent";
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

describe("sign-in rate limiting", () => {
  it("answers 429 after 10 sign-in attempts a minute from one address, without affecting others", async () => {
    const owner = await createTestTeam();
    const attempt = (ip: string, password: string) =>
      auth.handler(
        new Request(`${APP.origin}/api/auth/sign-in/email`, {
          method: "POST",
          headers: { "content-type": "application/json", origin: APP.origin, "x-forwarded-for": ip },
          body: JSON.stringify({ email: owner.user.email, password }),
        }),
      );
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await attempt("203.0.113.9", `wrong-password-${i}`)).status);
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
    // Even the right password waits now from that address; another address signs in.
    expect((await attempt("203.0.113.9", TEST_PASSWORD)).status).toBe(429);
    expect((await attempt("198.51.100.7", TEST_PASSWORD)).status).toBe(200);
  });
});
