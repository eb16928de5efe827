import "server-only";
import { env } from "../env";
import { logger } from "../logger";
import { DEFAULT_PRICES } from "./price-table";

/** The price table in force: LONGHAUL_PRICES when set, else the built-in one. */
export const PRICES = env.LONGHAUL_PRICES ?? DEFAULT_PRICES;

const unpriced = new Set<string>();
/** Logs once per model that it is charged the default price. */
export function warnUnpricedModel(model: string) {
  if (unpriced.has(model)) return;
  unpriced.add(model);
  logger.warn({ model }, "no price for this model: charging the default price; add it to LONGHAUL_PRICES");
}
