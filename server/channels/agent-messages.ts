import "server-only";
import { db } from "../db/client";
import { deepLink } from "./deep-link";
import { enqueueDelivery } from "./deliveries";

/**
 * An agent's send_message, after its outbox row: one delivery per channel the agent's settings choose,
 * keyed by the outbox message's id, so a retried or replayed tool call queues nothing twice. The
 * agent's channels are read when the message is sent (an edit applies to the next message).
 */
export async function deliverAgentMessage({
  teamId,
  agentId,
  messageId,
  subject,
  body,
}: {
  teamId: string;
  agentId: string;
  messageId: string;
  subject: string;
  body: string;
}) {
  const agent = await db.agent.findFirst({ where: { id: agentId, teamId }, select: { name: true, messageChannelIds: true } });
  if (!agent || agent.messageChannelIds.length === 0) return [];
  const url = deepLink(teamId, `/agents/${agentId}`);
  const queued: { channelId: string; deliveryId: string }[] = [];
  for (const channelId of agent.messageChannelIds) {
    const delivery = await enqueueDelivery({
      teamId,
      channelId,
      messageId,
      source: "agent_message",
      agentId,
      message: {
        title: subject,
        text: body,
        url,
        fields: [{ label: "Agent", value: agent.name }],
        actions: [{ label: "Open the agent", url }],
        data: { kind: "agent_message", agentId, messageId },
      },
    });
    if (delivery) queued.push({ channelId, deliveryId: delivery.deliveryId });
  }
  return queued;
}
