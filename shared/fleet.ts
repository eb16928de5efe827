import { z } from "zod";

/** A team's overview (server/fleet/overview.ts), as the dashboard and the API show it. */
export const FLEET_ATTENTION_REASONS = ["failed", "stuck", "waiting", "budget_exhausted", "near_budget"] as const;
export type FleetAttentionReason = (typeof FLEET_ATTENTION_REASONS)[number];

export type TeamOverview = {
  days: number;
  statusCounts: { status: string; count: number }[];
  /** Agents that need a person, most urgent first: failed, stuck, waiting, out of budget, past the soft limit. */
  attention: {
    id: string;
    name: string;
    status: string;
    reason: FleetAttentionReason;
    statusReason: string | null;
    spentUsd: string;
    budgetUsd: string | null;
    lastActiveAt: Date | null;
  }[];
  spendPerDay: { day: string; costUsd: string }[];
  spendPerModel: { model: string; costUsd: string; tokens: number }[];
  spendPerAgent: { id: string; name: string; costUsd: string }[];
  /** Cycles started (model calls) and failures (error events and tool results that did not succeed) per hour, the last 24 hours. */
  cyclesPerHour: { hour: Date; cycles: number; failed: number }[];
  last24h: { cycles: number; failed: number; errorRate: number | null };
};

/**
 * How a cycle ended, as the team's activity list (server/fleet/activity.ts) names it: a failure (an
 * error, or a tool call that did not succeed), waiting for a person's decision, not finished (the
 * agent has not counted it yet: under way, or cut short by a stop), or succeeded.
 */
export const CYCLE_OUTCOMES = ["succeeded", "failed", "waiting", "unfinished"] as const;
export type CycleOutcome = (typeof CYCLE_OUTCOMES)[number];

export const CYCLE_OUTCOME_LABELS: Record<CycleOutcome, string> = {
  succeeded: "Succeeded",
  failed: "Failed",
  waiting: "Waiting for a person",
  unfinished: "Not finished",
};

/** The time windows the activity list offers, newest activity first; `all` reads everything still in the database. */
export const ACTIVITY_WINDOWS = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000, all: null } as const;
export type ActivityWindow = keyof typeof ACTIVITY_WINDOWS;

export const ACTIVITY_WINDOW_LABELS: Record<ActivityWindow, string> = {
  "1h": "Last hour",
  "24h": "Last 24 hours",
  "7d": "Last 7 days",
  "30d": "Last 30 days",
  all: "All time",
};

/** One cycle of one agent in the team's activity list. */
export type FleetCycle = {
  agentId: string;
  agentName: string;
  cycle: number;
  runId: string | null;
  outcome: CycleOutcome;
  /** The tools it called (usually one). */
  tools: string[];
  /** What went wrong, in the loop's or the tool's words; null unless it failed. */
  error: string | null;
  startedAt: Date;
  endedAt: Date;
  /** Wall time from the start of its model call to its last event. */
  latencyMs: number;
  /** Time spent in the model call(s). */
  modelMs: number | null;
  tokens: number;
  costUsd: string;
};

/** An agent run's status as the app records it (prisma `RunStatus`). */
export const RUN_STATUSES = ["queued", "running", "completed", "failed", "cancelled"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const RUN_STATUS_LABELS: Record<RunStatus, string> = {
  queued: "Queued",
  running: "Running",
  completed: "Completed",
  failed: "Failed",
  cancelled: "Cancelled",
};

/** One run (one durable function run of the loop) in the team's activity list. */
export type FleetRun = {
  id: string;
  agentId: string;
  agentName: string;
  status: RunStatus;
  reason: string | null;
  startCycle: number;
  endCycle: number | null;
  /** Cycles with events in the run, and how many of them failed. */
  cycles: number;
  failedCycles: number;
  startedAt: Date;
  endedAt: Date | null;
  latencyMs: number | null;
  tokens: number;
  costUsd: string;
};

/** A search box's text: trimmed, and an empty box is no filter. */
const searchText = (max: number, what: string) =>
  z
    .string()
    .trim()
    .max(max, { message: `Search ${what} with at most ${max} characters.` })
    .optional()
    .transform((text) => (text ? text : undefined));

/** The activity list's filters and paging, as the dashboard and the public API take them. */
export const activityInput = z.object({
  agent: searchText(200, "agent names"),
  agentId: z.uuid({ message: "That agent id is not valid." }).optional(),
  tool: searchText(200, "tool names"),
  error: searchText(500, "error text"),
  window: z
    .enum(Object.keys(ACTIVITY_WINDOWS) as [ActivityWindow, ...ActivityWindow[]], {
      message: `Choose a time window: ${Object.keys(ACTIVITY_WINDOWS).join(", ")}.`,
    })
    .default("24h"),
  cursor: z.string().max(500, { message: "That page cursor is not valid." }).optional(),
  limit: z.coerce
    .number()
    .int({ message: "The page size is a whole number." })
    .min(1, { message: "Ask for at least 1 row." })
    .max(200, { message: "Ask for at most 200 rows." })
    .default(50),
});

export const cyclesInput = activityInput.extend({
  outcome: z.enum(CYCLE_OUTCOMES, { message: `Choose an outcome: ${CYCLE_OUTCOMES.join(", ")}.` }).optional(),
});

export const runsInput = activityInput.extend({
  status: z.enum(RUN_STATUSES, { message: `Choose a run status: ${RUN_STATUSES.join(", ")}.` }).optional(),
});
