import "server-only";
import { inngest } from "~/inngest/client";
import { agentChildEnded, agentPauseRequested, agentRunRequested } from "~/inngest/events";
import { db, Prisma } from "../db/client";
import { col } from "../db/columns";
import { rows, sqlRow } from "../db/rows";
import { logger } from "../logger";
import { appendEvent } from "./events";
import { PERSON_ACTIONS } from "../../shared/agent-status";
import { CHILD_ENDED_STATUSES } from "../../shared/delegation";

/**
 * The agent tree (issue 23, docs/decisions/040): control flows down. Pausing an agent pauses its live
 * descendants (marked `pausedWithParent`, so resuming the agent resumes exactly those); stopping it, or
 * its run ending it, stops them. Each change is a status_change event on the child's own timeline and
 * closes its run claims; the events that cancel or start runs are sent after the change is committed.
 * A child that ends this way is settled with its parent by the delegation-settle function.
 */
type Ids = { agentId: string; teamId: string };

const descendantRow = sqlRow("listing an agent's descendants", { id: col.uuid, status: col.text, pausedWithParent: col.bool });

/** Every descendant of an agent (children, their children, ...), with its status. */
export async function descendantsOf({ agentId, teamId }: Ids) {
  return rows(
    db,
    descendantRow,
    Prisma.sql`
    WITH RECURSIVE tree AS (
      SELECT id, status, "pausedWithParent", "createdAt", "delegationKey", 1 AS level FROM agent WHERE "parentId" = ${agentId}::uuid AND "teamId" = ${teamId}
      UNION ALL
      SELECT a.id, a.status, a."pausedWithParent", a."createdAt", a."delegationKey", t.level + 1 FROM agent a JOIN tree t ON a."parentId" = t.id
       WHERE a."teamId" = ${teamId} AND t.level < 20
    )
    SELECT id::text, status::text, "pausedWithParent" FROM tree ORDER BY level, "createdAt", "delegationKey", id`,
  );
}

async function send(events: Parameters<typeof inngest.send>[0], what: string) {
  try {
    await inngest.send(events);
  } catch (error) {
    // The change is committed; the watchdog restarts or settles what a lost event leaves behind.
    logger.error({ err: error, what }, "the tree's control event could not be sent");
  }
}

const ENDED: readonly string[] = CHILD_ENDED_STATUSES;
/** What a stop flowing down may stop: anything a person could stop that has not ended. */
const STOPPABLE = PERSON_ACTIONS.stop.filter((status) => !ENDED.includes(status));

/** Pauses the agent's live descendants with it. */
export async function pauseDescendants({ agentId, teamId, parentName }: Ids & { parentName: string }) {
  const paused: string[] = [];
  for (const child of await descendantsOf({ agentId, teamId })) {
    const updated = await db.agent.updateMany({
      where: { id: child.id, teamId, status: { in: PERSON_ACTIONS.pause } },
      data: { status: "paused", statusReason: `Paused with ${parentName}.`, pausedWithParent: true },
    });
    if (updated.count === 0) continue;
    await closeClaims(child.id, teamId, "paused with its parent");
    await recordChange(child.id, teamId, { to: "paused", change: "with_parent", parentName });
    paused.push(child.id);
  }
  if (paused.length > 0)
    await send(
      paused.map((id) => ({ name: agentPauseRequested.name, data: { agentId: id, teamId } })),
      "pause",
    );
  return paused;
}

/** Resumes the descendants that were paused with the agent (one a person paused on its own stays paused). */
export async function resumeDescendants({ agentId, teamId, parentName }: Ids & { parentName: string }) {
  const resumed: string[] = [];
  for (const child of await descendantsOf({ agentId, teamId })) {
    if (!child.pausedWithParent) continue;
    const updated = await db.agent.updateMany({
      where: { id: child.id, teamId, status: "paused", pausedWithParent: true },
      data: { status: "running", statusReason: null, pausedWithParent: false },
    });
    if (updated.count === 0) continue;
    await recordChange(child.id, teamId, { to: "running", change: "with_parent", parentName });
    resumed.push(child.id);
  }
  if (resumed.length > 0) {
    await send(
      resumed.map((id) => ({ name: agentRunRequested.name, data: { agentId: id, teamId, reason: "resumed with its parent" } })),
      "resume",
    );
  }
  return resumed;
}

/** Stops the agent's live descendants (its stop, its end, or a wait for them that timed out); returns the ids stopped. */
export async function stopDescendants({ agentId, teamId, reason }: Ids & { reason: string }) {
  return stopAgents({ teamId, ids: (await descendantsOf({ agentId, teamId })).map((c) => c.id), reason });
}

/** Stops these agents (and, first, their own descendants) unless they ended already; returns the ids stopped. */
export async function stopAgents({ teamId, ids, reason }: { teamId: string; ids: string[]; reason: string }) {
  const stopped: string[] = [];
  for (const id of ids) {
    const updated = await db.agent.updateMany({
      where: { id, teamId, status: { in: STOPPABLE } },
      data: { status: "stopped", statusReason: reason, pausedWithParent: false },
    });
    if (updated.count === 0) continue;
    await db.approval.updateMany({
      where: { agentId: id, teamId, status: "pending" },
      data: { status: "cancelled", decidedAt: new Date() },
    });
    await closeClaims(id, teamId, "stopped with its parent");
    await recordChange(id, teamId, { to: "stopped", change: "with_parent", reason });
    stopped.push(id);
  }
  if (stopped.length > 0) {
    await send(
      stopped.flatMap((id) => [
        { name: agentPauseRequested.name, data: { agentId: id, teamId } },
        { id: `child-ended-${id}-stopped`, name: agentChildEnded.name, data: { childId: id, teamId } },
      ]),
      "stop",
    );
  }
  return stopped;
}

async function closeClaims(agentId: string, teamId: string, reason: string) {
  await db.agentRun.updateMany({
    where: { agentId, teamId, status: "running" },
    data: { status: "cancelled", endedAt: new Date(), reason },
  });
}

async function recordChange(agentId: string, teamId: string, payload: Record<string, string>) {
  const agent = await db.agent.findFirst({ where: { id: agentId, teamId }, select: { cycleCount: true } });
  await appendEvent({ agentId, teamId, cycle: agent?.cycleCount ?? 0, type: "status_change", payload });
}
