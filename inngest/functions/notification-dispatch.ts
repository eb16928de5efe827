import { inngest } from "../client";
import { notificationCreated } from "../events";
import { dispatchNotification, sendDigest } from "~/server/notifications/dispatch";

/**
 * A notification was raised (decision 037): one step sends it to every rule that wants it now, or parks
 * it for a rule's digest (server/notifications/dispatch.ts). For each digest this run came to own, it
 * sleeps until the rule's interval ends and sends one message listing what was parked meanwhile.
 */
export const notificationDispatch = inngest.createFunction(
  {
    id: "notification-dispatch",
    retries: 4,
    triggers: [{ event: notificationCreated.name }],
  },
  async ({ event, step }) => {
    const data = notificationCreated.data.parse(event.data);
    const dispatched = await step.run("dispatch", () => dispatchNotification(data));
    const digests: { ruleId: string; sent: number }[] = [];
    for (const digest of [...dispatched.digests].sort((a, b) => a.dueAt.localeCompare(b.dueAt))) {
      await step.sleepUntil(`wait-${digest.ruleId}`, new Date(digest.dueAt));
      const sent = await step.run(`digest-${digest.ruleId}`, () => sendDigest(digest));
      digests.push({ ruleId: digest.ruleId, sent: sent.sent });
    }
    return { found: dispatched.found, queued: dispatched.queued, parked: dispatched.parked, digests };
  },
);
