import "server-only";
import { createHash, randomBytes } from "node:crypto";
import type { OAuthClientProvider, OAuthDiscoveryState } from "@modelcontextprotocol/sdk/client/auth.js";
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";
import { db, Prisma } from "../db/client";
import { col } from "../db/columns";
import { maybeRow, sqlRow } from "../db/rows";
import { env } from "../env";
import { notFound } from "../errors";
import { decryptSecret, encryptSecret } from "../secrets/crypto";
import { McpNoOAuthError, McpSignInNeededError } from "./failures";

/**
 * The OAuth client side of one team's MCP server, kept in the database for the official SDK's `auth()`
 * (the MCP authorization specification: discovery, dynamic client registration, authorization code with
 * PKCE, refresh). Everything it remembers is one JSON object encrypted with the team's id as AAD on the
 * server's row (oauthCiphertext); the status, its reason and the token's expiry are plain columns.
 * Writes take the row's lock, so two connections renewing at once do not lose each other's tokens.
 * Decision: docs/decisions/035-mcp-servers.md ("OAuth").
 */
export type StoredOAuth = {
  client?: OAuthClientInformationMixed;
  tokens?: OAuthTokens;
  discovery?: OAuthDiscoveryState;
  /** A sign-in a person started: who, until when, its PKCE verifier (the state's hash is the row's oauthStateHash). */
  pending?: { userId: string; expiresAt: string; codeVerifier?: string };
};

export type McpAuthStatus = "none" | "required" | "authorized";

/** How long a started sign-in may take before its state is refused. */
export const SIGN_IN_TTL_MS = 10 * 60 * 1000;

/** Where authorization servers send the browser back: from APP_URL, never from a request's headers. */
export const oauthRedirectUrl = () => new URL("/api/mcp/oauth/callback", env.APP_URL).toString();

export const hashState = (state: string) => createHash("sha256").update(state, "utf8").digest("hex");

const readStored = (teamId: string, ciphertext: string | null): StoredOAuth =>
  ciphertext ? (JSON.parse(decryptSecret(ciphertext, teamId)) as StoredOAuth) : {};

const isEmpty = (stored: StoredOAuth) => Object.values(stored).every((value) => value === undefined);

export async function readOAuth({ teamId, serverId }: { teamId: string; serverId: string }) {
  const row = await db.mcpServer.findFirst({ where: { id: serverId, teamId }, select: { oauthCiphertext: true, authStatus: true } });
  if (!row) throw notFound("That MCP server");
  return { stored: readStored(teamId, row.oauthCiphertext), authStatus: row.authStatus as McpAuthStatus };
}

type OAuthColumns = Pick<
  Prisma.McpServerUpdateManyMutationInput,
  "authStatus" | "authError" | "oauthExpiresAt" | "oauthStateHash" | "status" | "lastError"
>;

const lockedOAuthRow = sqlRow("locking an MCP server's OAuth sign-in", { oauthCiphertext: col.text.nullable() });

/**
 * Changes the stored object under the row's lock: `change` gets what is stored now and returns the new
 * object (or null to keep it) and the plain columns to set with it.
 */
export async function mutateOAuth(
  { teamId, serverId }: { teamId: string; serverId: string },
  change: (stored: StoredOAuth) => { stored?: StoredOAuth | null; columns?: OAuthColumns },
) {
  return db.$transaction(async (tx) => {
    const locked = await maybeRow(
      tx,
      lockedOAuthRow,
      Prisma.sql`SELECT "oauthCiphertext" FROM mcp_server WHERE id = ${serverId}::uuid AND "teamId" = ${teamId} FOR UPDATE`,
    );
    if (!locked) throw notFound("That MCP server");
    const { stored, columns = {} } = change(readStored(teamId, locked.oauthCiphertext));
    const ciphertext =
      stored === undefined || stored === null
        ? {}
        : { oauthCiphertext: isEmpty(stored) ? null : encryptSecret(JSON.stringify(stored), teamId) };
    await tx.mcpServer.updateMany({ where: { id: serverId, teamId }, data: { ...ciphertext, ...columns } });
  });
}

const expiryOf = (tokens: OAuthTokens) => (tokens.expires_in !== undefined ? new Date(Date.now() + tokens.expires_in * 1000) : null);

/**
 * - "connect": a connection the system opens (discovery, a tool call). It never starts a sign-in: where
 *   one is needed it marks the server "required" with the reason and throws McpSignInNeededError.
 *   Expired tokens are renewed by the SDK with the refresh token and saved here.
 * - "start": an admin pressed Connect; the authorization URL is kept in `authorizationUrl`.
 * - "finish": the callback exchanges the code with the pending sign-in's verifier.
 */
export type OAuthMode = { kind: "connect" } | { kind: "start"; userId: string } | { kind: "finish"; codeVerifier: string };

export class StoredOAuthProvider implements OAuthClientProvider {
  /** The URL the browser is sent to, once `auth()` returned "REDIRECT" in "start" mode. */
  authorizationUrl: URL | null = null;
  /** The refresh token the SDK is using, to tell "refused" from "already renewed by another connection". */
  private usedTokens: OAuthTokens | undefined;
  private refreshRefused = false;
  private issuedState: string | null = null;

  constructor(
    private readonly server: { teamId: string; serverId: string },
    private readonly mode: OAuthMode,
  ) {}

  get redirectUrl() {
    return oauthRedirectUrl();
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "Longhaul",
      redirect_uris: [oauthRedirectUrl()],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
    };
  }

  private async stored() {
    return (await readOAuth(this.server)).stored;
  }

  /** Marks the server as needing a person's sign-in (clearing tokens that cannot be used) and says so. */
  private async signInNeeded(reason: string): Promise<never> {
    await mutateOAuth(this.server, (stored) => ({
      stored: { ...stored, tokens: undefined },
      columns: { authStatus: "required", authError: reason, oauthExpiresAt: null },
    }));
    throw new McpSignInNeededError(reason);
  }

  async state() {
    if (this.mode.kind === "start") {
      this.issuedState = randomBytes(32).toString("base64url");
      return this.issuedState;
    }
    // The SDK asks for a state only when a new sign-in has to start: a system connection stops here.
    const { tokens } = await this.stored();
    if (tokens?.refresh_token && !this.refreshRefused) {
      throw new Error("The sign-in could not be renewed right now (the authorization server did not answer as expected); try again later.");
    }
    return this.signInNeeded(await this.reasonKept(tokens !== undefined));
  }

  /**
   * Why a sign-in is needed. When the server already waits for one without tokens (a refused renewal, a
   * Disconnect), the reason given then stands rather than the generic one a later connection (the
   * pool's next try, a refresh) would write over it.
   */
  private async reasonKept(hadTokens: boolean) {
    if (!hadTokens && !this.refreshRefused) {
      const current = await db.mcpServer.findFirst({
        where: { id: this.server.serverId, teamId: this.server.teamId },
        select: { authStatus: true, authError: true },
      });
      if (current?.authStatus === "required" && current.authError) return current.authError;
    }
    return this.reason(hadTokens);
  }

  private reason(hadTokens: boolean) {
    if (this.refreshRefused) {
      return "the authorization server refused to renew the sign-in (the refresh token is no longer valid). An admin can connect again.";
    }
    return hadTokens
      ? "the sign-in expired and cannot be renewed. An admin can connect again."
      : "the server asks for an OAuth sign-in. An admin can connect it.";
  }

  async clientInformation() {
    return (await this.stored()).client;
  }

  async saveClientInformation(client: OAuthClientInformationMixed) {
    await mutateOAuth(this.server, (stored) => ({ stored: { ...stored, client } }));
  }

  async tokens() {
    this.usedTokens = (await this.stored()).tokens;
    return this.usedTokens;
  }

  async saveTokens(tokens: OAuthTokens) {
    await mutateOAuth(this.server, (stored) => ({
      stored: { ...stored, tokens },
      columns: { authStatus: "authorized", authError: null, oauthExpiresAt: expiryOf(tokens) },
    }));
    this.usedTokens = tokens;
  }

  async redirectToAuthorization(authorizationUrl: URL) {
    if (this.mode.kind !== "start") await this.signInNeeded(this.reason(false));
    this.authorizationUrl = authorizationUrl;
  }

  async saveCodeVerifier(codeVerifier: string) {
    const mode = this.mode;
    if (mode.kind !== "start" || !this.issuedState) throw new Error("Only a sign-in an admin started keeps a code verifier.");
    const stateHash = hashState(this.issuedState);
    const pending = { userId: mode.userId, expiresAt: new Date(Date.now() + SIGN_IN_TTL_MS).toISOString(), codeVerifier };
    // One pending sign-in per server: a new Connect replaces the last one's state.
    await mutateOAuth(this.server, (stored) => ({ stored: { ...stored, pending }, columns: { oauthStateHash: stateHash } }));
  }

  async codeVerifier() {
    if (this.mode.kind !== "finish") throw new Error("There is no sign-in to finish.");
    return this.mode.codeVerifier;
  }

  async invalidateCredentials(scope: "all" | "client" | "tokens" | "verifier" | "discovery") {
    const refused = this.usedTokens?.refresh_token;
    if (scope === "tokens" || scope === "all") this.refreshRefused = true;
    await mutateOAuth(this.server, (stored) => {
      // Tokens another connection renewed meanwhile are kept: only the refused ones are dropped.
      const dropTokens = (scope === "tokens" || scope === "all") && stored.tokens?.refresh_token === refused;
      return {
        stored: {
          ...stored,
          ...(dropTokens ? { tokens: undefined } : {}),
          ...(scope === "all" || scope === "client" ? { client: undefined } : {}),
          ...(scope === "all" || scope === "discovery" ? { discovery: undefined } : {}),
        },
        // A system connection whose renewal was refused: the server waits for a person, and says why.
        ...(dropTokens && this.mode.kind === "connect"
          ? { columns: { authStatus: "required", authError: this.reason(true), oauthExpiresAt: null } }
          : {}),
      };
    });
  }

  async discoveryState() {
    const { discovery, tokens } = await this.stored();
    if (this.mode.kind === "connect" && discovery && !tokens) {
      await this.signInNeeded(await this.reasonKept(false));
    }
    return discovery;
  }

  async saveDiscoveryState(discovery: OAuthDiscoveryState) {
    const isOAuth = discovery.authorizationServerMetadata !== undefined || discovery.resourceMetadata !== undefined;
    if (this.mode.kind === "connect" && !isOAuth) throw new McpNoOAuthError();
    let hasTokens = false;
    await mutateOAuth(this.server, (stored) => {
      hasTokens = stored.tokens !== undefined;
      return { stored: { ...stored, discovery } };
    });
    // A system connection registers no client and starts nothing: it reports that an admin has to sign in.
    if (this.mode.kind === "connect" && !hasTokens) await this.signInNeeded(this.reason(false));
  }
}
