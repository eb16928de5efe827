import type { ChatCompletionCreateParams } from "openai/resources/chat/completions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { presetCompat, PROVIDER_KINDS, UNCAPPED_OUTPUT_TOKENS, type ProviderCompat, type ProviderKindId } from "~/shared/provider-kinds";
import { db, Prisma } from "~/server/db/client";
import { beginRun, openCycleSession, runCycle } from "~/server/loop";
import { createProvider, testProvider } from "~/server/providers/providers";
import { setModelPrice } from "~/server/spend/model-prices";
import { agentInput } from "../factories/agent";
import { createTestTeam } from "../factories/team";
import { startFakeOpenAI, type FakeBehaviour, type FakeOpenAI, type ScriptedReply } from "../fixtures/fake-openai";

/**
 * Issue 19: every provider kind's preset, against the fake server acting as that kind's server does
 * (shared/provider-kinds.ts names them; tests/fixtures/fake-openai.ts has the behaviours). For each:
 * the provider is created through the server functions with the kind and starts with the kind's preset
 * compatibility (which, for a server in its usual setup, is what the test then finds), Test connection finds the
 * compatibility and says it in its sentence, and one real cycle of an agent runs on it through the loop:
 * the model's tool call is executed, the spend is charged at the team's price for the model, and the
 * reservation before the call was for the output cap the server keeps to (16,384 tokens where it keeps
 * to none). The API key is in no answer of list, get or test.
 *
 * How each server behaves is what its documentation says of its OpenAI-compatible endpoint, at the
 * fixture's resolution (cap field, tools, usage, streaming). The incompatible ones are servers as people
 * commonly run them: vLLM without --enable-auto-tool-choice (a 400 on `tools`), llama.cpp's server
 * without a tool-calling template (calls written in the reply), and an "other" server that only streams,
 * reports no usage, keeps to no cap and writes its calls as text.
 */
/** `unlikePreset`: the server as configured here does something its kind's preset cannot assume; the test finds it. */
type Server = { behaviour: Partial<FakeBehaviour>; compat: ProviderCompat; why: string; unlikePreset?: true };
const OPENAI_LIKE = { outputCap: "max_completion_tokens", tools: "native", usage: true, streaming: "unsupported" } as const;
const OPENAI_FOUND: ProviderCompat = { outputCap: "max_completion_tokens", tools: "native", usage: "reported", streaming: "optional" };
const MAX_TOKENS_ONLY = { ...OPENAI_LIKE, outputCap: "max_tokens" } as const;
const MAX_TOKENS_FOUND: ProviderCompat = { ...OPENAI_FOUND, outputCap: "max_tokens" };

const SERVERS: Record<ProviderKindId, Server> = {
  openai: { behaviour: OPENAI_LIKE, compat: OPENAI_FOUND, why: "the reference" },
  "azure-openai": { behaviour: OPENAI_LIKE, compat: OPENAI_FOUND, why: "the v1 endpoint takes OpenAI's fields" },
  openrouter: { behaviour: OPENAI_LIKE, compat: OPENAI_FOUND, why: "normalises requests to OpenAI's fields" },
  groq: { behaviour: OPENAI_LIKE, compat: OPENAI_FOUND, why: "documents max_completion_tokens" },
  together: { behaviour: MAX_TOKENS_ONLY, compat: MAX_TOKENS_FOUND, why: "documents max_tokens" },
  mistral: { behaviour: MAX_TOKENS_ONLY, compat: MAX_TOKENS_FOUND, why: "documents max_tokens" },
  deepseek: { behaviour: MAX_TOKENS_ONLY, compat: MAX_TOKENS_FOUND, why: "documents max_tokens" },
  ollama: {
    behaviour: MAX_TOKENS_ONLY,
    compat: MAX_TOKENS_FOUND,
    why: "lists max_tokens among the fields it takes, not max_completion_tokens",
  },
  vllm: {
    behaviour: { ...OPENAI_LIKE, tools: "rejected" },
    compat: { ...OPENAI_FOUND, tools: "text" },
    why: "started without --enable-auto-tool-choice it refuses `tools` with a 400",
    unlikePreset: true,
  },
  "lm-studio": { behaviour: MAX_TOKENS_ONLY, compat: MAX_TOKENS_FOUND, why: "documents max_tokens" },
  "llama-cpp": {
    behaviour: { ...MAX_TOKENS_ONLY, tools: "text" },
    compat: { ...MAX_TOKENS_FOUND, tools: "text" },
    why: "without --jinja the model writes its calls in the reply",
    unlikePreset: true,
  },
  other: {
    behaviour: { outputCap: "none", tools: "text", usage: false, streaming: "required" },
    compat: { outputCap: "none", tools: "text", usage: "counted", streaming: "required" },
    why: "a server unlike OpenAI's in every way the fixture knows",
    unlikePreset: true,
  },
};

const MODEL = "house-model-7b";
const KEY = "sk-kind-test-secret-5b1f0c9e7d2a4e68-Q7z3";
const PRICE = { inputPerMillion: 3, outputPerMillion: 15 };
const MAX_OUTPUT = 600;

/** The sentence Test connection should say for a server that behaves so, check by check in the probe's order. */
function expectedSummary(baseUrl: string, server: Server) {
  const { compat, behaviour } = server;
  const parts = ["Lists 1 model."];
  if (compat.streaming === "required") parts.push("Answers only streamed requests; Longhaul will stream.");
  if (behaviour.tools === "rejected")
    parts.push("Refuses OpenAI's tools field (400 tools is not supported by this model.); tools will be described in the prompt.");
  parts.push(`Chat with ${MODEL} works.`);
  if (behaviour.tools === "native" || behaviour.tools === undefined) parts.push("Calls tools natively.");
  if (behaviour.tools === "text") parts.push("Writes tool calls as text; Longhaul will read them from the reply.");
  parts.push(
    compat.usage === "reported"
      ? "Reports token usage."
      : "Reports no token usage; Longhaul will count tokens itself (generously) and say so.",
  );
  parts.push(
    compat.outputCap === "none"
      ? "Ignores output caps: budgets reserve 16,384 output tokens a call."
      : `Keeps to the output cap in ${compat.outputCap}.`,
  );
  return `${baseUrl} works: ${parts.join(" ")}`;
}

/** USD for these tokens at PRICE, rounded up to the ledger's 8 places as the loop charges. */
const priced = (tokensIn: number, tokensOut: number) =>
  new Prisma.Decimal(tokensIn * PRICE.inputPerMillion + tokensOut * PRICE.outputPerMillion)
    .div(1_000_000)
    .toDecimalPlaces(8, Prisma.Decimal.ROUND_UP);

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI({ models: [MODEL] });
});
afterAll(async () => fake?.stop());

describe("every provider kind against a server that behaves like it", () => {
  it("covers every preset", () => {
    expect(Object.keys(SERVERS).sort()).toEqual(PROVIDER_KINDS.map((kind) => kind.id).sort());
  });

  for (const kind of PROVIDER_KINDS) {
    const server = SERVERS[kind.id];
    it(`${kind.label} (${server.why}): Test connection finds ${JSON.stringify(server.compat)}; a cycle calls the tool and is charged at the team's price`, async () => {
      fake.reset();
      fake.setBehaviour(server.behaviour);
      const owner = await createTestTeam();
      const ids = { teamId: owner.team.id, userId: owner.user.id };

      // The reservation open while the loop's call is on the wire: what the budget set aside for it.
      let reservation: { tokensIn: number; costUsd: Prisma.Decimal } | null = null;
      fake.setResponder(async (body: ChatCompletionCreateParams): Promise<ScriptedReply> => {
        const text = body.messages.map((m) => (typeof m.content === "string" ? m.content : "")).join("\n");
        if (text.includes("Count from 1 to 300"))
          return { kind: "message", content: Array.from({ length: 300 }, (_, i) => i + 1).join(" ") };
        const call = text.includes('Call the tool "ping"')
          ? { name: "ping", arguments: { value: 7 } }
          : { name: "update_world_state", arguments: { set: { checkedKind: kind.id } } };
        if (call.name === "update_world_state")
          reservation = await db.spendEntry.findFirst({
            where: { teamId: owner.team.id, kind: "model", state: "reserved" },
            select: { tokensIn: true, costUsd: true },
          });
        // Tools in the request: a native call (the fixture writes it as text in its "text" mode); tools in the prompt: a call in text.
        return Array.isArray(body.tools) && body.tools.length > 0
          ? { kind: "tool_calls", calls: [call] }
          : { kind: "message", content: `On it.\n<tool_call>${JSON.stringify(call)}</tool_call>` };
      });

      // Created as a person creates it (the kind's preset, with a key), then tested.
      const provider = await createProvider({ ...ids, input: { name: kind.label, kind: kind.id, baseUrl: fake.baseURL, apiKey: KEY } });
      expect(provider).toMatchObject({ kind: kind.id, compat: presetCompat(kind.id), lastTest: null, apiKeyLast4: "Q7z3" });
      const result = await testProvider({ ...ids, providerId: provider.id });
      expect(result.ok).toBe(true);
      expect(result.compat).toEqual(server.compat);
      // The preset assumed, before the test, what a server of the kind in its usual setup does.
      if (!server.unlikePreset) expect(presetCompat(kind.id)).toEqual(server.compat);
      expect(result.summary).toBe(expectedSummary(fake.baseURL, server));
      expect(result.models).toEqual([MODEL]);
      expect(fake.requests.every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);

      // The key is in no answer: list, get and the test's own, nor in what was stored as its result.
      const listed = await owner.caller.provider.list();
      const got = await owner.caller.provider.get({ id: provider.id });
      expect(got.compat).toEqual(server.compat);
      const retested = await owner.caller.provider.test({ id: provider.id });
      for (const answer of [provider, result, listed, got, retested]) {
        expect(JSON.stringify(answer)).not.toContain(KEY.slice(0, 12));
        expect(JSON.stringify(answer)).not.toContain(KEY.slice(12, -4));
      }

      // One cycle of an agent on it, priced by the team.
      await setModelPrice({ ...ids, providerId: provider.id, input: { model: MODEL, ...PRICE } });
      const agent = await owner.caller.agent.create(
        agentInput({ provider: provider.id, model: MODEL, budgetUsd: 5, maxOutputTokens: MAX_OUTPUT }),
      );
      const agentIds = { agentId: agent.id, teamId: owner.team.id };
      const plan = await beginRun({ ...agentIds, executorRunId: `kind-${kind.id}-${agent.id}`, reason: "test" });
      if (!plan.shouldRun) throw new Error(plan.reason);
      const requestsBefore = fake.requests.length;
      const cycle = await runCycle({ ...agentIds, agentRunId: plan.agentRunId, cycle: 1, nextFollows: false }, openCycleSession());
      expect(cycle.decision.kind).toBe("act");

      // The request followed the compatibility found.
      const sent = fake.requests.slice(requestsBefore).find((r) => r.path === "/v1/chat/completions")!.body as Record<string, unknown>;
      if (server.compat.outputCap === "max_completion_tokens") expect(sent).toMatchObject({ max_completion_tokens: MAX_OUTPUT });
      else expect(sent).toMatchObject({ max_tokens: MAX_OUTPUT });
      expect("tools" in sent).toBe(server.compat.tools === "native");
      expect(sent.stream === true).toBe(server.compat.streaming === "required");

      // The model's call happened: planned, executed, and its effect is in the agent's state.
      const events = await db.agentEvent.findMany({
        where: { ...agentIds, cycle: 1 },
        orderBy: { seq: "asc" },
        select: { type: true, payload: true, tokensIn: true, tokensOut: true, costUsd: true },
      });
      expect(events.find((e) => e.type === "tool_call")?.payload).toMatchObject({ name: "update_world_state" });
      expect(events.find((e) => e.type === "tool_result")?.payload).toMatchObject({ status: "succeeded" });
      const row = await db.agent.findUniqueOrThrow({ where: { id: agent.id }, select: { worldState: true, spentUsd: true } });
      expect(row.worldState).toMatchObject({ checkedKind: kind.id });

      // Charged at the team's price for what the call used (the server's count, or Longhaul's where it gives none).
      const thought = events.find((e) => e.type === "thought")!;
      expect(thought.payload).toMatchObject({ isKnownModelPrice: true, call: { name: "update_world_state" } });
      expect((thought.payload as { usageCounted?: boolean }).usageCounted ?? false).toBe(server.compat.usage === "counted");
      const charged = priced(thought.tokensIn, thought.tokensOut);
      expect(charged.greaterThan(0)).toBe(true);
      const spend = await db.spendEntry.findFirstOrThrow({ where: { ...agentIds, kind: "model" }, select: { state: true, costUsd: true } });
      expect(spend.state).toBe("committed");
      expect(spend.costUsd.toString()).toBe(charged.toString());
      expect(row.spentUsd.toString()).toBe(charged.toString());

      // The reservation: prompt plus the output the server may write, at the same price. Its tokens are
      // prompt + output; its cost 3 × prompt + 15 × output per million: the output part follows.
      expect(reservation).not.toBeNull();
      const { tokensIn: reservedTokens, costUsd: reservedUsd } = reservation!;
      const outputReserved = Math.round(
        (reservedUsd.toNumber() * 1_000_000 - PRICE.inputPerMillion * reservedTokens) / (PRICE.outputPerMillion - PRICE.inputPerMillion),
      );
      expect(outputReserved).toBe(server.compat.outputCap === "none" ? UNCAPPED_OUTPUT_TOKENS : MAX_OUTPUT);
      expect(reservedUsd.toString()).toBe(priced(reservedTokens - outputReserved, outputReserved).toString());
    });
  }
});
