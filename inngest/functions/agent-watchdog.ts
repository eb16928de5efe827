import { inngest } from "../client";
import { env } from "~/server/env";
import { findStaleAgents, redeliverDecisions, restartAgent, settleOrphanedReservations } from "~/server/operations/watchdog";
import { discardAbandonedImports } from "~/server/transfer/import";
import { sweepNotifications } from "~/server/notifications/dispatch";
import { retryPendingEmbeddings } from "~/server/memory/embedding-retry";
import { resendUnsettledEnds } from "~/server/delegation/settle";

/**
 * Heartbeats and recovery: every minute, agents that should be running but have no live run or a
 * stale heartbeat are restarted from their checkpoint (server/operations/watchdog.ts). One step finds
 * them; one step per agent restarts it, so a retry restarts nobody twice. Then decisions whose event was
 * lost are sent again, spend reservations left by calls a crash cut off are charged, and imports a
 * crash cut off are failed and their rows deleted (docs/decisions/021), and memories waiting for their
 * embeddings for over a minute are embedded (server/memory/embedding-retry.ts).
 */
export const agentWatchdog = inngest.createFunction(
  {
    id: "agent-watchdog",
    retries: 2,
    // One pass at a time: a slow pass and the next minute's must not both restart the same agents.
    concurrency: [{ limit: 1 }],
    triggers: [{ cron: env.WATCHDOG_CRON }],
  },
  async ({ step }) => {
    const stale = await step.run("find-stale", () => findStaleAgents());
    const restarted: string[] = [];
    for (const agent of stale) {
      const result = await step.run(`recover-${agent.agentId}`, () => restartAgent(agent));
      if (result.restarted) restarted.push(agent.agentId);
    }
    // Decisions people made that their waiting run never heard of (the event was lost) are sent again.
    const redelivered = await step.run("redeliver-decisions", () => redeliverDecisions());
    // Money reserved by calls that a crash cut off (their retries reserved again) is charged, not left hanging.
    const orphans = await step.run("settle-orphaned-reservations", () =>
      settleOrphanedReservations({ olderThanSeconds: env.ORPHANED_RESERVATION_SECONDS }),
    );
    // Children that ended without being settled with their parent (the event was lost) are settled now.
    const unsettledChildren = await step.run("resend-unsettled-child-ends", () => resendUnsettledEnds());
    const imports = await step.run("discard-abandoned-imports", () => discardAbandonedImports());
    // Notifications whose event was lost, and digests whose owner died, are dispatched here.
    await step.run("sweep-notifications", () => sweepNotifications());
    // Memories left waiting for their embeddings (their agent did not recall again, or the embedder was down) are embedded here, with backoff.
    const embeddings = await step.run("retry-embeddings", () => retryPendingEmbeddings());
    return {
      found: stale.length,
      restarted,
      redelivered,
      orphanedReservations: orphans.reduce((n, o) => n + o.calls, 0),
      abandonedImports: imports.interrupted + imports.discarded,
      embeddings,
      unsettledChildren,
    };
  },
);
