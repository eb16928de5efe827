import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

/** What the accessibility pass found, across pages: printed at the end of the spec (and kept in the report). */
export const axeFindings: string[] = [];

/**
 * Runs axe-core (WCAG 2.0-2.2 A and AA rules, plus best practices) on the page as it is now, and fails on
 * any serious or critical violation, naming the rule, the page and the first elements it found. Minor and
 * moderate ones are recorded in `axeFindings` without failing.
 */
export async function expectNoSeriousViolations(page: Page, where = new URL(page.url()).pathname) {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
    .analyze();
  const describe = (v: (typeof results.violations)[number]) =>
    `${where}: [${v.impact}] ${v.id} (${v.help}) at ${v.nodes
      .slice(0, 3)
      // The node and, for contrast, the colours and ratio axe measured (its first check's message).
      .map((n) => `${n.target.join(" ")}${n.any[0]?.message ? ` (${n.any[0].message})` : ""}`)
      .join(", ")}`;
  for (const v of results.violations) axeFindings.push(describe(v));
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map(describe);
  // Soft: one pass over every page reports every violation, not only the first page's.
  expect.soft(serious, `serious or critical accessibility violations on ${where}`).toEqual([]);
}
