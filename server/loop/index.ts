import "server-only";
/**
 * The agent loop's steps, as plain functions: the Inngest function (inngest/functions/agent-run.ts)
 * only orchestrates them, opening one cycle session per request (session.ts) and passing it to the
 * steps it runs. Each step writes its own events and returns ids, never transcripts. Each is safe to run
 * again after a crash: it finds what a previous attempt already recorded.
 *
 *   run.ts        beginRun (the run's claim on the agent), endRun
 *   cycle.ts      runCycle: an ordinary cycle in one step (think, then act)
 *   think.ts      context, reservation, model call, thought; plan.ts (pure) and decide.ts (recording it)
 *   act.ts        the tool through the effect ledger, its result, heartbeat, snapshot
 *   holds.ts      soft budget limit and stuck: ask a person first; approvals.ts: settling a decision
 *   delegation.ts a waiting delegate call: its children's outcomes as the call's result (server/delegation/ starts and settles them)
 *   outcomes.ts   a call whose outcome is unknown (its attempt died mid-call): a person retries, marks done or skips
 *   context.ts    the prompt; model.ts (the model call) and simulator.ts; sql.ts (the hot-path statements)
 */
export { beginRun, endRun, type RunPlan } from "./run";
export { runCycle, type CycleResult } from "./cycle";
export { think } from "./think";
export { act, SNAPSHOT_EVERY_CYCLES, type ActOutcome } from "./act";
export { settleApproval, type ApprovalSettlement } from "./approvals";
export { settleHold, type HoldSettlement } from "./holds";
export { collectChildren } from "./delegation";
export { settleOutcome, type OutcomeResolution, type OutcomeSettlement } from "./outcomes";
export { openCycleSession, type CycleSession } from "./session";
export type { Decision } from "./plan";
