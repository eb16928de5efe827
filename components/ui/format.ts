import { formatMoney } from "../../shared/money";

/** Money arrives as a decimal string in USD; show it with its currency (shared/money.ts: small amounts keep their digits). */
export function formatUsd(amount: string | number | null | undefined): string {
  if (amount === null || amount === undefined) return "no limit";
  return formatMoney(amount);
}

// Prices are stored to 8 decimal places; a small one ($0.02, $0.0075 per million) keeps its digits.
const price = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 8 });

/** A price in USD per million tokens, with every digit it has: "$0.02", "$0.0075", "$1,000.00". */
export function formatPrice(perMillion: number): string {
  return price.format(perMillion);
}

const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

/**
 * Under this many seconds either way reads "just now": the server's clock and the browser's differ by
 * a little, so a decision made a moment ago must not read "in 1 second" (nor an event "0 seconds ago").
 */
const JUST_NOW_SECONDS = 10;

export function formatRelative(date: Date | null | undefined, now = Date.now()): string {
  if (!date) return "never";
  const seconds = Math.round((date.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < JUST_NOW_SECONDS) return "just now";
  if (abs < 60) return relative.format(seconds, "second");
  if (abs < 3600) return relative.format(Math.round(seconds / 60), "minute");
  if (abs < 86400) return relative.format(Math.round(seconds / 3600), "hour");
  return relative.format(Math.round(seconds / 86400), "day");
}

export function formatAbsolute(date: Date | null | undefined): string {
  return date ? date.toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short" }) : "";
}

/**
 * How long something took: "<1 ms" for a real duration too short to count, "—" when none was measured
 * (never a false "0 ms"), then ms, seconds and minutes.
 */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1) return "<1 ms";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  if (minutes < 60) return seconds > 0 ? `${minutes} min ${seconds} s` : `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
}
