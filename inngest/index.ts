import { agentRun } from "./functions/agent-run";

/** Every Inngest function the app serves at /api/inngest. */
export const functions = [agentRun];
