import { z } from "zod";

/**
 * The one list of events Longhaul sends and handles, with their payload schemas (payloads are
 * validated, never cast). Names are `<domain>/<noun>.<verb>`.
 */
export const agentRunRequested = {
  name: "agent/run.requested",
  data: z.object({ agentId: z.uuid(), teamId: z.string().min(1), reason: z.string().max(200).default("start") }),
} as const;

export const agentApprovalDecided = {
  name: "agent/approval.decided",
  data: z.object({ agentId: z.uuid(), approvalId: z.uuid(), decision: z.enum(["approved", "rejected"]) }),
} as const;

export const agentPauseRequested = {
  name: "agent/pause.requested",
  data: z.object({ agentId: z.uuid(), teamId: z.string().min(1) }),
} as const;

/** A trigger (webhook, schedule) for a sleeping agent: ends its cooldown early. `wakeId` is the delivery's row id. */
export const agentWakeRequested = {
  name: "agent/wake.requested",
  data: z.object({ agentId: z.uuid(), teamId: z.string().min(1), wakeId: z.uuid(), source: z.enum(["webhook", "schedule", "child"]) }),
} as const;

/**
 * A child agent ended (completed, failed, stopped, out of budget) by some path other than its own run's
 * end (a person's or its parent's stop): the delegation-settle function settles it (docs/decisions/040).
 */
export const agentChildEnded = {
  name: "agent/child.ended",
  data: z.object({ childId: z.uuid(), teamId: z.string().min(1) }),
} as const;

/** A child's end was settled: a parent waiting for it (delegate with wait) collects the results. */
export const agentChildFinished = {
  name: "agent/child.finished",
  data: z.object({ parentId: z.uuid(), childId: z.uuid(), teamId: z.string().min(1) }),
} as const;

/**
 * A team's memories should be on `embedderId` (its embedder changed, or someone asked again): the
 * team-memory-reembed function re-embeds every memory of the team that is on another one.
 */
export const memoryReembedRequested = {
  name: "memory/reembed.requested",
  data: z.object({ teamId: z.string().min(1), embedderId: z.string().min(1) }),
} as const;

/** A channel delivery (server/channels/deliveries.ts) should be attempted: the channel-deliver function sends it. */
export const channelDeliveryRequested = {
  name: "channel/delivery.requested",
  data: z.object({ teamId: z.string().min(1), deliveryId: z.uuid() }),
} as const;

/** A notification was raised (server/notifications/notify.ts): notification-dispatch sends it to the rules that want it. */
export const notificationCreated = {
  name: "notification/created",
  data: z.object({ teamId: z.string().min(1), notificationId: z.uuid() }),
} as const;
