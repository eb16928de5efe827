import { agentHibernator } from "./functions/agent-hibernator";
import { agentRun } from "./functions/agent-run";
import { agentScheduler } from "./functions/agent-scheduler";
import { agentWatchdog } from "./functions/agent-watchdog";
import { delegationSettle } from "./functions/delegation-settle";
import { channelDeliver } from "./functions/channel-deliver";
import { notificationDispatch } from "./functions/notification-dispatch";
import { teamMemoryReembed } from "./functions/team-memory-reembed";

/** Every Inngest function the app serves at /api/inngest. */
export const functions = [
  agentRun,
  agentWatchdog,
  delegationSettle,
  agentScheduler,
  agentHibernator,
  teamMemoryReembed,
  channelDeliver,
  notificationDispatch,
];
