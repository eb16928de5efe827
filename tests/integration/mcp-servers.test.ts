import type { ChildProcess } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { McpDiscovery, McpServerInput } from "~/shared/mcp-servers";
import { db } from "~/server/db/client";
import { connectMcp } from "~/server/mcp/connect";
import { closeMcpPool, refreshDiscovery } from "~/server/mcp/pool";
import { mcpHostWith, type McpHost } from "~/server/mcp/host";
import { createMcpServer, getMcpEndpoint, updateMcpServer } from "~/server/mcp/servers";
import { NO_PRIVATE_HOSTS, parsePrivateHostList } from "~/server/security/outbound-addresses";
import { addTestMember, createTestTeam } from "../factories/team";
import { EVERYTHING, FILESYSTEM, startEverything, stopChild as stop } from "../fixtures/mcp-everything";

/**
 * Team MCP servers against real servers from npm (never a fake): @modelcontextprotocol/server-everything
 * over Streamable HTTP, over the older HTTP+SSE and over stdio, and @modelcontextprotocol/server-filesystem
 * over stdio on a temporary folder. The HTTP servers listen on 127.0.0.1, so these tests reach them
 * through a host whose guard allows 127.0.0.1 (as an operator would with LONGHAUL_PRIVATE_TOOL_HOSTS);
 * the app's own default guard keeps refusing loopback, which a test below checks.
 */
const SECRET = "Bearer mcp-secret-token-0123456789-Q7z";

/** The error a call failed with: an AppError from a domain function or a TRPCError from the router. */
async function trpcErrorOf(promise: Promise<unknown>) {
  const error = (await promise.then(
    () => null,
    (e: unknown) => e,
  )) as {
    code: string;
    message: string;
    fieldErrors?: Record<string, string[]>;
    cause?: { fieldErrors?: Record<string, string[]> };
  } | null;
  expect(error, "expected the call to fail").not.toBeNull();
  return { code: error!.code, message: error!.message, fieldErrors: error!.fieldErrors ?? error!.cause?.fieldErrors };
}

/** Process ids whose command line holds `marker` (Linux: /proc). */
async function processesWith(marker: string) {
  const found: string[] = [];
  for (const pid of (await readdir("/proc")).filter((name) => /^\d+$/.test(name))) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (cmdline.includes(marker)) found.push(pid);
  }
  return found;
}

let streamable: { port: number; child: ChildProcess };
let oldSse: { port: number; child: ChildProcess };
let folder: string;
/** What an operator with LONGHAUL_PRIVATE_TOOL_HOSTS=127.0.0.1 and LONGHAUL_MCP_STDIO=on would have. */
let allowing: McpHost;
/** The defaults: no private addresses, no local servers. */
let strict: McpHost;

beforeAll(async () => {
  [streamable, oldSse] = await Promise.all([startEverything("streamableHttp"), startEverything("sse")]);
  folder = await mkdtemp(join(tmpdir(), "longhaul-mcp-"));
  await writeFile(join(folder, "notes.txt"), "hello from the temporary folder\n");
  allowing = mcpHostWith({ allow: parsePrivateHostList("127.0.0.1"), allowsStdio: true });
  strict = mcpHostWith({ allow: NO_PRIVATE_HOSTS, allowsStdio: false });
}, 30_000);

afterAll(async () => {
  // Refreshes keep their connection open in the pool (local servers are processes): closed here.
  await closeMcpPool();
  await Promise.all([stop(streamable.child), stop(oldSse.child), allowing.guard.close(), strict.guard.close()]);
  await rm(folder, { recursive: true, force: true });
});

const toolNamed = (server: { discovery: McpDiscovery | null }, name: string) => server.discovery?.tools.find((tool) => tool.name === name);

describe("MCP servers: discovery against real servers", () => {
  it("Streamable HTTP: lists server-everything's tools with schemas and annotations, its resources and prompts", async () => {
    const owner = await createTestTeam();
    const created = await createMcpServer({
      teamId: owner.team.id,
      userId: owner.user.id,
      input: { transport: "http", name: "Everything (HTTP)", url: `http://127.0.0.1:${streamable.port}/mcp`, headers: [] },
      host: allowing,
    });
    expect(created).toMatchObject({ status: "unknown", slug: "everything-http", discovery: null });

    const server = await refreshDiscovery({ teamId: owner.team.id, serverId: created.id, userId: owner.user.id, host: allowing });
    expect(server).toMatchObject({ status: "up", lastError: null });
    expect(server.discovery!.server?.name).toBeTruthy();
    const names = server.discovery!.tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(["echo", "get-sum", "get-env", "trigger-long-running-operation"]));
    expect(toolNamed(server, "echo")).toMatchObject({
      exposedName: "mcp_everything-http_echo",
      description: "Echoes back the input string",
      inputSchema: { type: "object", properties: { message: { type: "string", description: "Message to echo" } }, required: ["message"] },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    });
    expect(new Set(server.discovery!.tools.map((tool) => tool.exposedName)).size).toBe(names.length);
    expect(server.discovery!.resources.length).toBeGreaterThan(0);
    expect(server.discovery!.resources[0]).toMatchObject({ uri: expect.stringMatching(/^demo:\/\//), name: expect.any(String) });
    expect(server.discovery!.resourceTemplates.map((t) => t.name)).toEqual(
      expect.arrayContaining(["Dynamic Text Resource", "Dynamic Blob Resource"]),
    );
    expect(server.discovery!.prompts.map((p) => p.name)).toEqual(expect.arrayContaining(["simple-prompt", "args-prompt"]));
    expect(server.discoveredAt).toBeInstanceOf(Date);
    // Seen the same through the router, by a viewer of the team.
    const viewer = await addTestMember(owner.team.id, "viewer");
    expect(toolNamed(await viewer.caller.mcp.get({ id: created.id }), "get-sum")?.inputSchema).toMatchObject({
      properties: { a: { type: "number" }, b: { type: "number" } },
    });
    expect(await db.auditLog.count({ where: { targetId: created.id, action: { in: ["mcp.create", "mcp.refresh"] } } })).toBe(2);
  });

  it("a URL given as Streamable HTTP that only speaks the older HTTP+SSE falls back to it", async () => {
    const owner = await createTestTeam();
    const created = await createMcpServer({
      teamId: owner.team.id,
      userId: owner.user.id,
      input: { transport: "http", name: "Old SSE", url: `http://127.0.0.1:${oldSse.port}/sse` },
      host: allowing,
    });
    const server = await refreshDiscovery({ teamId: owner.team.id, serverId: created.id, host: allowing });
    expect(server).toMatchObject({ status: "up", lastError: null });
    expect(toolNamed(server, "echo")).toBeDefined();
    const connection = await connectMcp((await getMcpEndpoint({ teamId: owner.team.id, serverId: created.id })).endpoint, allowing);
    try {
      expect(connection.transport).toBe("sse");
    } finally {
      await connection.close();
    }
    // Named as HTTP+SSE from the start, it connects the same way.
    const named = await createMcpServer({
      teamId: owner.team.id,
      userId: owner.user.id,
      input: { transport: "sse", name: "Named SSE", url: `http://127.0.0.1:${oldSse.port}/sse` },
      host: allowing,
    });
    expect(await refreshDiscovery({ teamId: owner.team.id, serverId: named.id, host: allowing })).toMatchObject({ status: "up" });
  });

  it("stdio: server-everything as a local process, with only its own environment (none of the app's)", async () => {
    const owner = await createTestTeam();
    const created = await createMcpServer({
      teamId: owner.team.id,
      userId: owner.user.id,
      input: {
        transport: "stdio",
        name: "Everything local",
        command: process.execPath,
        args: [EVERYTHING, "stdio"],
        env: [{ name: "GREETING", value: "hi-from-longhaul" }],
      },
      host: allowing,
    });
    expect(created).toMatchObject({ envNames: ["GREETING"], command: process.execPath });
    expect(JSON.stringify(created)).not.toContain("hi-from-longhaul");
    const server = await refreshDiscovery({ teamId: owner.team.id, serverId: created.id, host: allowing });
    expect(server).toMatchObject({ status: "up", lastError: null });
    expect(toolNamed(server, "get-env")?.annotations).toMatchObject({ readOnlyHint: true });

    const connection = await connectMcp((await getMcpEndpoint({ teamId: owner.team.id, serverId: created.id })).endpoint, allowing);
    try {
      const result = await connection.client.callTool({ name: "get-env", arguments: {} }, undefined, connection.requestOptions);
      const seen = JSON.parse((result.content as { type: string; text: string }[])[0]!.text) as Record<string, string>;
      expect(seen.GREETING).toBe("hi-from-longhaul");
      expect(seen.PATH).toBeTruthy();
      expect(Object.keys(seen)).not.toContain("DATABASE_URL");
      expect(Object.keys(seen)).not.toContain("BETTER_AUTH_SECRET");
    } finally {
      await connection.close();
    }
  });

  it("stdio: server-filesystem on a temporary folder lists its file tools", async () => {
    const owner = await createTestTeam();
    const created = await createMcpServer({
      teamId: owner.team.id,
      userId: owner.user.id,
      input: { transport: "stdio", name: "Files", command: process.execPath, args: [FILESYSTEM, folder] },
      host: allowing,
    });
    const server = await refreshDiscovery({ teamId: owner.team.id, serverId: created.id, host: allowing });
    expect(server).toMatchObject({ status: "up", lastError: null });
    expect(server.discovery!.tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(["read_text_file", "write_file", "list_directory", "list_allowed_directories"]),
    );
    expect(toolNamed(server, "read_text_file")).toMatchObject({
      exposedName: "mcp_files_read_text_file",
      annotations: { readOnlyHint: true },
      inputSchema: { properties: { path: { type: "string" } }, required: ["path"] },
    });
    expect(toolNamed(server, "write_file")?.annotations).toMatchObject({ readOnlyHint: false });
  });
});

describe("MCP servers: failures are a status, not a crash", () => {
  it("a server that stopped is down with a clear last error; its last discovery is kept; it comes back on refresh", async () => {
    const owner = await createTestTeam();
    const own = await startEverything("streamableHttp");
    const created = await createMcpServer({
      teamId: owner.team.id,
      userId: owner.user.id,
      input: { transport: "http", name: "Flaky", url: `http://127.0.0.1:${own.port}/mcp` },
      host: allowing,
    });
    expect(await refreshDiscovery({ teamId: owner.team.id, serverId: created.id, host: allowing })).toMatchObject({ status: "up" });
    await stop(own.child);
    const down = await refreshDiscovery({ teamId: owner.team.id, serverId: created.id, host: allowing });
    expect(down).toMatchObject({
      status: "down",
      lastError: `Could not connect to 127.0.0.1:${own.port}: connection refused (is the server running?).`,
    });
    expect(toolNamed(down, "echo")).toBeDefined();
    expect(down.lastCheckedAt!.getTime()).toBeGreaterThan(down.discoveredAt!.getTime());

    const again = await startEverything("streamableHttp", own.port);
    try {
      expect(await refreshDiscovery({ teamId: owner.team.id, serverId: created.id, host: allowing })).toMatchObject({
        status: "up",
        lastError: null,
      });
    } finally {
      await stop(again.child);
    }
  });

  it("a process that exits is down with its exit code and the end of its stderr", async () => {
    const owner = await createTestTeam();
    const created = await createMcpServer({
      teamId: owner.team.id,
      userId: owner.user.id,
      input: {
        transport: "stdio",
        name: "Broken",
        command: process.execPath,
        args: ["-e", "process.stderr.write('cannot open the database: permission denied\\n'); process.exit(3)"],
      },
      host: allowing,
    });
    const server = await refreshDiscovery({ teamId: owner.team.id, serverId: created.id, host: allowing });
    expect(server.status).toBe("down");
    expect(server.lastError).toBe(
      "The process exited with code 3 before answering. Its last output (stderr): cannot open the database: permission denied",
    );
  });

  it("a command that does not exist is down with a sentence that says so", async () => {
    const owner = await createTestTeam();
    const created = await createMcpServer({
      teamId: owner.team.id,
      userId: owner.user.id,
      input: { transport: "stdio", name: "Missing", command: "longhaul-no-such-mcp-command" },
      host: allowing,
    });
    const server = await refreshDiscovery({ teamId: owner.team.id, serverId: created.id, host: allowing });
    expect(server).toMatchObject({
      status: "down",
      lastError: 'The command "longhaul-no-such-mcp-command" was not found on this host (check it is installed and on the PATH).',
    });
  });

  it("a URL that is not an MCP server is down with a sentence that says so", async () => {
    const owner = await createTestTeam();
    const created = await createMcpServer({
      teamId: owner.team.id,
      userId: owner.user.id,
      input: { transport: "http", name: "Not MCP", url: `http://127.0.0.1:${streamable.port}/nothing-here` },
      host: allowing,
    });
    const server = await refreshDiscovery({ teamId: owner.team.id, serverId: created.id, host: allowing });
    expect(server.status).toBe("down");
    expect(server.lastError).toMatch(
      /^127\.0\.0\.1:\d+ does not look like an MCP server \(it answered HTTP 404 to both Streamable HTTP and HTTP\+SSE\)/,
    );
  });
});

describe("MCP servers: a server cannot blow up the row or hang a refresh", () => {
  it("more tools than the cap, or a tool described at more than its size cap, is refused whole with the cap named", async () => {
    const owner = await createTestTeam();
    const created = await createMcpServer({
      teamId: owner.team.id,
      userId: owner.user.id,
      input: { transport: "http", name: "Capped", url: `http://127.0.0.1:${streamable.port}/mcp` },
      host: allowing,
    });
    const few = mcpHostWith({ allow: parsePrivateHostList("127.0.0.1"), allowsStdio: false, limits: { tools: 5 } });
    const small = mcpHostWith({ allow: parsePrivateHostList("127.0.0.1"), allowsStdio: false, limits: { toolBytes: 300 } });
    try {
      expect(await refreshDiscovery({ teamId: owner.team.id, serverId: created.id, host: few })).toMatchObject({
        status: "down",
        lastError: "The server lists more than 5 tools; Longhaul keeps at most 5, so it was not used.",
        discovery: null,
      });
      const refused = await refreshDiscovery({ teamId: owner.team.id, serverId: created.id, host: small });
      expect(refused.status).toBe("down");
      expect(refused.lastError).toMatch(
        /^The tool "[\w-]+" is described in more than 300 bytes \(its schema and description\); Longhaul refuses it, so the server was not used\.$/,
      );
    } finally {
      // The pool keeps the last connection open through its host's guard: closed first, or closing the guard waits for it.
      await closeMcpPool();
      await Promise.all([few.guard.close(), small.guard.close()]);
    }
    // The same server under the real caps is fine.
    expect(await refreshDiscovery({ teamId: owner.team.id, serverId: created.id, host: allowing })).toMatchObject({ status: "up" });
  });

  it("a process that never answers is down after the connect timeout, and is stopped", async () => {
    const owner = await createTestTeam();
    const marker = `longhaul-silent-${Date.now().toString(36)}`;
    const created = await createMcpServer({
      teamId: owner.team.id,
      userId: owner.user.id,
      input: { transport: "stdio", name: "Silent", command: process.execPath, args: ["-e", `setInterval(() => {}, 1000); // ${marker}`] },
      host: allowing,
    });
    const impatient = mcpHostWith({ allow: NO_PRIVATE_HOSTS, allowsStdio: true, timeouts: { connectMs: 500, requestMs: 500 } });
    const started = Date.now();
    try {
      expect(await refreshDiscovery({ teamId: owner.team.id, serverId: created.id, host: impatient })).toMatchObject({
        status: "down",
        lastError: "The server did not answer in time (timed out).",
      });
    } finally {
      await impatient.guard.close();
    }
    expect(Date.now() - started).toBeLessThan(8_000);
    // Nothing is left running (before the fix, the SDK's close after a failed connect left it to a timer).
    expect(await processesWith(marker)).toEqual([]);
  });
});

describe("MCP servers: what the instance and the team allow", () => {
  it("loopback is refused by default: at save time, and at connect time for a row that holds one", async () => {
    const owner = await createTestTeam();
    const refusal = await trpcErrorOf(
      createMcpServer({
        teamId: owner.team.id,
        userId: owner.user.id,
        input: { transport: "http", name: "Loopback", url: `http://127.0.0.1:${streamable.port}/mcp` },
        host: strict,
      }),
    );
    expect(refusal.message).toBe(
      "MCP servers are not reached at private addresses, and 127.0.0.1 is a loopback address. An operator of this instance can allow it with LONGHAUL_PRIVATE_TOOL_HOSTS.",
    );
    // Saved where it was allowed, then refreshed under the defaults: the guard refuses it before connecting.
    const created = await createMcpServer({
      teamId: owner.team.id,
      userId: owner.user.id,
      input: { transport: "http", name: "Loopback", url: `http://127.0.0.1:${streamable.port}/mcp` },
      host: allowing,
    });
    const server = await refreshDiscovery({ teamId: owner.team.id, serverId: created.id, host: strict });
    expect(server).toMatchObject({
      status: "down",
      lastError:
        "Refused: 127.0.0.1 is a loopback address, a private address; MCP servers are only reached at public addresses unless an operator allows it with LONGHAUL_PRIVATE_TOOL_HOSTS.",
    });
    // HTTP+SSE goes through the same guard (its event stream and its POSTs).
    const sse = await createMcpServer({
      teamId: owner.team.id,
      userId: owner.user.id,
      input: { transport: "sse", name: "Loopback SSE", url: `http://127.0.0.1:${oldSse.port}/sse` },
      host: allowing,
    });
    expect(await refreshDiscovery({ teamId: owner.team.id, serverId: sse.id, host: strict })).toMatchObject({
      status: "down",
      lastError: expect.stringMatching(/^Refused: 127\.0\.0\.1 is a loopback address, a private address;/),
    });
    // The router uses the instance's defaults (no private tool hosts in the test runner): refused too.
    await expect(owner.caller.mcp.create({ transport: "http", name: "Via router", url: "http://localhost:9/mcp" })).rejects.toThrow(
      /not reached at private addresses/,
    );
  });

  it("local servers are refused unless the operator turned them on, naming the setting", async () => {
    const owner = await createTestTeam();
    const input: McpServerInput = { transport: "stdio", name: "Local", command: process.execPath, args: [EVERYTHING, "stdio"] };
    const expected =
      "Local MCP servers (a command run on this host) are off on this instance; an operator can turn them on with LONGHAUL_MCP_STDIO=on.";
    expect((await trpcErrorOf(createMcpServer({ teamId: owner.team.id, userId: owner.user.id, input, host: strict }))).message).toBe(
      expected,
    );
    expect((await trpcErrorOf(owner.caller.mcp.create(input))).message).toBe(expected);
    // A local server saved while they were on is not started once they are off.
    const created = await createMcpServer({ teamId: owner.team.id, userId: owner.user.id, input, host: allowing });
    expect(await refreshDiscovery({ teamId: owner.team.id, serverId: created.id, host: strict })).toMatchObject({
      status: "down",
      lastError: expected,
    });
  });

  it("headers are stored encrypted, never returned, and replaced as a whole; a new URL makes the discovery void", async () => {
    const owner = await createTestTeam();
    const created = await owner.caller.mcp.create({
      transport: "http",
      name: "Remote",
      url: "http://93.184.215.14/mcp",
      headers: [{ name: "Authorization", value: SECRET }],
    });
    expect(created).toMatchObject({ headerNames: ["Authorization"], transport: "http" });
    const everything = JSON.stringify([created, await owner.caller.mcp.list(), await owner.caller.mcp.get({ id: created.id })]);
    expect(everything).not.toContain("mcp-secret-token");
    const row = await db.mcpServer.findUniqueOrThrow({ where: { id: created.id }, select: { headersCiphertext: true } });
    expect(row.headersCiphertext).toMatch(/^v1\./);
    expect(row.headersCiphertext).not.toContain("mcp-secret");
    expect((await getMcpEndpoint({ teamId: owner.team.id, serverId: created.id })).endpoint).toEqual({
      transport: "http",
      url: "http://93.184.215.14/mcp",
      headers: { Authorization: SECRET },
      authProvider: expect.anything(),
    });
    // Another team cannot decrypt a ciphertext copied into its own row.
    const other = await createTestTeam();
    const theirs = await db.mcpServer.create({
      data: {
        teamId: other.team.id,
        name: "Theirs",
        slug: "theirs",
        transport: "http",
        url: "http://93.184.215.14/mcp",
        headersCiphertext: row.headersCiphertext,
      },
    });
    await expect(getMcpEndpoint({ teamId: other.team.id, serverId: theirs.id })).rejects.toThrow(/could not be decrypted/);

    await db.mcpServer.update({ where: { id: created.id }, data: { status: "up", discovery: { tools: [] }, discoveredAt: new Date() } });
    const renamed = await owner.caller.mcp.update({ id: created.id, name: "Remote (renamed)" });
    expect(renamed).toMatchObject({ name: "Remote (renamed)", slug: "remote", status: "up" });
    const moved = await owner.caller.mcp.update({ id: created.id, url: "http://93.184.215.15/mcp", headers: [] });
    expect(moved).toMatchObject({ status: "unknown", discovery: null, discoveredAt: null, headerNames: [] });
    expect((await getMcpEndpoint({ teamId: owner.team.id, serverId: created.id })).endpoint).toMatchObject({ headers: {} });
    const audit = await db.auditLog.findMany({ where: { targetId: created.id, action: "mcp.update" }, select: { metadata: true } });
    expect(JSON.stringify(audit)).not.toContain("mcp-secret");
  });

  it("are managed by admins, seen by the team, invisible and untouchable across teams", async () => {
    const owner = await createTestTeam();
    const member = await addTestMember(owner.team.id, "member");
    const viewer = await addTestMember(owner.team.id, "viewer");
    const admin = await addTestMember(owner.team.id, "admin");
    const input = { transport: "http", name: "Shared", url: "http://93.184.215.14/mcp" } as const;
    for (const caller of [member.caller, viewer.caller]) {
      expect((await trpcErrorOf(caller.mcp.create(input))).code).toBe("FORBIDDEN");
    }
    const created = await admin.caller.mcp.create(input);
    expect((await trpcErrorOf(member.caller.mcp.delete({ id: created.id }))).code).toBe("FORBIDDEN");
    expect((await trpcErrorOf(viewer.caller.mcp.refresh({ id: created.id }))).code).toBe("FORBIDDEN");
    expect((await viewer.caller.mcp.list()).map((s) => s.id)).toEqual([created.id]);
    expect((await trpcErrorOf(owner.caller.mcp.create(input))).code).toBe("CONFLICT");

    const stranger = await createTestTeam();
    expect(await stranger.caller.mcp.list()).toEqual([]);
    // Thunks, called one at a time: a promise made up front and awaited later rejects unhandled meanwhile.
    for (const call of [
      () => stranger.caller.mcp.get({ id: created.id }),
      () => stranger.caller.mcp.update({ id: created.id, name: "Mine now" }),
      () => stranger.caller.mcp.refresh({ id: created.id }),
      () => stranger.caller.mcp.delete({ id: created.id }),
    ]) {
      expect((await trpcErrorOf(call())).code).toBe("NOT_FOUND");
    }
    expect(await db.mcpServer.count({ where: { id: created.id, name: "Shared" } })).toBe(1);
    await owner.caller.mcp.delete({ id: created.id });
    expect(await db.mcpServer.count({ where: { id: created.id } })).toBe(0);
  });

  it("per-field messages for a bad form", async () => {
    const owner = await createTestTeam();
    const bad = await trpcErrorOf(
      updateMcpServer({
        teamId: owner.team.id,
        userId: owner.user.id,
        serverId: (await owner.caller.mcp.create({ transport: "http", name: "Form", url: "http://93.184.215.14/mcp" })).id,
        input: { url: "ftp://example.com", headers: [{ name: "Content-Type", value: "x" }] },
      }),
    );
    expect(bad.fieldErrors).toMatchObject({
      url: ["Enter an http(s) URL like https://mcp.example.com/mcp (a token goes in a header, not in the URL)."],
    });
    expect(JSON.stringify(bad.fieldErrors)).toContain("The MCP client sets this header itself.");
  });
});
