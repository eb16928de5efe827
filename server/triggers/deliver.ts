import "server-only";
import { notificationsAfterCommit } from "../notifications/notify";
import { inngest } from "~/inngest/client";
import { agentRunRequested, agentWakeRequested } from "~/inngest/events";
import { db, Prisma } from "../db/client";
import { col } from "../db/columns";
import { rows, sqlRow } from "../db/rows";
import type { AgentStatus } from "../db/generated/enums";
import { appendEvent } from "../agents/events";
import { logger } from "../logger";
import type { TriggerEventPayload, TriggerSource } from "./payload";
import { LOCKS, takeLock } from "../db/locks";
import { LOOP_STATUSES } from "../../shared/agent-status";

/**
 * Delivering a trigger (a webhook call, a schedule firing) to an agent, once per delivery id:
 * the delivery row, the agent's `trigger` event (what the next cycle's prompt shows) and, for an idle
 * agent, the claim of its start, in one transaction; then the event that starts or wakes it.
 *
 * - idle, hibernated: started (a new run, like a person's start).
 * - sleeping, running: woken (the cooldown after the current or finished cycle ends early).
 * - waiting for approval, stuck, paused, stopped, finished, failed, out of budget: the event is
 *   recorded and seen when the agent next runs; nothing is started. Schedules skip these (see
 *   LOOP_STATUSES.skippedBySchedule): a delivery row says so, no event is written.
 */
/** A schedule firing for an agent a person stopped or that ended is skipped, not queued for later. */

export type DeliveryOutcome =
  | { duplicate: true; deliveryRowId: string }
  | { duplicate: false; deliveryRowId: string; action: "started" | "woken" | "recorded" | "skipped"; status: AgentStatus };

export class AgentNotDeliverableError extends Error {}

export async function deliverTrigger({
  agentId,
  teamId,
  source,
  deliveryId,
  stored,
  event,
}: {
  agentId: string;
  teamId: string;
  source: TriggerSource;
  deliveryId: string;
  /** Kept on the delivery row (the whole webhook body). */
  stored: Prisma.InputJsonValue;
  /** The agent's event payload, without source and delivery id. */
  event: Omit<TriggerEventPayload, "source" | "deliveryId">;
}): Promise<DeliveryOutcome> {
  const raised = notificationsAfterCommit();
  const outcome = await db.$transaction(async (tx): Promise<DeliveryOutcome> => {
    // Serialised per agent with the loop's own writes, so a status read here is not stale when acted on.
    await takeLock(tx, LOCKS.agentStep(agentId));
    const agent = await tx.agent.findFirst({
      where: { id: agentId, teamId },
      select: { status: true, isReadOnly: true, cycleCount: true },
    });
    if (!agent || agent.isReadOnly || agent.status === "archived") throw new AgentNotDeliverableError("archived or missing");
    const skipped = source === "schedule" && LOOP_STATUSES.skippedBySchedule.includes(agent.status);
    const inserted = await rows(
      tx,
      deliveryRow,
      Prisma.sql`
      INSERT INTO trigger_delivery (id, "agentId", "teamId", source, "deliveryId", payload, "receivedAt", "consumedAt")
      VALUES (gen_random_uuid(), ${agentId}::uuid, ${teamId}, ${source}, ${deliveryId},
              ${JSON.stringify(skipped ? { ...(stored as object), skipped: agent.status } : stored)}::jsonb,
              now() AT TIME ZONE 'UTC', NULL)
      ON CONFLICT ("agentId", "deliveryId") DO NOTHING
      RETURNING id::text`,
    );
    if (inserted.length === 0) {
      const existing = await tx.triggerDelivery.findUniqueOrThrow({
        where: { agentId_deliveryId: { agentId, deliveryId } },
        select: { id: true },
      });
      return { duplicate: true, deliveryRowId: existing.id };
    }
    const deliveryRowId = inserted[0]!.id;
    if (skipped) return { duplicate: false, deliveryRowId, action: "skipped", status: agent.status };
    await appendEvent(
      {
        agentId,
        teamId,
        // The cycle it is seen in: the next one (context reads cycles past the summary, so cycle 0 would be missed).
        cycle: agent.cycleCount + 1,
        type: "trigger",
        payload: { source, deliveryId, ...event } as Prisma.InputJsonValue,
      },
      tx,
    );
    if (LOOP_STATUSES.startedByTrigger.includes(agent.status)) {
      await tx.agent.updateMany({ where: { id: agentId, teamId, status: agent.status }, data: { status: "running", statusReason: null } });
      if (agent.status === "hibernated") {
        const text =
          source === "webhook"
            ? "A webhook call woke the hibernated agent; it runs again."
            : "Its schedule woke the hibernated agent; it runs again.";
        await raised.notify({ teamId, agentId, kind: "woken", details: { subject: source, text, data: { source, deliveryId } } }, tx);
      }
      return { duplicate: false, deliveryRowId, action: "started", status: agent.status };
    }
    const action = LOOP_STATUSES.wokenByTrigger.includes(agent.status) ? "woken" : "recorded";
    return { duplicate: false, deliveryRowId, action, status: agent.status };
  });
  if (outcome.duplicate) return outcome;
  await raised.announce();
  // Event ids make both sends idempotent. A failed send is logged, not thrown: the delivery and its event
  // are committed (a repeat would be ignored as a duplicate); a sleeping agent still sees it after its
  // cooldown, and a started agent left "running" without a run is what the watchdog restarts.
  try {
    if (outcome.action === "started") {
      await inngest.send({
        id: `trigger-start-${outcome.deliveryRowId}`,
        name: agentRunRequested.name,
        data: { agentId, teamId, reason: source },
      });
    } else if (outcome.action === "woken") {
      await inngest.send({
        id: `trigger-wake-${outcome.deliveryRowId}`,
        name: agentWakeRequested.name,
        data: { agentId, teamId, wakeId: outcome.deliveryRowId, source },
      });
    }
  } catch (error) {
    logger.error(
      { agentId, deliveryId, action: outcome.action, err: error },
      "trigger recorded but the agent could not be started or woken",
    );
  }
  return outcome;
}

/** The newest deliveries of an agent, for its Triggers tab (sizes, not bodies: those can be large). */
export async function recentDeliveries({ agentId, teamId, take = 20 }: { agentId: string; teamId: string; take?: number }) {
  return rows(
    db,
    recentDeliveryRow,
    Prisma.sql`
    SELECT id::text, source, "deliveryId", "receivedAt", (payload->>'bytes')::int AS bytes,
           payload->>'contentType' AS "contentType", payload->>'skipped' AS skipped
      FROM trigger_delivery
     WHERE "agentId" = ${agentId}::uuid AND "teamId" = ${teamId}
     ORDER BY "receivedAt" DESC
     LIMIT ${take}`,
  );
}

const recentDeliveryRow = sqlRow("listing an agent's recent deliveries", {
  id: col.uuid,
  source: col.text,
  deliveryId: col.text,
  receivedAt: col.timestamp,
  bytes: col.int.nullable(),
  contentType: col.text.nullable(),
  skipped: col.text.nullable(),
});

/**
 * Deletes deliveries received more than `olderThanDays` ago, in batches: they served de-duplication
 * (a sender retries within minutes or hours, not weeks) and the Triggers tab's recent list; what each
 * delivered stays in the agent's event log as its `trigger` event. A delivery id repeated after this
 * is accepted as new.
 */
export async function pruneDeliveries({ olderThanDays, batch = 5000 }: { olderThanDays: number; batch?: number }) {
  let deleted = 0;
  for (;;) {
    const n = await db.$executeRaw`
      DELETE FROM trigger_delivery WHERE id IN (
        SELECT id FROM trigger_delivery
         WHERE "receivedAt" < (now() AT TIME ZONE 'UTC') - make_interval(days => ${olderThanDays})
         LIMIT ${batch})`;
    deleted += n;
    if (n < batch) return { deleted };
  }
}

const deliveryRow = sqlRow("recording a trigger delivery", { id: col.uuid });
