import { inngest } from "../client";
import { agentChildEnded } from "../events";
import { settleChild } from "~/server/delegation/settle";

/**
 * A child agent ended by a stop (a person's, or flowing down from its parent) rather than by its own
 * run's end: its carve is settled with its parent and the parent told (server/delegation/settle.ts).
 * The settlement is safe to repeat, so a resent event (the watchdog's net) changes nothing twice.
 */
export const delegationSettle = inngest.createFunction(
  {
    id: "delegation-settle",
    retries: 5,
    triggers: [{ event: agentChildEnded.name }],
  },
  async ({ event, step }) => {
    const { childId, teamId } = agentChildEnded.data.parse(event.data);
    const outcome = await step.run("settle", () => settleChild({ teamId, childId }));
    return { childId, outcome };
  },
);
