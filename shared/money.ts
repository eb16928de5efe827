/**
 * How money is written, on the server and in the browser alike: one rule. Amounts of a dollar or more
 * show cents ("$12.34"); smaller ones keep two significant digits, so a $0.001 budget reads "$0.001",
 * never "$0.00" ("$0.50", "$0.015", "$0.00096"). Prices and spend are stored to 8 decimal places, the
 * finest digit shown; a non-zero amount below it reads "under $0.00000001". Plain code, safe for the browser.
 */
const MAX_DECIMALS = 8;

const formatters = new Map<number, Intl.NumberFormat>();
function formatterFor(decimals: number): Intl.NumberFormat {
  let formatter = formatters.get(decimals);
  if (!formatter) {
    formatter = new Intl.NumberFormat("en-US", {
      style: "currency",
      currency: "USD",
      minimumFractionDigits: 2,
      maximumFractionDigits: decimals,
    });
    formatters.set(decimals, formatter);
  }
  return formatter;
}

/** The decimal places that keep two significant digits of an amount under a dollar (at least cents). */
function decimalsFor(magnitude: number): number {
  if (magnitude === 0 || magnitude >= 1) return 2;
  return Math.min(MAX_DECIMALS, Math.max(2, 1 - Math.floor(Math.log10(magnitude))));
}

/** "$12.34", "$0.50", "$0.001", "$0.00096", "-$0.0009": a USD amount given as a number or a decimal string. */
export function formatMoney(amount: number | string): string {
  const value = typeof amount === "number" ? amount : Number(amount);
  if (!Number.isFinite(value)) return String(amount);
  const magnitude = Math.abs(value);
  if (magnitude > 0 && magnitude < 10 ** -MAX_DECIMALS) return `${value < 0 ? "-" : ""}under $0.00000001`;
  return formatterFor(decimalsFor(magnitude)).format(value);
}
