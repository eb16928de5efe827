import "server-only";
import { can, type TeamRoleName } from "../../shared/roles";
import { Prisma } from "../db/client";
import { AppError } from "../errors";
import { formatMoney } from "../../shared/money";

/**
 * The field-level rule on an agent's limits, written once: raising any limit that caps what an agent
 * may spend (money, tokens, cycles) or moving its soft limit later needs the `budget:raise`
 * permission (admin and owner), on every path that can change them: editing (agent.update), the
 * budget panel (agent.raiseBudget), forking (a fork's limits), and any later path (the public API).
 * Lowering a limit, or setting the limits of a brand-new agent, is every member's right.
 * tests/integration/authz-matrix.test.ts ("field-level rules") fails when a path to these fields is
 * added without going through this rule.
 */
export const GUARDED_LIMITS = ["budgetUsd", "budgetTokens", "budgetCycles", "softLimitPercent"] as const;
export type GuardedLimit = (typeof GUARDED_LIMITS)[number];

/** An agent's limits as stored: a null money, token or cycle limit means unlimited. */
export type AgentLimits = {
  budgetUsd: Prisma.Decimal | null;
  budgetTokens: bigint | null;
  budgetCycles: number | null;
  softLimitPercent: number;
};

const LABELS: Record<GuardedLimit, string> = {
  budgetUsd: "money limit",
  budgetTokens: "token limit",
  budgetCycles: "cycle limit",
  softLimitPercent: "soft limit",
};

export function limitsOf(row: AgentLimits): AgentLimits {
  return {
    budgetUsd: row.budgetUsd,
    budgetTokens: row.budgetTokens,
    budgetCycles: row.budgetCycles,
    softLimitPercent: row.softLimitPercent,
  };
}

/** Whether a limit goes up: unlimited is above every number; a limit removed is a raise. */
function isRaised<T extends Prisma.Decimal | bigint | number>(current: T | null, next: T | null): boolean {
  if (current === null) return false;
  if (next === null) return true;
  if (current instanceof Prisma.Decimal) return (next as Prisma.Decimal).greaterThan(current);
  return next > current;
}

/** The limits `next` raises above `current`. */
export function raisedLimits(current: AgentLimits, next: AgentLimits): GuardedLimit[] {
  const raised: GuardedLimit[] = [];
  if (isRaised(current.budgetUsd, next.budgetUsd)) raised.push("budgetUsd");
  if (isRaised(current.budgetTokens, next.budgetTokens)) raised.push("budgetTokens");
  if (isRaised(current.budgetCycles, next.budgetCycles)) raised.push("budgetCycles");
  if (next.softLimitPercent > current.softLimitPercent) raised.push("softLimitPercent");
  return raised;
}

export function canRaiseLimits(role: TeamRoleName): boolean {
  return can(role, "budget:raise");
}

/** Refuses (FORBIDDEN, with a message per field) when `next` raises a limit and the role may not. */
export function assertMayRaiseLimits({ role, current, next }: { role: TeamRoleName; current: AgentLimits; next: AgentLimits }) {
  if (canRaiseLimits(role)) return;
  const raised = raisedLimits(current, next);
  if (raised.length === 0) return;
  const fieldErrors = Object.fromEntries(
    raised.map((field) => [
      field,
      [`Raising the ${LABELS[field]} needs an admin (you are a ${role}). Keep it as it is or lower it; an admin can raise it.`],
    ]),
  );
  throw new AppError("FORBIDDEN", Object.values(fieldErrors)[0]![0]!, { fieldErrors });
}

/**
 * What a fork may start with when its creator may not raise limits: what the source has left. A fork
 * resets spend (it is a new agent), so copying the source's limits would hand out its budget again.
 * The cycle limit counts cycles from the checkpoint on, as the fork's numbering continues from there.
 */
export function remainingLimitsForFork(
  source: AgentLimits & { spentUsd: Prisma.Decimal; tokensUsed: bigint; cycleCount: number },
  checkpointCycle: number,
): AgentLimits {
  const exhausted: string[] = [];
  let budgetUsd: Prisma.Decimal | null = null;
  if (source.budgetUsd !== null) {
    budgetUsd = source.budgetUsd.minus(source.spentUsd);
    if (!budgetUsd.greaterThan(0)) exhausted.push("money");
  }
  let budgetTokens: bigint | null = null;
  if (source.budgetTokens !== null) {
    budgetTokens = source.budgetTokens - source.tokensUsed;
    if (budgetTokens <= 0n) exhausted.push("tokens");
  }
  let budgetCycles: number | null = null;
  if (source.budgetCycles !== null) {
    const cyclesLeft = source.budgetCycles - source.cycleCount;
    if (cyclesLeft <= 0) exhausted.push("cycles");
    budgetCycles = checkpointCycle + cyclesLeft;
  }
  if (exhausted.length > 0) {
    throw new AppError(
      "FORBIDDEN",
      `This agent has no ${exhausted.join(" or ")} left; a fork would start with a fresh budget, which needs an admin.`,
    );
  }
  return { budgetUsd, budgetTokens, budgetCycles, softLimitPercent: source.softLimitPercent };
}

/** What a person asks to raise: any of the three limits; a field left out stays as it is. */
export type BudgetRaise = { budgetUsd?: string; budgetTokens?: number; budgetCycles?: number };
export type RaisableLimit = keyof BudgetRaise;

/**
 * Each field of a raise judged on its own (issue 22): the valid ones are applied, and each one that is
 * not says why and what to do, so one wrong field never costs the others (a token raise on an agent
 * without a token limit no longer loses the money raise typed beside it). Pure: the caller holds the lock.
 */
export function judgeRaise(
  current: Pick<AgentLimits, "budgetUsd" | "budgetTokens" | "budgetCycles">,
  raise: BudgetRaise,
): {
  data: { budgetUsd?: Prisma.Decimal; budgetTokens?: bigint; budgetCycles?: number };
  notApplied: Partial<Record<RaisableLimit, string>>;
} {
  const data: { budgetUsd?: Prisma.Decimal; budgetTokens?: bigint; budgetCycles?: number } = {};
  const notApplied: Partial<Record<RaisableLimit, string>> = {};
  if (raise.budgetUsd !== undefined) {
    const next = new Prisma.Decimal(raise.budgetUsd);
    if (current.budgetUsd === null) notApplied.budgetUsd = "This agent has no money limit, so there is nothing to raise; leave this empty.";
    else if (!next.greaterThan(current.budgetUsd))
      notApplied.budgetUsd = `Enter more than the current ${formatMoney(current.budgetUsd.toFixed())}.`;
    else data.budgetUsd = next;
  }
  if (raise.budgetTokens !== undefined) {
    if (current.budgetTokens === null)
      notApplied.budgetTokens = "This agent has no token limit, so there is nothing to raise; leave this empty.";
    else if (BigInt(raise.budgetTokens) <= current.budgetTokens)
      notApplied.budgetTokens = `Enter more than the current ${current.budgetTokens.toLocaleString("en-US")} tokens.`;
    else data.budgetTokens = BigInt(raise.budgetTokens);
  }
  if (raise.budgetCycles !== undefined) {
    if (current.budgetCycles === null)
      notApplied.budgetCycles = "This agent has no cycle limit, so there is nothing to raise; leave this empty.";
    else if (raise.budgetCycles <= current.budgetCycles)
      notApplied.budgetCycles = `Enter more than the current ${current.budgetCycles.toLocaleString("en-US")} cycles.`;
    else data.budgetCycles = raise.budgetCycles;
  }
  return { data, notApplied };
}
