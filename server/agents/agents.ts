import "server-only";
import { z } from "zod";
import { db, Prisma } from "../db/client";
import type { AgentStatus } from "../db/generated/enums";
import { AppError } from "../errors";
import { assertChannelsOfTeam } from "../channels/deliveries";
import { assertMcpToolsExist } from "../mcp/agent-tools";
import { agentSettingsSchema, SIMULATOR_PROVIDER, type AgentSettings, type AgentSettingsInput } from "../../shared/agent-input";
import { assertValidSchedule } from "./cron-expression";
import { recordAudit } from "../audit/record";
import { IMPORTING } from "../../shared/agent-status";

/** What the pages show of an agent: plain JSON, money as a decimal string in USD. */
export type AgentSummary = {
  id: string;
  name: string;
  goal: string;
  model: string;
  provider: string;
  status: AgentStatus;
  /** Why the agent is in its status (a hold's reason, a stop's reason), when there is one. */
  statusReason: string | null;
  budgetUsd: string | null;
  spentUsd: string;
  cycleCount: number;
  lastActiveAt: Date | null;
  heartbeatAt: Date | null;
  createdAt: Date;
  /** Archived by a person (hidden from the default list), or null. */
  archivedAt: Date | null;
};

export const summarySelect = {
  id: true,
  name: true,
  goal: true,
  model: true,
  provider: true,
  status: true,
  statusReason: true,
  budgetUsd: true,
  spentUsd: true,
  cycleCount: true,
  lastActiveAt: true,
  heartbeatAt: true,
  createdAt: true,
  archivedAt: true,
} satisfies Prisma.AgentSelect;

export function toSummary(row: Prisma.AgentGetPayload<{ select: typeof summarySelect }>): AgentSummary {
  return { ...row, budgetUsd: row.budgetUsd?.toString() ?? null, spentUsd: row.spentUsd.toString() };
}

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

/** Checks what zod cannot: the provider belongs to the team, the schedule parses. */
export async function assertSettingsResolve(teamId: string, settings: AgentSettings) {
  if (settings.provider !== SIMULATOR_PROVIDER) {
    // Provider ids are uuids; anything else cannot exist (and must not reach a uuid column).
    const isUuid = z.uuid().safeParse(settings.provider).success;
    const provider = isUuid ? await db.modelProvider.findFirst({ where: { id: settings.provider, teamId }, select: { id: true } }) : null;
    if (!provider) {
      const message = "That model provider was not found in this team.";
      throw new AppError("BAD_REQUEST", message, { fieldErrors: { provider: [message] } });
    }
  }
  assertValidSchedule(settings.scheduleCron, settings.scheduleTimezone);
  await assertMcpToolsExist(teamId, settings.tools);
  await assertChannelsOfTeam(teamId, settings.messageChannelIds);
}

/** The agent row's columns for a set of settings (create, edit and fork write the same ones). */
export function settingsColumns(settings: AgentSettings) {
  return {
    name: settings.name,
    goal: settings.goal,
    instructions: settings.instructions,
    provider: settings.provider,
    model: settings.model,
    temperature: settings.temperature,
    maxOutputTokens: settings.maxOutputTokens,
    contextWindow: settings.contextWindow ?? null,
    tools: settings.tools,
    messageChannelIds: settings.messageChannelIds,
    budgetUsd: new Prisma.Decimal(settings.budgetUsd.toString()),
    budgetTokens: settings.budgetTokens === undefined ? null : BigInt(settings.budgetTokens),
    budgetCycles: settings.budgetCycles ?? null,
    softLimitPercent: settings.softLimitPercent,
    cooldownSeconds: settings.cooldownSeconds,
    approvalTimeoutSeconds: settings.approvalTimeoutSeconds,
    approvalTimeoutPolicy: settings.approvalTimeoutPolicy,
    stuckRepeatLimit: settings.stuckRepeatLimit,
    stuckNoProgressCycles: settings.stuckNoProgressCycles,
    memorySettings: settings.memory,
    scheduleCron: settings.scheduleCron ?? null,
    scheduleTimezone: settings.scheduleTimezone,
  } satisfies Prisma.AgentUpdateInput;
}

/** Validates the settings and creates an idle agent in the team; the name must be unique in the team. */
export async function createAgent({ teamId, userId, input }: { teamId: string; userId: string; input: AgentSettingsInput }) {
  const settings = agentSettingsSchema.parse(input);
  const nameTaken = await db.agent.findFirst({ where: { teamId, name: settings.name }, select: { id: true } });
  if (nameTaken) throw nameConflict(settings.name);
  await assertSettingsResolve(teamId, settings);
  try {
    return await db.$transaction(async (tx) => {
      const agent = await tx.agent.create({
        data: { teamId, createdById: userId, ...settingsColumns(settings) },
        select: summarySelect,
      });
      await recordAudit(tx, { teamId, actorId: userId, action: "agent.create", targetId: agent.id, metadata: { name: agent.name } });
      return toSummary(agent);
    });
  } catch (error) {
    // Two creates racing for one name: the unique index decides, the loser gets the same message.
    if (isUniqueViolation(error)) throw nameConflict(settings.name);
    throw error;
  }
}

export function nameConflict(name: string) {
  const message = `An agent named "${name}" already exists in this team. Choose another name.`;
  return new AppError("CONFLICT", message, { fieldErrors: { name: [message] } });
}

export async function getAgentOrThrow({ teamId, agentId }: { teamId: string; agentId: string }) {
  const agent = await db.agent.findFirst({ where: { id: agentId, teamId, status: { not: IMPORTING } }, select: summarySelect });
  if (!agent) throw new AppError("NOT_FOUND", "That agent was not found, or you do not have access to it.");
  return toSummary(agent);
}
