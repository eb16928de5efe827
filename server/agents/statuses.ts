import type { AgentStatus } from "../db/generated/enums";

/** Statuses from which a run may begin. */
export const RUNNABLE: AgentStatus[] = ["idle", "running", "sleeping", "hibernated"];

/**
 * Statuses the loop itself sets and may change. A person's pause or stop (and the terminal statuses)
 * are never overwritten by a step that is still finishing.
 */
export const LOOP_OWNED: AgentStatus[] = ["running", "sleeping", "waiting_approval", "stuck", "idle", "hibernated"];
