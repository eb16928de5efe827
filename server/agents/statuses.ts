import { AgentStatus } from "../db/generated/enums";

/** Statuses from which a run may begin. */
export const RUNNABLE: AgentStatus[] = ["idle", "running", "sleeping", "hibernated"];

/**
 * Statuses the loop itself sets and may change. A person's pause or stop (and the terminal statuses)
 * are never overwritten by a step that is still finishing.
 */
export const LOOP_OWNED: AgentStatus[] = ["running", "sleeping", "waiting_approval", "stuck", "idle", "hibernated"];

/** An import still writing its rows (docs/decisions/021): no list, count or page shows the agent until it is archived. */
export const IMPORTING = AgentStatus.importing;

/** The statuses people see and filter the agents list by: all but IMPORTING. */
export type ListedStatus = Exclude<AgentStatus, typeof IMPORTING>;
export const LISTED_STATUSES = Object.values(AgentStatus).filter((status) => status !== IMPORTING) as [ListedStatus, ...ListedStatus[]];
