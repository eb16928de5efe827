import "server-only";
import OpenAI from "openai";
import { commitSpend, releaseSpend, reserveSpend } from "../spend/budget";
import { costOf } from "../spend/price-table";
import { PRICES, warnUnpricedModel } from "../spend/configured-prices";
import { priceTableFor } from "../spend/model-prices";
import type { PriceTable } from "../spend/price-table";
import { db } from "../db/client";
import { env } from "../env";
import { instanceKeyWithheldMessage } from "../providers/instance-key";
import { providerCredentials, providerRowFields, type ProviderRow } from "../providers/credentials";
import { providerClient } from "../providers/client";
import { outboundGuard, type OutboundGuard } from "../security/outbound";
import { EMBEDDING_DIMENSIONS, hashEmbedding } from "./hash-embedding";

export { EMBEDDING_DIMENSIONS, hashEmbedding, toVectorLiteral } from "./hash-embedding";

/**
 * Turning text into the 1536-dimensional vectors memory is searched by.
 *
 * - An OpenAI-compatible embeddings endpoint: the provider and embedding model the team chose for its
 *   memories (e.g. `text-embedding-3-small`), the same for every agent of the team. Calls are batched,
 *   retried by the SDK (429/5xx with backoff, honouring retry-after), reserved and charged in the
 *   spend ledger like model calls. Models with fewer dimensions (e.g. 768 for nomic-embed-text) are
 *   zero-padded, which leaves cosine similarity unchanged; more than 1536 are refused.
 * - Otherwise the offline embedder: feature hashing of words, word pairs and character trigrams into
 *   the same 1536 dimensions. It is lexical, not semantic: it finds memories that share words and
 *   word fragments with the query, not ones that mean the same in other words. It costs nothing and
 *   needs no network.
 *
 * Vectors of different embedders are not comparable, so every memory records its embedder and recall
 * only compares vectors of the team's current one; changing the team's embedder re-embeds its memories
 * (the team-memory-reembed function; `npm run memory:reembed` does the same by hand).
 */
export const OFFLINE_EMBEDDER_ID = "offline:hash-v1";
/** Inputs per embeddings request (OpenAI accepts up to 2,048; smaller batches keep one failure cheap). */
export const EMBED_BATCH_SIZE = 64;
/** Characters of one input sent; longer texts are cut (the model's own limit is 8,191 tokens). */
export const EMBED_MAX_CHARS = 8000;

export type Embedder =
  | { kind: "offline"; id: string }
  | {
      kind: "openai";
      id: string;
      model: string;
      baseURL?: string;
      apiKey: string;
      isInstanceKeyWithheld?: boolean;
      headers?: Record<string, string>;
      timeoutMs?: number;
      /** What its calls are charged from: the provider's own prices over the instance's table. */
      prices?: PriceTable;
    };

export const OFFLINE_EMBEDDER: Embedder = { kind: "offline", id: OFFLINE_EMBEDDER_ID };

/** An embedder's id names its vector space: the model (the same model gives the same vectors on any endpoint). */
export const openAIEmbedderId = (model: string) => `openai:${model}`;

/**
 * A team's embedder as stored (docs/decisions/033): the provider it names, that provider's row (for
 * its credentials and prices; null if the caller found none) and the embedding model. A team without
 * one (null) embeds offline.
 */
export type TeamEmbedderRow = { providerId: string; model: string; provider: ProviderRow | null };

/** The team's embedder row read on its own (the hot paths read it with their other reads: memory/sql.ts teamEmbedderJson). */
export async function readTeamEmbedderRow(teamId: string): Promise<TeamEmbedderRow | null> {
  const team = await db.team.findFirst({
    where: { id: teamId },
    select: {
      embeddingModel: true,
      embeddingProvider: {
        select: { id: true, ...providerRowFields, prices: { select: { model: true, inputPerMillion: true, outputPerMillion: true } } },
      },
    },
  });
  const provider = team?.embeddingProvider;
  if (!team?.embeddingModel || !provider) return null;
  const { id, prices, ...row } = provider;
  return {
    providerId: id,
    model: team.embeddingModel,
    provider: {
      ...row,
      prices: Object.fromEntries(
        prices.map((p) => [p.model, { inputPerMillion: p.inputPerMillion.toNumber(), outputPerMillion: p.outputPerMillion.toNumber() }]),
      ),
    },
  };
}

/**
 * The embedder every agent of a team uses: the team's embedding provider and model, else the offline
 * one. `row` when the caller read it already (null: the team embeds offline).
 */
export async function teamEmbedder({ teamId, row: given }: { teamId: string; row?: TeamEmbedderRow | null }): Promise<Embedder> {
  const row = given !== undefined ? given : await readTeamEmbedderRow(teamId);
  if (!row?.provider) return OFFLINE_EMBEDDER;
  const credentials = await providerCredentials({ teamId, providerId: row.providerId, row: row.provider });
  if (!credentials) return OFFLINE_EMBEDDER;
  return {
    kind: "openai",
    id: openAIEmbedderId(row.model),
    model: row.model,
    baseURL: credentials.baseURL,
    apiKey: credentials.apiKey ?? "no-key",
    isInstanceKeyWithheld: credentials.isInstanceKeyWithheld,
    headers: credentials.headers,
    timeoutMs: credentials.timeoutMs,
    prices: priceTableFor(row.provider.prices),
  };
}

export type EmbedResult =
  { ok: true; vectors: number[][]; tokens: number; costUsd: string } | { ok: false; kind: "over_budget" | "failed"; error: string };

/**
 * Embeds `texts` for one agent. With a provider, the worst case (one token per byte of input) is
 * reserved first: a call that could cross the agent's hard limit is not made (`over_budget`).
 */
export async function embedTexts(
  embedder: Embedder,
  texts: string[],
  { agentId, teamId, outbound = outboundGuard("model") }: { agentId: string; teamId: string; outbound?: OutboundGuard },
): Promise<EmbedResult> {
  if (texts.length === 0) return { ok: true, vectors: [], tokens: 0, costUsd: "0.00000000" };
  const inputs = texts.map((t) => (t.trim().length === 0 ? "(empty)" : t.slice(0, EMBED_MAX_CHARS)));
  if (embedder.kind === "offline") return { ok: true, vectors: inputs.map(hashEmbedding), tokens: 0, costUsd: "0.00000000" };

  const worstTokens = inputs.reduce((n, t) => n + Buffer.byteLength(t), 0);
  const prices = embedder.prices ?? PRICES;
  if (!prices.models[embedder.model]) warnUnpricedModel(embedder.model);
  const verdict = await reserveSpend({
    agentId,
    teamId,
    kind: "embedding",
    model: embedder.model,
    worstCaseUsd: costOf(embedder.model, { inputTokens: worstTokens, outputTokens: 0 }, prices).costUsd,
    worstCaseTokens: worstTokens,
    nextCycle: 0,
  });
  if (!verdict.ok) return { ok: false, kind: "over_budget", error: verdict.message };

  // Embedding endpoints are model endpoints to the outbound guard (LONGHAUL_PRIVATE_MODEL_HOSTS).
  const guarded = providerClient(embedder, { outbound, timeoutMs: embedder.timeoutMs ?? 30_000, maxRetries: env.MODEL_MAX_RETRIES });
  const client = guarded.client;
  const vectors: number[][] = [];
  let tokens = 0;
  try {
    for (let i = 0; i < inputs.length; i += EMBED_BATCH_SIZE) {
      const batch = inputs.slice(i, i + EMBED_BATCH_SIZE);
      const reply = await client.embeddings.create(
        {
          model: embedder.model,
          input: batch,
          encoding_format: "float",
          // text-embedding-3 models can shorten their vectors; others answer in their own size.
          ...(embedder.model.startsWith("text-embedding-3") ? { dimensions: EMBEDDING_DIMENSIONS } : {}),
        },
        { signal: guarded.signal },
      );
      vectors.push(...readEmbeddings(reply, batch.length));
      tokens += typeof reply.usage?.prompt_tokens === "number" ? reply.usage.prompt_tokens : 0;
    }
  } catch (error) {
    // Whatever was embedded before the failure was paid for: charge it, then report the failure.
    if (tokens > 0) await settle(embedder.model, prices, tokens, verdict.reservationId, { agentId, teamId });
    else await releaseSpend({ agentId, teamId, reservationId: verdict.reservationId });
    return { ok: false, kind: "failed", error: guarded.refusal()?.message ?? describeEmbeddingError(error, embedder) };
  }
  const costUsd = await settle(embedder.model, prices, tokens, verdict.reservationId, { agentId, teamId });
  return { ok: true, vectors, tokens, costUsd };
}

async function settle(model: string, prices: PriceTable, tokens: number, reservationId: bigint, ids: { agentId: string; teamId: string }) {
  const { costUsd } = costOf(model, { inputTokens: tokens, outputTokens: 0 }, prices);
  await commitSpend({ ...ids, reservationId, costUsd, tokensIn: tokens, tokensOut: 0 });
  return costUsd;
}

class MalformedEmbeddings extends Error {}

/** The vectors of a reply, in input order, checked: one per input, numbers only, at most 1536 (shorter ones zero-padded). */
function readEmbeddings(reply: unknown, expected: number): number[][] {
  const data = (reply as { data?: unknown }).data;
  if (!Array.isArray(data) || data.length !== expected) {
    throw new MalformedEmbeddings(`expected ${expected} embeddings, got ${Array.isArray(data) ? data.length : "none"}`);
  }
  const out: number[][] = new Array<number[]>(expected);
  for (const [position, item] of data.entries()) {
    const { index, embedding } = (item ?? {}) as { index?: unknown; embedding?: unknown };
    const at = typeof index === "number" && Number.isInteger(index) && index >= 0 && index < expected ? index : position;
    if (!Array.isArray(embedding) || embedding.length === 0 || !embedding.every((v) => typeof v === "number" && Number.isFinite(v))) {
      throw new MalformedEmbeddings(`embedding ${at} is not a list of numbers`);
    }
    if (embedding.length > EMBEDDING_DIMENSIONS) {
      throw new MalformedEmbeddings(`embedding ${at} has ${embedding.length} dimensions; memory holds at most ${EMBEDDING_DIMENSIONS}`);
    }
    const vector = embedding as number[];
    out[at] =
      vector.length === EMBEDDING_DIMENSIONS ? vector : [...vector, ...new Array<number>(EMBEDDING_DIMENSIONS - vector.length).fill(0)];
  }
  if (out.some((v) => v === undefined)) throw new MalformedEmbeddings("the embeddings' indexes do not cover every input");
  return out;
}

function describeEmbeddingError(error: unknown, embedder: Extract<Embedder, { kind: "openai" }>): string {
  if (error instanceof MalformedEmbeddings) return `The embeddings endpoint answered with something unusable: ${error.message}.`;
  if (error instanceof OpenAI.APIConnectionTimeoutError) return "The embeddings endpoint did not answer in time.";
  if (error instanceof OpenAI.APIConnectionError) return `Could not reach the embeddings endpoint: ${error.message}`;
  if (error instanceof OpenAI.RateLimitError) return "The embeddings endpoint is rate-limiting (429) after retries.";
  if (error instanceof OpenAI.AuthenticationError || error instanceof OpenAI.PermissionDeniedError) {
    return embedder.isInstanceKeyWithheld ? instanceKeyWithheldMessage(embedder.baseURL) : "The embeddings endpoint refused the API key.";
  }
  if (error instanceof OpenAI.APIError && typeof error.status === "number" && error.status >= 500)
    return `The embeddings endpoint failed (${error.status}) after retries.`;
  if (error instanceof OpenAI.APIError) return `The embeddings endpoint rejected the request: ${error.message}`;
  return `The embeddings reply could not be read: ${error instanceof Error ? error.message : String(error)}`;
}
