import "server-only";
import type { TeamRoleName } from "../../shared/roles";
import { db, Prisma } from "../db/client";
import { col } from "../db/columns";
import { row, sqlRow } from "../db/rows";
import { AppError, notFound } from "../errors";
import { zodFieldErrors } from "../../shared/validation";
import { AGENT_LIMITS, agentSettingsSchema } from "../../shared/agent-input";
import { assertSettingsResolve, isUniqueViolation, nameConflict, settingsColumns, summarySelect, toSummary } from "../agents/agents";
import { settingsInputOf } from "../agents/edit";
import { appendEvent } from "../agents/events";
import { assertForkableCycle, stateAtCycle } from "./fork-state";
import { canRaiseLimits, limitsOf, remainingLimitsForFork } from "../agents/limit-raises";
import { recordAudit } from "../audit/record";
import { IMPORTING } from "../../shared/agent-status";

/**
 * Forking: a new, idle agent in the same team whose state is the source's as of the end of one cycle.
 *
 * - Settings: the source's settings now, with the instructions, provider and model a person chose for
 *   the fork ("what if"), checked with the form's schema like every path that makes a runnable agent:
 *   an archive imported with settings the form refuses (or an agent from before a rule existed) does
 *   not become runnable through a fork.
 * - Limits: the source's for callers who may raise budgets; for others what the source has left, as
 *   a fork with fresh limits would be a budget raise (server/agents/limit-raises.ts).
 * - State: the world state and rolling summary at the end of the cycle, any cycle: rebuilt from the
 *   nearest checkpoint at or before it and the events after it (server/forks/fork-state.ts), or the
 *   world state a person edited. The summary covers every cycle through it (the fork copies no
 *   history); cycle numbering continues from it, so a cycle limit counts as it did for the source.
 *   Money and tokens start at zero: spend is the fork's own.
 * - Memory: the source's memories written by the end of the cycle that were not archived by then,
 *   with their vectors; facts unchanged since then. A fact changed later has no value "as of then" on
 *   record, so it is left out (the fork event says how many).
 * - History: not copied. The fork's timeline starts with a `status_change` event naming the
 *   source and the cycle, and a snapshot at that cycle, so it resumes like any agent.
 * - The source is not changed.
 */
export type ForkOverrides = {
  /** The world state the fork starts with instead of the source's at that cycle (a JSON object). */
  worldState?: Record<string, unknown>;
  instructions?: string;
  provider?: string;
  model?: string;
};

export async function forkAgent({
  teamId,
  userId,
  role,
  agentId,
  cycle,
  name,
  overrides = {},
}: {
  teamId: string;
  userId: string;
  role: TeamRoleName;
  agentId: string;
  cycle: number;
  name?: string;
  overrides?: ForkOverrides;
}) {
  // An import still writing its rows is no agent yet (docs/decisions/021).
  const source = await db.agent.findFirst({ where: { id: agentId, teamId, status: { not: IMPORTING } } });
  if (!source) throw notFound("That agent");
  assertForkableCycle(cycle, source.cycleCount);

  const forkName = (name?.trim() || `${source.name} (fork at cycle ${cycle})`).slice(0, AGENT_LIMITS.nameMax);
  const parsed = agentSettingsSchema.safeParse({
    ...settingsInputOf(source),
    name: forkName,
    ...(overrides.instructions !== undefined ? { instructions: overrides.instructions } : {}),
    ...(overrides.model !== undefined || overrides.provider !== undefined
      ? { provider: overrides.provider ?? source.provider, model: overrides.model ?? source.model }
      : {}),
  });
  if (!parsed.success) {
    const { fieldErrors } = zodFieldErrors(parsed.error);
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new AppError("BAD_REQUEST", `These settings are not valid for a runnable agent, so it cannot be forked: ${problems.join("; ")}`, {
      fieldErrors,
    });
  }
  const settings = parsed.data;
  await assertSettingsResolve(teamId, settings);
  const limits = canRaiseLimits(role) ? limitsOf(source) : remainingLimitsForFork(source, cycle);
  const taken = await db.agent.findFirst({ where: { teamId, name: forkName }, select: { id: true } });
  if (taken) throw nameConflict(forkName);

  const state = await stateAtCycle({ agentId, teamId, cycle });
  const worldState = (overrides.worldState ?? state.worldState ?? {}) as Prisma.InputJsonValue;
  // Memories and facts as of the cycle's end (timestamps are UTC without a zone, as the loop writes them).
  const asOf = Prisma.sql`${state.endedAt.toISOString().replace("Z", "")}::timestamp`;

  try {
    return await db.$transaction(async (tx) => {
      const fork = await tx.agent.create({
        data: {
          teamId,
          createdById: userId,
          ...settingsColumns(settings),
          ...limits,
          cyclesPerRun: source.cyclesPerRun,
          worldState,
          summary: state.summary,
          summaryThroughCycle: cycle,
          cycleCount: cycle,
          lastProgressCycle: cycle,
          forkedFromAgentId: source.id,
          forkedFromSnapshotId: state.fromSnapshot?.id ?? null,
        },
        select: summarySelect,
      });

      // Facts unchanged since the checkpoint; their mirror memories come with the memories below.
      const facts = await row(
        tx,
        forkedFactsRow,
        Prisma.sql`
        WITH copied AS (
          INSERT INTO fact (id, "agentId", "teamId", key, value, source, confidence, "createdAt", "updatedAt")
          SELECT gen_random_uuid(), ${fork.id}::uuid, "teamId", key, value, source, confidence, "createdAt", "updatedAt"
            FROM fact WHERE "agentId" = ${source.id}::uuid AND "teamId" = ${teamId} AND "updatedAt" <= ${asOf}
          RETURNING key
        )
        SELECT (SELECT count(*) FROM copied) AS copied,
               (SELECT count(*) FROM fact WHERE "agentId" = ${source.id}::uuid AND "teamId" = ${teamId}
                  AND "createdAt" <= ${asOf} AND "updatedAt" > ${asOf}) AS omitted`,
      );
      const memories = await tx.$executeRaw`
        INSERT INTO memory (id, "agentId", "teamId", kind, content, embedding, embedder, importance, "recallCount", "lastRecalledAt",
                            "isPinned", "sourceEventSeq", metadata, "createdAt", "updatedAt")
        SELECT gen_random_uuid(), ${fork.id}::uuid, m."teamId", m.kind, m.content, m.embedding, m.embedder, m.importance, m."recallCount",
               m."lastRecalledAt", m."isPinned", NULL, m.metadata - 'factId', m."createdAt", m."updatedAt"
          FROM memory m
         WHERE m."agentId" = ${source.id}::uuid AND m."teamId" = ${teamId}
           AND m."createdAt" <= ${asOf}
           AND (m."archivedAt" IS NULL OR m."archivedAt" > ${asOf})
           AND (m.kind <> 'fact' OR NOT (m.metadata ? 'factKey')
                OR EXISTS (SELECT 1 FROM fact f WHERE f."agentId" = ${fork.id}::uuid AND f.key = m.metadata->>'factKey'))`;

      await appendEvent(
        {
          agentId: fork.id,
          teamId,
          cycle: cycle,
          type: "status_change",
          payload: {
            change: "forked",
            fromAgentId: source.id,
            fromAgentName: source.name,
            fromCycle: cycle,
            fromCheckpointCycle: state.fromSnapshot?.cycle ?? null,
            eventsReplayed: state.replayedEvents,
            ...(overrides.worldState !== undefined ? { worldStateEdited: true } : {}),
            ...(overrides.instructions !== undefined && overrides.instructions !== source.instructions
              ? { instructionsChanged: true }
              : {}),
            ...(settings.model !== source.model || settings.provider !== source.provider
              ? { model: settings.model, provider: settings.provider }
              : {}),
            memoriesCopied: memories,
            factsCopied: Number(facts.copied),
            factsChangedSinceCheckpoint: Number(facts.omitted),
            // Which limits the fork started with: the source's, or what the source had left.
            limits: canRaiseLimits(role) ? "copied" : "remaining",
            byUserId: userId,
          },
        },
        tx,
      );
      const written = await tx.agent.findUniqueOrThrow({ where: { id: fork.id }, select: { lastEventSeq: true } });
      await tx.snapshot.create({
        data: {
          agentId: fork.id,
          teamId,
          cycle: cycle,
          eventSeq: written.lastEventSeq,
          worldState,
          summary: state.summary,
          counters: {
            cycleCount: cycle,
            spentUsd: "0",
            tokensUsed: "0",
            summaryThroughCycle: cycle,
            forkedFrom: { agentId: source.id, cycle: cycle },
          },
        },
      });
      await recordAudit(tx, {
        teamId,
        actorId: userId,
        action: "agent.fork",
        targetId: fork.id,
        metadata: { fromAgentId: source.id, fromCycle: String(cycle), name: forkName },
      });
      return { agent: toSummary(fork), memoriesCopied: memories, factsCopied: Number(facts.copied) };
    });
  } catch (error) {
    // Two forks racing for one name: the unique index decides, the loser gets the same message.
    if (isUniqueViolation(error)) throw nameConflict(forkName);
    throw error;
  }
}

const forkedFactsRow = sqlRow("copying a fork's facts", { copied: col.int8, omitted: col.int8 });
