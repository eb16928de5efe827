import { z } from "zod";

/**
 * Per-agent memory settings (the agent's `memorySettings` JSON): how recall weighs its four signals,
 * how fast recency decays, and how many memories an agent keeps before old, low-scoring episodes are
 * consolidated into summaries. Plain zod, safe for the browser (the agent form validates with it).
 */
export const MEMORY_LIMITS = {
  weightMax: 10,
  halfLifeMinHours: 1,
  halfLifeMaxHours: 24 * 365,
  capMin: 100,
  capMax: 1_000_000,
} as const;

const weight = (label: string) =>
  z.coerce
    .number({ message: `Enter the ${label} weight as a number.` })
    .refine(Number.isFinite, { message: `Enter the ${label} weight as a number.` })
    .min(0, { message: `The ${label} weight can't be negative.` })
    .max(MEMORY_LIMITS.weightMax, { message: `The ${label} weight can be at most ${MEMORY_LIMITS.weightMax}.` });

export const memorySettingsSchema = z.object({
  weights: z
    .object({
      similarity: weight("similarity").default(1),
      recency: weight("recency").default(0.5),
      frequency: weight("frequency").default(0.2),
      importance: weight("importance").default(0.5),
    })
    .default({ similarity: 1, recency: 0.5, frequency: 0.2, importance: 0.5 })
    .refine((w) => w.similarity + w.recency + w.frequency + w.importance > 0, {
      message: "At least one recall weight must be above 0.",
    }),
  halfLifeHours: z.coerce
    .number({ message: "Enter the half-life in hours." })
    .min(MEMORY_LIMITS.halfLifeMinHours, { message: "The half-life must be at least 1 hour." })
    .max(MEMORY_LIMITS.halfLifeMaxHours, { message: "The half-life can be at most a year (8,760 hours)." })
    .default(72),
  /** Live (not archived) memories an agent keeps; beyond it old, low-scoring episodes are consolidated. */
  cap: z.coerce
    .number({ message: "Enter the memory cap as a whole number." })
    .int({ message: "Enter the memory cap as a whole number." })
    .min(MEMORY_LIMITS.capMin, { message: `Keep at least ${MEMORY_LIMITS.capMin} memories.` })
    .max(MEMORY_LIMITS.capMax, { message: "The memory cap can be at most 1,000,000." })
    .default(5000),
  /** What happens to consolidated episodes: kept out of recall (archived) or deleted. */
  onConsolidate: z.enum(["archive", "delete"], { message: "Choose archive or delete." }).default("archive"),
});
export type MemorySettings = z.infer<typeof memorySettingsSchema>;
export type RecallWeights = MemorySettings["weights"];

export const DEFAULT_MEMORY_SETTINGS: MemorySettings = memorySettingsSchema.parse({});

/** The stored JSON, with defaults for what is missing; a row that no longer validates falls back to the defaults. */
export function memorySettingsOf(stored: unknown): MemorySettings {
  const parsed = memorySettingsSchema.safeParse(stored ?? {});
  return parsed.success ? parsed.data : DEFAULT_MEMORY_SETTINGS;
}
