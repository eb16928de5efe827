import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { callModel, type ModelRequest } from "~/server/loop/model";
import { toolsForModel } from "~/server/tools";
import { NO_PRIVATE_HOSTS, parsePrivateHostList } from "~/server/security/outbound-addresses";
import { createOutboundGuard } from "~/server/security/outbound";
import { startFakeOpenAI, type FakeOpenAI } from "../fixtures/fake-openai";

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(() => fake.reset());

const request = (overrides: Partial<ModelRequest> = {}): ModelRequest => ({
  cycle: 1,
  model: "gpt-4o-mini",
  messages: [
    { role: "system", content: "You watch competitor prices." },
    { role: "user", content: "Cycle 1. What next?" },
  ],
  tools: toolsForModel(["send_message", "finish"]),
  maxOutputTokens: 256,
  temperature: 0.2,
  ...overrides,
});

const endpoint = () => ({ kind: "openai" as const, baseURL: fake.baseURL, apiKey: "test-key" });

describe("callModel through the openai SDK", () => {
  it("returns tool calls, usage, and sends the tools", async () => {
    fake.script({
      kind: "tool_calls",
      calls: [{ name: "finish", arguments: { result: "done" } }],
      usage: { prompt_tokens: 50, completion_tokens: 7 },
    });
    const result = await callModel(endpoint(), request());
    expect(result).toMatchObject({
      ok: true,
      reply: { toolCalls: [{ name: "finish", argumentsText: '{"result":"done"}' }], usage: { inputTokens: 50, outputTokens: 7 } },
    });
    const sent = fake.requests[0]!.body as { tools: { function: { name: string } }[]; max_completion_tokens: number };
    expect(sent.tools.map((t) => t.function.name)).toEqual(["send_message", "finish"]);
    expect(sent.max_completion_tokens).toBe(256);
    expect(fake.requests[0]!.headers.authorization).toBe("Bearer test-key");
  });

  it("retries a 429 honouring retry-after, then succeeds", async () => {
    fake.script({ kind: "error", status: 429, retryAfterSeconds: 1 }, { kind: "message", content: "ok now" });
    const result = await callModel(endpoint(), request(), { maxRetries: 2 });
    // Two HTTP attempts: the timeline shows "1 retry" for this cycle.
    expect(result).toMatchObject({ ok: true, reply: { content: "ok now" }, attempts: 2 });
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]!.at - fake.requests[0]!.at).toBeGreaterThanOrEqual(900);
  });

  it.each([
    [{ kind: "error", status: 500 } as const, "server"],
    [{ kind: "error", status: 429 } as const, "rate-limited"],
    [{ kind: "error", status: 401 } as const, "auth"],
    [{ kind: "error", status: 400, message: "bad tools" } as const, "bad-request"],
    [{ kind: "malformed", body: "<html>gateway</html>" } as const, "malformed"],
    [{ kind: "malformed", body: JSON.stringify({ object: "chat.completion" }) } as const, "malformed"],
  ])("turns %o into an error value of kind %s", async (reply, kind) => {
    fake.script(reply);
    const result = await callModel(endpoint(), request(), { maxRetries: 0 });
    expect(result).toMatchObject({ ok: false, kind, error: expect.any(String), attempts: 1 });
  });

  it("times out", async () => {
    fake.script({ kind: "hang", ms: 2000 });
    expect(await callModel(endpoint(), request(), { maxRetries: 0, timeoutMs: 200 })).toMatchObject({ ok: false, kind: "timeout" });
  });

  it("passes invalid tool arguments through verbatim for the loop to report", async () => {
    fake.script({ kind: "tool_calls", calls: [{ name: "send_message", arguments: "{not json" }] });
    expect(await callModel(endpoint(), request())).toMatchObject({ ok: true, reply: { toolCalls: [{ argumentsText: "{not json" }] } });
  });
});

describe("callModel through the outbound guard (issue 17)", () => {
  it("refuses a model endpoint on a loopback address unless the operator allowed it: nothing sent, no retries", async () => {
    const closed = createOutboundGuard("model", { allow: NO_PRIVATE_HOSTS });
    const started = performance.now();
    const refused = await callModel(endpoint(), request(), { maxRetries: 3, outbound: closed });
    expect(refused).toEqual({
      ok: false,
      kind: "refused",
      error: "refused: private address (127.0.0.1 is a loopback address; an operator can allow it with LONGHAUL_PRIVATE_MODEL_HOSTS)",
      attempts: 1,
      durationMs: expect.any(Number),
      // The one attempt the guard refused, timed for the cycle's trace.
      attemptStarts: [expect.any(Number)],
    });
    // The SDK's retries (with backoff, about 0.5 s, 1 s, 2 s) were not taken.
    expect(performance.now() - started).toBeLessThan(400);
    expect(fake.requests).toHaveLength(0);

    const open = createOutboundGuard("model", { allow: parsePrivateHostList("127.0.0.1") });
    fake.script({ kind: "message", content: "reached" });
    expect(await callModel(endpoint(), request(), { maxRetries: 0, outbound: open })).toMatchObject({
      ok: true,
      reply: { content: "reached" },
    });
    await Promise.all([closed.close(), open.close()]);
  });
});

describe("simulator", () => {
  it("is deterministic, uses only enabled tools and ends with finish", async () => {
    const tools = toolsForModel(["update_world_state", "send_message", "finish"]);
    const names: string[] = [];
    for (let cycle = 1; cycle <= 4; cycle++) {
      const a = await callModel({ kind: "simulator" }, request({ cycle, tools }));
      const b = await callModel({ kind: "simulator" }, request({ cycle, tools }));
      expect(a).toMatchObject({ ok: true });
      expect(b.ok && a.ok && b.reply).toEqual(a.ok && a.reply);
      names.push(...(a.ok ? a.reply.toolCalls.map((c) => c.name) : []));
    }
    expect(names).toEqual(["update_world_state", "send_message", "update_world_state", "finish"]);
    expect(fake.requests).toHaveLength(0);
  });
});
