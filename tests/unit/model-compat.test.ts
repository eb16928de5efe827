import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { OPENAI_COMPAT, type ProviderCompat } from "~/shared/provider-kinds";
import { callModel, type ModelRequest } from "~/server/loop/model";
import { readToolCallsFromText } from "~/server/providers/text-tool-calls";
import { toolsForModel } from "~/server/tools";
import { startFakeOpenAI, type FakeOpenAI } from "../fixtures/fake-openai";

/**
 * The model client follows a provider's compatibility (shared/provider-kinds.ts) against a server that
 * behaves like the endpoints people run: only `max_tokens`, no `tools` field, tool calls as text, no
 * usage, streaming only. Each case also shows what goes wrong without the matching compatibility.
 */
let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(() => fake.reset());

const request = (overrides: Partial<ModelRequest> = {}): ModelRequest => ({
  cycle: 3,
  model: "gpt-4o-mini",
  messages: [
    { role: "system", content: "You watch competitor prices." },
    { role: "user", content: "Cycle 3. What next?" },
  ],
  tools: toolsForModel(["send_message", "finish"]),
  maxOutputTokens: 20,
  temperature: 0.2,
  ...overrides,
});
const endpoint = (compat: Partial<ProviderCompat> = {}) => ({
  kind: "openai" as const,
  baseURL: fake.baseURL,
  apiKey: "test-key",
  compat: { ...OPENAI_COMPAT, ...compat },
});
const lastBody = () => fake.requests.at(-1)!.body as Record<string, unknown>;
const LONG = "one two three four five six seven eight nine ten ".repeat(20);

describe("the output cap the server honours", () => {
  it("sends max_tokens to a server that honours only that, and the reply stops at the cap", async () => {
    fake.setBehaviour({ outputCap: "max_tokens" });
    fake.script({ kind: "message", content: LONG });
    const result = await callModel(endpoint({ outputCap: "max_tokens" }), request());
    expect(lastBody()).toMatchObject({ max_tokens: 20 });
    expect(lastBody()).not.toHaveProperty("max_completion_tokens");
    expect(result).toMatchObject({ ok: true, reply: { finishReason: "length", usage: { outputTokens: 20 } } });
  });

  it("with OpenAI's field such a server writes past the agent's cap", async () => {
    fake.setBehaviour({ outputCap: "max_tokens" });
    fake.script({ kind: "message", content: LONG });
    const result = await callModel(endpoint(), request());
    expect(lastBody()).toMatchObject({ max_completion_tokens: 20 });
    expect(result.ok && result.reply.usage.outputTokens).toBeGreaterThan(20);
  });
});

describe("tool calls as text", () => {
  it("describes the tools in the prompt instead of sending `tools`, and reads the call back from the text", async () => {
    fake.setBehaviour({ tools: "rejected" });
    fake.script({
      kind: "message",
      content: 'Done here.\n<tool_call>{"name": "finish", "arguments": {"result": "all prices logged"}}</tool_call>',
    });
    const result = await callModel(endpoint({ tools: "text" }), request({ maxOutputTokens: 256 }));
    expect(lastBody()).not.toHaveProperty("tools");
    const system = (lastBody().messages as { role: string; content: string }[])[0]!;
    expect(system.content).toContain("You watch competitor prices.");
    expect(system.content).toContain('"name":"finish"');
    expect(result).toMatchObject({
      ok: true,
      reply: {
        content: "Done here.",
        toolCalls: [{ name: "finish", argumentsText: '{"result":"all prices logged"}', id: "text_call_3_1" }],
      },
    });
  });

  it("reads the calls of a server that accepts `tools` but answers in text", async () => {
    fake.setBehaviour({ tools: "text" });
    fake.script({ kind: "tool_calls", calls: [{ name: "send_message", arguments: { to: "ops", text: "hi" } }] });
    const result = await callModel(endpoint({ tools: "text" }), request());
    expect(result).toMatchObject({ ok: true, reply: { content: null, toolCalls: [{ name: "send_message" }] } });
    expect(result.ok && JSON.parse(result.reply.toolCalls[0]!.argumentsText)).toEqual({ to: "ops", text: "hi" });
  });

  it("a server that rejects `tools` fails the call when the provider is not set to text", async () => {
    fake.setBehaviour({ tools: "rejected" });
    expect(await callModel(endpoint(), request(), { maxRetries: 0 })).toMatchObject({ ok: false, kind: "bad-request" });
  });

  it("takes fenced and bare JSON calls, and leaves unknown tools and prose as text", () => {
    const names = new Set(["finish", "remember"]);
    const id = (i: number) => `c${i}`;
    expect(readToolCallsFromText('```json\n{"name": "remember", "parameters": {"key": "a"}}\n```', names, id)).toEqual({
      content: null,
      toolCalls: [{ id: "c0", name: "remember", argumentsText: '{"key":"a"}' }],
    });
    expect(readToolCallsFromText('{"tool": "finish", "arguments": {}}', names, id).toolCalls).toHaveLength(1);
    expect(readToolCallsFromText('<tool_call>{"name": "rm_rf", "arguments": {}}</tool_call>', names, id).toolCalls).toEqual([]);
    expect(readToolCallsFromText("I will finish tomorrow.", names, id)).toEqual({ content: "I will finish tomorrow.", toolCalls: [] });
    expect(readToolCallsFromText("<tool_call>{not json}</tool_call>", names, id).toolCalls).toEqual([]);
  });
});

describe("usage the server does not report", () => {
  it("is counted by Longhaul and the reply says so", async () => {
    fake.setBehaviour({ usage: false });
    fake.script({ kind: "message", content: "Prices unchanged today." });
    const result = await callModel(endpoint({ usage: "counted" }), request());
    expect(result).toMatchObject({ ok: true, reply: { usageCounted: true } });
    expect(result.ok && result.reply.usage.inputTokens).toBeGreaterThan(5);
    expect(result.ok && result.reply.usage.outputTokens).toBe(Math.ceil("Prices unchanged today.".length / 3));
  });

  it("a reported usage is taken as it is", async () => {
    fake.script({ kind: "message", content: "ok", usage: { prompt_tokens: 40, completion_tokens: 2 } });
    const result = await callModel(endpoint(), request());
    expect(result).toMatchObject({ ok: true, reply: { usage: { inputTokens: 40, outputTokens: 2 } } });
    expect(result.ok && result.reply.usageCounted).toBeUndefined();
  });
});

describe("a server that answers only streamed requests", () => {
  it("gets a streamed request and its pieces are put together: text, tool calls and usage", async () => {
    fake.setBehaviour({ streaming: "required" });
    fake.script({
      kind: "tool_calls",
      content: "Logging the prices now, then done.",
      calls: [
        { name: "send_message", arguments: { to: "ops", text: "prices are up 4 % across the board this week" } },
        { name: "finish", arguments: { result: "done" } },
      ],
      usage: { prompt_tokens: 61, completion_tokens: 30 },
    });
    const result = await callModel(endpoint({ streaming: "required" }), request());
    expect(lastBody()).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(result).toMatchObject({
      ok: true,
      reply: {
        content: "Logging the prices now, then done.",
        toolCalls: [{ name: "send_message" }, { name: "finish", argumentsText: '{"result":"done"}' }],
        usage: { inputTokens: 61, outputTokens: 30 },
        finishReason: "tool_calls",
      },
    });
    expect(result.ok && JSON.parse(result.reply.toolCalls[0]!.argumentsText)).toEqual({
      to: "ops",
      text: "prices are up 4 % across the board this week",
    });
  });

  it("refuses an unstreamed request, which the provider's compatibility avoids", async () => {
    fake.setBehaviour({ streaming: "required" });
    expect(await callModel(endpoint(), request(), { maxRetries: 0 })).toMatchObject({ ok: false, kind: "bad-request" });
  });
});

describe("headers and timeout of the provider", () => {
  it("sends the provider's extra headers with the call", async () => {
    await callModel({ ...endpoint(), headers: { "X-Title": "Longhaul", "HTTP-Referer": "https://lh.example" } }, request());
    expect(fake.requests.at(-1)!.headers).toMatchObject({ "x-title": "Longhaul", "http-referer": "https://lh.example" });
  });

  it("gives up after the provider's timeout", async () => {
    fake.script({ kind: "hang", ms: 2000 });
    expect(await callModel({ ...endpoint(), timeoutMs: 150 }, request(), { maxRetries: 0 })).toMatchObject({ ok: false, kind: "timeout" });
  });
});
