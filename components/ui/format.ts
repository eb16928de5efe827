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

export function formatRelative(date: Date | null | undefined, now = Date.now()): string {
  if (!date) return "never";
  const seconds = Math.round((date.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 60) return relative.format(seconds, "second");
  if (abs < 3600) return relative.format(Math.round(seconds / 60), "minute");
  if (abs < 86400) return relative.format(Math.round(seconds / 3600), "hour");
  return relative.format(Math.round(seconds / 86400), "day");
}

export function formatAbsolute(date: Date | null | undefined): string {
  return date ? date.toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short" }) : "";
}
