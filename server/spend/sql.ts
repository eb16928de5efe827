import "server-only";
import { z } from "zod";
import { Prisma } from "../db/client";
import type { SpendKind } from "../db/generated/enums";
import { col } from "../db/columns";
import type { RawClient } from "../db/raw";
import { maybeRow, rows, sqlRow } from "../db/rows";

/**
 * The spend ledger's SQL: its rules as fragments other statements compose (committing a reservation
 * and charging the agent: the loop's thought statement takes them too), and the ledger's statements
 * (budget.ts), raw for the reason the loop's are (server/loop/sql.ts): each does in ONE round trip what
 * Prisma needs several for, and every cycle runs them. Parameterised, through Prisma's
 * `$queryRaw`/`$executeRaw` (inside the caller's transaction, on PostgreSQL and PGlite alike); numbers
 * come back as text and are converted here, rows checked against their declared columns (server/db/rows.ts).
 */
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

type Client = RawClient;
type Ids = { agentId: string; teamId: string };

/** Which limit a reservation would cross, checked in this order; null when it fits them all. */
const REFUSED_BY = ["cycles", "money", "tokens"] as const;
export type RefusedBy = (typeof REFUSED_BY)[number];

const reservationRow = sqlRow("reserving spend within the agent's limits", {
  budgetUsd: col.text.nullable(),
  budgetTokens: col.text.nullable(),
  budgetCycles: col.int.nullable(),
  committedUsd: col.text,
  committedTokens: col.text,
  refusedBy: z.enum(REFUSED_BY).nullable(),
  isOverSoftLimit: col.bool,
  reservationId: col.int8.nullable(),
});

/**
 * A reservation in one statement: the agent's limits and committed counters, what its open reservations
 * hold (few rows: bounded however long the spend history), which limit the reservation would cross (the
 * rule, written once: `refusedBy`), and the reservation itself, inserted only when none. It also says
 * whether the reservation reaches the soft limit. The numbers come back for wording a refusal only.
 * Runs under the budget lock.
 */
export async function reserveIfWithinLimits(
  client: Client,
  input: Ids & {
    kind: SpendKind;
    model: string | null;
    worstCaseUsd: string;
    worstCaseTokens: number;
    nextCycle: number;
    reservationKey: string | null;
  },
) {
  const { agentId, teamId } = input;
  const row = await maybeRow(
    client,
    reservationRow,
    Prisma.sql`
    WITH b AS (
      SELECT "budgetUsd", "budgetTokens", "budgetCycles", "softLimitPercent",
             "spentUsd" + o."openUsd" AS "committedUsd", "tokensUsed" + o."openTokens" AS "committedTokens"
        FROM agent,
             LATERAL (SELECT coalesce(sum("costUsd"), 0) AS "openUsd", coalesce(sum("tokensIn"), 0) + coalesce(sum("tokensOut"), 0) AS "openTokens"
                        FROM spend_entry WHERE "agentId" = ${agentId}::uuid AND "teamId" = ${teamId} AND state = 'reserved') o
       WHERE id = ${agentId}::uuid AND "teamId" = ${teamId}
    ), v AS (
      SELECT b.*,
             CASE
               WHEN b."budgetCycles" IS NOT NULL AND ${input.nextCycle}::int > b."budgetCycles" THEN 'cycles'
               WHEN b."budgetUsd" IS NOT NULL AND b."committedUsd" + ${input.worstCaseUsd}::numeric > b."budgetUsd" THEN 'money'
               WHEN b."budgetTokens" IS NOT NULL AND b."committedTokens" + ${input.worstCaseTokens}::int > b."budgetTokens" THEN 'tokens'
             END AS "refusedBy"
        FROM b
    ), reservation AS (
      INSERT INTO spend_entry ("agentId", "teamId", kind, state, model, "tokensIn", "costUsd", "reservationKey", "createdAt")
      SELECT ${agentId}::uuid, ${teamId}, ${input.kind}::"SpendKind", 'reserved'::"SpendState", ${input.model}, ${input.worstCaseTokens}::int,
             ${input.worstCaseUsd}::numeric, ${input.reservationKey}, now() AT TIME ZONE 'UTC'
        FROM v
       WHERE v."refusedBy" IS NULL
      RETURNING id
    )
    SELECT "budgetUsd"::text AS "budgetUsd", "budgetTokens"::text AS "budgetTokens", "budgetCycles",
           "committedUsd"::text AS "committedUsd", "committedTokens"::text AS "committedTokens", "refusedBy",
           ("budgetUsd" IS NOT NULL AND "committedUsd" + ${input.worstCaseUsd}::numeric >= "budgetUsd" * "softLimitPercent" / 100) AS "isOverSoftLimit",
           (SELECT id FROM reservation) AS "reservationId"
      FROM v`,
  );
  if (!row) throw new Error(`Agent ${agentId} was not found in team ${teamId}.`);
  return {
    budgetUsd: row.budgetUsd === null ? null : new Prisma.Decimal(row.budgetUsd),
    budgetTokens: row.budgetTokens === null ? null : BigInt(row.budgetTokens),
    budgetCycles: row.budgetCycles,
    committedUsd: new Prisma.Decimal(row.committedUsd),
    committedTokens: BigInt(row.committedTokens),
    refusedBy: row.refusedBy,
    isOverSoftLimit: row.isOverSoftLimit,
    reservationId: row.reservationId,
  };
}

/**
 * Commits a reservation at the real cost and moves the agent's counters by it, in one statement; a
 * reservation no longer "reserved" (a retried step committed it already) moves nothing.
 */
export async function commitReservation(
  client: Client,
  input: Ids & { reservationId: bigint; costUsd: string; tokensIn: number; tokensOut: number; eventId: bigint | null },
) {
  const charge = { reservationId: input.reservationId, costUsd: input.costUsd, tokensIn: input.tokensIn, tokensOut: input.tokensOut };
  await client.$executeRaw`
    WITH committed AS (${commitReservationCte({ agentId: input.agentId, teamId: input.teamId, charge, eventId: Prisma.sql`${input.eventId}::bigint` })})
    UPDATE agent SET ${chargeCommittedSet(charge)}
     WHERE id = ${input.agentId}::uuid AND "teamId" = ${input.teamId} AND EXISTS (SELECT 1 FROM committed)`;
}

/** chargeOrphanedReservations' statement (budget.ts): commits reservations older than the bound at their worst case, with the agents' counters. */
export async function chargeOrphans(client: Client, { olderThanSeconds, limit }: { olderThanSeconds: number; limit: number }) {
  // (`counters` runs although nothing reads it: PostgreSQL completes every data-modifying CTE.)
  return rows(
    client,
    orphanChargeRow,
    Prisma.sql`
    WITH orphan AS (
      -- Only an agent that still exists (spend_entry keeps a deleted agent's id; its reservations are removed with it).
      SELECT id FROM spend_entry s
       WHERE state = 'reserved' AND "createdAt" < (now() AT TIME ZONE 'UTC') - make_interval(secs => ${olderThanSeconds})
         -- A child's carve stays reserved while the child runs, however long: its end settles it (server/delegation/settle.ts).
         AND kind <> 'delegation'
         AND EXISTS (SELECT 1 FROM agent a WHERE a.id = s."agentId")
       ORDER BY id LIMIT ${limit}
       FOR UPDATE SKIP LOCKED
    ), settled AS (
      UPDATE spend_entry s SET state = 'committed' FROM orphan WHERE s.id = orphan.id AND s.state = 'reserved'
      RETURNING s."agentId", s."teamId", s."costUsd", s."tokensIn" + s."tokensOut" AS tokens
    ), per_agent AS (
      SELECT "agentId", "teamId", count(*)::int AS calls, sum("costUsd") AS cost, sum(tokens)::bigint AS tokens FROM settled GROUP BY 1, 2
    ), counters AS (
      UPDATE agent a SET "spentUsd" = a."spentUsd" + p.cost, "tokensUsed" = a."tokensUsed" + p.tokens
        FROM per_agent p WHERE a.id = p."agentId"
      RETURNING a.id
    )
    SELECT p."agentId"::text AS "agentId", p."teamId", p.calls, p.cost::text AS "costUsd", p.tokens::int AS tokens
      FROM per_agent p`,
  );
}

const orphanChargeRow = sqlRow("charging orphaned reservations", {
  agentId: col.uuid,
  teamId: col.text,
  calls: col.int,
  costUsd: col.text,
  tokens: col.int,
});

/**
 * Whether an agent (the `agent` row aliased `a`) has spent past its soft limit, money or tokens: the
 * rule the loop's hold applies (server/loop/holds.ts `holdNeeded`), for a statement that lists agents.
 */
export const PAST_SOFT_LIMIT_SQL = Prisma.sql`(
  (a."budgetUsd" IS NOT NULL AND a."spentUsd" >= a."budgetUsd" * a."softLimitPercent" / 100.0)
  OR (a."budgetTokens" IS NOT NULL AND a."tokensUsed" >= a."budgetTokens" * a."softLimitPercent" / 100.0))`;
