/**
 * An agent's statuses and which of them allow what: the one place these sets are written. The server
 * (control, the loop, the watchdog, triggers, hibernation) and the agent page both read them. Plain
 * data, safe for the browser. `tests/unit/agent-status.test.ts` keeps the list equal to the database enum.
 */
export const AGENT_STATUSES = [
  "idle",
  "running",
  "sleeping",
  "waiting_approval",
  "paused",
  "stuck",
  "budget_exhausted",
  "completed",
  "failed",
  "stopped",
  "hibernated",
  "archived",
  "importing",
] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** A set of statuses (an array, as Prisma's `in` filters take it). */
const statuses = (...list: AgentStatus[]): AgentStatus[] => list;

/** An import still writing its rows (docs/decisions/021): no list, count or page shows the agent until it is archived. */
export const IMPORTING = "importing" satisfies AgentStatus;
/** The statuses people see and filter the agents list by: all but IMPORTING. */
export type ListedStatus = Exclude<AgentStatus, typeof IMPORTING>;
export const LISTED_STATUSES = AGENT_STATUSES.filter((status): status is ListedStatus => status !== IMPORTING) as [
  ListedStatus,
  ...ListedStatus[],
];

/** What a person may do (control.ts refuses anything else; the agent page offers only these). */
export const PERSON_ACTIONS = {
  /** Start (from idle or hibernated) or resume (from the rest): a new run from the latest checkpoint. */
  start: statuses("idle", "hibernated", "paused", "stopped", "stuck", "completed", "failed", "budget_exhausted"),
  /** Pause at the next safe point. */
  pause: statuses("running", "sleeping", "waiting_approval", "idle"),
  /** Stop for good (a later start resumes): everything but what is stopped or read-only already. */
  stop: statuses(...AGENT_STATUSES.filter((status) => status !== "stopped" && status !== "archived" && status !== IMPORTING)),
  /** Delete with its whole history: only without a live or waiting run (stop it first). */
  delete: statuses("idle", "paused", "stopped", "completed", "failed", "hibernated", "archived"),
};
export type PersonAction = keyof typeof PERSON_ACTIONS;

export function allows(action: PersonAction, status: AgentStatus): boolean {
  return PERSON_ACTIONS[action].includes(status);
}

/** Starting from these is a "start" (a first run, or waking a hibernated agent); from the other startable ones a "resume". */
export const FRESH_START = statuses("idle", "hibernated");

/** What the loop and the operations around it go by. */
export const LOOP_STATUSES = {
  /** A run may begin. */
  runnable: statuses("idle", "running", "sleeping", "hibernated"),
  /**
   * The loop itself sets these and may change them; a person's pause or stop (and the terminal
   * statuses) are never overwritten by a step that is still finishing.
   */
  loopOwned: statuses("running", "sleeping", "waiting_approval", "stuck", "idle", "hibernated"),
  /** Has a live run the watchdog expects a heartbeat from. */
  active: statuses("running", "sleeping", "waiting_approval", "stuck"),
  /** Waiting for a person (an approval, a stuck or budget hold). */
  waiting: statuses("waiting_approval", "stuck"),
  /** A webhook or schedule starts it. */
  startedByTrigger: statuses("idle", "hibernated"),
  /** A webhook or schedule wakes its sleeping run. */
  wokenByTrigger: statuses("sleeping", "running"),
  /** A schedule tick is recorded but skipped (a person stopped it, or it has ended). */
  skippedBySchedule: statuses("paused", "stopped", "completed", "failed", "budget_exhausted"),
  /**
   * Nothing but a person's start (or resume) runs it again, and a start checks its model's price. From
   * every other status it may run without one: it is in a run, or held for a person's answer that
   * continues the run (stuck, over budget), or a webhook or schedule starts it (idle, hibernated).
   */
  startedOnlyByPerson: statuses("paused", "stopped", "completed", "failed"),
  /** Idle long enough, its history below the latest snapshot may move to cold storage. */
  compactable: statuses("idle", "paused", "stopped", "completed", "hibernated"),
};

/**
 * The agent has ended: nothing runs it again but a person's resume (or nothing at all, archived). No
 * forecast is shown for these: there is no pace to extrapolate, and the reason it ended says more.
 */
export const ENDED_STATUSES = statuses("budget_exhausted", "completed", "failed", "stopped", "archived");

export function hasEnded(status: AgentStatus): boolean {
  return ENDED_STATUSES.includes(status);
}

/** The agent page calls these "live": a run is going on. */
export const SHOWN_AS_LIVE = statuses("running", "sleeping", "waiting_approval");
