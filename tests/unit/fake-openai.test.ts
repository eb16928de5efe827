import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../fixtures/fake-openai";

const MODEL = "gpt-4o-mini";

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return dot / Math.sqrt(na * nb);
}

describe("fake OpenAI server, driven by the real openai SDK", () => {
  let fake: FakeOpenAI;
  const client = (options: { maxRetries?: number; timeout?: number } = {}) =>
    new OpenAI({ baseURL: fake.baseURL, apiKey: "test", maxRetries: options.maxRetries ?? 0, timeout: options.timeout ?? 5_000 });

  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(async () => {
    await fake.stop();
  });
  beforeEach(() => {
    fake.reset();
  });

  it("answers with a default 'ok' message and computed usage when nothing is scripted", async () => {
    const completion = await client().chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "12345678" }] });
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe(MODEL);
    expect(completion.choices[0]?.message).toMatchObject({ role: "assistant", content: "ok" });
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage).toEqual({ prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 });
    expect(completion._request_id).toMatch(/^req_fake_/);
    expect(fake.requests[0]?.headers.authorization).toBe("Bearer test");
  });

  it("delivers tool calls and records the tools that were sent", async () => {
    const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
      {
        type: "function",
        function: { name: "search", description: "Search the web", parameters: { type: "object", properties: { q: { type: "string" } } } },
      },
    ];
    fake.script({ kind: "tool_calls", calls: [{ name: "search", arguments: { q: "longhaul" } }] });

    const completion = await client().chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "find it" }], tools });

    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(choice?.message.content).toBeNull();
    const call = choice?.message.tool_calls?.[0];
    expect(call?.type).toBe("function");
    if (call?.type !== "function") throw new Error("expected a function tool call");
    expect(call.id).toBe("call_1");
    expect(call.function.name).toBe("search");
    expect(JSON.parse(call.function.arguments)).toEqual({ q: "longhaul" });
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    expect(completion.usage?.total_tokens).toBe((completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0));

    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.path).toBe("/v1/chat/completions");
    expect(fake.requests[0]?.body).toMatchObject({ model: MODEL, tools });
  });

  it("honours retry-after on a 429: the SDK waits ~1 s, retries and succeeds", async () => {
    fake.script(
      { kind: "error", status: 429, retryAfterSeconds: 1 },
      { kind: "message", content: "after the wait", usage: { prompt_tokens: 7, completion_tokens: 3 } },
    );

    const completion = await client({ maxRetries: 2 }).chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "hi" }],
    });

    expect(completion.choices[0]?.message.content).toBe("after the wait");
    expect(completion.usage).toEqual({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
    expect(fake.requests).toHaveLength(2);
    const [first, second] = fake.requests;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(second?.headers["x-stainless-retry-count"]).toBe("1");
  });

  it("maps a 500 to OpenAI.InternalServerError when retries are off", async () => {
    fake.script({ kind: "error", status: 500, message: "boom" });

    const error = await client({ maxRetries: 0 })
      .chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error).toMatchObject({ status: 500, type: "server_error" });
    expect((error as Error).message).toContain("boom");
    expect(fake.requests).toHaveLength(1);
  });

  it("maps a 401 to OpenAI.AuthenticationError", async () => {
    fake.script({ kind: "error", status: 401 });
    await expect(client().chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }] })).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
  });

  it("passes malformed bodies through the SDK's parser", async () => {
    // A 200 whose body is not JSON but is labelled application/json: the SDK calls response.json()
    // without wrapping, so the call rejects with a plain SyntaxError (not an OpenAI.APIError), and
    // does not retry (parsing happens after the retry loop).
    fake.script({ kind: "malformed", body: "<html>502 Bad Gateway</html>" });
    const error = await client({ maxRetries: 2 })
      .chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyntaxError);
    expect(error).not.toBeInstanceOf(OpenAI.APIError);
    expect(fake.requests).toHaveLength(1);

    // Valid JSON of the wrong shape: the SDK does no validation and resolves with it as-is, so
    // callers see a "ChatCompletion" without `choices`.
    fake.script({ kind: "malformed", body: JSON.stringify({ unexpected: true }) });
    const wrongShape = await client().chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }] });
    expect(wrongShape.choices).toBeUndefined();
    expect(wrongShape).toMatchObject({ unexpected: true });

    // Non-JSON labelled text/plain: the SDK resolves with the raw string.
    fake.script({ kind: "malformed", body: "not json", contentType: "text/plain" });
    const text: unknown = await client().chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }] });
    expect(text).toBe("not json");
  });

  it("sends string tool-call arguments verbatim, even when they are not JSON", async () => {
    fake.script({ kind: "tool_calls", calls: [{ name: "search", arguments: "{not json", id: "call_custom" }], content: "calling" });

    const completion = await client().chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }] });

    const call = completion.choices[0]?.message.tool_calls?.[0];
    if (call?.type !== "function") throw new Error("expected a function tool call");
    expect(call.id).toBe("call_custom");
    expect(call.function.arguments).toBe("{not json");
    expect(completion.choices[0]?.message.content).toBe("calling");
  });

  it("times out the client on a hang longer than its timeout", async () => {
    fake.script({ kind: "hang", ms: 2_000 });
    const started = Date.now();

    await expect(
      client({ maxRetries: 0, timeout: 200 }).chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }] }),
    ).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);

    expect(Date.now() - started).toBeLessThan(1_500);
    expect(fake.requests).toHaveLength(1);
  });

  it("answers a hang shorter than the timeout with the default message", async () => {
    fake.script({ kind: "hang", ms: 50 });
    const completion = await client().chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }] });
    expect(completion.choices[0]?.message.content).toBe("ok");
  });

  it("uses the responder when the queue is empty", async () => {
    fake.setResponder((body) => {
      const last = body.messages.at(-1);
      return { kind: "message", content: `echo: ${typeof last?.content === "string" ? last.content : ""}` };
    });
    fake.script({ kind: "message", content: "scripted first" });
    const c = client();
    const first = await c.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "one" }] });
    const second = await c.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "two" }] });
    expect(first.choices[0]?.message.content).toBe("scripted first");
    expect(second.choices[0]?.message.content).toBe("echo: two");
  });

  it("returns deterministic, similarity-preserving embeddings", async () => {
    const c = client();
    // No encoding_format: the SDK asks for base64 and decodes it to number[].
    const result = await c.embeddings.create({
      model: "text-embedding-3-small",
      input: ["the cat sat on the mat", "a cat sat on a mat", "quarterly revenue report"],
    });
    expect((fake.requests[0]?.body as { encoding_format?: string }).encoding_format).toBe("base64");
    expect(result.data).toHaveLength(3);
    const [cat, cat2, revenue] = result.data.map((d) => d.embedding);
    if (!cat || !cat2 || !revenue) throw new Error("missing embeddings");
    for (const vector of [cat, cat2, revenue]) {
      expect(vector).toHaveLength(1536);
      expect(vector.every((x) => typeof x === "number" && Number.isFinite(x))).toBe(true);
      expect(Math.sqrt(vector.reduce((s, x) => s + x * x, 0))).toBeCloseTo(1, 4);
    }
    expect(cosine(cat, cat2)).toBeGreaterThan(cosine(cat, revenue));
    expect(cosine(cat, cat2)).toBeGreaterThan(0.4);
    expect(Math.abs(cosine(cat, revenue))).toBeLessThan(0.2);
    expect(result.usage.prompt_tokens).toBeGreaterThan(0);

    // Same input again (and via encoding_format "float") → the identical vector.
    const again = await c.embeddings.create({ model: "text-embedding-3-small", input: "the cat sat on the mat" });
    expect(again.data[0]?.embedding).toEqual(cat);
    const asFloat = await c.embeddings.create({
      model: "text-embedding-3-small",
      input: "the cat sat on the mat",
      encoding_format: "float",
    });
    expect(asFloat.data[0]?.embedding).toEqual(cat);

    const small = await c.embeddings.create({ model: "text-embedding-3-small", input: "x", dimensions: 256 });
    expect(small.data[0]?.embedding).toHaveLength(256);
  });

  it("keeps embedding errors in their own queue", async () => {
    fake.script({ kind: "message", content: "for chat" });
    fake.scriptEmbeddings({ kind: "error", status: 503, retryAfterSeconds: 0 });
    const c = client({ maxRetries: 1 });

    const embedded = await c.embeddings.create({ model: "text-embedding-3-small", input: "hello" });
    expect(embedded.data[0]?.embedding).toHaveLength(1536);
    expect(fake.requests.map((r) => r.path)).toEqual(["/v1/embeddings", "/v1/embeddings"]);

    const completion = await c.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }] });
    expect(completion.choices[0]?.message.content).toBe("for chat");
  });

  it("lists models, 404s unknown paths and 400s invalid JSON", async () => {
    const c = client();
    const models = [];
    for await (const model of c.models.list()) models.push(model.id);
    expect(models).toContain(MODEL);

    await expect(c.post("/nope", { body: {} })).rejects.toBeInstanceOf(OpenAI.NotFoundError);

    const response = await fetch(`${fake.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{oops",
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { type: string } };
    expect(body.error.type).toBe("invalid_request_error");
  });
});
