import "server-only";
import { db, Prisma } from "../db/client";
import { formatMoney } from "../../shared/money";
import { lockedOneTrip, type RawClient } from "../db/raw";
import type { SpendKind } from "../db/generated/enums";
import { chargeOrphans, commitReservation, reserveIfWithinLimits } from "./sql";
import { LOCKS, takeLock } from "../db/locks";

/**
 * Budgets that ask before they kill. Before a model, embedding or tool call the loop reserves its
 * worst-case cost; a reservation that would cross the hard limit is refused, so no call ever starts
 * that could overspend. Afterwards the reservation is committed at the real cost (or released).
 * Reservations live in the spend ledger (state "reserved"), so they survive a crash: an orphaned
 * reservation still counts until released, erring on the side of stopping.
 */
export type BudgetVerdict =
  { ok: true; reservationId: bigint; isOverSoftLimit: boolean } | { ok: false; reason: "money" | "tokens" | "cycles"; message: string };

export async function reserveSpend(input: {
  agentId: string;
  teamId: string;
  kind: SpendKind;
  model: string | null;
  worstCaseUsd: string;
  worstCaseTokens: number;
  nextCycle: number;
  /** Names a reservation a retried step must find again instead of reserving twice. */
  reservationKey?: string;
}): Promise<BudgetVerdict> {
  const reserve = (client: RawClient) =>
    reserveIfWithinLimits(client, {
      agentId: input.agentId,
      teamId: input.teamId,
      kind: input.kind,
      model: input.model,
      worstCaseUsd: input.worstCaseUsd,
      worstCaseTokens: input.worstCaseTokens,
      nextCycle: input.nextCycle,
      reservationKey: input.reservationKey ?? null,
    });
  // Reservations of one agent are serialised (LOCKS.budget) so two concurrent calls cannot both squeeze
  // under the limit. Spent plus reserved, money and tokens: the committed part from the agent's counters
  // (kept with every commit), the reserved part from the few open reservations. One statement
  // (sql.ts) reads them, decides which limit (if any) it would cross, and inserts the reservation
  // only if none; `verdictOf` words a refusal.
  if (!input.reservationKey) {
    // The loop's model calls: lock and statement in ONE round trip (lockedOneTrip).
    return verdictOf(input, await reserve(lockedOneTrip(LOCKS.budget(input.agentId))));
  }
  const reservationKey = input.reservationKey;
  return db.$transaction(async (tx) => {
    const existing = await tx.spendEntry.findUnique({ where: { reservationKey }, select: { id: true } });
    if (existing) return { ok: true as const, reservationId: existing.id, isOverSoftLimit: false };
    await takeLock(tx, LOCKS.budget(input.agentId));
    return verdictOf(input, await reserve(tx));
  });
}

function cycleLimitRefusal(budgetCycles: number) {
  return { ok: false as const, reason: "cycles" as const, message: `The cycle limit of ${budgetCycles} is reached.` };
}

/**
 * Whether the cycle limit leaves no room for `nextCycle` (the reservation's statement decides the same
 * in SQL, sql.ts): the loop asks before the cycle begins, so a cycle past the limit writes nothing.
 */
export function pastCycleLimit(budgetCycles: number | null, nextCycle: number): { reason: "cycles"; message: string } | null {
  return budgetCycles !== null && nextCycle > budgetCycles ? cycleLimitRefusal(budgetCycles) : null;
}

/** The verdict on a reservation attempt: the statement decided (sql.ts); this words a refusal. */
function verdictOf(
  input: { kind: SpendKind; worstCaseUsd: string; worstCaseTokens: number },
  agent: Awaited<ReturnType<typeof reserveIfWithinLimits>>,
): BudgetVerdict {
  switch (agent.refusedBy) {
    case null:
      return { ok: true as const, reservationId: agent.reservationId!, isOverSoftLimit: agent.isOverSoftLimit };
    case "cycles":
      return cycleLimitRefusal(agent.budgetCycles!);
    case "money":
      return {
        ok: false,
        reason: "money",
        message: moneyRefusal(input, agent.budgetUsd!, agent.committedUsd),
      };
    case "tokens": {
      const left = agent.budgetTokens! > agent.committedTokens ? agent.budgetTokens! - agent.committedTokens : 0n;
      return {
        ok: false,
        reason: "tokens",
        message:
          `The next ${CALL_NAMES[input.kind]} could use up to ${tokens(BigInt(input.worstCaseTokens))}; ` +
          `${tokens(left)} ${left === 1n ? "is" : "are"} left of the limit of ${tokens(agent.budgetTokens!)}. Raise the token limit to continue.`,
      };
    }
  }
}

/** Replaces a reservation with what the call really cost, linked to its event, and updates the agent's counters. */
export async function commitSpend(
  input: {
    agentId: string;
    teamId: string;
    reservationId: bigint;
    costUsd: string;
    tokensIn: number;
    tokensOut: number;
    eventId?: bigint | null;
  },
  within?: Prisma.TransactionClient,
) {
  // One statement (sql.ts): a single statement is atomic, so it needs no transaction of its own.
  await commitReservation(within ?? db, { ...input, eventId: input.eventId ?? null });
}

/** Frees a reservation whose call never happened or failed before costing anything. */
export async function releaseSpend({ agentId, teamId, reservationId }: { agentId: string; teamId: string; reservationId: bigint }) {
  await db.spendEntry.updateMany({
    where: { id: reservationId, agentId, teamId, state: "reserved" },
    data: { state: "released", costUsd: 0 },
  });
}

export type OrphanSettlement = { agentId: string; teamId: string; calls: number; costUsd: string; tokens: number };

/**
 * Reservations no call can still hold: the step that made them died mid-call (the app or the executor
 * was killed) and its retry reserved again. Each is committed at its worst case — the provider may have
 * billed the cut-off call — and the agent's counters follow, so a crash neither leaves money counted
 * as "reserved" forever nor makes a call that may have happened disappear from the ledger. One
 * statement (sql.ts); SKIP LOCKED lets two watchdogs share the work. What was charged, per agent: the
 * watchdog tells each agent's timeline (server/operations/watchdog.ts settleOrphanedReservations).
 */
export async function chargeOrphanedReservations({
  olderThanSeconds,
  limit = 1000,
}: {
  olderThanSeconds: number;
  limit?: number;
}): Promise<OrphanSettlement[]> {
  return chargeOrphans(db, { olderThanSeconds, limit });
}

/** What a refused call was, in words. */
const CALL_NAMES: Record<SpendKind, string> = {
  model: "model call",
  summary: "summary (a model call)",
  embedding: "embedding call",
  tool: "tool call",
  delegation: "budget carved out for a child agent",
};

const tokens = (n: bigint) => `${n.toLocaleString("en-US")} token${n === 1n ? "" : "s"}`;

/**
 * Why a call was refused for money, with the amounts: a call is refused when its worst case does not
 * fit in what is left, which can happen far below 100 % spent ("the next model call could cost up to
 * $0.00096; $0.0009 is left"). Reserved-but-unfinished calls count as spent here, as they do in the check.
 */
export function moneyRefusal(
  input: { kind: SpendKind; worstCaseUsd: string },
  budgetUsd: Prisma.Decimal,
  committedUsd: Prisma.Decimal,
): string {
  const left = Prisma.Decimal.max(budgetUsd.minus(committedUsd), 0);
  return (
    `The next ${CALL_NAMES[input.kind]} could cost up to ${formatMoney(input.worstCaseUsd)}; ${formatMoney(left.toFixed())} is left ` +
    `of the ${formatMoney(budgetUsd.toFixed())} limit, so it was not made. Raise the money limit to continue.`
  );
}
