import "server-only";
import type { ChildProcess } from "node:child_process";
import { tmpdir } from "node:os";
import type { OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { MCP_STDIO_SETTING, type McpTransport } from "../../shared/mcp-servers";
import { fetchForSdk, type GuardedFetch, type OutboundGuard, type OutboundRefusedError } from "../security/outbound";
import { describeMcpFailure } from "./failures";
import type { McpHost } from "./host";

/**
 * The one way to open a connection to an MCP server, with the official SDK's client: remote servers
 * through the outbound guard's fetch (Streamable HTTP first, and the older HTTP+SSE when the server
 * answers the Streamable HTTP POST like an old server does), local ones as a child process over stdio
 * with only their own environment. `close()` ends the HTTP session or stops the process. The app keeps
 * one open connection per server in ./pool.ts (`withMcpConnection`), which opens them here.
 * Decision: docs/decisions/035-mcp-servers.md.
 */
/** How much of a local server's stderr is kept for the error message. */
const STDERR_TAIL_CHARS = 2_000;

/** A server's settings with its secrets decrypted: what a connection needs. */
export type McpEndpoint =
  | {
      transport: "http" | "sse";
      url: string;
      headers: Record<string, string>;
      /** OAuth sign-in (server/mcp/oauth-provider.ts): the SDK answers a 401 through it, renewing tokens. */
      authProvider?: OAuthClientProvider;
    }
  | { transport: "stdio"; command: string; args: string[]; env: Record<string, string> };

export type McpConnection = {
  client: Client;
  /** The transport that answered ("http" may have fallen back to "sse"). */
  transport: McpTransport;
  /** A local server's process id; null for a remote server. */
  pid: number | null;
  /** Options for each request: the request timeout. */
  requestOptions: { timeout: number };
  /** A sentence for an error met while the connection was open (a refusal, the process's exit and stderr). */
  explain: (error: unknown) => string;
  close: () => Promise<void>;
};

export class McpConnectError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "McpConnectError";
  }
}

const CLIENT_INFO = { name: "longhaul", version: "0.1.0" };

/** Streamable HTTP's answers that mean "an old HTTP+SSE server" (the specification's backwards-compatibility rule: a 4xx to the POST). */
const isOldServerAnswer = (error: unknown) =>
  error instanceof StreamableHTTPError && error.code !== undefined && [400, 404, 405].includes(error.code);

/** A stdio transport that remembers how its process ended and the end of what it wrote to stderr. */
class WatchedStdioTransport extends StdioClientTransport {
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  stderrTail = "";

  constructor(endpoint: Extract<McpEndpoint, { transport: "stdio" }>) {
    // Started in the system's temporary folder, not the app's (whose .data holds its keys): "." means nothing of Longhaul's.
    super({ command: endpoint.command, args: endpoint.args, env: endpoint.env, stderr: "pipe", cwd: tmpdir() });
    this.stderr?.on("data", (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString("utf8")).slice(-STDERR_TAIL_CHARS);
    });
  }

  private child: ChildProcess | undefined;

  override async start() {
    await super.start();
    // The SDK keeps the child private and does not report its exit code; the message needs it.
    this.child = (this as unknown as { _process?: ChildProcess })._process;
    this.child?.once("exit", (code, signal) => (this.exit = { code, signal }));
  }

  /**
   * Stops the process for sure. After a failed connect the SDK closes without waiting (and its timers do
   * not keep a process alive), so a server that never answered could outlive this call: it gets
   * SIGTERM now, and SIGKILL if it is still there 2 s later.
   */
  async stop() {
    await this.close().catch(() => undefined);
    const child = this.child;
    if (!child || this.exit !== null) return;
    const exited = new Promise((done) => child.once("exit", done));
    child.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((done) => (timer = setTimeout(done, 2_000)))]);
    clearTimeout(timer);
    if (this.exit === null) {
      child.kill("SIGKILL");
      await Promise.race([exited, new Promise((done) => (timer = setTimeout(done, 1_000)))]);
      clearTimeout(timer);
    }
  }
}

/** What a connection reports while it is open. */
export type McpConnectOptions = {
  /** The server said a list changed (`notifications/{tools,resources,prompts}/list_changed`); only for lists it declares `listChanged` for. */
  onListChanged?: (list: McpList) => void;
};
export type McpList = "tools" | "resources" | "prompts";

async function connectClient(transport: Transport, host: McpHost, { onListChanged }: McpConnectOptions) {
  // The SDK's own list-changed handling, told not to fetch the list itself: the caller refreshes discovery.
  const listChanged = onListChanged
    ? Object.fromEntries(
        (["tools", "resources", "prompts"] as const).map((list) => [list, { autoRefresh: false, onChanged: () => onListChanged(list) }]),
      )
    : undefined;
  const client = new Client(CLIENT_INFO, { capabilities: {}, listChanged });
  await client.connect(transport, { timeout: host.timeouts.connectMs });
  return client;
}

/**
 * The guard's fetch for the MCP SDK. Error answers (4xx, 5xx) are handed over as the runtime's own
 * Response: the guard returns undici's, and the SDK's OAuth code reads an error's body only from an
 * `instanceof Response` (otherwise a refused refresh token would look like a server failure).
 */
export function mcpFetch(guard: OutboundGuard) {
  const sdk = fetchForSdk(guard);
  const fetch: GuardedFetch = async (input, init) => {
    const response = await sdk.fetch(input, init);
    const isOwn = (response as unknown) instanceof Response;
    if (response.status < 400 || isOwn) return response;
    const own = new Response(response.body, { status: response.status, statusText: response.statusText, headers: response.headers });
    Object.defineProperty(own, "url", { value: response.url });
    return own;
  };
  return { ...sdk, fetch };
}

async function connectRemote(
  endpoint: Extract<McpEndpoint, { transport: "http" | "sse" }>,
  host: McpHost,
  options: McpConnectOptions,
): Promise<McpConnection> {
  const url = new URL(endpoint.url);
  let refusal: () => OutboundRefusedError | null = () => null;
  // A fresh fetchForSdk per attempt: the first refusal ends that attempt (no transport retries a refused address).
  const guarded = () => {
    const sdk = mcpFetch(host.guard);
    refusal = sdk.refusal;
    return sdk.fetch;
  };
  const explain = (error: unknown) => describeMcpFailure(error, { refusal: refusal(), url });
  const requestInit = { headers: endpoint.headers };
  const { authProvider } = endpoint;
  const open = async (transport: "http" | "sse") => {
    const sdkTransport =
      transport === "http"
        ? new StreamableHTTPClientTransport(url, { fetch: guarded(), requestInit, authProvider })
        : new SSEClientTransport(url, { fetch: guarded(), requestInit, authProvider });
    try {
      return await connectClient(sdkTransport, host, options);
    } catch (error) {
      await sdkTransport.close().catch(() => undefined);
      throw error;
    }
  };
  let transport: McpTransport = endpoint.transport;
  let client: Client;
  try {
    try {
      client = await open(transport);
    } catch (error) {
      if (transport !== "http" || !isOldServerAnswer(error)) throw error;
      transport = "sse";
      client = await open(transport);
    }
  } catch (error) {
    throw new McpConnectError(explain(error), { cause: error });
  }
  return { client, transport, pid: null, requestOptions: { timeout: host.timeouts.requestMs }, explain, close: () => client.close() };
}

async function connectLocal(
  endpoint: Extract<McpEndpoint, { transport: "stdio" }>,
  host: McpHost,
  options: McpConnectOptions,
): Promise<McpConnection> {
  const transport = new WatchedStdioTransport(endpoint);
  // Give the process a moment to report how it ended before the error is described.
  const settled = async () => {
    for (let i = 0; i < 20 && transport.exit === null && transport.pid !== null; i++) await new Promise((r) => setTimeout(r, 25));
  };
  const explain = (error: unknown) =>
    describeMcpFailure(error, { command: endpoint.command, exit: transport.exit, stderrTail: transport.stderrTail });
  let client: Client;
  try {
    client = await connectClient(transport, host, options);
  } catch (error) {
    await settled();
    const message = explain(error);
    await transport.stop();
    throw new McpConnectError(message, { cause: error });
  }
  return {
    client,
    transport: "stdio",
    pid: transport.pid,
    requestOptions: { timeout: host.timeouts.requestMs },
    explain,
    close: async () => {
      await client.close().catch(() => undefined);
      await transport.stop();
    },
  };
}

/** Opens a connection (initialized, ready for requests) or throws McpConnectError with a sentence a person understands. */
export async function connectMcp(endpoint: McpEndpoint, host: McpHost, options: McpConnectOptions = {}): Promise<McpConnection> {
  if (endpoint.transport === "stdio") {
    if (!host.allowsStdio) throw new McpConnectError(STDIO_OFF_MESSAGE);
    return connectLocal(endpoint, host, options);
  }
  return connectRemote(endpoint, host, options);
}

export const STDIO_OFF_MESSAGE = `Local MCP servers (a command run on this host) are off on this instance; an operator can turn them on with ${MCP_STDIO_SETTING}=on.`;
