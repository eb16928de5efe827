import "server-only";
import type { MemoryKind } from "../db/generated/enums";
import type { MemorySettings, RecallWeights } from "../../shared/memory-settings";

/**
 * How recall ranks a candidate memory: four signals in [0, 1], weighted per agent and summed.
 *
 * - similarity: 1 - cosine distance between the memory and the query, floored at 0;
 * - recency: exponential decay with the memory's age (since it was written): 1 now, 0.5 after one
 *   half-life, 0.25 after two;
 * - frequency: how often the memory was recalled before, log-scaled and saturating at
 *   FREQUENCY_SATURATION recalls (1 recall = 0.15, 10 = 0.52, 100 = 1);
 * - importance: assigned when the memory was written (by the model through `remember`, or by a
 *   heuristic for the loop's episodes), 0 to 1.
 *
 * Every component is kept, so the dashboard can show why a memory was recalled.
 */
export const FREQUENCY_SATURATION = 100;

export type ScoreComponents = { similarity: number; recency: number; frequency: number; importance: number };
export type Scored = { score: number; components: ScoreComponents };

export function recencyScore(ageMs: number, halfLifeHours: number): number {
  const ageHours = Math.max(0, ageMs) / 3_600_000;
  return Math.pow(0.5, ageHours / halfLifeHours);
}

export function frequencyScore(recallCount: number): number {
  const n = Math.max(0, recallCount);
  return Math.min(1, Math.log1p(n) / Math.log1p(FREQUENCY_SATURATION));
}

export function similarityScore(cosineDistance: number): number {
  return Math.min(1, Math.max(0, 1 - cosineDistance));
}

export function scoreMemory(
  memory: { distance: number; createdAt: Date; recallCount: number; importance: number },
  weights: RecallWeights,
  halfLifeHours: number,
  now: Date,
): Scored {
  const components: ScoreComponents = {
    similarity: similarityScore(memory.distance),
    recency: recencyScore(now.getTime() - memory.createdAt.getTime(), halfLifeHours),
    frequency: frequencyScore(memory.recallCount),
    importance: Math.min(1, Math.max(0, memory.importance)),
  };
  const score =
    weights.similarity * components.similarity +
    weights.recency * components.recency +
    weights.frequency * components.frequency +
    weights.importance * components.importance;
  return { score, components };
}

/** The part of the score that does not depend on a query: what pruning ranks episodes by. */
export function retentionScore(
  memory: { createdAt: Date; recallCount: number; importance: number },
  weights: RecallWeights,
  halfLifeHours: number,
  now: Date,
): number {
  return (
    weights.recency * recencyScore(now.getTime() - memory.createdAt.getTime(), halfLifeHours) +
    weights.frequency * frequencyScore(memory.recallCount) +
    weights.importance * Math.min(1, Math.max(0, memory.importance))
  );
}

export type Candidate = {
  id: string;
  kind: MemoryKind;
  content: string;
  importance: number;
  recallCount: number;
  isPinned: boolean;
  sourceEventSeq: number | null;
  createdAt: Date;
  distance: number;
};

export type RecalledMemory = {
  id: string;
  kind: MemoryKind;
  content: string;
  isPinned: boolean;
  sourceEventSeq: number | null;
  score: number;
  distance: number;
  components: ScoreComponents;
};

/** Candidates re-ranked by the agent's weights: the best `limit`, each with its score and components. */
export function rankCandidates(candidates: Candidate[], settings: MemorySettings, limit: number, now = new Date()): RecalledMemory[] {
  return candidates
    .map((c) => {
      const { score, components } = scoreMemory(c, settings.weights, settings.halfLifeHours, now);
      return {
        id: c.id,
        kind: c.kind,
        content: c.content,
        isPinned: c.isPinned,
        sourceEventSeq: c.sourceEventSeq,
        score,
        distance: c.distance,
        components,
      };
    })
    .sort((a, b) => b.score - a.score || a.distance - b.distance)
    .slice(0, limit);
}
