import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ChatCompletionCreateParams } from "openai/resources/chat/completions";
import { probeEndpoint } from "~/server/providers/probe";
import { createOutboundGuard } from "~/server/security/outbound";
import { NO_PRIVATE_HOSTS } from "~/server/security/outbound-addresses";
import { startFakeOpenAI, type FakeBehaviour, type FakeOpenAI } from "../fixtures/fake-openai";

/**
 * "Test connection" against a server that behaves like each kind of endpoint people run: it finds the
 * compatibility the model client then follows, and says in a sentence what worked and what did not.
 */
let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.stop();
});

/** A model that does what it is asked: calls the ping tool (natively, or in text when tools are in the prompt) and counts. */
function obedientModel(body: ChatCompletionCreateParams) {
  const text = body.messages.map((m) => (typeof m.content === "string" ? m.content : "")).join("\n");
  if (text.includes("Count from 1")) return { kind: "message" as const, content: Array.from({ length: 300 }, (_, i) => i + 1).join(" ") };
  if (body.tools?.length) return { kind: "tool_calls" as const, calls: [{ name: "ping", arguments: { value: 7 } }] };
  if (text.includes("<tool_call>"))
    return { kind: "message" as const, content: '<tool_call>{"name": "ping", "arguments": {"value": 7}}</tool_call>' };
  return { kind: "message" as const, content: "pong" };
}
beforeEach(() => {
  fake.reset();
  fake.setResponder(obedientModel);
});

const probe = (behaviour: Partial<FakeBehaviour>, options: { embeddingModel?: string } = {}) => {
  fake.setBehaviour(behaviour);
  return probeEndpoint({ baseURL: fake.baseURL, apiKey: "k" }, { model: "gpt-4o-mini", ...options });
};

describe("test connection finds how an endpoint behaves", () => {
  it("OpenAI's behaviour: models listed, native tools, usage, the new cap field, embeddings", async () => {
    const result = await probe({}, { embeddingModel: "text-embedding-3-small" });
    expect(result.ok).toBe(true);
    expect(result.models).toEqual(["gpt-4o-mini", "text-embedding-3-small"]);
    expect(result.compat).toEqual({ outputCap: "max_completion_tokens", tools: "native", usage: "reported", streaming: "optional" });
    expect(result.summary).toMatch(/works: Lists 2 models\. Chat with gpt-4o-mini works\. Calls tools natively\./);
    expect(result.checks.find((c) => c.name === "embeddings")?.detail).toBe(
      "Embeddings with text-embedding-3-small work (1536 dimensions).",
    );
  });

  it("a server that honours only max_tokens (Ollama's compatibility layer)", async () => {
    const result = await probe({ outputCap: "max_tokens" });
    expect(result.compat.outputCap).toBe("max_tokens");
    expect(result.checks.find((c) => c.name === "output cap")?.detail).toBe("Keeps to the output cap in max_tokens.");
  });

  it("a server that honours no cap: budgets reserve the long worst case, and the sentence says so", async () => {
    const result = await probe({ outputCap: "none" });
    expect(result.compat.outputCap).toBe("none");
    expect(result.summary).toContain("Ignores output caps: budgets reserve 16,384 output tokens a call.");
  });

  it("a server that rejects the tools field: tools go in the prompt", async () => {
    const result = await probe({ tools: "rejected" });
    expect(result.ok).toBe(true);
    expect(result.compat.tools).toBe("text");
    expect(result.summary).toContain("Refuses OpenAI's tools field");
  });

  it("a server that writes tool calls as text", async () => {
    const result = await probe({ tools: "text" });
    expect(result.compat.tools).toBe("text");
    expect(result.summary).toContain("Writes tool calls as text");
  });

  it("a server that reports no usage", async () => {
    const result = await probe({ usage: false });
    expect(result.compat.usage).toBe("counted");
    expect(result.summary).toContain("Reports no token usage; Longhaul will count tokens itself");
  });

  it("a server that answers only streamed requests", async () => {
    const result = await probe({ streaming: "required" });
    expect(result.ok).toBe(true);
    expect(result.compat.streaming).toBe("required");
    expect(result.compat.tools).toBe("native");
  });

  it("a model that never calls the tool is reported, not hidden", async () => {
    fake.setResponder(() => ({ kind: "message", content: "I would rather not." }));
    const result = await probe({});
    expect(result.ok).toBe(false);
    expect(result.summary).toContain("The model did not call the tool when asked");
  });

  it("an embedding model the server does not have", async () => {
    fake.scriptEmbeddings({ kind: "error", status: 400, message: "model not found" });
    const result = await probe({}, { embeddingModel: "nomic-embed-text" });
    expect(result.ok).toBe(false);
    expect(result.summary).toContain("No embeddings with nomic-embed-text: 400");
  });
});

describe("test connection says what went wrong", () => {
  const servers: http.Server[] = [];
  const serve = async (handler: http.RequestListener) => {
    const server = http.createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  };
  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("nobody listens", async () => {
    const url = await serve(() => {});
    servers.pop()!.close();
    const result = await probeEndpoint({ baseURL: url, apiKey: "k" }, { model: "m" });
    expect(result.ok).toBe(false);
    expect(result.summary).toMatch(/^Could not use http:\/\/127\.0\.0\.1:\d+\/v1: unreachable/);
  });

  it("a wrong key", async () => {
    const url = await serve((_, res) => res.writeHead(401, { "content-type": "application/json" }).end('{"error":{"message":"bad key"}}'));
    const result = await probeEndpoint({ baseURL: url, apiKey: "wrong" }, { model: "m" });
    expect(result).toMatchObject({ ok: false, summary: expect.stringContaining("it refused the API key (401)") });
  });

  it("a web page instead of an API", async () => {
    const url = await serve((_, res) => res.writeHead(200, { "content-type": "text/html" }).end("<html>hello</html>"));
    const result = await probeEndpoint({ baseURL: url, apiKey: "k" }, { model: "m" });
    expect(result.ok).toBe(false);
    expect(result.checks.find((c) => c.name === "chat")?.detail).toMatch(/^The chat call failed/);
  });

  it("a server that hangs", async () => {
    const url = await serve(() => {});
    const started = Date.now();
    const result = await probeEndpoint({ baseURL: url, apiKey: "k" }, { model: "m", timeoutMs: 300 });
    expect(result).toMatchObject({ ok: false, summary: expect.stringContaining("did not answer in time") });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("a private address the operator did not allow: nothing is sent", async () => {
    const result = await probeEndpoint(
      { baseURL: fake.baseURL, apiKey: "k" },
      { model: "gpt-4o-mini", outbound: createOutboundGuard("model", { allow: NO_PRIVATE_HOSTS }) },
    );
    expect(result.ok).toBe(false);
    expect(result.summary).toContain("refused: private address (127.0.0.1 is a loopback address");
    expect(fake.requests).toHaveLength(0);
  });
});

describe("test connection reads a 400 for what it says", () => {
  let server: FakeOpenAI;
  beforeAll(async () => {
    server = await startFakeOpenAI();
  });
  afterAll(() => server.stop());

  it("a 400 that is not about tools (an unknown parameter, a bad model) fails the call instead of switching tools to text", async () => {
    server.script({ kind: "error", status: 400, message: "Unrecognized request argument supplied: temperature_x" });
    const result = await probeEndpoint({ baseURL: server.baseURL, apiKey: "k" }, { model: "gpt-4o-mini" });
    expect(result.ok).toBe(false);
    expect(result.compat.tools).toBe("native");
    expect(result.checks.find((c) => c.name === "chat")?.detail).toContain("Unrecognized request argument");
  });

  it("a 400 about max_completion_tokens moves to max_tokens, not to tools in the prompt", async () => {
    server.setResponder((body) =>
      body.tools?.length
        ? { kind: "tool_calls", calls: [{ name: "ping", arguments: { value: 7 } }] }
        : { kind: "message", content: "1 2 3" },
    );
    server.script({ kind: "error", status: 400, message: "Unsupported parameter: 'max_completion_tokens'" });
    const result = await probeEndpoint({ baseURL: server.baseURL, apiKey: "k" }, { model: "gpt-4o-mini" });
    expect(result.compat).toMatchObject({ tools: "native", outputCap: "max_tokens" });
  });
});
