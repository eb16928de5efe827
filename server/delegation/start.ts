import "server-only";
import { inngest } from "~/inngest/client";
import { agentRunRequested } from "~/inngest/events";
import { db, Prisma } from "../db/client";
import { LOCKS, takeLock } from "../db/locks";
import { appendEvent } from "../agents/events";
import { reserveIfWithinLimits } from "../spend/sql";
import { missingPriceOf } from "../spend/model-prices";
import { logger } from "../logger";
import { formatMoney } from "../../shared/money";
import { AGENT_LIMITS } from "../../shared/agent-input";
import { CHILD_ENDED_STATUSES, DELEGATION_LIMITS, type DelegateInput } from "../../shared/delegation";

/**
 * A parent's `delegate` call starts its children (docs/decisions/040): in ONE transaction under the
 * parent's budget lock, each task's budget is carved out of what the parent has left (a `delegation`
 * reservation on the parent's ledger) and its child agent is created, keyed by the call and the task's
 * index, so a replayed call finds its children instead of starting others. Then each child's run is
 * asked for. A refusal (depth, how many at once, a tool the parent lacks, no money left) is thrown as
 * an error whose message the model reads, and nothing is started.
 */
export type StartedChild = { id: string; name: string; budgetUsd: string | null; budgetTokens: string | null; maxCycles: number };
export type Delegation = { mode: "wait" | "go_on"; waitUntil: string | null; children: StartedChild[] };

type ToolSetting = { name: string; enabled?: boolean; maxChildren?: number; timeoutSeconds?: number };

export class DelegationRefused extends Error {}

const LIVE_EXCLUDED = [...CHILD_ENDED_STATUSES] as const;

export async function startChildren({
  parentId,
  teamId,
  cycle,
  callIndex,
  idempotencyKey,
  input,
}: {
  parentId: string;
  teamId: string;
  cycle: number;
  callIndex: number;
  idempotencyKey: string;
  input: DelegateInput;
}): Promise<Delegation> {
  const keyOf = (index: number) => `${idempotencyKey}:${index}`;
  const { delegation, isNew } = await db.$transaction(async (tx) => {
    await takeLock(tx, LOCKS.budget(parentId));
    const parent = await tx.agent.findFirst({ where: { id: parentId, teamId } });
    if (!parent) throw new Error(`Agent ${parentId} was not found in team ${teamId}.`);
    const tools = parent.tools as ToolSetting[];
    const setting = tools.find((t) => t.name === "delegate");
    const mode = input.wait ? ("wait" as const) : ("go_on" as const);
    const timeoutSeconds = setting?.timeoutSeconds ?? DELEGATION_LIMITS.defaultTimeoutSeconds;

    // A replay of this call (a retried step, a resumed run): its children exist already.
    const existing = await tx.agent.findMany({
      where: { teamId, parentId, delegationKey: { startsWith: `${idempotencyKey}:` } },
      orderBy: { delegationKey: "asc" },
      select: { id: true, name: true, budgetUsd: true, budgetTokens: true, budgetCycles: true, createdAt: true },
    });
    if (existing.length > 0) {
      const first = existing[0]!.createdAt;
      return {
        isNew: false,
        delegation: {
          mode,
          waitUntil: mode === "wait" ? new Date(first.getTime() + timeoutSeconds * 1000).toISOString() : null,
          children: existing.map(startedChild),
        },
      };
    }

    const depth = parent.depth + 1;
    if (depth > DELEGATION_LIMITS.maxDepth) {
      throw new DelegationRefused(
        `Delegation is limited to ${DELEGATION_LIMITS.maxDepth} levels and this agent is at level ${parent.depth}: do the work yourself.`,
      );
    }
    const maxAtOnce = setting?.maxChildren ?? DELEGATION_LIMITS.defaultMaxChildren;
    const live = await tx.agent.count({ where: { teamId, parentId, status: { notIn: [...LIVE_EXCLUDED] } } });
    if (live + input.tasks.length > maxAtOnce) {
      throw new DelegationRefused(
        `At most ${maxAtOnce} children may run at once; ${live} ${live === 1 ? "is" : "are"} running and you asked for ${input.tasks.length} more.`,
      );
    }
    const total = await tx.agent.count({ where: { teamId, parentId } });
    if (total + input.tasks.length > DELEGATION_LIMITS.maxTotalChildren) {
      throw new DelegationRefused(
        `An agent may start at most ${DELEGATION_LIMITS.maxTotalChildren} children in all; this one has started ${total}.`,
      );
    }

    // What the parent has left: its limits minus what it spent and what its open reservations hold.
    const open = await tx.spendEntry.aggregate({
      where: { agentId: parentId, teamId, state: "reserved" },
      _sum: { costUsd: true, tokensIn: true, tokensOut: true },
    });
    let leftUsd = parent.budgetUsd?.minus(parent.spentUsd).minus(open._sum.costUsd ?? 0) ?? null;
    let leftTokens =
      parent.budgetTokens === null
        ? null
        : parent.budgetTokens - parent.tokensUsed - BigInt((open._sum.tokensIn ?? 0) + (open._sum.tokensOut ?? 0));

    const enabled = tools.filter((t) => t.enabled !== false);
    const children: StartedChild[] = [];
    let firstCreated: Date | null = null;
    for (const [index, task] of input.tasks.entries()) {
      const childTools = toolsFor(enabled, task.tools, depth);
      const model = task.model ?? parent.model;
      if (model !== parent.model) {
        const missing = await missingPriceOf({ teamId, provider: parent.provider, model }, tx);
        if (missing) throw new DelegationRefused(`Task ${index + 1}: ${missing}`);
      }
      // The carve: what the task asks for, or a fair share (what is left over the tasks and the parent
      // itself), never more than is left. An unlimited parent gives an unlimited child unless the task names a limit.
      const share = BigInt(input.tasks.length - index + 1);
      const usd =
        leftUsd === null
          ? task.budgetUsd === undefined
            ? null
            : new Prisma.Decimal(task.budgetUsd)
          : Prisma.Decimal.min(
              task.budgetUsd === undefined ? leftUsd.dividedBy(share.toString()) : new Prisma.Decimal(task.budgetUsd),
              leftUsd,
            );
      if (usd !== null && leftUsd !== null && usd.lessThanOrEqualTo(0)) {
        throw new DelegationRefused(
          `No money is left to carve out for task ${index + 1}: ${formatMoney(Prisma.Decimal.max(leftUsd, 0).toFixed())} is left of your ${formatMoney(parent.budgetUsd!.toFixed())} limit.`,
        );
      }
      const tokens =
        leftTokens === null
          ? task.budgetTokens === undefined
            ? null
            : BigInt(task.budgetTokens)
          : minBig(task.budgetTokens === undefined ? leftTokens / share : BigInt(task.budgetTokens), leftTokens);
      if (tokens !== null && leftTokens !== null && tokens <= 0n) {
        throw new DelegationRefused(`No tokens are left to carve out for task ${index + 1} (${leftTokens < 0n ? 0 : leftTokens} left).`);
      }
      const usdText = usd === null ? null : usd.toDecimalPlaces(8, Prisma.Decimal.ROUND_DOWN).toFixed();
      const reservation = await reserveIfWithinLimits(tx, {
        agentId: parentId,
        teamId,
        kind: "delegation",
        model: null,
        worstCaseUsd: usdText ?? "0",
        worstCaseTokens: tokens === null ? 0 : Number(tokens),
        // Cycles are the child's own: a carve never stops at the parent's cycle limit.
        nextCycle: 0,
        reservationKey: `delegate:${keyOf(index)}`,
      });
      if (reservation.refusedBy !== null || reservation.reservationId === null) {
        throw new DelegationRefused(`Your budget cannot cover task ${index + 1} (${reservation.refusedBy ?? "refused"}).`);
      }
      if (leftUsd !== null && usd !== null) leftUsd = leftUsd.minus(usdText!);
      if (leftTokens !== null && tokens !== null) leftTokens -= tokens;

      const maxCycles = task.maxCycles ?? DELEGATION_LIMITS.defaultChildCycles;
      const child = await tx.agent.create({
        data: {
          teamId,
          name: await freeName(tx, teamId, childName({ parentName: parent.name, taskName: task.name, cycle, callIndex, index })),
          goal: task.goal,
          instructions: task.instructions ?? "",
          status: "running",
          provider: parent.provider,
          model,
          temperature: parent.temperature,
          maxOutputTokens: parent.maxOutputTokens,
          contextWindow: parent.contextWindow,
          tools: childTools,
          messageChannelIds: parent.messageChannelIds,
          budgetUsd: usdText,
          budgetTokens: tokens,
          budgetCycles: maxCycles,
          softLimitPercent: parent.softLimitPercent,
          cooldownSeconds: parent.cooldownSeconds,
          approvalTimeoutSeconds: parent.approvalTimeoutSeconds,
          approvalTimeoutPolicy: parent.approvalTimeoutPolicy,
          cyclesPerRun: parent.cyclesPerRun,
          stuckRepeatLimit: parent.stuckRepeatLimit,
          stuckNoProgressCycles: parent.stuckNoProgressCycles,
          memorySettings: parent.memorySettings as Prisma.InputJsonValue,
          createdById: parent.createdById,
          parentId,
          depth,
          delegationKey: keyOf(index),
          delegationMode: mode,
          parentCycle: cycle,
          delegationReservationId: reservation.reservationId,
        },
        select: { id: true, name: true, budgetUsd: true, budgetTokens: true, budgetCycles: true, createdAt: true },
      });
      await appendEvent(
        {
          agentId: child.id,
          teamId,
          cycle: 0,
          type: "status_change",
          payload: { change: "delegated", to: "running", parentId, parentName: parent.name, parentCycle: cycle, mode },
        },
        tx,
      );
      children.push(startedChild(child));
      firstCreated ??= child.createdAt;
    }
    // Counted from the first child's creation, as a replay counts it (above).
    const waitUntil = mode === "wait" && firstCreated ? new Date(firstCreated.getTime() + timeoutSeconds * 1000).toISOString() : null;
    return { isNew: true, delegation: { mode, waitUntil, children } };
  });
  if (isNew) await requestChildRuns({ teamId, parentId, childIds: delegation.children.map((c) => c.id) });
  return delegation;
}

/**
 * Asks for the runs of a delegate call's children that have not begun one yet. Event ids make the sends
 * idempotent. A send lost while the executor was down is sent again by the call's replay (the loop calls
 * this again when the step that made the call runs again, server/loop/act.ts); failing that, the watchdog
 * restarts a "running" child without a run (as it does a triggered start whose event was lost).
 */
export async function requestChildRuns({ teamId, parentId, childIds }: { teamId: string; parentId: string; childIds: string[] }) {
  const waiting = await db.agent.findMany({
    where: { id: { in: childIds }, teamId, parentId, status: "running", runs: { none: {} } },
    select: { id: true },
  });
  for (const { id: childId } of waiting) {
    try {
      await inngest.send({
        id: `delegate-start-${childId}`,
        name: agentRunRequested.name,
        data: { agentId: childId, teamId, reason: "delegated" },
      });
    } catch (error) {
      logger.error({ parentId, childId, err: error }, "child created but its run could not be requested");
    }
  }
}

function startedChild(c: {
  id: string;
  name: string;
  budgetUsd: Prisma.Decimal | null;
  budgetTokens: bigint | null;
  budgetCycles: number | null;
}): StartedChild {
  return {
    id: c.id,
    name: c.name,
    budgetUsd: c.budgetUsd?.toFixed() ?? null,
    budgetTokens: c.budgetTokens?.toString() ?? null,
    maxCycles: c.budgetCycles ?? DELEGATION_LIMITS.defaultChildCycles,
  };
}

/**
 * A child's tools: the ones the task names (all of the parent's when it names none), each with the
 * parent's own setting (approval, allowed hosts), so a child never reaches wider than its parent. A
 * child at the deepest level does not get `delegate`.
 */
function toolsFor(enabled: ToolSetting[], asked: string[] | undefined, depth: number): ToolSetting[] {
  const byName = new Map(enabled.map((t) => [t.name, t]));
  if (asked) {
    const missing = asked.filter((name) => !byName.has(name));
    if (missing.length > 0) {
      throw new DelegationRefused(
        `A child can only get tools you have: ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not among yours (${[...byName.keys()].join(", ")}).`,
      );
    }
  }
  const names = asked ? [...new Set([...asked, "finish"])] : [...byName.keys()];
  return names
    .map((name) => byName.get(name) ?? { name, enabled: true, approval: "never" })
    .filter((t) => !(t.name === "delegate" && depth >= DELEGATION_LIMITS.maxDepth))
    .map((t) => ({ ...t, enabled: true }));
}

function childName({
  parentName,
  taskName,
  cycle,
  callIndex,
  index,
}: {
  parentName: string;
  taskName: string | undefined;
  cycle: number;
  callIndex: number;
  index: number;
}) {
  // Unique in the team (the call's cycle, attempt and task number), and within the name limit.
  const suffix = ` · ${cycle}.${callIndex > 0 ? `${callIndex}.` : ""}${index + 1}`;
  const base = taskName ? `${parentName} › ${taskName}` : `${parentName} › helper`;
  return `${base.slice(0, AGENT_LIMITS.nameMax - suffix.length)}${suffix}`;
}

/** The name, or (when a person already gave an agent of the team that name) the name with a number, within the limit. */
async function freeName(tx: Prisma.TransactionClient, teamId: string, name: string) {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? name : `${name.slice(0, AGENT_LIMITS.nameMax - ` (${n})`.length)} (${n})`;
    if (!(await tx.agent.findFirst({ where: { teamId, name: candidate }, select: { id: true } }))) return candidate;
  }
}

function minBig(a: bigint, b: bigint) {
  return a < b ? a : b;
}
