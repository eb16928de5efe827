import { describe, expect, it } from "vitest";
import { compatSummary, compatWords, keyState, testedWhen, type ProviderTest } from "~/components/providers/describe";
import { OPENAI_COMPAT } from "~/shared/provider-kinds";

/** How the Model providers page words a provider (components/providers/describe.ts). */
const test = (ok: boolean, chatOk: boolean): ProviderTest => ({
  ok,
  summary: "…",
  checks: [{ name: "chat", ok: chatOk, detail: "…" }],
  models: [],
  compat: OPENAI_COMPAT,
  testedAt: new Date().toISOString(),
});

describe("provider words", () => {
  it("shows a key only by its last four characters", () => {
    expect(keyState({ hasKey: true, apiKeyLast4: "W1x9" })).toBe("set, ends in W1x9");
    expect(keyState({ hasKey: false, apiKeyLast4: null })).toBe("no key");
  });

  it("says how an endpoint differs from OpenAI's", () => {
    expect(compatWords({ outputCap: "max_tokens", tools: "text", usage: "counted", streaming: "required" })).toEqual([
      "uses max_tokens",
      "tools in the prompt",
      "usage counted",
      "streams",
    ]);
    expect(compatWords(OPENAI_COMPAT)).toEqual([
      "uses max_completion_tokens",
      "native tool calls",
      "usage reported",
      "no streaming needed",
    ]);
  });

  it("does not claim OpenAI's compatibility was found when no chat call got through", () => {
    expect(compatSummary({ compat: OPENAI_COMPAT, lastTest: null })).toBe("not tested yet (OpenAI's assumed)");
    // A kind whose server is known to honour only max_tokens (e.g. Ollama) starts with that, and says it is assumed.
    expect(compatSummary({ compat: { ...OPENAI_COMPAT, outputCap: "max_tokens" }, lastTest: null })).toBe(
      "not tested yet (uses max_tokens, native tool calls, usage reported, no streaming needed: assumed for its kind)",
    );
    expect(compatSummary({ compat: OPENAI_COMPAT, lastTest: test(false, false) })).toBe(
      "not known: no chat call got through (OpenAI's assumed)",
    );
    expect(compatSummary({ compat: OPENAI_COMPAT, lastTest: test(true, true) })).toMatch(/^uses max_completion_tokens/);
    // An earlier test found something; a later failing one keeps it.
    expect(compatSummary({ compat: { ...OPENAI_COMPAT, streaming: "required" }, lastTest: test(false, false) })).toMatch(/streams$/);
  });

  it("says 'just now' for a test timed after the page's clock last moved", () => {
    const now = Date.now();
    expect(testedWhen(new Date(now + 5_000), now)).toBe("just now");
    expect(testedWhen(new Date(now - 5 * 60_000), now)).toBe("5 minutes ago");
  });
});
