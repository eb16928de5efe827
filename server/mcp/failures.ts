import "server-only";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { OAuthError } from "@modelcontextprotocol/sdk/server/auth/errors.js";
import { SseError } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { findOutboundRefusal, PRIVATE_HOSTS_SETTING, type OutboundRefusedError } from "../security/outbound";

/**
 * Why a connection to an MCP server failed, in a sentence a team admin can act on: the server's last
 * error on its page (and, in the next slice, what the model is told). The SDK's and fetch's errors are
 * read through their cause chain; anything unrecognised keeps its own message.
 */
export type FailureContext =
  | { refusal: OutboundRefusedError | null; url: URL }
  | { command: string; exit: { code: number | null; signal: string | null } | null; stderrTail: string };

const MAX_MESSAGE = 1_500;

/** The server asks for an OAuth sign-in a person has to give (server/mcp/oauth-provider.ts): its card shows "Sign-in needed". */
export class McpSignInNeededError extends Error {
  constructor(readonly reason: string) {
    super(`Sign-in needed: ${reason}`);
    this.name = "McpSignInNeededError";
  }
}

/** The server answered 401 but offers no OAuth sign-in: its token or headers are wrong. */
export class McpNoOAuthError extends Error {
  constructor() {
    super("The server answered 401 Unauthorized and offers no OAuth sign-in.");
    this.name = "McpNoOAuthError";
  }
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    chain.push(current);
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain;
}

const codeOf = (error: unknown) =>
  error instanceof Error && typeof (error as NodeJS.ErrnoException).code === "string" ? (error as NodeJS.ErrnoException).code : undefined;

function httpStatusOf(error: unknown): number | undefined {
  for (const item of causes(error)) {
    if (item instanceof StreamableHTTPError || item instanceof SseError) return item.code;
    // SSEClientTransport's POST reports its status in the message only.
    const match = item instanceof Error ? /\(HTTP (\d{3})\)/.exec(item.message) : null;
    if (match) return Number(match[1]);
  }
  return undefined;
}

function describeRemote(error: unknown, { refusal, url }: { refusal: OutboundRefusedError | null; url: URL }): string {
  const refused = refusal ?? findOutboundRefusal(error);
  const where = url.host;
  if (refused) {
    return `Refused: ${refused.explanation}, a private address; MCP servers are only reached at public addresses unless an operator allows it with ${PRIVATE_HOSTS_SETTING.tool}.`;
  }
  const chain = causes(error);
  const signIn = chain.find((item): item is McpSignInNeededError => item instanceof McpSignInNeededError);
  if (signIn) return signIn.message;
  const oauth = chain.find((item): item is OAuthError => item instanceof OAuthError);
  if (oauth) return `The OAuth sign-in with ${where} failed: the authorization server answered ${oauth.errorCode} (${oauth.message}).`;
  const status = httpStatusOf(error);
  if (status === 401 || chain.some((item) => item instanceof UnauthorizedError || item instanceof McpNoOAuthError)) {
    return `${where} answered 401 Unauthorized: check the token or headers.`;
  }
  if (status === 403) return `${where} answered 403 Forbidden: the token or headers do not give access.`;
  if (status === -1 || (status !== undefined && status >= 400 && status < 500)) {
    return `${where} does not look like an MCP server (it answered ${status === -1 ? "with an unexpected content type" : `HTTP ${status}`} to both Streamable HTTP and HTTP+SSE): check the URL, often ending in /mcp or /sse.`;
  }
  if (status !== undefined && status >= 500) return `${where} answered HTTP ${status}: the server has a problem; try again later.`;
  const code = chain.map(codeOf).find((c) => c !== undefined);
  if (code === "ECONNREFUSED") return `Could not connect to ${where}: connection refused (is the server running?).`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `Could not connect: the host name ${url.hostname} does not resolve.`;
  if (code === "ECONNRESET") return `${where} closed the connection before answering.`;
  if (code === "UND_ERR_CONNECT_TIMEOUT" || code === "ETIMEDOUT") return `Could not connect to ${where}: timed out.`;
  if (code?.startsWith("ERR_TLS") || code?.startsWith("CERT_") || code === "DEPTH_ZERO_SELF_SIGNED_CERT") {
    return `Could not connect to ${where}: its TLS certificate is not trusted (${code}).`;
  }
  return describeProtocol(error) ?? `Could not reach ${where}: ${messageOf(error)}`;
}

function describeProtocol(error: unknown): string | null {
  const mcp = causes(error).find((item): item is McpError => item instanceof McpError);
  if (!mcp) return null;
  const code: number = mcp.code;
  if (code === (ErrorCode.RequestTimeout as number)) return `The server did not answer in time (timed out).`;
  if (code === (ErrorCode.ConnectionClosed as number)) return `The server closed the connection.`;
  if (code === (ErrorCode.MethodNotFound as number)) return `The server does not support a request Longhaul needs (${mcp.message}).`;
  return `The server answered with an error: ${mcp.message}`;
}

function describeLocal(
  error: unknown,
  { command, exit, stderrTail }: { command: string; exit: { code: number | null; signal: string | null } | null; stderrTail: string },
): string {
  const tail = stderrTail.trim() ? ` Its last output (stderr): ${stderrTail.trim().slice(-600)}` : "";
  const code = causes(error)
    .map(codeOf)
    .find((c) => c !== undefined);
  if (code === "ENOENT") return `The command "${command}" was not found on this host (check it is installed and on the PATH).`;
  if (code === "EACCES") return `The command "${command}" is not executable on this host.`;
  if (exit) {
    const how = exit.code !== null ? `exited with code ${exit.code}` : `was stopped by ${exit.signal ?? "a signal"}`;
    return `The process ${how} before answering.${tail}`;
  }
  const protocol = describeProtocol(error);
  if (protocol) return `${protocol}${tail}`;
  return `The local server failed: ${messageOf(error)}${tail}`;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function describeMcpFailure(error: unknown, context: FailureContext): string {
  const sentence = "url" in context ? describeRemote(error, context) : describeLocal(error, context);
  return sentence.length > MAX_MESSAGE ? `${sentence.slice(0, MAX_MESSAGE - 1)}…` : sentence;
}
