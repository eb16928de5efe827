import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

/**
 * The http_request tool (issue 20, point 5) against a real local HTTP server: methods, headers, a JSON
 * body, team secrets substituted from `{{secret:NAME}}` and redacted from what comes back, the agent's
 * allow-list, the outbound guard, size and time limits, and the Idempotency-Key header. The last test
 * runs the loop itself (think, act, think) on the fake OpenAI server and reads every place a value
 * could land: the event log, the effect ledger, memories, the model's next prompt and the share page.
 *
 * The loop reaches tools through the process's guard, read from LONGHAUL_PRIVATE_TOOL_HOSTS: this file
 * sets it to 127.0.0.1 (as an operator would) before the server's modules load, and removes it after.
 */
vi.hoisted(() => {
  process.env.LONGHAUL_PRIVATE_TOOL_HOSTS = "127.0.0.1";
});

const { db } = await import("~/server/db/client");
const { executeToolCall } = await import("~/server/tools/execute-tool");
const { HTTP_GET_MAX_BYTES, HTTP_GET_TIMEOUT_MS } = await import("~/server/tools/builtins");
const { parsePrivateHostList } = await import("~/server/security/outbound-addresses");
const { createOutboundGuard } = await import("~/server/security/outbound");
const { act, openCycleSession, think } = await import("~/server/loop");
const { agentInput } = await import("../factories/agent");
const { createTestProvider } = await import("../factories/provider");
const { createAgentWithRun } = await import("../factories/run");
const { anonymousCaller, createTestTeam } = await import("../factories/team");
const { startFakeOpenAI } = await import("../fixtures/fake-openai");

type Received = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };
const TOKEN = "tok_live_9f8e7d6c5b4a39281706";
const OTHER = "other-secret-value-55aa";

let server: http.Server;
let base: string;
let received: Received[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const path = new URL(req.url!, "http://local").pathname;
      if (path === "/slow") return; // never answers
      if (path === "/big") {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ data: "x".repeat(HTTP_GET_MAX_BYTES + 10_000) }));
        return;
      }
      if (path === "/text") {
        // An error page that quotes what it was sent, as some servers do.
        res.statusCode = 401;
        res.setHeader("content-type", "text/plain");
        res.setHeader("set-cookie", "session=abc");
        res.end(`Bad credentials: ${req.headers.authorization ?? "none"} for ${req.url}`);
        return;
      }
      res.statusCode = req.method === "POST" ? 201 : 200;
      res.setHeader("content-type", "application/json; charset=utf-8");
      res.setHeader("x-request-id", "req-1");
      res.setHeader("x-internal-token", `${TOKEN}`);
      res.end(
        req.method === "HEAD"
          ? undefined
          : JSON.stringify({ method: req.method, url: req.url, authorization: req.headers.authorization ?? null, body: body || null }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  delete process.env.LONGHAUL_PRIVATE_TOOL_HOSTS;
});

beforeEach(() => {
  received = [];
});

/** What an operator with LONGHAUL_PRIVATE_TOOL_HOSTS=127.0.0.1 has (the test's server is on loopback). */
const guard = () => createOutboundGuard("tool", { allow: parsePrivateHostList("127.0.0.1") });

async function newAgent(allowedHosts = ["127.0.0.1"]) {
  const owner = await createTestTeam();
  await owner.caller.secret.create({ name: "API_TOKEN", value: TOKEN });
  await owner.caller.secret.create({ name: "OTHER_SECRET", value: OTHER });
  const agent = await owner.caller.agent.create(
    agentInput({ tools: [{ name: "http_request", enabled: true, approval: "never", allowedHosts }] }),
  );
  return { owner, ids: { agentId: agent.id, teamId: owner.team.id } };
}

let nextCycle = 1;
async function call(ids: { agentId: string; teamId: string }, args: unknown, outbound = guard()) {
  try {
    return await executeToolCall(
      { ...ids, cycle: nextCycle++, callIndex: 0, name: "http_request", argumentsText: JSON.stringify(args) },
      outbound,
    );
  } finally {
    await outbound.close();
  }
}
const resultOf = (outcome: unknown) => (outcome as { result: { status: number; headers: Record<string, string>; body: unknown } }).result;

describe("http_request", () => {
  it("sends each method with headers, a query and a JSON body, and reads JSON answers", async () => {
    const { ids } = await newAgent();
    const posted = await call(ids, {
      method: "POST",
      url: `${base}/items?page=2`,
      headers: { "X-Trace": "abc" },
      query: { q: "a b" },
      json: { title: "New", tags: ["x"], count: 3 },
    });
    expect(posted).toMatchObject({ status: "succeeded", isReplay: false });
    expect(resultOf(posted)).toEqual({
      status: 201,
      headers: { "content-type": "application/json; charset=utf-8", "content-length": expect.any(String), "x-request-id": "req-1" },
      body: { method: "POST", url: "/items?page=2&q=a+b", authorization: null, body: '{"title":"New","tags":["x"],"count":3}' },
    });
    expect(received[0]!.headers["content-type"]).toBe("application/json");
    expect(received[0]!.headers["x-trace"]).toBe("abc");

    for (const method of ["GET", "PUT", "PATCH", "DELETE", "HEAD"] as const) {
      const outcome = await call(ids, { method, url: `${base}/items/1` });
      expect(outcome, method).toMatchObject({ status: "succeeded", result: { status: 200 } });
    }
    expect(received.map((r) => r.method)).toEqual(["POST", "GET", "PUT", "PATCH", "DELETE", "HEAD"]);
    expect(await call(ids, { method: "GET", url: `${base}/x`, json: { a: 1 } })).toMatchObject({
      status: "failed",
      error: "A GET request has no body: leave json out, or use POST, PUT or PATCH.",
    });
    expect(await call(ids, { method: "TRACE", url: `${base}/x` })).toMatchObject({ status: "invalid" });
    expect(await call(ids, { method: "GET", url: `${base}/x`, headers: { Host: "evil.test" } })).toMatchObject({
      status: "invalid",
      error: expect.stringContaining("That header is set by the connection, not by a call."),
    });
  });

  it("sends the effect ledger's key as Idempotency-Key on every method but GET and HEAD, and runs a call once", async () => {
    const { ids } = await newAgent();
    const args = { method: "POST", url: `${base}/charge`, json: { amount: 10 } };
    const first = await executeToolCall(
      { ...ids, cycle: 40, callIndex: 2, name: "http_request", argumentsText: JSON.stringify(args) },
      guard(),
    );
    const again = await executeToolCall(
      { ...ids, cycle: 40, callIndex: 2, name: "http_request", argumentsText: JSON.stringify(args) },
      guard(),
    );
    expect(first).toMatchObject({ status: "succeeded", isReplay: false });
    expect(again).toMatchObject({ status: "succeeded", isReplay: true });
    expect(received).toHaveLength(1);
    expect(received[0]!.headers["idempotency-key"]).toBe(`${ids.agentId}:40:2`);
    await call(ids, { method: "DELETE", url: `${base}/charge/1` });
    expect(received[1]!.headers["idempotency-key"]).toMatch(new RegExp(`^${ids.agentId}:\\d+:0$`));
    await call(ids, { method: "GET", url: `${base}/charge/1` });
    await call(ids, { method: "HEAD", url: `${base}/charge/1` });
    expect(received.slice(2).map((r) => r.headers["idempotency-key"])).toEqual([undefined, undefined]);
    const effect = await db.toolEffect.findFirstOrThrow({ where: { idempotencyKey: `${ids.agentId}:40:2` }, select: { status: true } });
    expect(effect.status).toBe("succeeded");
  });

  it("substitutes secrets in headers, the query and the body, and redacts them from the answer", async () => {
    const { ids } = await newAgent();
    const outcome = await call(ids, {
      method: "POST",
      url: `${base}/echo?key={{secret:OTHER_SECRET}}`,
      headers: { Authorization: "Bearer {{secret:API_TOKEN}}" },
      query: { token: "{{secret:API_TOKEN}}" },
      json: { note: "sent with {{secret:OTHER_SECRET}}", nested: ["{{secret:API_TOKEN}}"] },
    });
    // The server got the values.
    expect(received[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(new URL(received[0]!.url, base).searchParams.get("key")).toBe(OTHER);
    expect(new URL(received[0]!.url, base).searchParams.get("token")).toBe(TOKEN);
    expect(JSON.parse(received[0]!.body)).toEqual({ note: `sent with ${OTHER}`, nested: [TOKEN] });
    // What comes back has none of them.
    expect(outcome).toMatchObject({ status: "succeeded" });
    const result = resultOf(outcome);
    expect(result.body).toEqual({
      method: "POST",
      url: "/echo?key=[secret:OTHER_SECRET]&token=[secret:API_TOKEN]",
      authorization: "Bearer [secret:API_TOKEN]",
      body: '{"note":"sent with [secret:OTHER_SECRET]","nested":["[secret:API_TOKEN]"]}',
    });
    expect(JSON.stringify(outcome)).not.toContain(TOKEN);
    expect(JSON.stringify(outcome)).not.toContain(OTHER);

    // A text answer quoting the header, and a header outside the returned subset.
    const text = await call(ids, { method: "GET", url: `${base}/text`, headers: { Authorization: "token {{secret:API_TOKEN}}" } });
    expect(resultOf(text)).toEqual({
      status: 401,
      headers: { "content-type": "text/plain", "content-length": expect.any(String) },
      body: "Bad credentials: token [secret:API_TOKEN] for /text",
    });
    // The effect ledger holds the placeholders the model wrote and the redacted result.
    const effects = JSON.stringify(await db.toolEffect.findMany({ where: { agentId: ids.agentId }, select: { args: true, result: true } }));
    expect(effects).toContain("{{secret:API_TOKEN}}");
    expect(effects).not.toContain(TOKEN);
    expect(effects).not.toContain(OTHER);
  });

  it("names an unknown secret and sends nothing; refuses a secret in the host or path", async () => {
    const { ids } = await newAgent();
    expect(
      await call(ids, { method: "GET", url: `${base}/x`, headers: { Authorization: "Bearer {{secret:GITHUB_TOKEN}}" } }),
    ).toMatchObject({
      status: "failed",
      error: 'There is no team secret named "GITHUB_TOKEN". This team\'s secrets are: API_TOKEN, OTHER_SECRET.',
    });
    expect(await call(ids, { method: "POST", url: `${base}/x`, json: { a: "{{secret:nope}}" } })).toMatchObject({
      status: "failed",
      error: expect.stringContaining('There is no team secret named "nope".'),
    });
    expect(await call(ids, { method: "GET", url: `${base}/{{secret:API_TOKEN}}/x` })).toMatchObject({
      status: "failed",
      error: "Secrets go in the URL's query, the headers or the body, never in its host or path.",
    });
    expect(received).toHaveLength(0);
  });

  it("reaches only the hosts on its own allow-list, and the outbound guard still refuses private addresses", async () => {
    const { ids } = await newAgent(["api.example.com"]);
    expect(await call(ids, { method: "POST", url: `${base}/x`, headers: { Authorization: "{{secret:API_TOKEN}}" } })).toMatchObject({
      status: "failed",
      error: "127.0.0.1 is not on this agent's allow-list (api.example.com).",
    });
    expect(received).toHaveLength(0);

    // The process's guard (LONGHAUL_PRIVATE_TOOL_HOSTS=127.0.0.1 here) refuses every other private address, e.g. cloud metadata.
    const metadata = await newAgent(["169.254.169.254"]);
    const refused = await executeToolCall({
      ...metadata.ids,
      cycle: 1,
      callIndex: 0,
      name: "http_request",
      argumentsText: JSON.stringify({ method: "GET", url: "http://169.254.169.254/latest/meta-data/" }),
    });
    expect(refused).toEqual({
      status: "refused",
      reason: "private address",
      error:
        "refused: private address (169.254.169.254 is a link-local address (the cloud metadata service); an operator can allow it with LONGHAUL_PRIVATE_TOOL_HOSTS)",
      isReplay: false,
    });
    // A guard with no operator allow-list (the default) refuses loopback though the agent lists it.
    const loopback = await call(
      (await newAgent()).ids,
      { method: "GET", url: `${base}/x` },
      createOutboundGuard("tool", { allow: parsePrivateHostList("") }),
    );
    expect(loopback).toMatchObject({ status: "refused", error: expect.stringContaining("127.0.0.1 is a loopback address") });
    expect(received).toHaveLength(0);
    // Allowed but nobody listening: the reason, not fetch's bare "fetch failed".
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await call((await newAgent()).ids, { method: "GET", url: `http://127.0.0.1:${closedPort}/x` })).toMatchObject({
      status: "failed",
      error: `The request to 127.0.0.1:${closedPort} failed: connect ECONNREFUSED 127.0.0.1:${closedPort}`,
    });
  });

  it("cuts large answers with a note, and gives up on a silent server after the time limit", async () => {
    const { ids } = await newAgent();
    const big = resultOf(await call(ids, { method: "GET", url: `${base}/big` })) as unknown as {
      body: string;
      isTruncated: boolean;
      note: string;
    };
    expect(big.isTruncated).toBe(true);
    expect(big.note).toBe(`The body was cut at ${HTTP_GET_MAX_BYTES / 1024} KiB; the rest was not read.`);
    expect(typeof big.body).toBe("string");
    expect(big.body).toHaveLength(HTTP_GET_MAX_BYTES);

    const startedAt = Date.now();
    expect(await call(ids, { method: "POST", url: `${base}/slow`, json: {} })).toMatchObject({
      status: "failed",
      error: `${new URL(base).host} did not answer within ${HTTP_GET_TIMEOUT_MS / 1000} s.`,
    });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(HTTP_GET_TIMEOUT_MS - 100);
  }, 30_000);
});

describe("http_request in the loop", () => {
  it("never lets a secret's value into the event log, the effect ledger, memories, the model's next prompt or a share page", async () => {
    const fake = await startFakeOpenAI();
    try {
      const owner = await createTestTeam();
      await owner.caller.secret.create({ name: "API_TOKEN", value: TOKEN });
      const provider = await createTestProvider(owner.team.id, { baseUrl: fake.baseURL });
      const { agent, ids, step } = await createAgentWithRun(owner, {
        name: "Echo caller",
        provider: provider.id,
        model: "gpt-4o-mini",
        budgetUsd: 1,
        executorRunId: "http-request-run",
        tools: [
          { name: "http_request", enabled: true, approval: "never", allowedHosts: ["127.0.0.1"] },
          { name: "finish", enabled: true, approval: "never" },
        ],
      });
      fake.script(
        {
          kind: "tool_calls",
          calls: [
            {
              name: "http_request",
              arguments: { method: "GET", url: `${base}/whoami`, headers: { Authorization: "Bearer {{secret:API_TOKEN}}" } },
            },
          ],
        },
        { kind: "tool_calls", calls: [{ name: "finish", arguments: { result: "done" } }] },
      );
      const first = await think(step(1), openCycleSession());
      if (first.kind !== "act") throw new Error(`expected an action, got ${first.kind}`);
      await act({ ...step(1), callEventSeq: first.callEventSeq, approval: null, nextFollows: false }, openCycleSession());
      expect(received.at(-1)!.headers.authorization).toBe(`Bearer ${TOKEN}`);
      await think(step(2), openCycleSession());

      const events = await db.agentEvent.findMany({ where: ids, select: { type: true, payload: true }, orderBy: { seq: "asc" } });
      const result = events.find((e) => e.type === "tool_result");
      expect(result?.payload).toMatchObject({
        name: "http_request",
        status: "succeeded",
        result: { body: { authorization: "Bearer [secret:API_TOKEN]" } },
      });
      expect(JSON.stringify(events)).not.toContain(TOKEN);
      const effects = await db.toolEffect.findMany({ where: { agentId: agent.id }, select: { args: true, result: true } });
      expect(effects).toHaveLength(1);
      expect(JSON.stringify(effects)).not.toContain(TOKEN);
      expect(JSON.stringify(await db.memory.findMany({ where: { agentId: agent.id }, select: { content: true } }))).not.toContain(TOKEN);

      // The model's next prompt: the call with its placeholder, the answer with the mark.
      const prompts = fake.requests.filter((r) => r.path === "/v1/chat/completions");
      expect(prompts).toHaveLength(2);
      const next = JSON.stringify(prompts[1]!.body);
      expect(next).toContain("{{secret:API_TOKEN}}");
      expect(next).toContain("[secret:API_TOKEN]");
      expect(next).not.toContain(TOKEN);

      // A share page, unredacted by its settings, shows the history as written: no value in it.
      const { path } = await owner.caller.share.create({ agentId: agent.id });
      const shared = await (await anonymousCaller()).share.view({ token: path.slice("/share/".length) });
      const sharedText = JSON.stringify(shared);
      expect(sharedText).toContain("[secret:API_TOKEN]");
      expect(sharedText).not.toContain(TOKEN);
    } finally {
      await fake.stop();
    }
  });
});
