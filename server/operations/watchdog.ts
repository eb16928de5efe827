import "server-only";
import { notify } from "../notifications/notify";
import { inngest } from "~/inngest/client";
import { agentApprovalDecided, agentRunRequested } from "~/inngest/events";
import { appendEvent } from "../agents/events";
import { underAgentLock } from "../db/agent-lock";
import { z } from "zod";
import { db, Prisma } from "../db/client";
import { col } from "../db/columns";
import { row, rows, sqlRow } from "../db/rows";
import { env } from "../env";
import { logger } from "../logger";
import { LOOP_STATUSES } from "../../shared/agent-status";
import { inngestRunStatus, type RunStatusSource } from "../runs/run-status";
import { chargeOrphanedReservations, type OrphanSettlement } from "../spend/budget";
import { formatMoney } from "../../shared/money";

/**
 * Heartbeats and recovery (docs/decisions/013-heartbeats-and-recovery.md). An agent whose status says
 * the loop owns it must have a live run: an `agent_run` row in "running" (the run's claim on the
 * agent) whose executor run has not ended, and a heartbeat no older than one cycle could take. The
 * watchdog finds agents without one and restarts them from their checkpoint: it revokes the dead
 * claim, records why, and sends `agent/run.requested` with an id that makes a second send a no-op.
 */

/** Between a run's end (rollover) or a start and the next run's first step, nobody holds the agent. */
export const NO_RUN_GRACE_SECONDS = 60;

export type RecoveryWhy = "no live run" | "stale heartbeat";
export type StaleAgent = {
  agentId: string;
  teamId: string;
  why: RecoveryWhy;
  heartbeatAgeSeconds: number | null;
  /** The agent's event cursor when found: restarting is skipped if the agent moved on since. */
  lastEventSeq: number;
};

export type WatchdogOptions = {
  now?: Date;
  /** Margin past the expected cadence (cooldown + model call) before a heartbeat is stale. */
  staleAfterSeconds?: number;
  graceSeconds?: number;
  limit?: number;
  /** Where the runs' states come from: the Inngest server's REST API (docs/decisions/024). */
  runStatus?: RunStatusSource;
};

/** How long one cycle may take before its heartbeat is late: the cooldown, every model attempt, a margin. */
export function expectedCadenceSeconds(cooldownSeconds: number, staleAfterSeconds = env.WATCHDOG_STALE_SECONDS) {
  const modelSeconds = Math.ceil((env.MODEL_TIMEOUT_MS / 1000) * (env.MODEL_MAX_RETRIES + 1));
  return cooldownSeconds + modelSeconds + staleAfterSeconds;
}

const latest = (dates: (Date | null)[]) => new Date(Math.max(0, ...dates.filter((d): d is Date => d !== null).map((d) => d.getTime())));
const secondsBetween = (later: Date, earlier: Date) => Math.max(0, Math.floor((later.getTime() - earlier.getTime()) / 1000));

/**
 * Agents that should be running but have no live run or a stale heartbeat. A claim is live unless the
 * Inngest server says its run ended (a run it cannot tell about is trusted, and the heartbeat decides).
 * A run waiting for a person is alive while its approval has not expired; when the server says that
 * run is running, the wait counts as a heartbeat (refreshed), so the dashboard's heartbeat age stays
 * meaningful for waiting agents.
 */
export async function findStaleAgents({
  now = new Date(),
  staleAfterSeconds = env.WATCHDOG_STALE_SECONDS,
  graceSeconds = NO_RUN_GRACE_SECONDS,
  limit = 100,
  runStatus = inngestRunStatus(),
}: WatchdogOptions = {}): Promise<StaleAgent[]> {
  const agents = await db.agent.findMany({
    where: { status: { in: LOOP_STATUSES.active }, isReadOnly: false },
    orderBy: { heartbeatAt: { sort: "asc", nulls: "first" } },
    take: limit * 5,
    select: {
      id: true,
      teamId: true,
      status: true,
      heartbeatAt: true,
      updatedAt: true,
      cooldownSeconds: true,
      lastEventSeq: true,
      approvals: { where: { status: "pending" }, select: { expiresAt: true } },
      // A delegate call that waits (docs/decisions/040): children it waits for that have not ended.
      children: { where: { delegationMode: "wait", delegationSettledAt: null }, select: { id: true }, take: 1 },
      runs: {
        orderBy: { startedAt: "desc" },
        take: 5,
        select: { status: true, executorRunId: true, startedAt: true, endedAt: true },
      },
    },
  });
  const claimedRunIds = agents
    .flatMap((a) => a.runs.filter((r) => r.status === "running").map((r) => r.executorRunId))
    .filter((id): id is string => id !== null);
  const serverRuns = await runStatus.runs(claimedRunIds);

  const stale: StaleAgent[] = [];
  const verifiedWaits: string[] = [];
  for (const agent of agents) {
    // A stuck agent without a pending hold has ended (its hold went unanswered): nothing should run.
    if (agent.status === "stuck" && agent.approvals.length === 0) continue;
    const claims = agent.runs.filter((r) => r.status === "running");
    // A claim is live unless the server says its run has ended; a run it cannot tell about is trusted
    // and the heartbeat decides.
    const stateOf = (r: (typeof claims)[number]) => (r.executorRunId ? serverRuns.get(r.executorRunId)?.state : undefined);
    const live = claims.filter((r) => {
      const state = stateOf(r);
      return state === undefined || state === "running";
    });
    // Without a run, any recent change (a start, a run that just ended at rollover) gives the next run time to begin.
    const lastChange = latest([agent.heartbeatAt, agent.updatedAt, ...agent.runs.flatMap((r) => [r.startedAt, r.endedAt])]);
    const lastBeat = latest([agent.heartbeatAt, ...live.map((r) => r.startedAt)]);
    const heartbeatAgeSeconds = agent.heartbeatAt ? secondsBetween(now, agent.heartbeatAt) : null;
    const found = { agentId: agent.id, teamId: agent.teamId, heartbeatAgeSeconds, lastEventSeq: agent.lastEventSeq };

    if (live.length === 0) {
      if (secondsBetween(now, lastChange) > graceSeconds) stale.push({ ...found, why: "no live run" });
      continue;
    }
    // Waiting for its children's results costs its run nothing and writes no heartbeat: a run the server
    // says is running is alive (and its heartbeat refreshed); one it cannot tell about is judged by its heartbeat.
    if (agent.children.length > 0 && live.some((r) => stateOf(r) === "running")) {
      verifiedWaits.push(agent.id);
      continue;
    }
    if (LOOP_STATUSES.waiting.includes(agent.status) && agent.approvals.length > 0) {
      if (live.some((r) => stateOf(r) === "running")) {
        verifiedWaits.push(agent.id);
        continue;
      }
      // A run the server cannot tell about: the wait ends by the approval's timeout at the latest.
      const latestExpiry = Math.max(...agent.approvals.map((a) => a.expiresAt?.getTime() ?? Infinity));
      if (latestExpiry + staleAfterSeconds * 1000 > now.getTime()) continue;
    }
    if (secondsBetween(now, lastBeat) > expectedCadenceSeconds(agent.cooldownSeconds, staleAfterSeconds)) {
      stale.push({ ...found, why: "stale heartbeat" });
    }
  }
  // The heartbeat while waiting: recorded when the server says the waiting run is running.
  if (verifiedWaits.length > 0) {
    await db.agent.updateMany({ where: { id: { in: verifiedWaits }, status: { in: LOOP_STATUSES.active } }, data: { heartbeatAt: now } });
  }
  return stale.slice(0, limit);
}

export type RestartResult = { restarted: boolean; eventId: string; reason?: string };

/**
 * Restarts one agent from its checkpoint: revokes its runs' claims (a revoked run that wakes up stops
 * at its next think), records a `status_change` saying why, and sends the run request. Safe to repeat:
 * the event id is fixed by the event cursor the watchdog saw, and a retry after the record resends it.
 */
export async function restartAgent({ agentId, teamId, why, heartbeatAgeSeconds, lastEventSeq }: StaleAgent): Promise<RestartResult> {
  const eventId = `recover-${agentId}-${lastEventSeq}`;
  const outcome = await underAgentLock(agentId, async (tx) => {
    const agent = await tx.agent.findFirst({ where: { id: agentId, teamId }, select: { status: true, lastEventSeq: true } });
    if (!agent) return { send: false, reason: "The agent no longer exists." };
    if (agent.lastEventSeq !== lastEventSeq) {
      // Either this restart was recorded by an earlier attempt (resend its event), or the agent moved on.
      const next = await tx.agentEvent.findFirst({
        where: { agentId, teamId, seq: lastEventSeq + 1, type: "status_change", payload: { path: ["change"], equals: "recovered" } },
        select: { id: true },
      });
      return next ? { send: true } : { send: false, reason: "The agent moved on since it was found." };
    }
    if (!LOOP_STATUSES.active.includes(agent.status)) return { send: false, reason: `The agent is ${agent.status}.` };
    const revoked = await tx.agentRun.findMany({ where: { agentId, teamId, status: "running" }, select: { id: true } });
    await tx.agentRun.updateMany({
      where: { agentId, teamId, status: "running" },
      data: { status: "failed", endedAt: new Date(), reason: `recovery: ${why}` },
    });
    // An agent whose every run dies (a poison step, a model endpoint that crashes the app) is not
    // restarted for ever: past the limit it fails, saying so, and waits for a person.
    const { recent } = await row(
      tx,
      recentRestartsRow,
      Prisma.sql`
      SELECT count(*)::int AS recent FROM agent_event
       WHERE "agentId" = ${agentId}::uuid AND type = 'status_change' AND payload->>'change' = 'recovered'
         AND "createdAt" > (now() AT TIME ZONE 'UTC') - interval '1 hour'`,
    );
    if (recent >= env.WATCHDOG_MAX_RESTARTS_PER_HOUR) {
      const reason = `Restarted ${recent} times in the last hour and its run died each time (last: ${why}). Look at the Runs tab, then start it again.`;
      await tx.agent.updateMany({ where: { id: agentId, teamId }, data: { status: "failed", statusReason: reason } });
      await appendEvent(
        { agentId, teamId, cycle: 0, type: "status_change", payload: { from: agent.status, to: "failed", reason, change: "gave_up" } },
        tx,
      );
      await notify({ teamId, agentId, kind: "watchdog_gave_up", details: { text: reason, data: { restarts: recent } } }, tx);
      return { send: false, reason };
    }
    await appendEvent(
      {
        agentId,
        teamId,
        cycle: 0,
        type: "status_change",
        payload: { change: "recovered", why, heartbeatAgeSeconds, status: agent.status, revokedRunIds: revoked.map((r) => r.id) },
      },
      tx,
    );
    return { send: true };
  });
  if (!outcome.send) return { restarted: false, eventId, reason: outcome.reason };
  await inngest.send({ id: eventId, name: agentRunRequested.name, data: { agentId, teamId, reason: "recovery" } });
  logger.warn({ agentId, teamId, why, heartbeatAgeSeconds, eventId }, "watchdog restarted an agent");
  return { restarted: true, eventId };
}

const recentRestartsRow = sqlRow("counting an agent's recent restarts", { recent: col.int });
const undeliveredDecisionRow = sqlRow("finding undelivered approval decisions", {
  agentId: col.uuid,
  approvalId: col.uuid,
  decision: z.enum(["approved", "rejected"]),
});

/** A decision this old that its run has not recorded was, as far as the watchdog can tell, never delivered. */
export const UNDELIVERED_DECISION_SECONDS = 30;

/**
 * Decisions people made that their waiting run never heard of: the approval is decided in the database
 * (decideApproval commits before it sends) but the `agent/approval.decided` event was lost — the
 * executor was down when it was sent, or the run that waited was restarted by the watchdog and waits
 * again. Sent again each watchdog pass until the run records the decision (an `approval_decided`
 * event of that approval); a duplicate is harmless, waits match on the approval id. Without this the
 * run would see the decision only at its approval timeout (up to days).
 */
export async function redeliverDecisions({ limit = 200 }: { limit?: number } = {}) {
  const undelivered = await rows(
    db,
    undeliveredDecisionRow,
    Prisma.sql`
    SELECT ap."agentId"::text AS "agentId", ap.id::text AS "approvalId", ap.status::text AS decision
      FROM approval ap JOIN agent a ON a.id = ap."agentId"
     WHERE ap.status IN ('approved', 'rejected')
       AND ap."decidedAt" < (now() AT TIME ZONE 'UTC') - make_interval(secs => ${UNDELIVERED_DECISION_SECONDS})
       AND ap."decidedAt" > (now() AT TIME ZONE 'UTC') - interval '1 day'
       AND a.status::text = ANY(${LOOP_STATUSES.active as string[]}::text[])
       AND NOT EXISTS (
         SELECT 1 FROM agent_event e
          WHERE e."agentId" = ap."agentId" AND e.cycle = ap.cycle AND e.type = 'approval_decided' AND e.payload->>'approvalId' = ap.id::text)
     ORDER BY ap."decidedAt" LIMIT ${limit}`,
  );
  if (undelivered.length === 0) return [];
  await inngest.send(undelivered.map((d) => ({ name: agentApprovalDecided.name, data: d })));
  logger.warn({ approvals: undelivered.map((d) => d.approvalId) }, "watchdog sent approval decisions again");
  return undelivered.map((d) => d.approvalId);
}

/**
 * Charges the spend reservations a crash cut off (server/spend/budget.ts chargeOrphanedReservations)
 * and tells each agent's timeline with a budget event.
 */
export async function settleOrphanedReservations(bound: { olderThanSeconds: number; limit?: number }): Promise<OrphanSettlement[]> {
  const settled = await chargeOrphanedReservations(bound);
  for (const s of settled) {
    await appendEvent({
      agentId: s.agentId,
      teamId: s.teamId,
      cycle: 0,
      type: "budget",
      payload: {
        stage: "recovery",
        reason: "orphaned_reservation",
        calls: s.calls,
        costUsd: s.costUsd,
        message: `${s.calls === 1 ? "A call" : `${s.calls} calls`} cut off by a crash ${s.calls === 1 ? "was" : "were"} charged at the worst case (${formatMoney(s.costUsd)}, ${s.tokens} tokens): the provider may have billed ${s.calls === 1 ? "it" : "them"}.`,
      },
    });
  }
  return settled;
}
