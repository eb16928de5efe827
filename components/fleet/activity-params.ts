"use client";

import { parseAsString, parseAsStringLiteral, useQueryStates } from "nuqs";
import { ACTIVITY_WINDOWS, CYCLE_OUTCOMES, RUN_STATUSES, type ActivityWindow } from "~/shared/fleet";

export const ACTIVITY_VIEWS = [
  ["cycles", "Cycles"],
  ["runs", "Runs"],
] as const;
export type ActivityView = (typeof ACTIVITY_VIEWS)[number][0];

/**
 * The activity page's view and filters in the URL (`?view=runs&agent=scout&tool=http&error=502&window=7d&outcome=failed`):
 * a reload keeps them, a copied link (or the overview's "failed cycles") opens the same list, Back undoes a choice.
 */
export function useActivityParams() {
  return useQueryStates(
    {
      view: parseAsStringLiteral(ACTIVITY_VIEWS.map(([id]) => id)).withDefault("cycles"),
      agent: parseAsString.withDefault(""),
      tool: parseAsString.withDefault(""),
      error: parseAsString.withDefault(""),
      window: parseAsStringLiteral(Object.keys(ACTIVITY_WINDOWS) as ActivityWindow[]).withDefault("24h"),
      outcome: parseAsStringLiteral(CYCLE_OUTCOMES),
      status: parseAsStringLiteral(RUN_STATUSES),
    },
    { history: "push" },
  );
}
