/**
 * What Longhaul knows of common models without asking them: context window and the most output
 * tokens a reply may ask for. The agent form prefills from it; the loop uses an agent's own context
 * window when set, else this, else a conservative 8,192 tokens (Ollama's common default). Plain data,
 * safe for the browser.
 */
export type KnownModel = { contextWindow: number; maxOutputTokens: number };

export const KNOWN_MODELS: Record<string, KnownModel> = {
  "simulator-1": { contextWindow: 16_000, maxOutputTokens: 4_096 },
  "gpt-4o-mini": { contextWindow: 128_000, maxOutputTokens: 16_384 },
  "gpt-4o": { contextWindow: 128_000, maxOutputTokens: 16_384 },
  "gpt-4.1-mini": { contextWindow: 1_047_576, maxOutputTokens: 32_768 },
  "gpt-4.1": { contextWindow: 1_047_576, maxOutputTokens: 32_768 },
  "o4-mini": { contextWindow: 200_000, maxOutputTokens: 100_000 },
};

export const DEFAULT_CONTEXT_WINDOW = 8_192;

/** The agent's context window: its own setting, else the known model's, else the conservative default. */
export function contextWindowOf(model: string, own?: number | null): number {
  return own ?? KNOWN_MODELS[model]?.contextWindow ?? DEFAULT_CONTEXT_WINDOW;
}
