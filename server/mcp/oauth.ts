import "server-only";
import { auth } from "@modelcontextprotocol/sdk/client/auth.js";
import { toolCount, type McpOAuthReturn } from "../../shared/mcp-servers";
import { can } from "../../shared/roles";
import { recordAudit } from "../audit/record";
import { db } from "../db/client";
import { env } from "../env";
import { AppError, notFound } from "../errors";
import { getMembership } from "../teams/teams";
import { mcpFetch } from "./connect";
import { refreshDiscovery } from "./pool";
import { describeMcpFailure } from "./failures";
import { defaultMcpHost, type McpHost } from "./host";
import { hashState, mutateOAuth, readOAuth, StoredOAuthProvider } from "./oauth-provider";
import { getMcpServer } from "./servers";

/**
 * Signing a team's remote MCP server in with OAuth (issue 20), the flows around the SDK's `auth()`:
 * an admin starts it (startOAuth returns the authorization server's URL; the state is bound to the
 * team, the server and that admin, single-use, and expires), the authorization server sends the browser
 * back to /api/mcp/oauth/callback (finishOAuth checks the state and the signed-in user, exchanges the
 * code with PKCE and stores the tokens encrypted), and disconnectOAuth forgets the tokens. Every request
 * to the server and its authorization server goes through the outbound guard.
 * Decision: docs/decisions/035-mcp-servers.md ("OAuth").
 */

async function remoteServer(teamId: string, serverId: string) {
  const row = await db.mcpServer.findFirst({ where: { id: serverId, teamId }, select: { transport: true, url: true, name: true } });
  if (!row) throw notFound("That MCP server");
  if (row.transport === "stdio" || !row.url) throw new AppError("BAD_REQUEST", "Only remote MCP servers sign in with OAuth.");
  return { url: row.url, name: row.name };
}

/** Runs the SDK's `auth()` through the guard; a failure becomes a sentence at the server (refused address, the authorization server's error). */
async function guardedAuth(
  provider: StoredOAuthProvider,
  { url, host, authorizationCode }: { url: string; host: McpHost; authorizationCode?: string },
) {
  const sdk = mcpFetch(host.guard);
  try {
    return await auth(provider, { serverUrl: url, authorizationCode, fetchFn: sdk.fetch });
  } catch (error) {
    throw new AppError("BAD_REQUEST", describeMcpFailure(error, { refusal: sdk.refusal(), url: new URL(url) }), { cause: error });
  }
}

/**
 * Starts a sign-in: discovers the server's authorization server, registers Longhaul as a client when
 * none is stored (dynamic client registration) or uses the client id and secret an admin gave, and
 * returns the URL to send the browser to (with a PKCE S256 challenge and our redirect URL). When the
 * stored refresh token still works, no sign-in is needed: the server is refreshed and no URL returned.
 */
export async function startOAuth({
  teamId,
  userId,
  serverId,
  client,
  host = defaultMcpHost(),
}: {
  teamId: string;
  userId: string;
  serverId: string;
  /** A client registered by hand at the authorization server, for servers that do not allow registration. */
  client?: { clientId: string; clientSecret?: string };
  host?: McpHost;
}): Promise<{ authorizationUrl: string | null }> {
  const { url } = await remoteServer(teamId, serverId);
  if (client) {
    const information = { client_id: client.clientId, ...(client.clientSecret ? { client_secret: client.clientSecret } : {}) };
    await mutateOAuth({ teamId, serverId }, (stored) => ({ stored: { ...stored, client: information, tokens: undefined } }));
  }
  const provider = new StoredOAuthProvider({ teamId, serverId }, { kind: "start", userId });
  const result = await guardedAuth(provider, { url, host });
  if (result === "AUTHORIZED") {
    await refreshDiscovery({ teamId, serverId, userId, host });
    return { authorizationUrl: null };
  }
  if (!provider.authorizationUrl) throw new AppError("INTERNAL", "The sign-in did not produce an authorization URL.");
  return { authorizationUrl: provider.authorizationUrl.toString() };
}

/** What the callback shows: where the server's page is and the sentence for it. */
export type OAuthOutcome =
  | { ok: true; reason: "connected"; serverId: string; message: string }
  | { ok: false; reason: Exclude<McpOAuthReturn, "connected">; serverId: string | null; message: string };

const STATE_UNKNOWN =
  "This sign-in link is not valid: it was already used, replaced by a newer one, or not started here. Press Connect on the server again.";

/**
 * The authorization server's redirect back: `state` must be a pending sign-in's (single-use), started by
 * the signed-in `userId`, who must still manage that team's servers; then the code is exchanged (PKCE),
 * the tokens stored encrypted, the server refreshed. Refusals are outcomes with a message, never throws.
 */
export async function finishOAuth({
  userId,
  state,
  code,
  error,
  errorDescription,
  host = defaultMcpHost(),
}: {
  userId: string;
  state: string | null;
  code: string | null;
  error?: string | null;
  errorDescription?: string | null;
  host?: McpHost;
}): Promise<OAuthOutcome> {
  if (!state) return { ok: false, reason: "state", serverId: null, message: "The sign-in came back without its state, so it was refused." };
  const stateHash = hashState(state);
  const row = await db.mcpServer.findUnique({ where: { oauthStateHash: stateHash }, select: { id: true, teamId: true, name: true } });
  if (!row) return { ok: false, reason: "state", serverId: null, message: STATE_UNKNOWN };
  const { id: serverId, teamId } = row;
  const { stored } = await readOAuth({ teamId, serverId });
  const pending = stored.pending;
  // Neither someone else nor a member who can no longer manage servers finishes it (and it stays for its owner).
  const membership = await getMembership({ teamId, userId });
  if (!pending || pending.userId !== userId || !membership || !can(membership.role, "mcp:manage")) {
    return {
      ok: false,
      reason: "someone-else",
      serverId: null,
      message: "This sign-in was started by someone else; it can only be finished by the admin who pressed Connect.",
    };
  }
  // Single use: whoever clears the hash first goes on (a newer Connect changed it: refused too).
  const consumed = await db.mcpServer.updateMany({
    where: { id: serverId, teamId, oauthStateHash: stateHash },
    data: { oauthStateHash: null },
  });
  if (consumed.count === 0) return { ok: false, reason: "state", serverId, message: STATE_UNKNOWN };
  await mutateOAuth({ teamId, serverId }, (current) =>
    current.pending?.codeVerifier === pending.codeVerifier ? { stored: { ...current, pending: undefined } } : {},
  );
  if (new Date(pending.expiresAt).getTime() < Date.now()) {
    return {
      ok: false,
      reason: "expired",
      serverId,
      message: `The sign-in for ${row.name} took too long and expired. Press Connect again.`,
    };
  }
  if (error || !code) {
    const why = error ? `${error}${errorDescription ? `: ${errorDescription.slice(0, 300)}` : ""}` : "no authorization code came back";
    const message = `The sign-in was not completed (${why}).`;
    await mutateOAuth({ teamId, serverId }, () => ({ columns: { authError: message } }));
    return { ok: false, reason: "failed", serverId, message };
  }
  const { url } = await remoteServer(teamId, serverId);
  const provider = new StoredOAuthProvider({ teamId, serverId }, { kind: "finish", codeVerifier: pending.codeVerifier ?? "" });
  try {
    await guardedAuth(provider, { url, host, authorizationCode: code });
  } catch (failure) {
    const message = failure instanceof AppError ? failure.message : String(failure);
    await mutateOAuth({ teamId, serverId }, () => ({ columns: { authStatus: "required", authError: message } }));
    return { ok: false, reason: "failed", serverId, message };
  }
  await recordAudit(db, { teamId, actorId: userId, action: "mcp.oauth_connect", targetId: serverId });
  const refreshed = await refreshDiscovery({ teamId, serverId, userId, host });
  return {
    ok: true,
    reason: "connected",
    serverId,
    message:
      refreshed.status === "up"
        ? `Signed in to ${row.name}: ${toolCount(refreshed.discovery?.tools.length ?? 0)}.`
        : `Signed in to ${row.name}, but it is down: ${refreshed.lastError ?? "unknown error"}`,
  };
}

/** Forgets the server's tokens (and a pending sign-in); its client registration is kept for the next Connect. */
export async function disconnectOAuth({ teamId, userId, serverId }: { teamId: string; userId: string; serverId: string }) {
  await remoteServer(teamId, serverId);
  const reason = "Signed out. An admin can connect it again.";
  await mutateOAuth({ teamId, serverId }, (stored) => ({
    stored: { ...stored, tokens: undefined, pending: undefined },
    columns: {
      authStatus: "required",
      authError: reason,
      oauthExpiresAt: null,
      oauthStateHash: null,
      status: "down",
      lastError: `Sign-in needed: ${reason}`,
    },
  }));
  await recordAudit(db, { teamId, actorId: userId, action: "mcp.oauth_disconnect", targetId: serverId });
  return getMcpServer({ teamId, serverId });
}

/**
 * The MCP servers page with the outcome to show (on APP_URL, never a request's host). Only a code and
 * the server's id travel in the URL; the page words them itself (and shows a failure's reason from the
 * server's row), so a crafted link cannot put text on it.
 */
export function oauthReturnUrl(outcome: OAuthOutcome) {
  const url = new URL("/team/mcp", env.APP_URL);
  url.searchParams.set("oauth", outcome.reason);
  if (outcome.serverId) url.searchParams.set("server", outcome.serverId);
  return url;
}

/** Sign-in first, then back to the callback with the same query (the pending sign-in is still there). */
export function signInFirstUrl(params: URLSearchParams) {
  const back = `/api/mcp/oauth/callback?${params.toString()}`;
  return new URL(`/sign-in?next=${encodeURIComponent(back)}`, env.APP_URL);
}
