import type { Due } from "./store";

export type BackoffOptions = { backoffBaseMs: number; backoffMaxMs: number };

/**
 * When to retry a call or a step: the app's `Retry-After` (seconds from now, or a date kept as that
 * instant, so the retry does not run early by however long the transaction had been open), else
 * exponential backoff with jitter.
 */
export function retryDue(attempt: number, retryAfter: string | null, { backoffBaseMs, backoffMaxMs }: BackoffOptions): Due {
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return { delayMs: Math.max(0, seconds * 1000) };
    const at = Date.parse(retryAfter);
    if (Number.isFinite(at)) return { at: new Date(at) };
  }
  const base = Math.min(backoffMaxMs, backoffBaseMs * 2 ** attempt);
  return { delayMs: Math.round(base * (0.8 + Math.random() * 0.4)) };
}
