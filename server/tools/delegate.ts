import "server-only";
import { startChildren } from "../delegation/start";
import { delegateInputSchema } from "../../shared/delegation";
import { registerTool } from "./registry";

/**
 * `delegate` (issue 23, docs/decisions/040): start child agents on sub-goals. The children and their
 * carved budgets are keyed by the call's idempotency key in our own database, so doing the call again
 * finds them (replay-safe). With `wait` the loop then waits for their ends and records their results as
 * this call's result (server/loop/delegation.ts); without it the call's result says they started, and
 * each child's end reaches the parent as an event.
 */
export const delegate = registerTool({
  name: "delegate",
  description:
    "Start child agents on sub-goals, in parallel, each with a budget carved out of yours (the unused rest comes back when it ends). " +
    "With wait (the default) you wait for all of them and get their results; otherwise you go on and each result arrives as an event.",
  input: delegateInputSchema,
  sideEffect: "side-effecting",
  replaySafe: true,
  defaultApproval: "never",
  execute: async (input, { agentId, teamId, cycle, callIndex, idempotencyKey }) =>
    startChildren({ parentId: agentId, teamId, cycle, callIndex, idempotencyKey, input }),
});
