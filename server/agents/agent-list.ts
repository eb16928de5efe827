import "server-only";
import { z } from "zod";
import { db, Prisma } from "../db/client";
import { col } from "../db/columns";
import { row as queryRow, sqlRow } from "../db/rows";
import type { AgentStatus } from "../db/generated/enums";
import { AppError } from "../errors";
import { summarySelect, toSummary, type AgentSummary } from "./agents";
import { IMPORTING, type ListedStatus } from "../../shared/agent-status";
import { descendantsOfRoots, treeRootFilters, type AgentTreeChild } from "./agent-list-tree";

/**
 * The agents list (issue 6): one page of a team's agents in a stable order, each row with a spend
 * sparkline. Built for teams with thousands of agents:
 *
 * - Keyset paging. A cursor holds the sort key and id of the page's last row; the next page starts
 *   strictly after it, read from the (teamId, sort key..., id) indexes, so page 200 costs what page 1
 *   costs, and agents created while someone pages do not shift later pages (as offsets would).
 *   Every order ends in the id, so rows that tie on the key (same spend, same creation time) still
 *   have one fixed place. Names are unique in a team, so the name alone orders that sort.
 * - Never-active agents come last in the default order (by last activity). An index sorted
 *   `lastActiveAt DESC` puts nulls first and Prisma cannot declare `NULLS LAST` on an index, so the
 *   active agents and the never-active ones are read as two ranges of the same index, one after the
 *   other; a page that straddles the two costs a second query.
 * - The total is counted up to COUNT_CAP rows and shown as "10,000+" beyond: an exact count of a huge
 *   filtered set would scan all of it on every page, and nobody pages that far.
 * - Sparklines are read from agent_spend_day (committed spend per agent and UTC day, kept by a
 *   trigger on the ledger), one query for the whole page: summing the ledger itself would read tens
 *   of thousands of rows per busy agent.
 */

export const AGENT_SORTS = ["lastActive", "name", "created", "spend"] as const;
export type AgentSort = (typeof AGENT_SORTS)[number];

/** Counting stops here; the list then says "10,000+". */
export const COUNT_CAP = 10_000;
/** Days in each row's spend sparkline (UTC days, the last one is today so far). */
export const SPARKLINE_DAYS = 14;
const DAY_MS = 86_400_000;

export type AgentListItem = AgentSummary & {
  /** Committed spend per UTC day over the last SPARKLINE_DAYS days, oldest first, as decimal strings in USD. */
  spendByDay: string[];
  /** Grouped by tree (`tree`): its descendants, in tree order. */
  children?: AgentTreeChild[];
};

export type AgentListPage = {
  items: AgentListItem[];
  /** Agents matching the filters, counted up to COUNT_CAP. */
  total: number;
  /** False when counting stopped at COUNT_CAP: there are at least `total` agents. */
  isTotalExact: boolean;
  /** Pass back as `cursor` for the page after this one; null on the last page. */
  nextCursor: string | null;
};

// ---------------------------------------------------------------------------------------------------
// Cursors: base64url of JSON { s: sort, k: [sort key..., id] }. Opaque to the browser, validated here.
// ---------------------------------------------------------------------------------------------------

const isoDate = z.iso.datetime().transform((value) => new Date(value));
const agentId = z.uuid();
const cursorSchema = z.discriminatedUnion("s", [
  z.object({ s: z.literal("lastActive"), k: z.tuple([isoDate.nullable(), isoDate, agentId]) }),
  z.object({ s: z.literal("name"), k: z.tuple([z.string().min(1).max(1000), agentId]) }),
  z.object({ s: z.literal("created"), k: z.tuple([isoDate, agentId]) }),
  z.object({ s: z.literal("spend"), k: z.tuple([z.string().regex(/^-?\d{1,10}(\.\d{1,8})?$/), agentId]) }),
]);
type Cursor = z.infer<typeof cursorSchema>;

type ListedRow = Prisma.AgentGetPayload<{ select: typeof summarySelect }>;

function encodeCursor(sort: AgentSort, row: ListedRow): string {
  const k =
    sort === "lastActive"
      ? [row.lastActiveAt?.toISOString() ?? null, row.createdAt.toISOString(), row.id]
      : sort === "name"
        ? [row.name, row.id]
        : sort === "created"
          ? [row.createdAt.toISOString(), row.id]
          : [row.spentUsd.toFixed(), row.id];
  return Buffer.from(JSON.stringify({ s: sort, k })).toString("base64url");
}

function decodeCursor(cursor: string, sort: AgentSort): Cursor {
  let parsed: Cursor | undefined;
  try {
    const result = cursorSchema.safeParse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
    if (result.success) parsed = result.data;
  } catch {
    // Not base64 JSON: the same answer as any other malformed cursor.
  }
  if (!parsed) {
    throw new AppError("BAD_REQUEST", "That page of the agents list is not valid. Go back to the first page and page from there.");
  }
  if (parsed.s !== sort) {
    throw new AppError("BAD_REQUEST", "That page of the agents list belongs to another sort order. Go back to the first page.");
  }
  return parsed;
}

// ---------------------------------------------------------------------------------------------------
// Keyset conditions
// ---------------------------------------------------------------------------------------------------

type KeyField = "lastActiveAt" | "createdAt" | "spentUsd" | "name" | "id";
type KeyValue = Date | Prisma.Decimal | string;

/**
 * Rows strictly after `keys` in an order where every key has `direction`: the first key bounds an
 * index range (`<=` or `>=`), and the rest only decide among rows that tie with the cursor on it.
 */
function after(keys: [KeyField, KeyValue][], direction: "asc" | "desc"): Prisma.AgentWhereInput {
  const strictly = direction === "desc" ? "lt" : "gt";
  const orEqual = direction === "desc" ? "lte" : "gte";
  const [[first, firstValue]] = keys as [[KeyField, KeyValue]];
  const branches = keys.map(([field, value], i) => ({
    ...Object.fromEntries(keys.slice(1, i)),
    [field]: { [strictly]: value },
  }));
  return { [first]: { [orEqual]: firstValue }, OR: branches };
}

const ACTIVE_ORDER: Prisma.AgentOrderByWithRelationInput[] = [{ lastActiveAt: "desc" }, { createdAt: "desc" }, { id: "desc" }];
const NEVER_ACTIVE_ORDER: Prisma.AgentOrderByWithRelationInput[] = [{ createdAt: "desc" }, { id: "desc" }];

type Segment = { where: Prisma.AgentWhereInput; orderBy: Prisma.AgentOrderByWithRelationInput[] };

/** The index ranges a page reads, in order: one for most sorts, two (active, never active) by last activity. */
function segments(sort: AgentSort, cursor: Cursor | null): Segment[] {
  switch (sort) {
    case "lastActive": {
      const c = cursor?.s === "lastActive" ? cursor.k : null;
      const neverActive: Segment = {
        where: {
          lastActiveAt: null,
          ...(c && c[0] === null
            ? after(
                [
                  ["createdAt", c[1]],
                  ["id", c[2]],
                ],
                "desc",
              )
            : {}),
        },
        orderBy: NEVER_ACTIVE_ORDER,
      };
      if (c && c[0] === null) return [neverActive];
      const active: Segment = {
        where: {
          lastActiveAt: { not: null },
          ...(c && c[0] !== null
            ? after(
                [
                  ["lastActiveAt", c[0]],
                  ["createdAt", c[1]],
                  ["id", c[2]],
                ],
                "desc",
              )
            : {}),
        },
        orderBy: ACTIVE_ORDER,
      };
      return [active, neverActive];
    }
    case "name": {
      const c = cursor?.s === "name" ? cursor.k : null;
      return [{ where: c ? after([["name", c[0]]], "asc") : {}, orderBy: [{ name: "asc" }] }];
    }
    case "created": {
      const c = cursor?.s === "created" ? cursor.k : null;
      return [
        {
          where: c
            ? after(
                [
                  ["createdAt", c[0]],
                  ["id", c[1]],
                ],
                "desc",
              )
            : {},
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        },
      ];
    }
    case "spend": {
      const c = cursor?.s === "spend" ? cursor.k : null;
      return [
        {
          where: c
            ? after(
                [
                  ["spentUsd", new Prisma.Decimal(c[0])],
                  ["id", c[1]],
                ],
                "desc",
              )
            : {},
          orderBy: [{ spentUsd: "desc" }, { id: "desc" }],
        },
      ];
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------------------------------

/** One page of the team's agents; `search` matches name or goal, case-insensitively, anywhere in the text. */
export async function listAgents({
  teamId,
  status,
  archived = false,
  search,
  sort = "lastActive",
  cursor,
  limit = 50,
  tree = false,
  now = new Date(),
}: {
  teamId: string;
  status?: ListedStatus;
  /** The archived agents (the "Archived" view) instead of the others. */
  archived?: boolean;
  search?: string;
  sort?: AgentSort;
  /** From the previous page's `nextCursor`, with the same sort; the first page without it. */
  cursor?: string;
  limit?: number;
  /** Grouped by tree (server/agents/agent-list-tree.ts): the page lists top agents, each with its descendants. */
  tree?: boolean;
  now?: Date;
}): Promise<AgentListPage> {
  const position = cursor ? decodeCursor(cursor, sort) : null;
  // Prisma's `contains` passes % and _ through as wildcards; a search for "50%" means the text.
  const literal = search ? escapeLike(search) : undefined;
  const matching: Prisma.AgentWhereInput = {
    teamId,
    status: status ?? { not: IMPORTING },
    archivedAt: archived ? { not: null } : null,
    ...(literal
      ? { OR: [{ name: { contains: literal, mode: "insensitive" } }, { goal: { contains: literal, mode: "insensitive" } }] }
      : {}),
  };
  const filters = tree ? treeRootFilters(teamId, matching) : matching;

  const readPage = async () => {
    // One row beyond the page tells whether there is a next page.
    const rows: ListedRow[] = [];
    for (const segment of segments(sort, position)) {
      rows.push(
        ...(await db.agent.findMany({
          where: { AND: [filters, segment.where] },
          orderBy: segment.orderBy,
          take: limit + 1 - rows.length,
          select: summarySelect,
        })),
      );
      if (rows.length > limit) break;
    }
    const page = rows.slice(0, limit);
    const spend = await spendByDay({ teamId, agentIds: page.map((r) => r.id), now });
    const children = tree
      ? await descendantsOfRoots({
          teamId,
          rootIds: page.map((r) => r.id),
          filters: matching,
          spendOf: async (agentIds) => spendByDay({ teamId, agentIds, now }),
        })
      : null;
    return {
      items: page.map((row) => ({
        ...toSummary(row),
        spendByDay: spend.get(row.id) ?? emptySeries(),
        ...(children ? { children: children.get(row.id) ?? [] } : {}),
      })),
      nextCursor: rows.length > limit ? encodeCursor(sort, page.at(-1)!) : null,
    };
  };
  const [{ items, nextCursor }, counted] = await Promise.all([
    readPage(),
    // Grouped by tree, the top agents are counted (a relation filter the capped raw count does not express).
    tree ? db.agent.count({ where: filters }) : countUpToCap({ teamId, status, archived, literal }),
  ]);
  return { items, total: Math.min(counted, COUNT_CAP), isTotalExact: counted <= COUNT_CAP, nextCursor };
}

/** `text` matched literally by LIKE/ILIKE (backslash is PostgreSQL's default escape character). */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, "\\$&");
}

/**
 * The same filters as the page, counted up to COUNT_CAP + 1 rows. Raw SQL because Prisma's capped
 * count (`count({ take })`) adds ORDER BY id, which sorts every matching row before counting.
 */
async function countUpToCap({
  teamId,
  status,
  archived,
  literal,
}: {
  teamId: string;
  status?: AgentStatus;
  archived: boolean;
  literal?: string;
}) {
  const conditions = [Prisma.sql`"teamId" = ${teamId}`, archived ? Prisma.sql`"archivedAt" IS NOT NULL` : Prisma.sql`"archivedAt" IS NULL`];
  conditions.push(status ? Prisma.sql`"status" = ${status}::"AgentStatus"` : Prisma.sql`"status" <> ${IMPORTING}::"AgentStatus"`);
  if (literal) {
    const pattern = `%${literal}%`;
    conditions.push(Prisma.sql`("name" ILIKE ${pattern} OR "goal" ILIKE ${pattern})`);
  }
  const { count } = await queryRow(
    db,
    cappedCountRow,
    Prisma.sql`
    SELECT count(*)::int AS count FROM (SELECT 1 FROM "agent" WHERE ${Prisma.join(conditions, " AND ")} LIMIT ${COUNT_CAP + 1}) AS capped`,
  );
  return count;
}

const cappedCountRow = sqlRow("counting agents up to the cap", { count: col.int });

function emptySeries(): string[] {
  return Array.from({ length: SPARKLINE_DAYS }, () => "0");
}

/** Committed spend per UTC day for each agent, the last SPARKLINE_DAYS days; one query for the page. */
export async function spendByDay({ teamId, agentIds, now }: { teamId: string; agentIds: string[]; now: Date }) {
  const series = new Map<string, string[]>();
  if (agentIds.length === 0) return series;
  const todayMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const firstMs = todayMs - (SPARKLINE_DAYS - 1) * DAY_MS;
  const rows = await db.agentSpendDay.findMany({
    where: { teamId, agentId: { in: agentIds }, day: { gte: new Date(firstMs) } },
    select: { agentId: true, day: true, costUsd: true },
  });
  const sums = new Map<string, Prisma.Decimal[]>();
  for (const row of rows) {
    const days = sums.get(row.agentId) ?? Array.from({ length: SPARKLINE_DAYS }, () => new Prisma.Decimal(0));
    // A day after today (a clock ahead of ours) counts as today rather than being lost.
    const index = Math.min(SPARKLINE_DAYS - 1, Math.round((row.day.getTime() - firstMs) / DAY_MS));
    days[index] = days[index]!.plus(row.costUsd);
    sums.set(row.agentId, days);
  }
  // Plain decimal strings: toFixed(), since Decimal's toString() writes 1e-8 for tiny amounts.
  for (const [id, days] of sums)
    series.set(
      id,
      days.map((d) => d.toFixed()),
    );
  return series;
}
