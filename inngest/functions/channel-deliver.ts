import { inngest } from "../client";
import { channelDeliveryRequested } from "../events";
import { attemptDeliveryStep } from "~/server/channels/transport";

/** Steps a delivery may take (attempts, and waits for the rate limit or an attempt under way) before the run ends; the sweeper starts it again. */
const MAX_STEPS = 60;

/**
 * Sends one channel delivery (docs/decisions/037): an attempt per step, a durable sleep between them
 * (the backoff, the receiver's Retry-After, the channel's rate limit, or an attempt another copy has
 * under way), until it is delivered or dead. The delivery row is the ledger: a step retried after a
 * crash finds what the earlier copy recorded and sends nothing twice. One run per delivery at a time.
 */
export const channelDeliver = inngest.createFunction(
  {
    id: "channel-deliver",
    retries: 5,
    concurrency: [{ key: "event.data.deliveryId", limit: 1 }],
    triggers: [{ event: channelDeliveryRequested.name }],
  },
  async ({ event, step }) => {
    const { teamId, deliveryId } = channelDeliveryRequested.data.parse(event.data);
    for (let index = 0; index < MAX_STEPS; index++) {
      const next = await step.run(`attempt-${index}`, () => attemptDeliveryStep({ teamId, deliveryId }));
      if (next.kind === "done") return { status: next.status, steps: index + 1 };
      // Durable sleeps resolve to whole seconds at best; a shorter wait (a rate-limit slot) waits one.
      await step.sleep(`wait-${index}`, Math.max(1000, Math.ceil(next.ms)));
    }
    return { status: "unfinished", steps: MAX_STEPS };
  },
);
