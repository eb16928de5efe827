import "server-only";
import { db } from "../db/client";
import { AppError, notFound } from "../errors";
import { recordAudit } from "../audit/record";
import { logger } from "../logger";
import { getColdStore } from "../hibernation/cold-store";
import { forgetSegment } from "../hibernation/segments";
import { IMPORTING, PERSON_ACTIONS, type AgentStatus } from "../../shared/agent-status";
import { CHILD_ENDED_STATUSES } from "../../shared/delegation";

/**
 * Archiving and deleting agents, one or many (issue 22).
 *
 * - **Archive** hides an agent from the default list (the "Archived" view shows it) and keeps
 *   everything; **restore** brings it back. `archivedAt` is orthogonal to the status, which stays as it
 *   was. Only an agent without a live run (the statuses a delete allows): a hidden agent that keeps
 *   running and spending is a surprise.
 * - **Delete** removes the agent with its runs, events, memories, facts, snapshots, approvals, tool
 *   effects, share links (all cascade from the agent row) and its cold segment files; the audit log and
 *   the spend ledger stay (spend_entry has no foreign key to agent: its rows keep the agent's id, the
 *   agent.delete audit entry its name). Refused while a run is live or waiting: stop it first.
 *
 * Bulk calls act on each agent the caller's team has and say which were refused and why; an id of
 * another team is "not found" like everywhere else.
 */
type Ids = { teamId: string; userId: string };
export type BulkOutcome = { done: string[]; refused: { id: string; name: string; reason: string }[] };

const liveRunReason = (status: AgentStatus, verb: string) => `The agent is ${status.replace("_", " ")}; stop it first, then ${verb} it.`;

async function findTeamAgents(teamId: string, agentIds: string[]) {
  const agents = await db.agent.findMany({
    where: { id: { in: agentIds }, teamId, status: { not: IMPORTING } },
    select: { id: true, name: true, status: true, archivedAt: true },
  });
  if (agents.length !== new Set(agentIds).size) throw notFound(agentIds.length === 1 ? "That agent" : "One of those agents");
  return agents;
}

/** Archives (hides) agents without a live run; archiving an archived agent changes nothing. */
export async function archiveAgents({ teamId, userId, agentIds }: Ids & { agentIds: string[] }): Promise<BulkOutcome> {
  const outcome: BulkOutcome = { done: [], refused: [] };
  for (const agent of await findTeamAgents(teamId, agentIds)) {
    if (agent.archivedAt) {
      outcome.done.push(agent.id);
      continue;
    }
    const archived = await db.$transaction(async (tx) => {
      // Guarded on the status: a start that came first wins, and this one is refused.
      const updated = await tx.agent.updateMany({
        where: { id: agent.id, teamId, archivedAt: null, status: { in: ARCHIVABLE } },
        data: { archivedAt: new Date() },
      });
      if (updated.count > 0)
        await recordAudit(tx, { teamId, actorId: userId, action: "agent.archive", targetId: agent.id, metadata: { name: agent.name } });
      return updated.count > 0;
    });
    if (archived) outcome.done.push(agent.id);
    else outcome.refused.push({ id: agent.id, name: agent.name, reason: liveRunReason(agent.status, "archive") });
  }
  return outcome;
}

/** Archivable and deletable: no live or waiting run (shared/agent-status.ts). */
const ARCHIVABLE = PERSON_ACTIONS.delete;

/** Brings archived agents back into the default list, with the status they had. */
export async function restoreAgents({ teamId, userId, agentIds }: Ids & { agentIds: string[] }): Promise<BulkOutcome> {
  const outcome: BulkOutcome = { done: [], refused: [] };
  for (const agent of await findTeamAgents(teamId, agentIds)) {
    await db.$transaction(async (tx) => {
      const updated = await tx.agent.updateMany({ where: { id: agent.id, teamId, archivedAt: { not: null } }, data: { archivedAt: null } });
      if (updated.count > 0)
        await recordAudit(tx, { teamId, actorId: userId, action: "agent.restore", targetId: agent.id, metadata: { name: agent.name } });
    });
    outcome.done.push(agent.id);
  }
  return outcome;
}

/** Deletes agents without a live run, with their history and cold files; the audit log and spend ledger stay. */
export async function deleteAgents({ teamId, userId, agentIds }: Ids & { agentIds: string[] }): Promise<BulkOutcome> {
  const outcome: BulkOutcome = { done: [], refused: [] };
  for (const agent of await findTeamAgents(teamId, agentIds)) {
    const segments = await db.coldSegment.findMany({ where: { agentId: agent.id, teamId }, select: { key: true } });
    // Its children are its work in progress (docs/decisions/040): stopping it stops them, then it can go.
    const liveChildren = await db.agent.count({ where: { parentId: agent.id, teamId, status: { notIn: [...CHILD_ENDED_STATUSES] } } });
    if (liveChildren > 0) {
      const reason = `The agent has ${liveChildren} sub-agent${liveChildren === 1 ? "" : "s"} that ${liveChildren === 1 ? "has" : "have"} not ended; stop it first (its sub-agents stop with it), then delete it.`;
      outcome.refused.push({ id: agent.id, name: agent.name, reason });
      continue;
    }
    const deleted = await db.$transaction(async (tx) => {
      const removed = await tx.agent.deleteMany({ where: { id: agent.id, teamId, status: { in: DELETABLE } } });
      if (removed.count > 0) {
        // The ledger keeps what was spent; reservations never charged (and released ones) go with the agent,
        // or the watchdog would later try to charge a reservation of an agent that is gone.
        await tx.spendEntry.deleteMany({ where: { agentId: agent.id, teamId, state: { not: "committed" } } });
        await recordAudit(tx, {
          teamId,
          actorId: userId,
          action: "agent.delete",
          targetId: agent.id,
          metadata: { name: agent.name, coldSegments: String(segments.length) },
        });
      }
      return removed.count > 0;
    });
    if (!deleted) {
      outcome.refused.push({ id: agent.id, name: agent.name, reason: liveRunReason(agent.status, "delete") });
      continue;
    }
    await deleteColdFiles(agent.id, segments);
    outcome.done.push(agent.id);
  }
  return outcome;
}

const DELETABLE = PERSON_ACTIONS.delete;

/**
 * The agent's cold segment files, after its rows are gone: the ones its rows named and any other file
 * under its prefix (one a crashed hibernation left). A file that cannot be deleted now is an orphan the
 * hibernator's sweep deletes later (it has no row), so a failure here is logged, not raised.
 */
async function deleteColdFiles(agentId: string, segments: { key: string }[]) {
  const store = getColdStore();
  try {
    const keys = new Set([...segments.map((s) => s.key), ...(await store.list(`agents/${agentId}/`))]);
    for (const key of keys) {
      await store.delete(key);
      forgetSegment(key);
    }
  } catch (error) {
    logger.warn({ err: error, agentId }, "could not delete a deleted agent's cold segment files; the hibernator's orphan sweep will");
  }
}

/** One agent: the bulk call's refusal as an error. */
export async function actOnOneAgent(run: (input: Ids & { agentIds: string[] }) => Promise<BulkOutcome>, input: Ids & { agentId: string }) {
  const outcome = await run({ teamId: input.teamId, userId: input.userId, agentIds: [input.agentId] });
  const refused = outcome.refused[0];
  if (refused) throw new AppError("CONFLICT", refused.reason);
}
