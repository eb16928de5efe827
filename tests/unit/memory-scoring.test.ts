import { describe, expect, it } from "vitest";
import { EMBEDDING_DIMENSIONS, hashEmbedding } from "~/server/memory/hash-embedding";

import {
  FREQUENCY_SATURATION,
  frequencyScore,
  rankCandidates,
  recencyScore,
  retentionScore,
  scoreMemory,
  similarityScore,
  type Candidate,
} from "~/server/memory/scoring";
import { DEFAULT_MEMORY_SETTINGS, memorySettingsOf, memorySettingsSchema } from "~/shared/memory-settings";

const HOUR = 3_600_000;
const cosine = (a: number[], b: number[]) => a.reduce((sum, v, i) => sum + v * b[i]!, 0);

describe("recall scoring", () => {
  it("recency decays exponentially with the half-life", () => {
    expect(recencyScore(0, 72)).toBe(1);
    expect(recencyScore(72 * HOUR, 72)).toBeCloseTo(0.5, 10);
    expect(recencyScore(144 * HOUR, 72)).toBeCloseTo(0.25, 10);
    expect(recencyScore(24 * HOUR, 24)).toBeCloseTo(recencyScore(72 * HOUR, 72), 10);
    // A clock a little behind the row's timestamp does not push recency above 1.
    expect(recencyScore(-5_000, 72)).toBe(1);
  });

  it("frequency is log-scaled and saturates", () => {
    expect(frequencyScore(0)).toBe(0);
    expect(frequencyScore(1)).toBeCloseTo(Math.log(2) / Math.log(1 + FREQUENCY_SATURATION), 10);
    expect(frequencyScore(10)).toBeCloseTo(Math.log(11) / Math.log(101), 10);
    // Log scale: going from 1 to 10 recalls adds more than going from 10 to 19.
    expect(frequencyScore(10) - frequencyScore(1)).toBeGreaterThan(frequencyScore(19) - frequencyScore(10));
    expect(frequencyScore(FREQUENCY_SATURATION)).toBeCloseTo(1, 10);
    expect(frequencyScore(10_000)).toBe(1);
  });

  it("similarity is 1 - cosine distance, within [0, 1]", () => {
    expect(similarityScore(0)).toBe(1);
    expect(similarityScore(0.25)).toBe(0.75);
    expect(similarityScore(1.4)).toBe(0);
  });

  it("the score is the weighted sum of the components, and a zero weight removes its component", () => {
    const now = new Date("2026-11-25T12:00:00Z");
    const memory = { distance: 0.2, createdAt: new Date(now.getTime() - 72 * HOUR), recallCount: 10, importance: 0.9 };
    const all = scoreMemory(memory, { similarity: 1, recency: 1, frequency: 1, importance: 1 }, 72, now);
    expect(all.components.similarity).toBeCloseTo(0.8, 10);
    expect(all.components.recency).toBeCloseTo(0.5, 10);
    expect(all.components.frequency).toBeCloseTo(Math.log(11) / Math.log(101), 10);
    expect(all.components.importance).toBe(0.9);
    expect(all.score).toBeCloseTo(0.8 + 0.5 + all.components.frequency + 0.9, 10);
    const weighted = scoreMemory(memory, { similarity: 2, recency: 0, frequency: 0.5, importance: 0 }, 72, now);
    expect(weighted.score).toBeCloseTo(1.6 + 0.5 * all.components.frequency, 10);
    expect(retentionScore(memory, { similarity: 5, recency: 1, frequency: 0, importance: 1 }, 72, now)).toBeCloseTo(1.4, 10);
  });

  it("ranking follows the weights", () => {
    const now = new Date("2026-11-25T12:00:00Z");
    const base: Omit<Candidate, "id" | "distance" | "createdAt" | "recallCount" | "importance"> = {
      kind: "episode",
      content: "",
      isPinned: false,
      sourceEventSeq: null,
    };
    const old = new Date(now.getTime() - 30 * 24 * HOUR);
    const candidates: Candidate[] = [
      { ...base, id: "similar", distance: 0.05, createdAt: old, recallCount: 0, importance: 0.1 },
      { ...base, id: "recent", distance: 0.9, createdAt: now, recallCount: 0, importance: 0.1 },
      { ...base, id: "frequent", distance: 0.9, createdAt: old, recallCount: 80, importance: 0.1 },
      { ...base, id: "important", distance: 0.9, createdAt: old, recallCount: 0, importance: 1 },
    ];
    const top = (weights: { similarity: number; recency: number; frequency: number; importance: number }) =>
      rankCandidates(candidates, { ...DEFAULT_MEMORY_SETTINGS, weights }, 4, now).map((m) => m.id)[0];
    expect(top({ similarity: 1, recency: 0, frequency: 0, importance: 0 })).toBe("similar");
    expect(top({ similarity: 0, recency: 1, frequency: 0, importance: 0 })).toBe("recent");
    expect(top({ similarity: 0, recency: 0, frequency: 1, importance: 0 })).toBe("frequent");
    expect(top({ similarity: 0, recency: 0, frequency: 0, importance: 1 })).toBe("important");
  });
});

describe("memory settings", () => {
  it("fill in defaults and explain bad values", () => {
    expect(memorySettingsSchema.parse({})).toEqual({
      weights: { similarity: 1, recency: 0.5, frequency: 0.2, importance: 0.5 },
      halfLifeHours: 72,
      cap: 5000,
      onConsolidate: "archive",
    });
    const messages = (input: unknown) => memorySettingsSchema.safeParse(input).error?.issues.map((i) => i.message) ?? [];
    expect(messages({ weights: { recency: -1 } })).toEqual(["The recency weight can't be negative."]);
    expect(messages({ weights: { similarity: 0, recency: 0, frequency: 0, importance: 0 } })).toEqual([
      "At least one recall weight must be above 0.",
    ]);
    expect(messages({ halfLifeHours: 0.5 })).toEqual(["The half-life must be at least 1 hour."]);
    expect(messages({ cap: 10 })).toEqual(["Keep at least 100 memories."]);
    expect(messages({ onConsolidate: "shred" })).toEqual(["Choose archive or delete."]);
    // A stored value that no longer validates falls back to the defaults rather than breaking recall.
    expect(memorySettingsOf({ cap: "lots" })).toEqual(DEFAULT_MEMORY_SETTINGS);
  });
});

describe("the offline embedder", () => {
  it("gives the vectors version v1 always gave (stored memories stay comparable), whether its feature cache is cold or warm", () => {
    // Coordinates computed by the embedder before it cached features (SHA-1 of each feature, every time).
    const text = "Cycle 12: send_message prices of Product 7 rose";
    for (let round = 0; round < 2; round++) {
      const v = hashEmbedding(text);
      const nonZero = v.flatMap((x, i) => (x === 0 ? [] : [[i, Number(x.toFixed(6))]]));
      expect(nonZero).toHaveLength(53);
      expect(nonZero.slice(0, 6)).toEqual([
        [10, -0.083198],
        [22, -0.166396],
        [141, 0.237708],
        [162, -0.237708],
        [218, 0.083198],
        [278, 0.083198],
      ]);
      expect(nonZero.slice(-3)).toEqual([
        [1480, -0.083198],
        [1481, -0.083198],
        [1519, -0.237708],
      ]);
    }
  });

  it("makes deterministic unit vectors in 1536 dimensions where shared words mean closeness", () => {
    const a = hashEmbedding("Competitor Acme raised the price of the Pro plan to 49 USD");
    expect(a).toHaveLength(EMBEDDING_DIMENSIONS);
    expect(cosine(a, a)).toBeCloseTo(1, 6);
    expect(hashEmbedding("Competitor Acme raised the price of the Pro plan to 49 USD")).toEqual(a);
    const related = hashEmbedding("What is the price of Acme's Pro plan?");
    const unrelated = hashEmbedding("The team lunch moved to Thursday.");
    expect(cosine(a, related)).toBeGreaterThan(0.25);
    expect(cosine(a, related)).toBeGreaterThan(cosine(a, unrelated) + 0.2);
    // Word fragments count: "prices" is close to "price".
    expect(cosine(hashEmbedding("prices"), hashEmbedding("price"))).toBeGreaterThan(0.25);
    // No words at all still gives a valid unit vector.
    const empty = hashEmbedding("  ...  ");
    expect(cosine(empty, empty)).toBeCloseTo(1, 6);
  });
});
