import "server-only";
import { z } from "zod";

/**
 * What model and embedding calls cost: USD per million tokens, by model. The table can be replaced
 * with LONGHAUL_PRICES (JSON of the same shape, read once by the caller from the environment); a
 * model missing from it is charged at `default` and reported so the operator can add it.
 */
export const priceEntrySchema = z.object({ inputPerMillion: z.number().min(0), outputPerMillion: z.number().min(0) });
export const priceTableSchema = z.object({ default: priceEntrySchema, models: z.record(z.string(), priceEntrySchema) });
export type PriceTable = z.infer<typeof priceTableSchema>;

export const DEFAULT_PRICES: PriceTable = {
  // Deliberately high for unknown models: a budget should err on the side of stopping early.
  default: { inputPerMillion: 5, outputPerMillion: 15 },
  models: {
    "simulator-1": { inputPerMillion: 0.15, outputPerMillion: 0.6 },
    "gpt-4o-mini": { inputPerMillion: 0.15, outputPerMillion: 0.6 },
    "gpt-4o": { inputPerMillion: 2.5, outputPerMillion: 10 },
    "gpt-4.1-mini": { inputPerMillion: 0.4, outputPerMillion: 1.6 },
    "gpt-4.1": { inputPerMillion: 2, outputPerMillion: 8 },
    "o4-mini": { inputPerMillion: 1.1, outputPerMillion: 4.4 },
    "text-embedding-3-small": { inputPerMillion: 0.02, outputPerMillion: 0 },
    "text-embedding-3-large": { inputPerMillion: 0.13, outputPerMillion: 0 },
  },
};

export function parsePriceTable(json: string): PriceTable {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error("LONGHAUL_PRICES: is not valid JSON.");
  }
  const parsed = priceTableSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(`LONGHAUL_PRICES: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

/** Cost in USD as a decimal string with 8 places (the ledger's precision), and whether the model was priced. */
export function costOf(model: string, usage: { inputTokens: number; outputTokens: number }, table: PriceTable = DEFAULT_PRICES) {
  const price = table.models[model];
  const entry = price ?? table.default;
  // Integer arithmetic in units of 1e-8 USD per token-million avoids float drift in the ledger.
  const micro = (tokens: number, perMillion: number) => BigInt(Math.round(perMillion * 1e8)) * BigInt(tokens);
  const total = micro(usage.inputTokens, entry.inputPerMillion) + micro(usage.outputTokens, entry.outputPerMillion);
  const usd = (total + 999_999n) / 1_000_000n; // 1e-8 USD units, rounded up: budgets err towards stopping
  const whole = usd / 100_000_000n;
  const fraction = (usd % 100_000_000n).toString().padStart(8, "0");
  return { costUsd: `${whole}.${fraction}`, isKnownModel: price !== undefined };
}

/** The most a call can cost: all of the prompt plus the full output allowance. Reserved before the call. */
export function worstCaseCost(model: string, promptTokens: number, maxOutputTokens: number, table: PriceTable = DEFAULT_PRICES) {
  return costOf(model, { inputTokens: promptTokens, outputTokens: maxOutputTokens }, table);
}
