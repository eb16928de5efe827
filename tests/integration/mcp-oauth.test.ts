import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as callback } from "~/app/api/mcp/oauth/callback/route";
import { db } from "~/server/db/client";
import { env } from "~/server/env";
import { refreshDiscovery } from "~/server/mcp/pool";
import { mcpHostWith, type McpHost } from "~/server/mcp/host";
import { finishOAuth, startOAuth } from "~/server/mcp/oauth";
import { mutateOAuth, readOAuth } from "~/server/mcp/oauth-provider";
import { createMcpServer, getMcpServer, updateMcpServer } from "~/server/mcp/servers";
import { NO_PRIVATE_HOSTS, parsePrivateHostList } from "~/server/security/outbound-addresses";
import { startOAuthMcpServer, type OAuthMcpServer } from "../fixtures/oauth-mcp-server";
import { addTestMember, createTestTeam } from "../factories/team";

/**
 * OAuth sign-in for remote MCP servers against a real OAuth-protected MCP server built from the SDK's
 * own server side (tests/fixtures/oauth-mcp-server.ts): discovery, dynamic client registration, the
 * authorization code with PKCE, refresh with rotation, a revoked refresh token. It listens on
 * 127.0.0.1, reached through a host whose guard allows it; the default guard refuses it.
 */
let oauthServer: OAuthMcpServer;
let allowing: McpHost;
let strict: McpHost;

beforeAll(async () => {
  oauthServer = await startOAuthMcpServer();
  allowing = mcpHostWith({ allow: parsePrivateHostList("127.0.0.1"), allowsStdio: false });
  strict = mcpHostWith({ allow: NO_PRIVATE_HOSTS, allowsStdio: false });
}, 30_000);

afterAll(async () => {
  await Promise.all([oauthServer.close(), allowing.guard.close(), strict.guard.close()]);
});

async function addServer(name = "Protected") {
  const owner = await createTestTeam();
  const server = await createMcpServer({
    teamId: owner.team.id,
    userId: owner.user.id,
    input: { transport: "http", name, url: oauthServer.url },
    host: allowing,
  });
  return { owner, serverId: server.id, teamId: owner.team.id };
}

/** The user's consent, given at the authorization server: its redirect back carries the code and our state. */
async function consent(authorizationUrl: string) {
  const response = await fetch(authorizationUrl, { redirect: "manual" });
  expect(response.status).toBe(302);
  const back = new URL(response.headers.get("location")!);
  return { back, code: back.searchParams.get("code"), state: back.searchParams.get("state") };
}

/** A server signed in through the whole flow. */
async function signedIn() {
  const setup = await addServer();
  await refreshDiscovery({ teamId: setup.teamId, serverId: setup.serverId, host: allowing });
  const { authorizationUrl } = await startOAuth({
    teamId: setup.teamId,
    userId: setup.owner.user.id,
    serverId: setup.serverId,
    host: allowing,
  });
  const { code, state } = await consent(authorizationUrl!);
  const outcome = await finishOAuth({ userId: setup.owner.user.id, state, code, host: allowing });
  expect(outcome).toMatchObject({ ok: true });
  return setup;
}

const rowOf = (serverId: string) => db.mcpServer.findUniqueOrThrow({ where: { id: serverId } });

describe("MCP OAuth: signing a remote server in", () => {
  it("a server that answers 401 asking for OAuth is shown as sign-in needed, and a system connection registers nothing", async () => {
    const { teamId, serverId } = await addServer();
    const before = oauthServer.provider.counts.registrations;
    const server = await refreshDiscovery({ teamId, serverId, host: allowing });
    expect(server).toMatchObject({ status: "down", authStatus: "required" });
    expect(server.lastError).toMatch(/^Sign-in needed: the server asks for an OAuth sign-in/);
    expect(server.authError).toMatch(/asks for an OAuth sign-in/);
    expect(oauthServer.provider.counts.registrations).toBe(before);
  });

  it("Connect returns the authorization URL with a PKCE S256 challenge and our redirect URL; the callback signs in", async () => {
    const { owner, teamId, serverId } = await addServer();
    await refreshDiscovery({ teamId, serverId, host: allowing });
    const { authorizationUrl } = await startOAuth({ teamId, userId: owner.user.id, serverId, host: allowing });
    const url = new URL(authorizationUrl!);
    expect(url.origin).toBe(oauthServer.origin);
    expect(url.searchParams.get("response_type")).toBe("code");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get("redirect_uri")).toBe(`${new URL(env.APP_URL).origin}/api/mcp/oauth/callback`);
    expect(url.searchParams.get("resource")).toBe(oauthServer.url);
    const clientId = url.searchParams.get("client_id")!;
    expect(oauthServer.provider.clients.get(clientId)?.redirect_uris).toEqual([url.searchParams.get("redirect_uri")]);
    const state = url.searchParams.get("state")!;
    expect(state.length).toBeGreaterThanOrEqual(40);
    // Only the state's hash is in the clear; the verifier and who started it are encrypted.
    const pendingRow = await rowOf(serverId);
    expect(pendingRow.oauthStateHash).toMatch(/^[0-9a-f]{64}$/);
    expect(pendingRow.oauthStateHash).not.toBe(state);
    expect(pendingRow.oauthCiphertext).not.toContain(owner.user.id);
    expect((await readOAuth({ teamId, serverId })).stored.pending).toMatchObject({ userId: owner.user.id });

    const { code, state: returned } = await consent(authorizationUrl!);
    expect(returned).toBe(state);
    const outcome = await finishOAuth({ userId: owner.user.id, state: returned, code, host: allowing });
    expect(outcome).toEqual({ ok: true, reason: "connected", serverId, message: "Signed in to Protected: 1 tool." });

    const server = await getMcpServer({ teamId, serverId });
    expect(server).toMatchObject({ status: "up", authStatus: "authorized", authError: null, lastError: null });
    expect(server.discovery?.tools.map((tool) => tool.exposedName)).toEqual(["mcp_protected_whoami"]);
    expect(server.oauthExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 3000 * 1000);
    // Tokens stored encrypted: the ciphertext holds neither token, and decrypts to the ones the server issued.
    const { stored } = await readOAuth({ teamId, serverId });
    expect(oauthServer.provider.accessTokens.has(stored.tokens!.access_token)).toBe(true);
    const row = await rowOf(serverId);
    expect(row.oauthCiphertext).not.toContain(stored.tokens!.access_token);
    expect(row.oauthCiphertext).not.toContain(stored.tokens!.refresh_token!);
    expect(row.oauthCiphertext).not.toContain(clientId);
    expect(row.oauthStateHash).toBeNull();
    expect(stored.pending).toBeUndefined();
    expect(await db.auditLog.count({ where: { targetId: serverId, action: "mcp.oauth_connect", actorId: owner.user.id } })).toBe(1);
    // The browser never sees the tokens or the client.
    expect(JSON.stringify(await owner.caller.mcp.get({ id: serverId }))).not.toContain(stored.tokens!.access_token);

    // The same state a second time: refused.
    const again = await finishOAuth({ userId: owner.user.id, state: returned, code, host: allowing });
    expect(again).toMatchObject({ ok: false, message: expect.stringMatching(/already used/) });
  });

  it("the callback refuses a wrong state, another person (of this team or another), and an expired sign-in", async () => {
    const { owner, teamId, serverId } = await addServer();
    const { authorizationUrl } = await startOAuth({ teamId, userId: owner.user.id, serverId, host: allowing });
    const { code, state } = await consent(authorizationUrl!);

    expect(await finishOAuth({ userId: owner.user.id, state: "not-the-state", code, host: allowing })).toMatchObject({
      ok: false,
      serverId: null,
      message: expect.stringMatching(/not valid/),
    });
    expect(await finishOAuth({ userId: owner.user.id, state: null, code, host: allowing })).toMatchObject({ ok: false });
    const stranger = await createTestTeam();
    const otherAdmin = await addTestMember(teamId, "admin");
    for (const userId of [stranger.user.id, otherAdmin.user.id]) {
      expect(await finishOAuth({ userId, state, code, host: allowing })).toMatchObject({
        ok: false,
        serverId: null,
        message: expect.stringMatching(/started by someone else/),
      });
    }
    // A stranger's attempt neither used it up nor signed in.
    expect((await rowOf(serverId)).oauthStateHash).not.toBeNull();
    expect((await readOAuth({ teamId, serverId })).stored.tokens).toBeUndefined();

    // Expired: refused (and used up).
    await mutateOAuth({ teamId, serverId }, (stored) => ({
      stored: { ...stored, pending: { ...stored.pending!, expiresAt: new Date(Date.now() - 1000).toISOString() } },
    }));
    expect(await finishOAuth({ userId: owner.user.id, state, code, host: allowing })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/expired/),
    });
    expect(await finishOAuth({ userId: owner.user.id, state, code, host: allowing })).toMatchObject({
      message: expect.stringMatching(/already used/),
    });
    expect(oauthServer.provider.codes.has(code!)).toBe(true);
    expect((await getMcpServer({ teamId, serverId })).authStatus).not.toBe("authorized");
  });

  it("the route handler: a signed-in admin lands on the MCP page with the outcome; without a session, sign in first", async () => {
    const { owner, teamId, serverId } = await addServer();
    const { authorizationUrl } = await startOAuth({ teamId, userId: owner.user.id, serverId, host: allowing });
    const { back } = await consent(authorizationUrl!);
    const anonymous = await callback(new Request(back));
    expect(anonymous.status).toBe(307);
    const signIn = new URL(anonymous.headers.get("location")!);
    expect(signIn.pathname).toBe("/sign-in");
    expect(signIn.searchParams.get("next")).toBe(`/api/mcp/oauth/callback${back.search}`);
    // The route uses the instance's guard, which refuses 127.0.0.1: the exchange fails with that reason.
    const response = await callback(new Request(back, { headers: owner.headers }));
    const landed = new URL(response.headers.get("location")!);
    expect(landed.origin).toBe(new URL(env.APP_URL).origin);
    expect(landed.pathname).toBe("/team/mcp");
    expect([...landed.searchParams.keys()]).toEqual(["oauth", "server"]);
    expect(landed.searchParams.get("oauth")).toBe("failed");
    expect(landed.searchParams.get("server")).toBe(serverId);
    expect((await getMcpServer({ teamId, serverId })).authError).toMatch(/private address/);
  });

  it("an expired access token is renewed with the refresh token, transparently, and the new tokens are stored", async () => {
    const { teamId, serverId } = await signedIn();
    const first = (await readOAuth({ teamId, serverId })).stored.tokens!;
    const refreshes = oauthServer.provider.counts.refreshes;
    oauthServer.provider.expireAccessTokens();
    const server = await refreshDiscovery({ teamId, serverId, host: allowing });
    expect(server).toMatchObject({ status: "up", authStatus: "authorized", lastError: null });
    expect(oauthServer.provider.counts.refreshes).toBe(refreshes + 1);
    const renewed = (await readOAuth({ teamId, serverId })).stored.tokens!;
    expect(renewed.access_token).not.toBe(first.access_token);
    expect(renewed.refresh_token).not.toBe(first.refresh_token);
    expect(oauthServer.provider.accessTokens.has(renewed.access_token)).toBe(true);
  });

  it("a revoked refresh token puts the server back to sign-in needed, with the reason", async () => {
    const { teamId, serverId } = await signedIn();
    oauthServer.provider.expireAccessTokens();
    oauthServer.provider.revokeRefreshTokens();
    const server = await refreshDiscovery({ teamId, serverId, host: allowing });
    expect(server).toMatchObject({ status: "down", authStatus: "required" });
    expect(server.authError).toMatch(/refused to renew the sign-in/);
    expect(server.lastError).toMatch(/^Sign-in needed: the authorization server refused to renew/);
    expect((await readOAuth({ teamId, serverId })).stored.tokens).toBeUndefined();
  });

  it("Disconnect forgets the tokens (audited); changing the URL forgets the whole sign-in", async () => {
    const { owner, teamId, serverId } = await signedIn();
    const viewer = await addTestMember(teamId, "viewer");
    await expect(viewer.caller.mcp.oauthDisconnect({ id: serverId })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(viewer.caller.mcp.oauthStart({ id: serverId })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const server = await owner.caller.mcp.oauthDisconnect({ id: serverId });
    expect(server).toMatchObject({ authStatus: "required", status: "down" });
    const { stored } = await readOAuth({ teamId, serverId });
    expect(stored.tokens).toBeUndefined();
    expect(stored.client?.client_id).toBeTruthy();
    expect(await db.auditLog.count({ where: { targetId: serverId, action: "mcp.oauth_disconnect" } })).toBe(1);
    expect((await refreshDiscovery({ teamId, serverId, host: allowing })).lastError).toMatch(/^Sign-in needed/);

    await updateMcpServer({ teamId, userId: owner.user.id, serverId, input: { url: `${oauthServer.origin}/other/mcp` }, host: allowing });
    const row = await rowOf(serverId);
    expect(row).toMatchObject({ authStatus: "none", oauthCiphertext: null, oauthStateHash: null });
  });

  it("a client id and secret an admin enters are used instead of registering", async () => {
    const { owner, teamId, serverId } = await addServer();
    const registered = {
      client_id: "hand-made-client",
      client_secret: "hand-made-secret-0123456789",
      redirect_uris: [`${new URL(env.APP_URL).origin}/api/mcp/oauth/callback`],
    };
    oauthServer.provider.clients.set(registered.client_id, registered);
    const registrations = oauthServer.provider.counts.registrations;
    const { authorizationUrl } = await startOAuth({
      teamId,
      userId: owner.user.id,
      serverId,
      client: { clientId: registered.client_id, clientSecret: registered.client_secret },
      host: allowing,
    });
    expect(new URL(authorizationUrl!).searchParams.get("client_id")).toBe("hand-made-client");
    const { code, state } = await consent(authorizationUrl!);
    expect(await finishOAuth({ userId: owner.user.id, state, code, host: allowing })).toMatchObject({ ok: true });
    expect(oauthServer.provider.counts.registrations).toBe(registrations);
    expect((await rowOf(serverId)).oauthCiphertext).not.toContain("hand-made-secret");
  });

  it("a server that answers 401 without describing any OAuth keeps the token message, and nothing is stored", async () => {
    // A bearer-token server that refuses every request, metadata paths included (a real http server, no MCP).
    const plain: Server = createServer((_req, res) => res.writeHead(401, { "content-type": "application/json" }).end("{}"));
    await new Promise<void>((done) => plain.listen(0, "127.0.0.1", done));
    try {
      const owner = await createTestTeam();
      const { id: serverId } = await createMcpServer({
        teamId: owner.team.id,
        userId: owner.user.id,
        input: {
          transport: "http",
          name: "Plain",
          url: `http://127.0.0.1:${(plain.address() as AddressInfo).port}/mcp`,
          headers: [{ name: "Authorization", value: "Bearer wrong" }],
        },
        host: allowing,
      });
      const server = await refreshDiscovery({ teamId: owner.team.id, serverId, host: allowing });
      expect(server).toMatchObject({ status: "down", authStatus: "none", authError: null });
      expect(server.lastError).toMatch(/answered 401 Unauthorized: check the token or headers\.$/);
      expect((await rowOf(serverId)).oauthCiphertext).toBeNull();
    } finally {
      plain.closeAllConnections();
      await new Promise((done) => plain.close(done));
    }
  });

  it("the default guard refuses a private address for the OAuth requests too", async () => {
    const { owner, teamId, serverId } = await addServer();
    const refused = await startOAuth({ teamId, userId: owner.user.id, serverId, host: strict }).then(
      () => null,
      (error: unknown) => error as { code: string; message: string },
    );
    expect(refused).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/^Refused: 127\.0\.0\.1 is a loopback address/) });
    expect((await rowOf(serverId)).oauthStateHash).toBeNull();
    const server = await refreshDiscovery({ teamId, serverId, host: strict });
    expect(server).toMatchObject({ status: "down", authStatus: "none" });
    expect(server.lastError).toMatch(/private address/);
  });
});
