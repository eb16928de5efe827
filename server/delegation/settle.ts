import "server-only";
import { inngest } from "~/inngest/client";
import { agentChildEnded, agentChildFinished } from "~/inngest/events";
import { db, Prisma } from "../db/client";
import { col } from "../db/columns";
import { rows, sqlRow } from "../db/rows";
import { LOCKS, takeLock } from "../db/locks";
import { commitReservation } from "../spend/sql";
import { AgentNotDeliverableError, deliverTrigger } from "../triggers/deliver";
import { logger } from "../logger";
import { CHILD_ENDED_STATUSES, type ChildOutcome } from "../../shared/delegation";

/**
 * A child's end, settled with its parent exactly once (docs/decisions/040):
 * - the parent's `delegation` reservation is committed at what the child spent (its counters and any
 *   reservation it still holds), which returns the unused rest of the carve to the parent;
 * - a parent that went on (go_on) is told as a `trigger` event with source "child" (one delivery per
 *   child: the delivery's unique id makes it once, and wakes a sleeping parent);
 * - a parent that waits (wait) hears `agent/child.finished`, and its collect step reads the result.
 * `delegationSettledAt` marks it done; every step is safe to repeat, so any path may call it again.
 */
const ENDED: readonly string[] = CHILD_ENDED_STATUSES;

export type Settlement = "settled" | "already" | "not_ended" | "not_a_child";

export async function settleChild({ teamId, childId }: { teamId: string; childId: string }): Promise<Settlement> {
  const child = await db.agent.findFirst({
    where: { id: childId, teamId },
    select: { parentId: true, status: true, delegationMode: true, delegationSettledAt: true, delegationReservationId: true },
  });
  if (!child?.parentId || !child.delegationMode) return "not_a_child";
  // Settled before, by an attempt that may have died (or found the executor down) before telling a waiting
  // parent: it is told again (the event id makes a send that did arrive count once).
  const tellWaitingParent = () =>
    child.delegationMode === "wait"
      ? inngest.send({
          id: `child-finished-${childId}`,
          name: agentChildFinished.name,
          data: { parentId: child.parentId, childId, teamId },
        })
      : null;
  if (child.delegationSettledAt) {
    await tellWaitingParent();
    return "already";
  }
  if (!ENDED.includes(child.status)) return "not_ended";
  const parentId = child.parentId;
  const outcome = await childOutcome({ teamId, childId });
  if (child.delegationMode === "go_on") {
    try {
      await deliverTrigger({
        agentId: parentId,
        teamId,
        source: "child",
        deliveryId: `child:${childId}`,
        stored: outcome,
        event: { body: outcome },
      });
    } catch (error) {
      // A parent archived or deleted meanwhile has nobody to tell; its carve is still settled below.
      if (!(error instanceof AgentNotDeliverableError)) throw error;
    }
  }
  const settled = await db.$transaction(async (tx) => {
    await takeLock(tx, LOCKS.budget(parentId));
    const marked = await tx.agent.updateMany({
      where: { id: childId, teamId, delegationSettledAt: null },
      data: { delegationSettledAt: new Date() },
    });
    if (marked.count === 0) return false;
    if (child.delegationReservationId !== null) {
      const open = await tx.spendEntry.aggregate({
        where: { agentId: childId, teamId, state: "reserved" },
        _sum: { costUsd: true, tokensIn: true, tokensOut: true },
      });
      const costUsd = new Prisma.Decimal(outcome.spentUsd).plus(open._sum.costUsd ?? 0).toFixed();
      const tokens = Number(outcome.tokensUsed) + (open._sum.tokensIn ?? 0) + (open._sum.tokensOut ?? 0);
      await commitReservation(tx, {
        agentId: parentId,
        teamId,
        reservationId: child.delegationReservationId,
        costUsd,
        tokensIn: tokens,
        tokensOut: 0,
        eventId: null,
      });
    }
    return true;
  });
  await tellWaitingParent();
  return settled ? "settled" : "already";
}

/** Whether a child's end is settled (what a waiting parent's recheck asks). */
export async function isChildSettled({ teamId, childId }: { teamId: string; childId: string }): Promise<boolean> {
  const child = await db.agent.findFirst({ where: { id: childId, teamId }, select: { delegationSettledAt: true } });
  // A child deleted meanwhile will never settle: the parent stops waiting for it.
  return !child || child.delegationSettledAt !== null;
}

const toolCountRow = sqlRow("counting a child's tool results", { name: col.text, status: col.text, calls: col.int });
const finishRow = sqlRow("reading a child's finish", { isSuccess: col.bool.nullable(), result: col.text.nullable() });

/** What a child's end comes to for its parent: status, result or reason, and a short account of its history. */
export async function childOutcome({ teamId, childId }: { teamId: string; childId: string }): Promise<ChildOutcome> {
  const child = await db.agent.findFirstOrThrow({
    where: { id: childId, teamId },
    select: { name: true, status: true, statusReason: true, cycleCount: true, spentUsd: true, tokensUsed: true, summary: true },
  });
  const counts = await rows(
    db,
    toolCountRow,
    Prisma.sql`
    SELECT payload->>'name' AS name, payload->>'status' AS status, count(*)::int AS calls
      FROM agent_event WHERE "agentId" = ${childId}::uuid AND "teamId" = ${teamId} AND type = 'tool_result'
     GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT 12`,
  );
  const [finish] =
    child.status === "completed"
      ? await rows(
          db,
          finishRow,
          Prisma.sql`
          SELECT (payload->'result'->>'isSuccess')::boolean AS "isSuccess", payload->'result'->>'result' AS result
            FROM agent_event WHERE "agentId" = ${childId}::uuid AND "teamId" = ${teamId} AND type = 'tool_result' AND payload->>'name' = 'finish'
           ORDER BY seq DESC LIMIT 1`,
        )
      : [];
  const used = counts.map((c) => `${c.name} ×${c.calls}${c.status === "succeeded" ? "" : ` (${c.status})`}`).join(", ");
  const summary = [
    `${child.cycleCount} cycle${child.cycleCount === 1 ? "" : "s"}`,
    used ? `tools: ${used}` : "no tool calls",
    child.summary ? `summary: ${clip(child.summary, 1200)}` : null,
  ]
    .filter(Boolean)
    .join("; ");
  return {
    childId,
    name: child.name,
    status: child.status,
    result: finish?.result ? clip(finish.result, 8000) : null,
    isSuccess: finish ? finish.isSuccess !== false : false,
    reason: finish ? null : clip(child.statusReason ?? child.status, 2000),
    summary,
    cycles: child.cycleCount,
    spentUsd: child.spentUsd.toFixed(),
    tokensUsed: child.tokensUsed.toString(),
  };
}

function clip(text: string, max: number) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * The watchdog's net (server/operations): children that ended but were never settled (the event that
 * would have settled them was lost, or the process died first) get their `agent/child.ended` again.
 */
export async function resendUnsettledEnds({ olderThanSeconds = 30, limit = 200 }: { olderThanSeconds?: number; limit?: number } = {}) {
  const unsettled = await db.agent.findMany({
    where: {
      parentId: { not: null },
      delegationMode: { not: null },
      delegationSettledAt: null,
      status: { in: [...CHILD_ENDED_STATUSES] },
      updatedAt: { lt: new Date(Date.now() - olderThanSeconds * 1000) },
    },
    select: { id: true, teamId: true },
    take: limit,
  });
  if (unsettled.length === 0) return 0;
  try {
    await inngest.send(unsettled.map((c) => ({ name: agentChildEnded.name, data: { childId: c.id, teamId: c.teamId } })));
  } catch (error) {
    logger.error({ err: error, count: unsettled.length }, "could not resend the ends of unsettled children");
  }
  return unsettled.length;
}
