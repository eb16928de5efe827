import { inngest } from "../client";
import { env } from "~/server/env";
import { applyColdRetention, findAgentsToHibernate, hibernateAgent, sweepOrphanSegments } from "~/server/hibernation/hibernate";
import { pruneDeliveries } from "~/server/triggers/deliver";

/**
 * Hibernation (docs/decisions/016): hourly, agents idle past HIBERNATE_AFTER_HOURS have their old
 * events moved to cold storage, then the retention policies delete expired segments and old trigger
 * deliveries (TRIGGER_DELIVERY_RETENTION_DAYS). One step per
 * agent, so a retry moves nobody twice (a moved prefix is simply not found again).
 */
export const agentHibernator = inngest.createFunction(
  {
    id: "agent-hibernator",
    retries: 2,
    // One pass at a time: the orphan sweep must not see a file another pass is about to register.
    concurrency: [{ limit: 1 }],
    triggers: [{ cron: "17 * * * *" }],
  },
  async ({ step }) => {
    const orphans = await step.run("sweep-orphans", () => sweepOrphanSegments());
    const due = await step.run("find-idle", () => findAgentsToHibernate());
    let hibernated = 0;
    for (const agent of due) {
      const result = await step.run(`hibernate-${agent.id}`, () => hibernateAgent({ agentId: agent.id, teamId: agent.teamId }));
      if (result.hibernated) hibernated += 1;
    }
    const retention = await step.run("apply-retention", () => applyColdRetention());
    const deliveries = await step.run("prune-deliveries", () => pruneDeliveries({ olderThanDays: env.TRIGGER_DELIVERY_RETENTION_DAYS }));
    return {
      found: due.length,
      hibernated,
      orphansDeleted: orphans.deleted,
      segmentsExpired: retention.deleted,
      deliveriesPruned: deliveries.deleted,
    };
  },
);
