import "server-only";
import { db, type Prisma } from "../db/client";
import { summarySelect, toSummary, type AgentSummary } from "./agents";
import { IMPORTING } from "../../shared/agent-status";
import { DELEGATION_LIMITS } from "../../shared/delegation";

/**
 * The agents list grouped by tree (issue 23): a page lists the agents without a parent (made by a
 * person, or left on their own when their parent was deleted), each followed by all its descendants.
 * The filters (status, search, archived) choose trees, not rows: a tree is listed when its top agent or
 * any agent in it matches, and then the whole tree is shown, so a child is never separated from its
 * parent by a filter; each descendant says whether it matches itself (`matchesFilter`), and the list
 * marks the ones that do not. Paging and the sort apply to the top agents; children follow in the order
 * they were started.
 */

/** A tree's top agents whose tree has a row matching `filters`. Trees are at most DELEGATION_LIMITS.maxDepth deep. */
export function treeRootFilters(teamId: string, filters: Prisma.AgentWhereInput): Prisma.AgentWhereInput {
  const anyLevel: Prisma.AgentWhereInput[] = [filters];
  let below: Prisma.AgentWhereInput = filters;
  for (let level = 1; level <= DELEGATION_LIMITS.maxDepth; level++) {
    below = { children: { some: { teamId, ...below } } };
    anyLevel.push(below);
  }
  return { teamId, parentId: null, status: { not: IMPORTING }, OR: anyLevel };
}

export type AgentTreeChild = AgentSummary & {
  parentId: string;
  /** 1 for a child of the listed agent, 2 for its child, ... */
  level: number;
  /** Whether this agent matches the list's filters itself (it is listed because its tree does). */
  matchesFilter: boolean;
  spendByDay: string[];
};

const childSelect = { ...summarySelect, parentId: true } satisfies Prisma.AgentSelect;
type ChildRow = Prisma.AgentGetPayload<{ select: typeof childSelect }>;

/** Every descendant of each root, in tree order (each child right after its parent), read level by level. */
export async function descendantsOfRoots({
  teamId,
  rootIds,
  filters,
  spendOf,
}: {
  teamId: string;
  rootIds: string[];
  filters: Prisma.AgentWhereInput;
  spendOf: (agentIds: string[]) => Promise<Map<string, string[]>>;
}): Promise<Map<string, AgentTreeChild[]>> {
  const byParent = new Map<string, ChildRow[]>();
  const all: ChildRow[] = [];
  let frontier = rootIds;
  for (let level = 1; level <= DELEGATION_LIMITS.maxDepth && frontier.length > 0; level++) {
    const rows = await db.agent.findMany({
      where: { teamId, parentId: { in: frontier }, status: { not: IMPORTING } },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: frontier.length * DELEGATION_LIMITS.maxTotalChildren,
      select: childSelect,
    });
    for (const row of rows) byParent.set(row.parentId!, [...(byParent.get(row.parentId!) ?? []), row]);
    all.push(...rows);
    frontier = rows.map((row) => row.id);
  }
  const ids = all.map((row) => row.id);
  const [matching, spend] = await Promise.all([
    ids.length > 0 ? db.agent.findMany({ where: { AND: [filters, { id: { in: ids } }] }, select: { id: true } }) : Promise.resolve([]),
    spendOf(ids),
  ]);
  const matches = new Set(matching.map((row) => row.id));
  const result = new Map<string, AgentTreeChild[]>();
  for (const rootId of rootIds) {
    const list: AgentTreeChild[] = [];
    const walk = (id: string, level: number) => {
      for (const row of byParent.get(id) ?? []) {
        const { parentId, ...summary } = row;
        list.push({
          ...toSummary(summary),
          parentId: parentId!,
          level,
          matchesFilter: matches.has(row.id),
          spendByDay: spend.get(row.id) ?? [],
        });
        walk(row.id, level + 1);
      }
    };
    walk(rootId, 1);
    result.set(rootId, list);
  }
  return result;
}
