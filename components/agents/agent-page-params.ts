"use client";

import { parseAsArrayOf, parseAsInteger, parseAsStringLiteral, useQueryState } from "nuqs";

export const AGENT_TABS = [
  ["timeline", "Timeline"],
  ["memory", "Memory"],
  ["state", "State"],
  ["budget", "Budget"],
  ["runs", "Runs"],
  ["triggers", "Triggers"],
  ["tree", "Sub-agents"],
  ["share", "Share"],
] as const;
export type AgentTab = (typeof AGENT_TABS)[number][0];
const TAB_IDS = AGENT_TABS.map(([id]) => id);

/**
 * The agent page's tab in the URL (`?tab=memory`): a reload keeps it, a shared link opens it, and a
 * tab switch is a history entry, so Back returns to the tab before (not to the agents list).
 */
export function useAgentTab() {
  return useQueryState("tab", parseAsStringLiteral(TAB_IDS).withDefault("timeline").withOptions({ history: "push" }));
}

/**
 * The timeline's open cycles in the URL (`?cycle=12` or `?cycle=12,9`): a reload or a shared link
 * opens them again. Opening and closing rows replaces the entry (Back leaves the page's view, not
 * each row).
 */
export function useOpenCycles() {
  return useQueryState("cycle", parseAsArrayOf(parseAsInteger).withDefault([]).withOptions({ history: "replace" }));
}
