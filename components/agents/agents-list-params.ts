"use client";

import { parseAsBoolean, parseAsString, parseAsStringLiteral, useQueryStates } from "nuqs";
import type { AgentSort } from "~/server/agents/agent-list";
import { LISTED_STATUSES } from "~/shared/agent-status";

const SORTS = ["lastActive", "name", "created", "spend"] as const satisfies readonly AgentSort[];

/**
 * The agents list's search, status filter, sort and grouping, in the URL (`?q=&status=&sort=&tree=`): a reload keeps
 * them and a copied link opens the same list. A filter or sort chosen is a step Back undoes (push);
 * the search is written as it is typed, so it replaces the entry instead of adding one per word.
 */
export function useAgentsListParams() {
  return useQueryStates(
    {
      q: parseAsString.withDefault(""),
      status: parseAsStringLiteral(LISTED_STATUSES),
      sort: parseAsStringLiteral(SORTS).withDefault("lastActive"),
      // Grouped by tree (`?tree=true`): top agents, each with its sub-agents under it (server/agents/agent-list-tree.ts).
      tree: parseAsBoolean.withDefault(false),
    },
    { history: "push" },
  );
}
