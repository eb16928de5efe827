import "server-only";
import { Prisma } from "../db/client";
import { jsonArray } from "../db/columns";
import { direct } from "../db/raw";
import { row, sqlRow } from "../db/rows";
import { IMPORTING } from "../../shared/agent-status";
import { PAST_SOFT_LIMIT_SQL } from "../spend/sql";
import { FAILED_EVENT_SQL } from "../agents/sql";
import type { FleetAttentionReason, TeamOverview } from "../../shared/fleet";

/** How many agents the "needs attention" list shows at most (most urgent first). */
export const ATTENTION_LIMIT = 50;

const overviewRow = sqlRow("reading a team's overview", {
  statusCounts: jsonArray<{ status: string; count: number }>(),
  attention: jsonArray<{
    id: string;
    name: string;
    status: string;
    reason: FleetAttentionReason;
    statusReason: string | null;
    spentUsd: string;
    budgetUsd: string | null;
    lastActiveAt: string | null;
  }>(),
  spendPerDay: jsonArray<{ day: string; costUsd: string }>(),
  spendPerModel: jsonArray<{ model: string; costUsd: string; tokens: number }>(),
  spendPerAgent: jsonArray<{ id: string; name: string; costUsd: string }>(),
  cyclesPerHour: jsonArray<{ hour: string; cycles: number; failed: number }>(),
});

/**
 * A team at a glance (issue 22's fleet overview): agents that need a person first (waiting for an
 * approval, stuck, failed, out of budget, or past their soft budget limit), then how many are in each
 * status, spend per day, per model and per agent over `days`, and cycles per hour with the share that
 * failed over the last 24 hours. One statement; every part is bounded by an index on the team
 * (agent by status, agent_spend_day by day, spend_entry and agent_event by time).
 */
export async function getTeamOverview({ teamId, days = 14 }: { teamId: string; days?: number }): Promise<TeamOverview> {
  const found = await row(
    direct,
    overviewRow,
    Prisma.sql`
    SELECT
      (SELECT coalesce(jsonb_agg(jsonb_build_object('status', s.status, 'count', s.n) ORDER BY s.n DESC), '[]'::jsonb)
         FROM (SELECT status::text AS status, count(*)::int AS n FROM agent WHERE "teamId" = ${teamId} AND status <> ${IMPORTING}::"AgentStatus" GROUP BY status) s) AS "statusCounts",
      (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.rank, x."lastActiveAt" DESC NULLS LAST), '[]'::jsonb) FROM (
         SELECT a.id, a.name, a.status::text AS status, a."statusReason", a."spentUsd"::text AS "spentUsd", a."budgetUsd"::text AS "budgetUsd",
                a."lastActiveAt",
                CASE a.status WHEN 'waiting_approval' THEN 'waiting' WHEN 'stuck' THEN 'stuck' WHEN 'failed' THEN 'failed'
                              WHEN 'budget_exhausted' THEN 'budget_exhausted' ELSE 'near_budget' END AS reason,
                CASE a.status WHEN 'failed' THEN 1 WHEN 'stuck' THEN 2 WHEN 'waiting_approval' THEN 3 WHEN 'budget_exhausted' THEN 4 ELSE 5 END AS rank
           FROM agent a
          WHERE a."teamId" = ${teamId}
            AND (a.status IN ('waiting_approval', 'stuck', 'failed', 'budget_exhausted')
                 OR (a.status IN ('running', 'sleeping', 'idle') AND ${PAST_SOFT_LIMIT_SQL}))
          ORDER BY rank, a."lastActiveAt" DESC NULLS LAST
          LIMIT ${ATTENTION_LIMIT}) x) AS attention,
      (SELECT coalesce(jsonb_agg(jsonb_build_object('day', d.day, 'costUsd', d.cost::text) ORDER BY d.day), '[]'::jsonb)
         FROM (SELECT day, sum("costUsd") AS cost FROM agent_spend_day
                WHERE "teamId" = ${teamId} AND day > (now() AT TIME ZONE 'UTC')::date - ${days}::int GROUP BY day) d) AS "spendPerDay",
      (SELECT coalesce(jsonb_agg(jsonb_build_object('model', m.model, 'costUsd', m.cost::text, 'tokens', m.tokens) ORDER BY m.cost DESC), '[]'::jsonb)
         FROM (SELECT coalesce(model, 'tools') AS model, sum("costUsd") AS cost, sum("tokensIn" + "tokensOut")::int AS tokens FROM spend_entry
                WHERE "teamId" = ${teamId} AND state = 'committed' AND "createdAt" > (now() AT TIME ZONE 'UTC') - make_interval(days => ${days}::int)
                  -- A parent's carve for a child repeats the child's own rows (docs/decisions/040).
                  AND kind <> 'delegation'
                GROUP BY 1) m) AS "spendPerModel",
      (SELECT coalesce(jsonb_agg(jsonb_build_object('id', p.id, 'name', p.name, 'costUsd', p.cost::text) ORDER BY p.cost DESC), '[]'::jsonb)
         FROM (SELECT a.id, a.name, sum(d."costUsd") AS cost FROM agent_spend_day d JOIN agent a ON a.id = d."agentId" AND a."teamId" = d."teamId"
                WHERE d."teamId" = ${teamId} AND d.day > (now() AT TIME ZONE 'UTC')::date - ${days}::int
                GROUP BY a.id, a.name ORDER BY cost DESC LIMIT 10) p) AS "spendPerAgent",
      (SELECT coalesce(jsonb_agg(jsonb_build_object('hour', h.hour, 'cycles', h.cycles, 'failed', h.failed) ORDER BY h.hour), '[]'::jsonb)
         FROM (SELECT date_trunc('hour', e."createdAt") AS hour,
                      count(*) FILTER (WHERE e.type = 'thought')::int AS cycles,
                      count(*) FILTER (WHERE ${FAILED_EVENT_SQL})::int AS failed
                 FROM agent_event e
                WHERE e."teamId" = ${teamId} AND e."createdAt" > (now() AT TIME ZONE 'UTC') - interval '24 hours'
                  AND e.type IN ('thought', 'error', 'tool_result')
                GROUP BY 1) h) AS "cyclesPerHour"`,
  );
  const cycles = found.cyclesPerHour.reduce((n, h) => n + h.cycles, 0);
  const failed = found.cyclesPerHour.reduce((n, h) => n + h.failed, 0);
  const utc = (text: string) => new Date(text.endsWith("Z") || text.includes("+") ? text : `${text}Z`);
  return {
    days,
    statusCounts: found.statusCounts,
    attention: found.attention.map((a) => ({ ...a, lastActiveAt: a.lastActiveAt ? utc(a.lastActiveAt) : null })),
    spendPerDay: found.spendPerDay,
    spendPerModel: found.spendPerModel,
    spendPerAgent: found.spendPerAgent,
    cyclesPerHour: found.cyclesPerHour.map((h) => ({ ...h, hour: utc(h.hour) })),
    last24h: { cycles, failed, errorRate: cycles === 0 ? null : failed / cycles },
  };
}
