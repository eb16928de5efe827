import "server-only";
import { createHash } from "node:crypto";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { logger } from "../logger";
import { connectMcp, McpConnectError, type McpConnection, type McpEndpoint } from "./connect";
import type { McpHost } from "./host";
import { refreshDiscoveryOver } from "./discovery";
import { MCP_POOL_GLOBAL, type McpCallOptions, type McpPoolHandle, type McpRunner } from "./pool-global";
import { getMcpEndpoint } from "./servers";

/**
 * The app process's open MCP connections: one per server, opened by `connectMcp` at the first call,
 * reused by the calls after it, closed after a while unused, on process shutdown, and when the server's
 * connection settings change. Like the database pool, it holds connections, not data: what a server
 * offers is stored by discovery (./discovery.ts), and anything else a caller reads goes to the server.
 *
 * Restart on crash: a connection whose process exited or whose HTTP connection failed leaves the pool;
 * the next call opens a new one. A local server that fails before serving a single call (it does not
 * start, or crashes at once) is not started again until a delay has passed, doubling with each failure
 * in a row; meanwhile calls fail at once with its last failure. When the server says one of its lists
 * changed, discovery is refreshed (debounced). Decision: docs/decisions/035-mcp-servers.md.
 */
export type McpPoolOptions = {
  /** A connection no call used for this long is closed. */
  idleMs: number;
  /** The wait before a local server that failed is started again, doubled per failure in a row, up to `maxRestartDelayMs`. */
  restartDelayMs: number;
  maxRestartDelayMs: number;
  /** Notifications that a list changed within this window make one discovery refresh. */
  listChangedDebounceMs: number;
};

export const MCP_POOL_DEFAULTS: McpPoolOptions = {
  idleMs: 5 * 60_000,
  restartDelayMs: 2_000,
  maxRestartDelayMs: 60_000,
  listChangedDebounceMs: 1_000,
};

export type { McpCallOptions } from "./pool-global";

type Entry = {
  teamId: string;
  serverId: string;
  version: string;
  host: McpHost;
  isLocal: boolean;
  ready: Promise<McpConnection>;
  connection: McpConnection | null;
  users: number;
  /** A call finished on it: it started and worked, so a crash later is not a failure to start. */
  hasServed: boolean;
  isRetired: boolean;
  isClosing: boolean;
  idleTimer: NodeJS.Timeout | null;
  listChangedAt: number;
  listChangedTimer: NodeJS.Timeout | null;
  discoveryStartedAt: number;
};

/** A local server's failures in a row, for the restart delay (by server id, for one version of its settings). */
type Failures = { version: string; count: number; at: number; message: string };

type PoolState = {
  entries: Map<string, Entry>;
  failures: Map<string, Failures>;
  /** Connections retired and still closing, so that closing the pool waits for them. */
  closing: Set<Promise<void>>;
  options: McpPoolOptions;
};

/**
 * One pool per process, kept on globalThis: Next's server bundle and scripts loaded by tsx are separate
 * module instances in one process (and development reloads modules), but their processes are the same.
 */
function state(): PoolState {
  const holder = globalThis as unknown as Record<symbol, McpPoolHandle & { state?: PoolState }>;
  let handle = holder[MCP_POOL_GLOBAL];
  if (!handle?.state) {
    const created: PoolState = {
      entries: new Map(),
      failures: new Map(),
      closing: new Set(),
      options: { ...MCP_POOL_DEFAULTS },
    };
    handle = { state: created, close: closeMcpPool };
    holder[MCP_POOL_GLOBAL] = handle;
    // The last resort when the process ends without closing the pool: stop the local servers (synchronously).
    process.once("exit", () => {
      for (const entry of created.entries.values()) {
        if (entry.connection?.pid) {
          try {
            process.kill(entry.connection.pid, "SIGTERM");
          } catch {
            // Already gone.
          }
        }
      }
    });
  }
  return handle.state!;
}

/** Changes the pool's timings (tests); the defaults are MCP_POOL_DEFAULTS. */
export function configureMcpPool(options: Partial<McpPoolOptions>) {
  Object.assign(state().options, options);
}

const guardIds = new WeakMap<object, number>();
let nextGuardId = 1;

/**
 * The version of a server's connection settings a connection was opened with: a hash of its endpoint
 * (URL, headers, command, arguments, environment) and of the host's rules (the guard, whether local
 * servers are allowed, the timeouts). An edited server, or a call under other rules, gets a new connection.
 */
function versionOf(endpoint: McpEndpoint, host: McpHost) {
  let guardId = guardIds.get(host.guard);
  if (guardId === undefined) guardIds.set(host.guard, (guardId = nextGuardId++));
  const settings = JSON.stringify({ endpoint, guardId, allowsStdio: host.allowsStdio, timeouts: host.timeouts });
  return createHash("sha256").update(settings).digest("hex");
}

/** Closes the entry's connection once no call uses it, and forgets it. */
function retire(entry: Entry) {
  const pool = state();
  entry.isRetired = true;
  if (pool.entries.get(entry.serverId) === entry) pool.entries.delete(entry.serverId);
  if (entry.idleTimer) clearTimeout(entry.idleTimer);
  if (entry.listChangedTimer) clearTimeout(entry.listChangedTimer);
  entry.idleTimer = entry.listChangedTimer = null;
  if (entry.users > 0 || entry.isClosing) return;
  entry.isClosing = true;
  const closing = entry.ready
    .then((connection) => connection.close())
    .catch(() => undefined)
    .finally(() => pool.closing.delete(closing));
  pool.closing.add(closing);
}

/** A local server that failed before serving a call: its next start waits. Remote servers are tried each time. */
function recordFailure(entry: Entry, message: string) {
  if (!entry.isLocal) return;
  const failures = state().failures;
  const previous = failures.get(entry.serverId);
  const count = previous?.version === entry.version ? previous.count + 1 : 1;
  failures.set(entry.serverId, { version: entry.version, count, at: Date.now(), message });
}

function restartDelayMs(count: number) {
  const { restartDelayMs, maxRestartDelayMs } = state().options;
  return Math.min(restartDelayMs * 2 ** (count - 1), maxRestartDelayMs);
}

/** The refusal to start a local server within its restart delay, or null. */
function waitingRefusal(serverId: string, version: string): McpConnectError | null {
  const failed = state().failures.get(serverId);
  if (!failed || failed.version !== version) return null;
  const waitMs = failed.at + restartDelayMs(failed.count) - Date.now();
  if (waitMs <= 0) return null;
  const times = failed.count === 1 ? "once" : `${failed.count} times in a row`;
  return new McpConnectError(`${failed.message} (It failed ${times}, so it is not started again for ${Math.ceil(waitMs / 1000)} s.)`);
}

/** The connection ended without the pool closing it: the process exited, or the HTTP connection failed. */
function onEnded(entry: Entry, connection: McpConnection) {
  if (entry.isRetired) return;
  if (!entry.hasServed) recordFailure(entry, connection.explain(new McpError(ErrorCode.ConnectionClosed, "Connection closed")));
  retire(entry);
}

/**
 * A list changed: discovery is refreshed once the notices stop for `listChangedDebounceMs`. Notices that
 * come before the connection's first call ended are left out: they tell of the server's start (server-
 * everything registers tools once it knows the client), not of a change since this connection read a list.
 */
function onListChanged(entry: Entry) {
  const pool = state();
  if (entry.isRetired || !entry.hasServed) return;
  entry.listChangedAt = Date.now();
  if (entry.listChangedTimer) clearTimeout(entry.listChangedTimer);
  entry.listChangedTimer = setTimeout(() => {
    entry.listChangedTimer = null;
    // Skipped when the connection is gone (the next discovery reads the lists) or a discovery began since.
    if (entry.isRetired || entry.discoveryStartedAt > entry.listChangedAt) return;
    // The system refreshes (no person): audited without an actor, and within a failing server's restart delay.
    refreshDiscoveryOver(withMcpConnection, { teamId: entry.teamId, serverId: entry.serverId, host: entry.host }).catch(
      (error: unknown) => {
        logger.warn({ err: error, serverId: entry.serverId }, "MCP discovery after a list change failed");
      },
    );
  }, pool.options.listChangedDebounceMs);
  entry.listChangedTimer.unref();
}

function open(teamId: string, serverId: string, endpoint: McpEndpoint, host: McpHost, version: string): Entry {
  const entry: Entry = {
    teamId,
    serverId,
    version,
    host,
    isLocal: endpoint.transport === "stdio",
    ready: Promise.resolve(null as unknown as McpConnection),
    connection: null,
    users: 0,
    hasServed: false,
    isRetired: false,
    isClosing: false,
    idleTimer: null,
    listChangedAt: 0,
    listChangedTimer: null,
    discoveryStartedAt: 0,
  };
  entry.ready = connectMcp(endpoint, host, { onListChanged: () => onListChanged(entry) }).then(
    (connection) => {
      entry.connection = connection;
      connection.client.onclose = () => onEnded(entry, connection);
      // A remote connection that errors (its event stream lost, a request that could not be sent) is replaced.
      if (!entry.isLocal) connection.client.onerror = () => onEnded(entry, connection);
      return connection;
    },
    (error: unknown) => {
      recordFailure(entry, error instanceof Error ? error.message : String(error));
      retire(entry);
      throw error;
    },
  );
  state().entries.set(serverId, entry);
  return entry;
}

/**
 * A request that timed out or found the connection closed: the connection is replaced. Other failures
 * of the connection reach the pool by themselves (a process's exit, an HTTP transport's error), and an
 * error the caller throws in `fn` leaves it as it is.
 */
function isConnectionFailure(error: unknown) {
  if (!(error instanceof McpError)) return false;
  const code: number = error.code;
  return code === (ErrorCode.ConnectionClosed as number) || code === (ErrorCode.RequestTimeout as number);
}

/**
 * Runs `fn` with the server's open connection, opening one first if there is none (or its settings
 * changed), and returns what `fn` returns. The server is read from the database on each call (team-
 * scoped: another team's server is not found, and a deleted one closes its connection).
 *
 * - Throws `McpConnectError` (a sentence) when the connection cannot be opened, or when a local server
 *   that keeps failing is within its restart delay (unless `ignoreRestartDelay`).
 * - Rethrows what `fn` throws, as it is (`connection.explain(error)` makes a sentence of it). A request
 *   that timed out or found the connection closed, a process that exited and a remote transport's error
 *   retire the connection: calls already running on it end, the next call opens a new one. The server's
 *   own error answers, and errors `fn` throws itself, leave it open.
 * - Calls may run at the same time on one connection; it is never closed under a running call, except
 *   by the server's end (the process exiting) or `closeMcpPool`.
 */
export const withMcpConnection: McpRunner = async <T>(
  { teamId, serverId }: { teamId: string; serverId: string },
  host: McpHost,
  fn: (connection: McpConnection, use: { isReused: boolean }) => Promise<T>,
  options: McpCallOptions = {},
): Promise<T> => {
  const pool = state();
  let endpoint: McpEndpoint;
  try {
    ({ endpoint } = await getMcpEndpoint({ teamId, serverId }));
  } catch (error) {
    const gone = pool.entries.get(serverId);
    if (gone && gone.teamId === teamId) retire(gone);
    throw error;
  }
  const version = versionOf(endpoint, host);
  let entry = pool.entries.get(serverId);
  // The SDK forgets its transport when the connection closes: a crash whose notice is still on its way.
  const isDead = (e: Entry) => e.connection !== null && e.connection.client.transport === undefined;
  if (entry && (entry.version !== version || entry.teamId !== teamId || isDead(entry))) {
    retire(entry);
    entry = undefined;
  }
  const isReused = entry?.connection != null;
  if (!entry) {
    const refusal = options.ignoreRestartDelay ? null : waitingRefusal(serverId, version);
    if (refusal) throw refusal;
    entry = open(teamId, serverId, endpoint, host, version);
  }
  entry.users++;
  if (entry.idleTimer) clearTimeout(entry.idleTimer);
  entry.idleTimer = null;
  try {
    const connection = await entry.ready;
    if (options.isDiscovery) entry.discoveryStartedAt = Date.now();
    const result = await fn(connection, { isReused });
    entry.hasServed = true;
    if (pool.failures.get(serverId)?.version === version) pool.failures.delete(serverId);
    return result;
  } catch (error) {
    if (entry.connection && !entry.isRetired && isConnectionFailure(error)) {
      if (!entry.hasServed) recordFailure(entry, entry.connection.explain(error));
      retire(entry);
    } else if (error instanceof McpError) {
      entry.hasServed = true; // The server answered, with an error of its own.
    }
    throw error;
  } finally {
    release(entry);
  }
};

/**
 * Connects to the server (through the pool), lists what it offers and stores it (status "up"), or stores
 * why it could not (status "down"). Never throws for the server's own failures. `userId`: the person who
 * asked (audited; their refresh starts even a failing local server at once); null for the system.
 */
export function refreshDiscovery(args: { teamId: string; serverId: string; userId?: string | null; host?: McpHost }) {
  return refreshDiscoveryOver(withMcpConnection, args);
}

function release(entry: Entry) {
  entry.users = Math.max(0, entry.users - 1);
  if (entry.users > 0) return;
  if (entry.isRetired) {
    retire(entry);
    return;
  }
  entry.idleTimer = setTimeout(() => retire(entry), state().options.idleMs);
  entry.idleTimer.unref();
}

/** Closes every connection (process shutdown, tests) and forgets failures; the pool opens new ones on the next call. */
export async function closeMcpPool() {
  const pool = state();
  for (const entry of [...pool.entries.values()]) {
    entry.users = 0;
    retire(entry);
  }
  pool.failures.clear();
  await Promise.all([...pool.closing]);
}
