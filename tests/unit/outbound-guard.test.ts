import { spawnSync } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { NO_PRIVATE_HOSTS, parsePrivateHostList } from "~/server/security/outbound-addresses";
import {
  createOutboundGuard,
  findOutboundRefusal,
  findRefusalForUrl,
  type OutboundGuard,
  type OutboundPolicy,
  type Resolver,
} from "~/server/security/outbound";

/**
 * The outbound guard over real sockets (docs/decisions/019): listeners on 127.0.0.1 and ::1 count every
 * connection they receive, and each refused request must leave them at zero. Policies are built here,
 * not taken from the test runner's settings; names a test needs resolve through a resolver it gives.
 */
type Listener = { server: http.Server; port: number; connections: number; requests: string[] };

async function listen(host: string, handler?: http.RequestListener): Promise<Listener> {
  const listener: Listener = { server: http.createServer(), port: 0, connections: 0, requests: [] };
  listener.server.on("connection", () => (listener.connections += 1));
  listener.server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    listener.requests.push(req.url ?? "");
    if (handler) handler(req, res);
    else res.end("internal secret");
  });
  await new Promise<void>((resolve) => listener.server.listen(0, host, resolve));
  listener.port = (listener.server.address() as AddressInfo).port;
  return listener;
}

let v4: Listener;
let v6: Listener;
const guards: OutboundGuard[] = [];

function guard(purpose: "model" | "tool", policy: OutboundPolicy) {
  const made = createOutboundGuard(purpose, policy);
  guards.push(made);
  return made;
}

/** Resolves the test's own names; anything else is not found (no system DNS in these tests). */
const resolverOf =
  (names: Record<string, string[]>): Resolver =>
  async (hostname) => {
    const addresses = names[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };

async function refusalOf(request: Promise<unknown>) {
  const error = await request.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, "the request should have been refused").not.toBeNull();
  const refusal = findOutboundRefusal(error);
  expect(refusal, `expected a refusal, got ${String(error)} (${String((error as Error).cause)})`).not.toBeNull();
  return refusal!;
}

beforeAll(async () => {
  v4 = await listen("127.0.0.1");
  v6 = await listen("::1");
});

afterEach(async () => {
  await Promise.all(guards.splice(0).map((g) => g.close()));
});

afterAll(async () => {
  for (const listener of [v4, v6]) {
    listener.server.closeAllConnections();
    await new Promise<void>((resolve) => listener.server.close(() => resolve()));
  }
});

describe("the outbound guard refuses private addresses at connect time", () => {
  it.each([
    ["127.0.0.1", (p: number) => `http://127.0.0.1:${p}/`, "127.0.0.1 is a loopback address"],
    ["a decimal IPv4 host", (p: number) => `http://2130706433:${p}/`, "127.0.0.1 is a loopback address"],
    ["a hex-and-short IPv4 host", (p: number) => `http://0x7f.1:${p}/`, "127.0.0.1 is a loopback address"],
    ["an IPv4-mapped IPv6 host", (p: number) => `http://[::ffff:127.0.0.1]:${p}/`, "::ffff:7f00:1 embeds 127.0.0.1, a loopback address"],
    ["localhost (system resolver)", (p: number) => `http://localhost:${p}/`, "localhost resolves to 127.0.0.1, a loopback address"],
  ])("%s", async (_, urlFor, explanation) => {
    const tools = guard("tool", { allow: NO_PRIVATE_HOSTS });
    const refusal = await refusalOf(tools.fetch(urlFor(v4.port)));
    expect(refusal.message).toBe(`refused: private address (${explanation}; an operator can allow it with LONGHAUL_PRIVATE_TOOL_HOSTS)`);
    expect(refusal).toMatchObject({ reason: "private address", purpose: "tool" });
    expect(v4.connections).toBe(0);
  });

  it("[::1]", async () => {
    const refusal = await refusalOf(guard("tool", { allow: NO_PRIVATE_HOSTS }).fetch(`http://[::1]:${v6.port}/`));
    expect(refusal).toMatchObject({ host: "::1", address: "::1", description: "a loopback address" });
    expect(v6.connections).toBe(0);
  });

  it("the cloud metadata address, at once (no connection attempt to time out)", async () => {
    const started = performance.now();
    const refusal = await refusalOf(guard("tool", { allow: NO_PRIVATE_HOSTS }).fetch("http://169.254.169.254/latest/meta-data/"));
    expect(refusal.message).toContain("169.254.169.254 is a link-local address (the cloud metadata service)");
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("a name that resolves to a loopback address, and a name with one private answer among public ones", async () => {
    const resolve = resolverOf({ "internal.test": ["127.0.0.1"], "mixed.test": ["93.184.216.34", "127.0.0.1"] });
    const tools = guard("tool", { allow: NO_PRIVATE_HOSTS, resolve });
    expect((await refusalOf(tools.fetch(`http://internal.test:${v4.port}/`))).explanation).toBe(
      "internal.test resolves to 127.0.0.1, a loopback address",
    );
    expect((await refusalOf(tools.fetch(`http://mixed.test:${v4.port}/`))).address).toBe("127.0.0.1");
    expect(v4.connections).toBe(0);
  });

  it("checks the addresses it connects to: the resolver answers once per connection, and a changed answer is checked again", async () => {
    // DNS rebinding: the first answer is allowed (the operator's range), the next one is loopback outside it.
    const answers = [["127.0.0.1"], ["127.0.0.2"]];
    let lookups = 0;
    const resolve: Resolver = async () => (answers[lookups++] ?? ["127.0.0.2"]).map((address) => ({ address, family: 4 }));
    const tools = guard("tool", { allow: parsePrivateHostList("127.0.0.1/32"), resolve });
    // The server closes each connection, so the second request needs a connection (and a lookup) of its own.
    const closing = await listen("127.0.0.1", (_req, res) => res.setHeader("connection", "close").end("internal secret"));
    try {
      const first = await tools.fetch(`http://rebind.test:${closing.port}/`);
      expect(await first.text()).toBe("internal secret");
      expect(lookups).toBe(1);
      const refusal = await refusalOf(tools.fetch(`http://rebind.test:${closing.port}/`));
      expect(refusal.explanation).toBe("rebind.test resolves to 127.0.0.2, a loopback address");
      expect(lookups).toBe(2);
      expect(closing.connections).toBe(1);
    } finally {
      closing.server.closeAllConnections();
      closing.server.close();
    }
  });

  it("a redirect from an allowed host to a private one, followed by fetch, is refused before it connects", async () => {
    const target = await listen("127.0.0.1");
    const front = await listen("127.0.0.1", (_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${target.port}/secret` }).end();
    });
    try {
      // "public.test" stands for a public server: the operator allowed it by name, so its own address is fine.
      const tools = guard("model", { allow: parsePrivateHostList("public.test"), resolve: resolverOf({ "public.test": ["127.0.0.1"] }) });
      const refusal = await refusalOf(tools.fetch(`http://public.test:${front.port}/v1/models`));
      expect(refusal.message).toBe(
        "refused: private address (127.0.0.1 is a loopback address; an operator can allow it with LONGHAUL_PRIVATE_MODEL_HOSTS)",
      );
      expect(front.requests).toEqual(["/v1/models"]);
      expect(target.connections).toBe(0);
    } finally {
      for (const listener of [front, target]) {
        listener.server.closeAllConnections();
        listener.server.close();
      }
    }
  });
});

describe("the operator's allow-list opens private addresses, per purpose", () => {
  it("by address or range, and by name", async () => {
    const byAddress = guard("tool", { allow: parsePrivateHostList("127.0.0.0/8,::1") });
    expect(await (await byAddress.fetch(`http://127.0.0.1:${v4.port}/`)).text()).toBe("internal secret");
    expect(await (await byAddress.fetch(`http://[::1]:${v6.port}/`)).text()).toBe("internal secret");
    const byName = guard("tool", { allow: parsePrivateHostList("localhost") });
    expect((await byName.fetch(`http://localhost:${v4.port}/`)).status).toBe(200);
    // The name opens that name only, not the address under another spelling.
    await refusalOf(byName.fetch(`http://127.0.0.1:${v4.port}/`));
  });

  it.each([
    [
      { LONGHAUL_PRIVATE_MODEL_HOSTS: "127.0.0.1,localhost" },
      {
        model: "ok",
        tool: "refused: private address (127.0.0.1 is a loopback address; an operator can allow it with LONGHAUL_PRIVATE_TOOL_HOSTS)",
      },
    ],
    [
      { LONGHAUL_PRIVATE_TOOL_HOSTS: "127.0.0.0/8" },
      {
        model: "refused: private address (127.0.0.1 is a loopback address; an operator can allow it with LONGHAUL_PRIVATE_MODEL_HOSTS)",
        tool: "ok",
      },
    ],
  ])("from the settings %j: a host opened to one purpose stays closed to the other", { timeout: 60_000 }, (settings, expected) => {
    // The process's own guards read the settings at start-up, so each case is a process of its own.
    const script = `
      import http from "node:http";
      const { outboundGuard, findOutboundRefusal } = await import("./server/security/outbound.ts");
      const server = http.createServer((req, res) => res.end("ok")).listen(0, "127.0.0.1");
      await new Promise((resolve) => server.on("listening", resolve));
      const url = "http://127.0.0.1:" + server.address().port + "/";
      const attempt = (purpose) => outboundGuard(purpose).fetch(url).then((r) => r.text(), (e) => findOutboundRefusal(e)?.message ?? String(e));
      console.log(JSON.stringify({ model: await attempt("model"), tool: await attempt("tool") }));
      server.close();
      process.exit(0);`;
    const result = spawnSync(process.execPath, ["--input-type=module", "--conditions=react-server", "--import", "tsx", "-e", script], {
      cwd: path.resolve(import.meta.dirname, "../.."),
      env: {
        PATH: process.env.PATH ?? "",
        DATABASE_URL: "postgresql://unused@127.0.0.1/unused",
        BETTER_AUTH_SECRET: "s".repeat(40),
        ...settings,
      } as unknown as NodeJS.ProcessEnv,
      encoding: "utf8",
    });
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout.trim().split("\n").at(-1)!)).toEqual(expected);
  });
});

describe("the save-time check for forms", () => {
  const policy = {
    allow: NO_PRIVATE_HOSTS,
    resolve: resolverOf({ "ollama.lan": ["192.168.1.20"], "api.example.test": ["93.184.216.34"] }),
  };

  it("refuses IP literals and names that resolve now to private addresses", async () => {
    expect((await findRefusalForUrl("model", "http://127.0.0.1:11434/v1", policy))?.explanation).toBe("127.0.0.1 is a loopback address");
    expect((await findRefusalForUrl("model", "http://[fd00::1]/v1", policy))?.explanation).toBe(
      "fd00::1 is a unique-local (fc00::/7) address",
    );
    expect((await findRefusalForUrl("model", "http://ollama.lan:11434/v1", policy))?.explanation).toBe(
      "ollama.lan resolves to 192.168.1.20, a private (RFC 1918) address",
    );
  });

  it("accepts public hosts, names that do not resolve right now, and what the operator allowed", async () => {
    expect(await findRefusalForUrl("model", "https://api.example.test/v1", policy)).toBeNull();
    expect(await findRefusalForUrl("model", "https://not-yet.example.test/v1", policy)).toBeNull();
    expect(
      await findRefusalForUrl("model", "http://ollama.lan:11434/v1", { ...policy, allow: parsePrivateHostList("ollama.lan") }),
    ).toBeNull();
  });
});
