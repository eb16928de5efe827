import "server-only";
import { hash } from "node:crypto";

/** Memory vectors have 1536 dimensions (OpenAI's text-embedding-3-small size; the column is vector(1536)). */
export const EMBEDDING_DIMENSIONS = 1536;

/* The offline embedder: signed feature hashing (Weinberger et al., 2009). No network, no cost, lexical. */

const WORD = /[\p{L}\p{N}]+/gu;
const WEIGHTS = { word: 1, pair: 0.7, trigram: 0.35 } as const;

/**
 * A unit vector from the text's features: each lowercased word, each pair of adjacent words and each
 * character trigram of a word (so "prices" and "price" share most of their weight) is hashed (SHA-1,
 * from Node's crypto) to one of the 1536 dimensions and a sign; repeated features count
 * sublinearly (1 + ln tf). Deterministic across processes and versions of this file's `v1`.
 */
export function hashEmbedding(text: string): number[] {
  const counts = new Map<string, number>();
  const add = (feature: string, weight: number) => counts.set(feature, (counts.get(feature) ?? 0) + weight);
  const words = text.toLowerCase().match(WORD) ?? [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    add(`w:${word}`, WEIGHTS.word);
    if (i > 0) add(`p:${words[i - 1]!} ${word}`, WEIGHTS.pair);
    const padded = `<${word}>`;
    if (padded.length > 3) for (let j = 0; j + 3 <= padded.length; j++) add(`t:${padded.slice(j, j + 3)}`, WEIGHTS.trigram);
  }
  const vector = new Array<number>(EMBEDDING_DIMENSIONS).fill(0);
  for (const [feature, weight] of counts) {
    const slot = slotOf(feature);
    const dimension = Math.abs(slot) - 1;
    vector[dimension]! += Math.sign(slot) * (weight >= 1 ? 1 + Math.log(weight) : weight);
  }
  let norm = 0;
  for (const v of vector) norm += v * v;
  if (norm === 0) {
    // No words at all: one fixed direction, so an empty text is still a valid unit vector.
    vector[0] = 1;
    return vector;
  }
  const scale = 1 / Math.sqrt(norm);
  return vector.map((v) => v * scale);
}

/**
 * A feature's dimension and sign from its SHA-1, as one number: ±(dimension + 1). Features repeat
 * across texts (words, trigrams), and hashing was most of an embedding's time, so the last
 * FEATURE_CACHE_SIZE features are remembered (insertion order: the oldest half is dropped when full).
 */
const FEATURE_CACHE_SIZE = 50_000;
const featureSlots = new Map<string, number>();
function slotOf(feature: string): number {
  let slot = featureSlots.get(feature);
  if (slot === undefined) {
    const digest = hash("sha1", feature, "buffer");
    slot = ((digest[4]! & 1) === 0 ? 1 : -1) * ((digest.readUInt32BE(0) % EMBEDDING_DIMENSIONS) + 1);
    if (featureSlots.size >= FEATURE_CACHE_SIZE) {
      let drop = FEATURE_CACHE_SIZE / 2;
      for (const key of featureSlots.keys()) {
        featureSlots.delete(key);
        if (--drop === 0) break;
      }
    }
    featureSlots.set(feature, slot);
  }
  return slot;
}

/** pgvector's text form of a vector, for a `$n::vector` parameter. */
export function toVectorLiteral(vector: readonly number[]): string {
  // Offline vectors are mostly zeros: those skip the formatting.
  return `[${vector.map((v) => (v === 0 || !Number.isFinite(v) ? 0 : Number(v.toPrecision(7)))).join(",")}]`;
}
