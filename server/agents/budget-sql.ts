import { Prisma } from "../db/client";
import type { SpendKind } from "../db/generated/enums";

/**
 * The spend ledger's hot-path statements (budget.ts), raw for the reason the loop's are
 * (server/agents/loop-sql.ts): each does in ONE round trip what Prisma needs several for, and every
 * cycle runs them. Parameterised, through Prisma's `$queryRaw`/`$executeRaw` (inside the caller's
 * transaction, on PostgreSQL and PGlite alike); numbers come back as text and are converted here.
 */
type Client = Pick<Prisma.TransactionClient, "$queryRaw" | "$executeRaw">;
type Ids = { agentId: string; teamId: string };

/**
 * A reservation in one statement: the agent's limits and committed counters, what its open reservations
 * hold (few rows: bounded however long the spend history), and the new reservation, inserted only if it
 * fits every limit. The conditions are reserveSpend's (budget.ts), which checks the numbers returned
 * again to word its refusal and fails if the two disagree. Runs under the budget lock.
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
  const [row] = await client.$queryRaw<
    {
      budgetUsd: string | null;
      budgetTokens: string | null;
      budgetCycles: number | null;
      softLimitPercent: number;
      spentUsd: string;
      tokensUsed: string;
      openUsd: string;
      openTokens: string;
      reservationId: bigint | null;
    }[]
  >`
    WITH b AS (
      SELECT "budgetUsd", "budgetTokens", "budgetCycles", "softLimitPercent", "spentUsd", "tokensUsed", o."openUsd", o."openTokens"
        FROM agent,
             LATERAL (SELECT coalesce(sum("costUsd"), 0) AS "openUsd", coalesce(sum("tokensIn"), 0) + coalesce(sum("tokensOut"), 0) AS "openTokens"
                        FROM spend_entry WHERE "agentId" = ${agentId}::uuid AND "teamId" = ${teamId} AND state = 'reserved') o
       WHERE id = ${agentId}::uuid AND "teamId" = ${teamId}
    ), reservation AS (
      INSERT INTO spend_entry ("agentId", "teamId", kind, state, model, "tokensIn", "costUsd", "reservationKey", "createdAt")
      SELECT ${agentId}::uuid, ${teamId}, ${input.kind}::"SpendKind", 'reserved'::"SpendState", ${input.model}, ${input.worstCaseTokens}::int,
             ${input.worstCaseUsd}::numeric, ${input.reservationKey}, now() AT TIME ZONE 'UTC'
        FROM b
       WHERE (b."budgetCycles" IS NULL OR ${input.nextCycle}::int <= b."budgetCycles")
         AND (b."budgetUsd" IS NULL OR b."spentUsd" + b."openUsd" + ${input.worstCaseUsd}::numeric <= b."budgetUsd")
         AND (b."budgetTokens" IS NULL OR b."tokensUsed" + b."openTokens" + ${input.worstCaseTokens}::int <= b."budgetTokens")
      RETURNING id
    )
    SELECT "budgetUsd"::text AS "budgetUsd", "budgetTokens"::text AS "budgetTokens", "budgetCycles", "softLimitPercent",
           "spentUsd"::text AS "spentUsd", "tokensUsed"::text AS "tokensUsed", "openUsd"::text AS "openUsd",
           "openTokens"::text AS "openTokens", (SELECT id FROM reservation) AS "reservationId"
      FROM b`;
  if (!row) throw new Error(`Agent ${agentId} was not found in team ${teamId}.`);
  return {
    budgetUsd: row.budgetUsd === null ? null : new Prisma.Decimal(row.budgetUsd),
    budgetTokens: row.budgetTokens === null ? null : BigInt(row.budgetTokens),
    budgetCycles: row.budgetCycles,
    softLimitPercent: row.softLimitPercent,
    spentUsd: new Prisma.Decimal(row.spentUsd),
    tokensUsed: BigInt(row.tokensUsed),
    openUsd: new Prisma.Decimal(row.openUsd),
    openTokens: Number(row.openTokens),
    reservationId: row.reservationId === null ? null : BigInt(row.reservationId),
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
  await client.$executeRaw`
    WITH committed AS (
      UPDATE spend_entry SET state = 'committed', "costUsd" = ${input.costUsd}::numeric, "tokensIn" = ${input.tokensIn},
             "tokensOut" = ${input.tokensOut}, "eventId" = ${input.eventId}::bigint
       WHERE id = ${input.reservationId}::bigint AND "agentId" = ${input.agentId}::uuid AND "teamId" = ${input.teamId} AND state = 'reserved'
       RETURNING 1
    )
    UPDATE agent SET "spentUsd" = "spentUsd" + ${input.costUsd}::numeric, "tokensUsed" = "tokensUsed" + ${input.tokensIn + input.tokensOut},
           "updatedAt" = now() AT TIME ZONE 'UTC'
     WHERE id = ${input.agentId}::uuid AND "teamId" = ${input.teamId} AND EXISTS (SELECT 1 FROM committed)`;
}
