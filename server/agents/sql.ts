import { Prisma } from "../db/client";
import { LOOP_STATUSES } from "../../shared/agent-status";

/**
 * The agent domain's SQL rules, each written once as a fragment that statements compose
 * (`Prisma.sql` nests them, parameters and all). A statement that appends events, ends a cycle or
 * charges a reservation says so with one of these instead of spelling the rule again.
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

export type Charge = { reservationId: bigint; costUsd: string; tokensIn: number; tokensOut: number };

/**
 * A CTE body that commits a reservation at the real cost, linked to its event; a reservation no longer
 * "reserved" (a retried step committed it already) matches nothing. Name the CTE `committed` and let
 * the agent row take `chargeCommittedSet`, so the ledger and the counters move together or not at all.
 */
export const commitReservationCte = ({
  agentId,
  teamId,
  charge,
  eventId,
  onlyIf = Prisma.sql`true`,
}: {
  agentId: string;
  teamId: string;
  charge: Charge;
  eventId: Prisma.Sql;
  onlyIf?: Prisma.Sql;
}) => Prisma.sql`UPDATE spend_entry SET state = 'committed', "costUsd" = ${charge.costUsd}::numeric, "tokensIn" = ${charge.tokensIn},
         "tokensOut" = ${charge.tokensOut}, "eventId" = ${eventId}
   WHERE id = ${charge.reservationId}::bigint AND "agentId" = ${agentId}::uuid AND "teamId" = ${teamId} AND state = 'reserved' AND ${onlyIf}
   RETURNING 1`;

/** `SET` assignments on `agent` that add what the `committed` CTE (commitReservationCte) committed, and nothing when it committed nothing. */
export const chargeCommittedSet = (
  charge: Charge,
) => Prisma.sql`"spentUsd" = "spentUsd" + CASE WHEN EXISTS (SELECT 1 FROM committed) THEN ${charge.costUsd}::numeric ELSE 0 END,
  "tokensUsed" = "tokensUsed" + CASE WHEN EXISTS (SELECT 1 FROM committed) THEN ${charge.tokensIn + charge.tokensOut} ELSE 0 END,
  "updatedAt" = CASE WHEN EXISTS (SELECT 1 FROM committed) THEN now() AT TIME ZONE 'UTC' ELSE "updatedAt" END`;
