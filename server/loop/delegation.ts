import "server-only";
import { db } from "../db/client";
import { stopAgents } from "../agents/tree";
import { childOutcome, settleChild } from "../delegation/settle";
import { WAITING_FOR_CHILDREN } from "../delegation/wait";
import type { DelegatedResult } from "../../shared/delegation";
import { act, type ActOutcome } from "./act";
import type { CycleSession } from "./session";

/**
 * The loop's side of a waiting `delegate` call (docs/decisions/040): the act that started the children
 * returns `await_children`; the run waits (costing nothing) for each child's `agent/child.finished`; then
 * `collectChildren` records their outcomes as the call's result, once, like any tool result.
 */
type Ids = { agentId: string; teamId: string };

/**
 * After the wait: children still running (the wait's time ran out) are stopped and settled, so every
 * child comes back with how it ended, never as silence; then their outcomes are the call's result.
 */
export async function collectChildren(
  input: Ids & { agentRunId: string; cycle: number; callEventSeq: number; childIds: string[] },
  session: CycleSession,
): Promise<ActOutcome> {
  const { agentId, teamId, childIds } = input;
  const unsettled = await db.agent.findMany({
    where: { id: { in: childIds }, teamId, delegationSettledAt: null },
    select: { id: true },
  });
  if (unsettled.length > 0) {
    await stopAgents({
      teamId,
      ids: unsettled.map((c) => c.id),
      reason: "Its parent stopped waiting for it: the delegate call's time ran out.",
    });
    for (const child of unsettled) await settleChild({ teamId, childId: child.id });
  }
  const existing = new Set((await db.agent.findMany({ where: { id: { in: childIds }, teamId }, select: { id: true } })).map((c) => c.id));
  const children: DelegatedResult["children"] = [];
  for (const childId of childIds) {
    children.push(existing.has(childId) ? await childOutcome({ teamId, childId }) : { childId, status: "deleted" });
  }
  const timedOut = unsettled.length;
  await db.agent.updateMany({
    where: { id: agentId, teamId, statusReason: { startsWith: WAITING_FOR_CHILDREN } },
    data: { statusReason: null },
  });
  return act(
    {
      agentId,
      teamId,
      agentRunId: input.agentRunId,
      cycle: input.cycle,
      callEventSeq: input.callEventSeq,
      approval: null,
      nextFollows: false,
      supplied: { status: "succeeded", result: { children, ...(timedOut > 0 ? { timedOut } : {}) } },
    },
    session,
  );
}
