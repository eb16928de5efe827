import "server-only";
import { db } from "../db/client";
import { requestChildRuns, type Delegation } from "./start";
import { LOOP_STATUSES } from "../../shared/agent-status";

/** The status reason of a parent waiting for its children; starts with WAITING_FOR_CHILDREN. */
export const WAITING_FOR_CHILDREN = "Waiting for ";
const waitingReason = (count: number, until: string) =>
  `${WAITING_FOR_CHILDREN}${count} sub-agent${count === 1 ? "" : "s"} to finish (at most until ${until.slice(0, 16).replace("T", " ")} UTC).`;

/** The children a waiting delegate call waits for (and which of them have not ended yet); null for any other result. */
export async function awaitedChildren(
  toolName: string,
  result: unknown,
  { agentId, teamId }: { agentId: string; teamId: string },
): Promise<{ childIds: string[]; pending: string[]; waitUntil: string } | null> {
  if (toolName !== "delegate") return null;
  const delegation = result as Partial<Delegation> | null;
  if (delegation?.mode !== "wait" || !delegation.waitUntil || !Array.isArray(delegation.children)) return null;
  const childIds = delegation.children.map((c) => c.id);
  const settled = await db.agent.findMany({
    where: { id: { in: childIds }, teamId, delegationSettledAt: { not: null } },
    select: { id: true },
  });
  const done = new Set(settled.map((c) => c.id));
  const pending = childIds.filter((id) => !done.has(id));
  if (pending.length > 0) {
    // What the dashboard says while the run waits (collectChildren clears it).
    await db.agent.updateMany({
      where: { id: agentId, teamId, status: { in: LOOP_STATUSES.loopOwned } },
      data: { statusReason: waitingReason(pending.length, delegation.waitUntil) },
    });
  }
  return { childIds, pending, waitUntil: delegation.waitUntil };
}

/** Before a waiting parent waits for one child: whether it has ended already, and how many seconds of the call's time are left. */
export async function childWaitState({ teamId, childId, waitUntil }: { teamId: string; childId: string; waitUntil: string }) {
  const child = await db.agent.findFirst({ where: { id: childId, teamId }, select: { delegationSettledAt: true } });
  return {
    settled: !child || child.delegationSettledAt !== null,
    timeoutSeconds: Math.max(0, Math.ceil((Date.parse(waitUntil) - Date.now()) / 1000)),
  };
}

/**
 * A delegate call's step ran again (its first attempt's result died with the executor): the children it
 * started whose run was never asked for (the sends failed while the executor was down) are asked for now.
 */
export async function requestRunsOnReplay(toolName: string, result: unknown, ids: { agentId: string; teamId: string }) {
  if (toolName !== "delegate") return;
  const delegation = result as Partial<Delegation> | null;
  // (A waiting call's recorded result is its children's outcomes: they have ended.)
  if ((delegation?.mode !== "wait" && delegation?.mode !== "go_on") || !Array.isArray(delegation.children)) return;
  await requestChildRuns({ teamId: ids.teamId, parentId: ids.agentId, childIds: delegation.children.map((c) => c.id) });
}
