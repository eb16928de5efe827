import "server-only";
import { attemptDelivery, type DeliveryTransport } from "./attempt";
import { channelForSending } from "./channels";
import { sendToChannel } from "./senders";

/** The real channels and senders. */
export const channelTransport: DeliveryTransport = { channelFor: channelForSending, send: sendToChannel };

/** One attempt through the real channels (the channel-deliver function's step). */
export function attemptDeliveryStep({ teamId, deliveryId }: { teamId: string; deliveryId: string }) {
  return attemptDelivery({ teamId, deliveryId, transport: channelTransport });
}
