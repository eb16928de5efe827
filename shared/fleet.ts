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
