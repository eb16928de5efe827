/**
 * Inngest's duration strings as the SDK sends them for step.sleep and waitForEvent timeouts:
 * "1s", "500ms", "2h30m10s", "1w2d". (The `ms` package parses one unit only, hence this.)
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseDurationMs(text: string): number {
  const trimmed = text.trim();
  // The SDK renders a zero duration (step.sleep("0s")) as an empty string.
  if (trimmed === "") return 0;
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
  let total = 0;
  let consumed = 0;
  for (const match of trimmed.matchAll(re)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    consumed += match[0].length;
  }
  if (consumed === 0 || consumed !== trimmed.length) throw new Error(`Not a duration: "${text}" (expected e.g. 30s, 5m, 2h30m)`);
  return total;
}

/** A Sleep op names a duration, or for sleepUntil an ISO timestamp; returns the wake-up time. */
export function resolveWakeTime(name: string, now = Date.now()): Date {
  if (/^\d{4}-\d{2}-\d{2}T/.test(name)) {
    const at = new Date(name);
    if (Number.isNaN(at.getTime())) throw new Error(`Not a date: "${name}"`);
    return at;
  }
  return new Date(now + parseDurationMs(name));
}
