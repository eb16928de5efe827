import "server-only";
import { Prisma } from "../db/client";
import { LOOP_STATUSES } from "../../shared/agent-status";

/**
 * The agent domain's SQL rules, each written once as a fragment that statements compose
 * (`Prisma.sql` nests them, parameters and all). A statement that appends events or ends a cycle says
 * so with one of these instead of spelling the rule again. The spend ledger's fragments (committing a
 * reservation and charging the agent) are in server/spend/sql.ts.
 */

/**
 * `SET` assignments on `agent` that hand out the next `count` event sequence numbers: the statement
 * RETURNs `"lastEventSeq"`, and its events take `lastEventSeq - count + 1` … `lastEventSeq`.
 */
export const appendEventsSet = (count: number | Prisma.Sql) =>
  Prisma.sql`"lastEventSeq" = "lastEventSeq" + ${count}, "eventCount" = "eventCount" + ${count}, "lastActiveAt" = now()`;

/**
 * `SET` assignments on `agent` for a finished cycle: the cycle counts, the heartbeat beats, and the
 * agent sleeps until the next one, unless a person or an ending set its status meanwhile (only
 * statuses the loop owns become "sleeping").
 */
export const markCycleDoneSet = (cycle: number) => Prisma.sql`"cycleCount" = GREATEST("cycleCount", ${cycle}::int),
  "heartbeatAt" = (now() AT TIME ZONE 'UTC'),
  status = CASE WHEN status::text = ANY(${LOOP_STATUSES.loopOwned}::text[]) THEN 'sleeping'::"AgentStatus" ELSE status END`;

/**
 * An event (alias `e` of agent_event) that makes its cycle a failure: an error, or a tool call whose
 * result did not succeed (refused, invalid, over budget, failed, outcome unknown). The overview's error
 * rate and the activity list's "failed" both read it.
 */
export const FAILED_EVENT_SQL = Prisma.sql`(e.type = 'error' OR (e.type = 'tool_result' AND coalesce(e.payload->>'status', 'succeeded') <> 'succeeded'))`;

/** What went wrong, in a failed event's own words (alias `e`; see FAILED_EVENT_SQL). */
export const FAILURE_TEXT_SQL = Prisma.sql`coalesce(e.payload->>'message', e.payload->>'error', e.payload->>'reason', e.payload->>'status')`;
