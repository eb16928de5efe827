import http from "node:http";
import type { AddressInfo } from "node:net";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { callModel, type ModelRequest } from "~/server/loop/model";
import { isTracingOn, startTracing, stopTracing, traceSdkRequests, withSpan } from "~/server/operations/tracing";
import { startFakeOpenAI, type FakeOpenAI } from "../fixtures/fake-openai";

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.stop();
});
afterEach(async () => {
  await stopTracing();
});

const request: ModelRequest = {
  cycle: 7,
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "Cycle 7. What next?" }],
  tools: [],
  maxOutputTokens: 64,
  temperature: 0,
};

/** A stand-in OTLP/HTTP collector that counts the trace exports it receives. */
async function startCollector() {
  const received: string[] = [];
  const server = http.createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What an agent-run request does, in miniature: the SDK request, a cycle in it, a model call in that. */
async function oneRequest() {
  const handler = traceSdkRequests(async (_request: Request) =>
    withSpan("agent.cycle", { "agent.id": "agent-1", "team.id": "team-1", "run.id": "run-1", cycle: 7 }, () =>
      callModel({ kind: "openai", baseURL: fake.baseURL, apiKey: "test-key" }, request),
    ),
  );
  return handler(
    new Request("http://app.test/api/inngest?fnId=longhaul-agent-run&stepId=step", {
      method: "POST",
      headers: { "x-run-id": "01EXECUTORRUN" },
    }),
  );
}

describe("tracing", () => {
  it("is off without an endpoint: functions run as they are and nothing is exported", async () => {
    const collector = await startCollector();
    try {
      expect(startTracing({ serviceName: "longhaul" })).toBe(false);
      expect(isTracingOn()).toBe(false);
      fake.script({ kind: "message", content: "thinking", usage: { prompt_tokens: 12, completion_tokens: 3 } });
      const result = await oneRequest();
      expect(result).toMatchObject({ ok: true, reply: { usage: { inputTokens: 12, outputTokens: 3 } } });
      await stopTracing();
      expect(collector.received).toEqual([]);
    } finally {
      await collector.stop();
    }
  });

  it("exports spans over OTLP/HTTP to <endpoint>/v1/traces when an endpoint is set", async () => {
    const collector = await startCollector();
    try {
      expect(startTracing({ serviceName: "longhaul", endpoint: `${collector.url}/` })).toBe(true);
      fake.script({ kind: "message", content: "thinking", usage: { prompt_tokens: 12, completion_tokens: 3 } });
      await oneRequest();
      await stopTracing(); // flushes the batch
      expect(collector.received).toEqual(["POST /v1/traces"]);
    } finally {
      await collector.stop();
    }
  });

  it("nests run request > cycle > model call, with ids, cycle, model and tokens as attributes", async () => {
    const exporter = new InMemorySpanExporter();
    startTracing({ serviceName: "longhaul", exporter });
    fake.script({ kind: "message", content: "thinking", usage: { prompt_tokens: 40, completion_tokens: 9 } });
    await oneRequest();

    const spans = exporter.getFinishedSpans();
    const byName = Object.fromEntries(spans.map((s) => [s.name, s]));
    expect(Object.keys(byName).sort()).toEqual(["agent.cycle", "model.call", "run.request"]);
    const run = byName["run.request"]!;
    const cycle = byName["agent.cycle"]!;
    const model = byName["model.call"]!;
    expect(run.parentSpanContext).toBeUndefined();
    expect(cycle.parentSpanContext?.spanId).toBe(run.spanContext().spanId);
    expect(model.parentSpanContext?.spanId).toBe(cycle.spanContext().spanId);
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);

    expect(run.attributes).toMatchObject({ "run.id": "01EXECUTORRUN", "function.id": "longhaul-agent-run", "step.id": "step" });
    expect(cycle.attributes).toMatchObject({ "agent.id": "agent-1", "team.id": "team-1", "run.id": "run-1", cycle: 7 });
    expect(model.attributes).toMatchObject({ model: "gpt-4o-mini", cycle: 7, "tokens.input": 40, "tokens.output": 9, attempts: 1 });
    expect(run.resource.attributes["service.name"]).toBe("longhaul");
  });

  it("records a thrown error on the span and rethrows it", async () => {
    const exporter = new InMemorySpanExporter();
    startTracing({ serviceName: "longhaul", exporter });
    await expect(withSpan("executor.step", { "run.id": "r" }, () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    const [span] = exporter.getFinishedSpans();
    expect(span?.status).toMatchObject({ code: 2, message: "boom" });
    expect(span?.events.map((e) => e.name)).toEqual(["exception"]);
  });
});
