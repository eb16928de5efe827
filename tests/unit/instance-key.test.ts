import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

// The instance key, read by server/env.ts when the modules below are first imported (this file's own module graph).
const INSTANCE_KEY = vi.hoisted(() => {
  process.env.OPENAI_API_KEY = "sk-instance-key-of-the-whole-deployment";
  return process.env.OPENAI_API_KEY;
});

import { callModel, type ModelRequest } from "~/server/loop/model";
import { resolveEndpoint } from "~/server/providers/endpoint";
import { mayReceiveInstanceKey } from "~/server/providers/instance-key";
import { startFakeOpenAI, type FakeOpenAI } from "../fixtures/fake-openai";

/**
 * Issue 17: a provider without a key of its own got OPENAI_API_KEY whatever its base URL, so a team
 * admin could point a provider at a server of theirs and read the instance's key from its requests.
 */
let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => fake.stop());
beforeEach(() => fake.reset());

const request: ModelRequest = {
  cycle: 1,
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "hi" }],
  tools: [],
  maxOutputTokens: 50,
  temperature: 0,
};
const keyless = (baseUrl: string | null) => ({ baseUrl, apiKeyCiphertext: null, embeddingModel: null });

describe("the instance key (OPENAI_API_KEY)", () => {
  it("is not sent to a keyless provider's own base URL", async () => {
    const endpoint = await resolveEndpoint({ teamId: "team-1", provider: "provider-1", row: keyless(fake.baseURL) });
    fake.script({ kind: "message", content: "hello" });
    expect(await callModel(endpoint, request, { maxRetries: 0 })).toMatchObject({ ok: true });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.headers.authorization).not.toContain(INSTANCE_KEY);
    expect(fake.requests[0]!.headers.authorization).toBe("Bearer no-key");
  });

  it("is sent to the official endpoint: no base URL, or https://api.openai.com", async () => {
    expect(await resolveEndpoint({ teamId: "team-1", provider: "provider-1", row: keyless(null) })).toMatchObject({ apiKey: INSTANCE_KEY });
    expect(await resolveEndpoint({ teamId: "team-1", provider: "provider-1", row: keyless("https://api.openai.com/v1") })).toMatchObject({
      apiKey: INSTANCE_KEY,
    });
  });

  it("when the endpoint wants a key, the error says why none was sent and what to change", async () => {
    const endpoint = await resolveEndpoint({ teamId: "team-1", provider: "provider-1", row: keyless(fake.baseURL) });
    fake.script({ kind: "error", status: 401 });
    expect(await callModel(endpoint, request, { maxRetries: 0 })).toMatchObject({
      ok: false,
      kind: "auth",
      error:
        "This provider has no API key of its own, and the instance key (OPENAI_API_KEY) is only sent to api.openai.com and the hosts in " +
        "OPENAI_API_KEY_HOSTS, not to 127.0.0.1. Give the provider a key of its own (provider.rotateKey), or an operator can add " +
        "127.0.0.1 to OPENAI_API_KEY_HOSTS.",
    });
  });

  it("goes to the hosts an operator lists in OPENAI_API_KEY_HOSTS, and to api.openai.com only over https", () => {
    expect(mayReceiveInstanceKey(null, [])).toBe(true);
    expect(mayReceiveInstanceKey("https://api.openai.com/v1", [])).toBe(true);
    expect(mayReceiveInstanceKey("http://api.openai.com/v1", [])).toBe(false);
    expect(mayReceiveInstanceKey("https://api.openai.com.attacker.example/v1", [])).toBe(false);
    expect(mayReceiveInstanceKey("https://openrouter.ai/api/v1", [])).toBe(false);
    expect(mayReceiveInstanceKey("https://openrouter.ai/api/v1", ["openrouter.ai"])).toBe(true);
    expect(mayReceiveInstanceKey("http://[::1]:8000/v1", ["[::1]"])).toBe(true);
    expect(mayReceiveInstanceKey("not a url", ["not a url"])).toBe(false);
  });
});
