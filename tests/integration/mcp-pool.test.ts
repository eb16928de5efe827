import type { ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { db } from "~/server/db/client";
import { McpConnectError, type McpConnection } from "~/server/mcp/connect";
import { mcpHostWith, type McpHost } from "~/server/mcp/host";
import { closeMcpPool, configureMcpPool, MCP_POOL_DEFAULTS, refreshDiscovery, withMcpConnection } from "~/server/mcp/pool";
import { createMcpServer, deleteMcpServer, updateMcpServer } from "~/server/mcp/servers";
import { parsePrivateHostList } from "~/server/security/outbound-addresses";
import type { McpServerInput } from "~/shared/mcp-servers";
import { createTestTeam } from "../factories/team";
import { EVERYTHING, freePort, startEverything, stopChild } from "../fixtures/mcp-everything";

/**
 * The MCP connection pool against the real @modelcontextprotocol/server-everything run as a local
 * process (stdio): one process per server reused across calls, a new one after it is killed, after its
 * settings change and after it sat idle; a command that keeps failing is not restarted in a loop; and a
 * server's list-changed notification refreshes the stored discovery.
 */

let host: McpHost;
let folder: string;

beforeAll(async () => {
  host = mcpHostWith({ allow: parsePrivateHostList("127.0.0.1"), allowsStdio: true });
  folder = await mkdtemp(join(tmpdir(), "longhaul-mcp-pool-"));
});

afterEach(async () => {
  await closeMcpPool();
  configureMcpPool(MCP_POOL_DEFAULTS);
});

afterAll(async () => {
  await host.guard.close();
  await rm(folder, { recursive: true, force: true });
});

const isAlive = (pid: number | null) => {
  if (pid === null) throw new Error("a local server has a process id");
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 8_000) {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function localServer(input: Partial<Extract<McpServerInput, { transport: "stdio" }>> = {}) {
  const owner = await createTestTeam();
  const server = await createMcpServer({
    teamId: owner.team.id,
    userId: owner.user.id,
    input: { transport: "stdio", name: "Everything", command: process.execPath, args: [EVERYTHING, "stdio"], ...input },
    host,
  });
  return { owner, ids: { teamId: owner.team.id, serverId: server.id } };
}

const textOf = (result: Awaited<ReturnType<McpConnection["client"]["callTool"]>>) =>
  (result.content as { type: string; text?: string }[]).map((c) => c.text ?? "").join("");

/** Calls server-everything's echo through the pool: the process's id, whether the connection was reused, and the answer. */
const echo = (ids: { teamId: string; serverId: string }, message = "hello") =>
  withMcpConnection(ids, host, async (connection, { isReused }) => {
    const result = await connection.client.callTool({ name: "echo", arguments: { message } }, undefined, connection.requestOptions);
    return { pid: connection.pid, isReused, text: textOf(result) };
  });

const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: unknown) => error as Error,
  );

describe("MCP pool: one long-lived process per server", () => {
  it("reuses one process across calls, also for calls at the same time", async () => {
    const { ids } = await localServer();
    const first = await echo(ids, "one");
    expect(first).toMatchObject({ isReused: false, text: "Echo: one" });
    expect(first.pid).toBeGreaterThan(0);
    const second = await echo(ids, "two");
    expect(second).toEqual({ pid: first.pid, isReused: true, text: "Echo: two" });
    const together = await Promise.all([echo(ids, "a"), echo(ids, "b"), echo(ids, "c")]);
    expect(new Set(together.map((r) => r.pid))).toEqual(new Set([first.pid]));
    expect(together.map((r) => r.text)).toEqual(["Echo: a", "Echo: b", "Echo: c"]);
  });

  it("a process that is killed is replaced by a new one at the next call; a call running on it fails with why", async () => {
    const { ids } = await localServer();
    const { pid } = await echo(ids);
    // A call in flight when the process dies: it fails, and the connection explains it.
    let explained = "";
    const running = withMcpConnection(ids, host, async (connection) => {
      try {
        return await connection.client.callTool(
          { name: "trigger-long-running-operation", arguments: { duration: 10, steps: 2 } },
          undefined,
          connection.requestOptions,
        );
      } catch (error) {
        explained = connection.explain(error);
        throw error;
      }
    });
    await new Promise((r) => setTimeout(r, 200));
    process.kill(pid!, "SIGKILL");
    await errorOf(running);
    expect(explained).toMatch(/^The process was stopped by SIGKILL before answering\./);
    await until(() => !isAlive(pid), "the killed process to be gone");

    const after = await echo(ids, "again");
    expect(after).toMatchObject({ isReused: false, text: "Echo: again" });
    expect(after.pid).not.toBe(pid);
    // A server that had served calls is restarted at once (no restart delay): killed again, it comes back again.
    process.kill(after.pid!, "SIGKILL");
    await until(() => !isAlive(after.pid), "the second process to be gone");
    expect((await echo(ids)).pid).not.toBe(after.pid);
  });

  it("a command that keeps failing is not restarted in a loop: calls within its restart delay fail at once with its last failure", async () => {
    configureMcpPool({ restartDelayMs: 1_500 });
    const starts = join(folder, `starts-${Date.now()}`);
    const { owner, ids } = await localServer({
      name: "Crashing",
      args: ["-e", `require("fs").appendFileSync(${JSON.stringify(starts)}, "x"); process.stderr.write("bad config\\n"); process.exit(1)`],
    });
    const startCount = async () => (await readFile(starts, "utf8").catch(() => "")).length;

    const first = await errorOf(echo(ids));
    expect(first).toBeInstanceOf(McpConnectError);
    expect(first.message).toBe("The process exited with code 1 before answering. Its last output (stderr): bad config");
    const waiting = await errorOf(echo(ids));
    expect(waiting).toBeInstanceOf(McpConnectError);
    expect(waiting.message).toBe(
      "The process exited with code 1 before answering. Its last output (stderr): bad config (It failed once, so it is not started again for 2 s.)",
    );
    // Many calls in a tight loop start nothing.
    for (let i = 0; i < 20; i++) await errorOf(echo(ids));
    expect(await startCount()).toBe(1);
    // A refresh by the system waits too (the server is shown down with why); a person's refresh starts it at once.
    expect(await refreshDiscovery({ ...ids, host })).toMatchObject({
      status: "down",
      lastError: expect.stringContaining("(It failed once, so it is not started again for"),
    });
    expect(await startCount()).toBe(1);
    expect(await refreshDiscovery({ ...ids, userId: owner.user.id, host })).toMatchObject({
      status: "down",
      lastError: "The process exited with code 1 before answering. Its last output (stderr): bad config",
    });
    expect(await startCount()).toBe(2);
    // The delay doubles with each failure in a row: 3 s after the second.
    expect((await errorOf(echo(ids))).message).toMatch(/\(It failed 2 times in a row, so it is not started again for 3 s\.\)$/);
    expect(await startCount()).toBe(2);
  });

  it("a server whose settings were edited gets a new process, started with the new settings", async () => {
    const { owner, ids } = await localServer();
    const before = await echo(ids);
    await updateMcpServer({ ...ids, userId: owner.user.id, input: { env: [{ name: "LONGHAUL_POOL_MARK", value: "edited" }] }, host });
    const env = await withMcpConnection(ids, host, async (connection, { isReused }) => {
      const result = await connection.client.callTool({ name: "get-env", arguments: {} }, undefined, connection.requestOptions);
      return { pid: connection.pid!, isReused, text: textOf(result) };
    });
    expect(env.isReused).toBe(false);
    expect(env.pid).not.toBe(before.pid);
    expect(env.text).toContain('"LONGHAUL_POOL_MARK": "edited"');
    await until(() => !isAlive(before.pid), "the process of the old settings to stop");
    // A rename is not a connection setting: the process stays.
    await updateMcpServer({ ...ids, userId: owner.user.id, input: { name: "Renamed" }, host });
    expect(await echo(ids)).toMatchObject({ pid: env.pid, isReused: true });
  });

  it("an idle connection is closed (the process stops); the next call starts a new one", async () => {
    configureMcpPool({ idleMs: 300 });
    const { ids } = await localServer();
    const { pid } = await echo(ids);
    expect(isAlive(pid)).toBe(true);
    await until(() => !isAlive(pid), "the idle process to stop");
    const next = await echo(ids);
    expect(next).toMatchObject({ isReused: false });
    expect(next.pid).not.toBe(pid);
  });

  it("closing the pool stops every process; a deleted server's process is stopped at its next call", async () => {
    const first = await localServer();
    const second = await localServer();
    const pids = [(await echo(first.ids)).pid, (await echo(second.ids)).pid];
    await closeMcpPool();
    expect(pids.map(isAlive)).toEqual([false, false]);

    const { pid } = await echo(first.ids);
    await deleteMcpServer({ ...first.ids, userId: first.owner.user.id });
    expect((await errorOf(echo(first.ids))).message).toBe("That MCP server was not found, or you do not have access to it.");
    await until(() => !isAlive(pid), "the deleted server's process to stop");
  });
});

/** server-everything over Streamable HTTP on `port`, once it listens. */
async function startHttpEverything(port: number): Promise<ChildProcess> {
  return (await startEverything("streamableHttp", port)).child;
}

describe("MCP pool: remote servers", () => {
  it("one HTTP session reused across calls; a server that restarted gets a new session at the next call", async () => {
    const port = await freePort();
    let child = await startHttpEverything(port);
    try {
      const owner = await createTestTeam();
      const server = await createMcpServer({
        teamId: owner.team.id,
        userId: owner.user.id,
        input: { transport: "http", name: "Remote", url: `http://127.0.0.1:${port}/mcp` },
        host,
      });
      const ids = { teamId: owner.team.id, serverId: server.id };
      expect(await echo(ids, "one")).toEqual({ pid: null, isReused: false, text: "Echo: one" });
      expect(await echo(ids, "two")).toMatchObject({ isReused: true, text: "Echo: two" });
      // The server restarts (its sessions are gone): the lost event stream retires the connection.
      await stopChild(child);
      child = await startHttpEverything(port);
      await new Promise((r) => setTimeout(r, 300));
      expect(await echo(ids, "three")).toMatchObject({ isReused: false, text: "Echo: three" });
    } finally {
      await stopChild(child);
    }
  });
});

describe("MCP pool: list-changed notifications", () => {
  it("a server that says its resources changed gets its discovery refreshed by the system", async () => {
    configureMcpPool({ listChangedDebounceMs: 200 });
    const { owner, ids } = await localServer();
    const first = await refreshDiscovery({ ...ids, userId: owner.user.id, host });
    expect(first.status).toBe("up");
    const sessionUri = "demo://resource/session/notes.txt.gz";
    expect(first.discovery!.resources.map((r) => r.uri)).not.toContain(sessionUri);

    // server-everything's gzip tool registers a new resource, and says so (notifications/resources/list_changed).
    await withMcpConnection(ids, host, (connection) =>
      connection.client.callTool(
        { name: "gzip-file-as-resource", arguments: { name: "notes.txt.gz", data: "data:text/plain;base64,aGVsbG8=" } },
        undefined,
        connection.requestOptions,
      ),
    );
    const stored = async () => db.mcpServer.findUniqueOrThrow({ where: { id: ids.serverId } });
    await until(async () => JSON.stringify((await stored()).discovery).includes(sessionUri), "the refreshed discovery");
    const refreshed = await stored();
    expect(refreshed.status).toBe("up");
    expect(refreshed.discoveredAt!.getTime()).toBeGreaterThan(first.discoveredAt!.getTime());
    const audits = await db.auditLog.findMany({
      where: { targetId: ids.serverId, action: "mcp.refresh" },
      orderBy: { createdAt: "asc" },
      select: { actorId: true },
    });
    // The person's refresh, then the system's (no actor); the notices the server sends as it starts are left out.
    expect(audits.map((a) => a.actorId)).toEqual([owner.user.id, null]);
  });
});
