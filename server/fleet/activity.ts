import "server-only";
import { z } from "zod";
import { Prisma } from "../db/client";
import type { EventType } from "../db/generated/enums";
import { col } from "../db/columns";
import { direct } from "../db/raw";
import { rows, sqlRow } from "../db/rows";
import { AppError } from "../errors";
import { FAILED_EVENT_SQL, FAILURE_TEXT_SQL } from "../agents/sql";
import {
  ACTIVITY_WINDOWS,
  CYCLE_OUTCOMES,
  RUN_STATUSES,
  type ActivityWindow,
  type CycleOutcome,
  type FleetCycle,
  type FleetRun,
  type RunStatus,
} from "../../shared/fleet";

/**
 * The team's activity (issue 22, fleet views): every cycle and every run of every agent in one list,
 * newest first, searchable by agent, tool, outcome, error text and time, with latency, tokens and cost.
 *
 * A cycle is not a row anywhere: it is the loop's events that carry its number (a thought, the tool call
 * and its result, approvals, errors). The list groups the team's events in the time window by agent and
 * cycle, one statement over the `(teamId, createdAt)` index; events a person caused (pause, resume,
 * edits) and triggers are not part of a cycle's work and are left out. History moved to cold storage
 * (docs/decisions/016) is not listed: the agent's own timeline reads it.
 *
 * Keyset paging: a cursor holds the last row's sort key, exactly as the database wrote it (microseconds),
 * so no row is skipped or repeated between pages.
 */

export type ActivityFilter = {
  /** Part of the agent's name (case-insensitive). */
  agent?: string;
  /** Exactly this agent. */
  agentId?: string;
  /** Part of a tool's name (case-insensitive). */
  tool?: string;
  /** Part of the error text (case-insensitive): an error's message, a refused or failed tool call's reason. */
  error?: string;
  window?: ActivityWindow;
};

export type CyclePage = { items: FleetCycle[]; nextCursor: string | null };
export type RunPage = { items: FleetRun[]; nextCursor: string | null };

/** The loop's own events: what a cycle is made of. */
const CYCLE_EVENT_TYPES = [
  "thought",
  "tool_call",
  "tool_result",
  "observation",
  "approval_requested",
  "approval_decided",
  "error",
  "budget",
] satisfies EventType[];

const cycleRow = sqlRow("listing a team's cycles", {
  agentId: col.uuid,
  agentName: col.text,
  cycle: col.int,
  runId: col.uuid.nullable(),
  outcome: z.enum(CYCLE_OUTCOMES),
  tools: z.array(z.string()),
  error: col.text.nullable(),
  startedAt: col.timestamp,
  endedAt: col.timestamp,
  endedKey: col.text,
  latencyMs: col.int,
  modelMs: col.int.nullable(),
  tokens: col.int,
  costUsd: col.text,
});

const runRow = sqlRow("listing a team's runs", {
  id: col.uuid,
  agentId: col.uuid,
  agentName: col.text,
  status: z.enum(RUN_STATUSES),
  reason: col.text.nullable(),
  startCycle: col.int,
  endCycle: col.int.nullable(),
  cycles: col.int,
  failedCycles: col.int,
  startedAt: col.timestamp,
  startedKey: col.text,
  endedAt: col.timestamp.nullable(),
  latencyMs: col.int.nullable(),
  tokens: col.int,
  costUsd: col.text,
});

/** `ILIKE` pattern for "contains `text`", with the pattern characters in it taken literally. */
function contains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The time a timestamp key names, kept as the database's text (microseconds), never through a JS Date. */
const TIMESTAMP_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;
const KEY_SQL = (column: Prisma.Sql) => Prisma.sql`to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.US')`;

const cycleCursor = z.object({ c: z.tuple([z.string().regex(TIMESTAMP_KEY), z.uuid(), z.number().int().min(0)]) });
const runCursor = z.object({ r: z.tuple([z.string().regex(TIMESTAMP_KEY), z.uuid()]) });

function decode<T>(schema: z.ZodType<T>, cursor: string, what: string): T {
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
    if (parsed.success) return parsed.data;
  } catch {
    // Not base64 JSON: the same answer as any other malformed cursor.
  }
  throw new AppError("BAD_REQUEST", `That page of the ${what} is not valid. Go back to the first page and page from there.`);
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

function windowStart(window: ActivityWindow | undefined): Prisma.Sql {
  const span = ACTIVITY_WINDOWS[window ?? "24h"];
  return span === null
    ? Prisma.sql`'-infinity'::timestamp`
    : Prisma.sql`(now() AT TIME ZONE 'UTC') - ${`${span / 1000} seconds`}::interval`;
}

/** The agents the filter names, as a condition on `alias."agentId"` (empty when it names none). */
function agentCondition(teamId: string, filter: ActivityFilter, column: Prisma.Sql): Prisma.Sql {
  const parts: Prisma.Sql[] = [];
  if (filter.agentId) parts.push(Prisma.sql`${column} = ${filter.agentId}::uuid`);
  if (filter.agent) {
    parts.push(Prisma.sql`${column} IN (SELECT id FROM agent WHERE "teamId" = ${teamId} AND name ILIKE ${contains(filter.agent)})`);
  }
  return parts.length === 0 ? Prisma.empty : Prisma.sql`AND ${Prisma.join(parts, " AND ")}`;
}

/**
 * A page of the team's cycles, the most recently active first. `outcome` keeps one kind; `tool` and
 * `error` keep cycles that called such a tool or failed with such words.
 */
export async function listTeamCycles({
  teamId,
  filter = {},
  outcome,
  cursor,
  limit = 50,
}: {
  teamId: string;
  filter?: ActivityFilter;
  outcome?: CycleOutcome;
  cursor?: string;
  limit?: number;
}): Promise<CyclePage> {
  const after = cursor ? decode(cycleCursor, cursor, "cycles list").c : null;
  const having: Prisma.Sql[] = [Prisma.sql`bool_or(e.type IN ('thought', 'tool_call', 'error'))`];
  if (filter.tool) having.push(Prisma.sql`bool_or(e.type = 'tool_call' AND e.payload->>'name' ILIKE ${contains(filter.tool)})`);
  if (filter.error) having.push(Prisma.sql`bool_or(${FAILED_EVENT_SQL} AND ${FAILURE_TEXT_SQL} ILIKE ${contains(filter.error)})`);
  if (after) {
    having.push(Prisma.sql`(max(e."createdAt"), e."agentId", e.cycle) < (${after[0]}::timestamp, ${after[1]}::uuid, ${after[2]}::int)`);
  }
  const found = await rows(
    direct,
    cycleRow,
    Prisma.sql`
    WITH c AS (
      SELECT e."agentId", e.cycle,
             (array_agg(e."runId") FILTER (WHERE e."runId" IS NOT NULL))[1] AS "runId",
             min(e."createdAt" - make_interval(secs => coalesce(e."durationMs", 0) / 1000.0)) AS "startedAt",
             max(e."createdAt") AS "endedAt",
             sum(e."durationMs") FILTER (WHERE e.type = 'thought') AS "modelMs",
             sum(e."tokensIn" + e."tokensOut") AS tokens,
             sum(e."costUsd") AS cost,
             coalesce(array_agg(DISTINCT e.payload->>'name') FILTER (WHERE e.type = 'tool_call' AND e.payload->>'name' IS NOT NULL), '{}') AS tools,
             bool_or(${FAILED_EVENT_SQL}) AS failed,
             string_agg(DISTINCT ${FAILURE_TEXT_SQL}, ' · ') FILTER (WHERE ${FAILED_EVENT_SQL}) AS error,
             count(*) FILTER (WHERE e.type = 'approval_requested') > count(*) FILTER (WHERE e.type = 'approval_decided') AS waiting
        FROM agent_event e
       WHERE e."teamId" = ${teamId} AND e.cycle > 0 AND e."createdAt" >= ${windowStart(filter.window)}
         AND e.type::text = ANY(${CYCLE_EVENT_TYPES}::text[])
         ${agentCondition(teamId, filter, Prisma.sql`e."agentId"`)}
       GROUP BY e."agentId", e.cycle
      HAVING ${Prisma.join(having, " AND ")}
    ), o AS (
      SELECT c.*, a.name AS "agentName",
             CASE WHEN c.failed THEN 'failed' WHEN c.waiting THEN 'waiting'
                  WHEN c.cycle > a."cycleCount" THEN 'unfinished' ELSE 'succeeded' END AS outcome
        FROM c JOIN agent a ON a.id = c."agentId" AND a."teamId" = ${teamId}
    )
    SELECT "agentId", "agentName", cycle, "runId", outcome, tools, error, "startedAt", "endedAt",
           ${KEY_SQL(Prisma.sql`"endedAt"`)} AS "endedKey",
           GREATEST(0, round(extract(epoch FROM "endedAt" - "startedAt") * 1000))::int AS "latencyMs",
           "modelMs"::int AS "modelMs", tokens::int AS tokens, cost::text AS "costUsd"
      FROM o
     ${outcome ? Prisma.sql`WHERE outcome = ${outcome}` : Prisma.empty}
     ORDER BY "endedAt" DESC, "agentId" DESC, cycle DESC
     LIMIT ${limit + 1}`,
  );
  const page = found.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(({ endedKey: _key, ...item }) => item),
    nextCursor: found.length > limit && last ? encode({ c: [last.endedKey, last.agentId, last.cycle] }) : null,
  };
}

/**
 * A page of the team's runs, the most recently started first. `status` keeps one; `tool` and `error`
 * keep runs that called such a tool, or ended or failed a cycle with such words. The window keeps runs
 * still going or ended inside it.
 */
export async function listTeamRuns({
  teamId,
  filter = {},
  status,
  cursor,
  limit = 50,
}: {
  teamId: string;
  filter?: ActivityFilter;
  status?: RunStatus;
  cursor?: string;
  limit?: number;
}): Promise<RunPage> {
  const after = cursor ? decode(runCursor, cursor, "runs list").r : null;
  // A run's events: its agent's, from its first cycle to the next run's first (the (agentId, cycle) index).
  const runEvents = Prisma.sql`FROM agent_event e
      WHERE e."agentId" = r."agentId" AND e."teamId" = r."teamId" AND e."runId" = r.id AND e.cycle >= r."startCycle"
        AND e.cycle <= coalesce(r."endCycle", (SELECT min(n."startCycle") FROM agent_run n
                                                WHERE n."agentId" = r."agentId" AND n."startedAt" > r."startedAt"), 2147483647)`;
  const conditions: Prisma.Sql[] = [
    Prisma.sql`r."teamId" = ${teamId}`,
    Prisma.sql`coalesce(r."endedAt", now() AT TIME ZONE 'UTC') >= ${windowStart(filter.window)}`,
  ];
  if (status) conditions.push(Prisma.sql`r.status = ${status}::"RunStatus"`);
  // Runs whose events match: one pass over the team's events in the window, not a search per run.
  const since = windowStart(filter.window);
  const runsWithEvents = (match: Prisma.Sql) =>
    Prisma.sql`r.id IN (SELECT e."runId" FROM agent_event e
                         WHERE e."teamId" = ${teamId} AND e."createdAt" >= ${since} AND e."runId" IS NOT NULL AND ${match})`;
  if (filter.tool) conditions.push(runsWithEvents(Prisma.sql`e.type = 'tool_call' AND e.payload->>'name' ILIKE ${contains(filter.tool)}`));
  if (filter.error) {
    const text = contains(filter.error);
    conditions.push(
      Prisma.sql`(r.reason ILIKE ${text} OR ${runsWithEvents(Prisma.sql`${FAILED_EVENT_SQL} AND ${FAILURE_TEXT_SQL} ILIKE ${text}`)})`,
    );
  }
  if (after) conditions.push(Prisma.sql`(r."startedAt", r.id) < (${after[0]}::timestamp, ${after[1]}::uuid)`);
  const found = await rows(
    direct,
    runRow,
    Prisma.sql`
    WITH page AS (
      SELECT r.* FROM agent_run r
       WHERE ${Prisma.join(conditions, " AND ")}
         ${agentCondition(teamId, filter, Prisma.sql`r."agentId"`)}
       ORDER BY r."startedAt" DESC, r.id DESC
       LIMIT ${limit + 1}
    )
    SELECT r.id, r."agentId", a.name AS "agentName", r.status::text AS status, r.reason, r."startCycle", r."endCycle",
           s.cycles, s."failedCycles", r."startedAt", ${KEY_SQL(Prisma.sql`r."startedAt"`)} AS "startedKey", r."endedAt",
           CASE WHEN r."endedAt" IS NULL THEN NULL
                ELSE GREATEST(0, round(extract(epoch FROM r."endedAt" - r."startedAt") * 1000))::int END AS "latencyMs",
           s.tokens, s.cost AS "costUsd"
      FROM page r
      JOIN agent a ON a.id = r."agentId" AND a."teamId" = r."teamId"
      CROSS JOIN LATERAL (
        SELECT count(DISTINCT e.cycle) FILTER (WHERE e.type IN ('thought', 'tool_call', 'error'))::int AS cycles,
               count(DISTINCT e.cycle) FILTER (WHERE ${FAILED_EVENT_SQL})::int AS "failedCycles",
               coalesce(sum(e."tokensIn" + e."tokensOut"), 0)::int AS tokens,
               coalesce(sum(e."costUsd"), 0)::text AS cost
        ${runEvents}) s
     ORDER BY r."startedAt" DESC, r.id DESC`,
  );
  const page = found.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(({ startedKey: _key, ...item }) => item),
    nextCursor: found.length > limit && last ? encode({ r: [last.startedKey, last.id] }) : null,
  };
}
