import "server-only";
import type { z } from "zod";
import type { TeamRoleName } from "../../shared/roles";
import { db, Prisma } from "../db/client";
import type { Agent } from "../db/generated/client";
import { memorySettingsOf } from "../../shared/memory-settings";
import { AppError, notFound } from "../errors";
import { isMcpToolName } from "../../shared/mcp-servers";
import {
  agentSettingsSchema,
  defaultToolSettings,
  type AgentSettings,
  type AgentSettingsInput,
  type toolSettingSchema,
} from "../../shared/agent-input";
import { LOOP_STATUSES } from "../../shared/agent-status";
import { assertSettingsResolve, isUniqueViolation, nameConflict, settingsColumns, summarySelect, toSummary } from "./agents";
import { appendEvent } from "./events";
import { assertMayRaiseLimits, limitsOf } from "./limit-raises";
import { CHILD_BUDGET_FIXED } from "../../shared/delegation";
import { recordAudit } from "../audit/record";
import { missingPriceOf } from "../spend/model-prices";
import { formatMoney } from "../../shared/money";

/**
 * Editing an agent's settings. Edits apply from the agent's next cycle (the loop reads its settings
 * from the row each cycle), whatever its status; a form saved over someone else's newer edit is
 * refused (the row's `version`), and limits can't go below what the agent already used.
 */

/** A stored agent's settings in the form's shape (what the edit form shows and fork re-validates). */
export function settingsInputOf(row: Agent) {
  // Each catalog tool as stored, unvalidated: a setting the schema now refuses must show up as an error
  // where it is validated (saving the form, forking), not quietly turn into the default.
  const stored: unknown[] = Array.isArray(row.tools) ? row.tools : [];
  const tools = defaultToolSettings().map((fallback) => {
    const saved = stored.find((t) => (t as { name?: unknown } | null)?.name === fallback.name);
    return (saved as z.input<typeof toolSettingSchema> | undefined) ?? { ...fallback, enabled: false };
  });
  // MCP tools after the catalog's, as stored.
  for (const saved of stored) {
    const name = (saved as { name?: unknown } | null)?.name;
    if (typeof name === "string" && isMcpToolName(name)) tools.push(saved as z.input<typeof toolSettingSchema>);
  }
  return {
    name: row.name,
    goal: row.goal,
    instructions: row.instructions,
    provider: row.provider,
    model: row.model,
    temperature: row.temperature,
    maxOutputTokens: row.maxOutputTokens,
    contextWindow: row.contextWindow?.toString() ?? "",
    budgetUsd: row.budgetUsd?.toString() ?? "",
    budgetTokens: row.budgetTokens?.toString() ?? "",
    budgetCycles: row.budgetCycles?.toString() ?? "",
    softLimitPercent: row.softLimitPercent,
    cooldownSeconds: row.cooldownSeconds,
    approvalTimeoutSeconds: row.approvalTimeoutSeconds,
    approvalTimeoutPolicy: row.approvalTimeoutPolicy,
    stuckRepeatLimit: row.stuckRepeatLimit,
    stuckNoProgressCycles: row.stuckNoProgressCycles,
    tools,
    messageChannelIds: row.messageChannelIds,
    memory: memorySettingsOf(row.memorySettings),
    scheduleCron: row.scheduleCron ?? "",
    scheduleTimezone: row.scheduleTimezone,
  };
}

/** What the edit form starts from: the stored settings in the form's shape, and the row version. */
export async function agentSettingsOf({ teamId, agentId }: { teamId: string; agentId: string }) {
  const row = await db.agent.findFirst({ where: { id: agentId, teamId } });
  if (!row) throw notFound("That agent");
  return {
    settings: settingsInputOf(row),
    version: row.version,
    status: row.status,
    isReadOnly: row.isReadOnly,
    used: { spentUsd: row.spentUsd.toString(), tokensUsed: row.tokensUsed.toString(), cycleCount: row.cycleCount },
  };
}

/** Settings fields whose change is listed in the audit log and the agent's timeline. */
const TRACKED = [
  "name",
  "goal",
  "instructions",
  "provider",
  "model",
  "temperature",
  "maxOutputTokens",
  "contextWindow",
  "tools",
  "messageChannelIds",
  "budgetUsd",
  "budgetTokens",
  "budgetCycles",
  "softLimitPercent",
  "cooldownSeconds",
  "approvalTimeoutSeconds",
  "approvalTimeoutPolicy",
  "stuckRepeatLimit",
  "stuckNoProgressCycles",
  "memorySettings",
  "scheduleCron",
  "scheduleTimezone",
] as const;

/** A value's canonical text: decimals and bigints as digits, objects with sorted keys (jsonb reorders them). */
function comparable(value: unknown): string {
  if (value instanceof Prisma.Decimal || typeof value === "bigint") return value.toString();
  return JSON.stringify(value ?? null, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/**
 * A new model (or provider) must have a price when the agent may run on it without a person's start,
 * which would refuse it (control.ts): while it is in a run or held for an answer that continues the run,
 * and while a webhook or schedule can start it (an idle agent with a webhook secret or a schedule). The
 * loop would otherwise find it only at the next run (beginRun pauses it) or, in a run, charge the
 * instance's default price meanwhile. An agent only a person can start again (paused, stopped, ended), or
 * an idle one nothing else starts, may be moved to a model priced later, as a new agent may be created on one.
 */
async function assertNewModelPriced(current: Agent, settings: AgentSettings) {
  if (settings.model === current.model && settings.provider === current.provider) return;
  if (LOOP_STATUSES.startedOnlyByPerson.includes(current.status)) return;
  const hasTrigger = settings.scheduleCron !== undefined || current.webhookSecretEncrypted !== null;
  if (LOOP_STATUSES.startedByTrigger.includes(current.status) && !hasTrigger) return;
  const missing = await missingPriceOf({ teamId: current.teamId, provider: settings.provider, model: settings.model });
  if (missing) throw new AppError("CONFLICT", missing, { fieldErrors: { model: [missing] } });
}

export async function updateAgent({
  teamId,
  userId,
  role,
  agentId,
  version,
  input,
}: {
  teamId: string;
  userId: string;
  /** The caller's role in the team: raising a limit needs `budget:raise` (server/agents/limit-raises.ts). */
  role: TeamRoleName;
  agentId: string;
  version: number;
  input: AgentSettingsInput;
}) {
  const settings = agentSettingsSchema.parse(input);
  const current = await db.agent.findFirst({ where: { id: agentId, teamId } });
  if (!current) throw notFound("That agent");
  if (current.isReadOnly) throw new AppError("CONFLICT", "This agent is a read-only archive; its settings can't be changed.");

  // Limits can't go below what is already used: that would stop the agent without saying why.
  const fieldErrors: Record<string, string[]> = {};
  if (new Prisma.Decimal(settings.budgetUsd.toString()).lessThan(current.spentUsd)) {
    fieldErrors.budgetUsd = [
      `This agent has already spent ${formatMoney(current.spentUsd.toFixed())}; the money limit must be at least that.`,
    ];
  }
  if (settings.budgetTokens !== undefined && BigInt(settings.budgetTokens) < current.tokensUsed) {
    fieldErrors.budgetTokens = [
      `This agent has already used ${current.tokensUsed.toLocaleString("en-US")} tokens; the limit must be at least that.`,
    ];
  }
  if (settings.budgetCycles !== undefined && settings.budgetCycles < current.cycleCount) {
    fieldErrors.budgetCycles = [`This agent has already run ${current.cycleCount} cycles; the limit must be at least that.`];
  }
  if (Object.keys(fieldErrors).length > 0) {
    throw new AppError("BAD_REQUEST", Object.values(fieldErrors)[0]![0]!, { fieldErrors });
  }
  const columns = settingsColumns(settings);
  if (current.parentId) assertChildLimitsKept(limitsOf(current), limitsOf(columns));
  assertMayRaiseLimits({ role, current: limitsOf(current), next: limitsOf(columns) });
  if (settings.name !== current.name) {
    const taken = await db.agent.findFirst({ where: { teamId, name: settings.name, id: { not: agentId } }, select: { id: true } });
    if (taken) throw nameConflict(settings.name);
  }
  await assertSettingsResolve(teamId, settings);
  await assertNewModelPriced(current, settings);

  const changed = TRACKED.filter((field) => comparable(columns[field]) !== comparable(current[field]));
  if (changed.length === 0) return { agent: toSummary(current), changed };

  try {
    const agent = await db.$transaction(async (tx) => {
      const updated = await tx.agent.updateMany({
        where: { id: agentId, teamId, version, isReadOnly: false },
        data: { ...columns, version: { increment: 1 } },
      });
      if (updated.count === 0) {
        throw new AppError("CONFLICT", "Someone else changed this agent since you opened the form. Reload it to see their changes.");
      }
      await appendEvent(
        {
          agentId,
          teamId,
          cycle: current.cycleCount,
          type: "status_change",
          payload: { change: "settings_edited", fields: changed, byUserId: userId },
        },
        tx,
      );
      await recordAudit(tx, {
        teamId,
        actorId: userId,
        action: "agent.edit",
        targetId: agentId,
        metadata: { fields: changed.join(", ") },
      });
      return tx.agent.findUniqueOrThrow({ where: { id: agentId }, select: summarySelect });
    });
    return { agent: toSummary(agent), changed };
  } catch (error) {
    if (isUniqueViolation(error)) throw nameConflict(settings.name);
    throw error;
  }
}

/**
 * Changes some of an agent's settings (the public API's PATCH): the given fields over the stored ones,
 * through `updateAgent` with every rule it applies. Without `version`, the stored one: the change
 * applies over whatever is stored now.
 */
export async function patchAgent({
  teamId,
  userId,
  role,
  agentId,
  version,
  changes,
}: {
  teamId: string;
  userId: string;
  role: TeamRoleName;
  agentId: string;
  version?: number;
  changes: Partial<AgentSettingsInput>;
}) {
  const stored = await agentSettingsOf({ teamId, agentId });
  const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
  return updateAgent({
    teamId,
    userId,
    role,
    agentId,
    version: version ?? stored.version,
    input: { ...stored.settings, ...defined },
  });
}

/** A child's limits are what its parent carved out for it (docs/decisions/040): its form may change anything but them. */
function assertChildLimitsKept(current: ReturnType<typeof limitsOf>, next: ReturnType<typeof limitsOf>) {
  const fieldErrors: Record<string, string[]> = {};
  for (const field of ["budgetUsd", "budgetTokens", "budgetCycles"] as const) {
    if (comparable(current[field]) !== comparable(next[field])) fieldErrors[field] = [CHILD_BUDGET_FIXED];
  }
  if (Object.keys(fieldErrors).length > 0) throw new AppError("BAD_REQUEST", CHILD_BUDGET_FIXED, { fieldErrors });
}
