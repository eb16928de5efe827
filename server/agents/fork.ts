import "server-only";
import type { TeamRoleName } from "../../shared/roles";
import { db, Prisma } from "../db/client";
import { col } from "../db/columns";
import { row, sqlRow } from "../db/rows";
import { AppError, notFound } from "../errors";
import { zodFieldErrors } from "../../shared/validation";
import { AGENT_LIMITS, agentSettingsSchema } from "../../shared/agent-input";
import { assertSettingsResolve, isUniqueViolation, nameConflict, settingsColumns, summarySelect, toSummary } from "./agents";
import { settingsInputOf } from "./edit";
import { appendEvent } from "./events";
import { canRaiseLimits, limitsOf, remainingLimitsForFork } from "./limit-raises";
import { recordAudit } from "../audit/record";
import { IMPORTING } from "../../shared/agent-status";

/**
 * Forking: a new, idle agent in the same team whose state is the source's as of one checkpoint.
 *
 * - Settings: the source's settings now (edit the fork afterwards to change them), checked with the
 *   form's schema like every path that makes a runnable agent: an archive imported with settings the
 *   form refuses (or an agent from before a rule existed) does not become runnable through a fork.
 * - Limits: the source's for callers who may raise budgets; for others what the source has left, as
 *   a fork with fresh limits would be a budget raise (server/agents/limit-raises.ts).
 * - State: the checkpoint's world state and rolling summary; cycle numbering continues from the
 *   checkpoint's cycle (the summary covers everything up to it), so a cycle limit counts as it did
 *   for the source. Money and tokens start at zero: spend is the fork's own.
 * - Memory: the source's memories written at or before the checkpoint that were not archived by
 *   then, with their vectors; facts unchanged since the checkpoint. A fact changed later has no
 *   value "as of then" on record, so it is left out (the fork event says how many).
 * - History: not copied. The fork's timeline starts with a `status_change` event naming the
 *   source and the checkpoint, and a snapshot at that cycle, so it resumes like any agent.
 */
export async function forkAgent({
  teamId,
  userId,
  role,
  agentId,
  cycle,
  name,
}: {
  teamId: string;
  userId: string;
  role: TeamRoleName;
  agentId: string;
  cycle: number;
  name?: string;
}) {
  // An import still writing its rows is no agent yet (docs/decisions/021).
  const source = await db.agent.findFirst({ where: { id: agentId, teamId, status: { not: IMPORTING } } });
  if (!source) throw notFound("That agent");
  const snapshot = await db.snapshot.findFirst({ where: { agentId, teamId, cycle } });
  if (!snapshot) throw notFound("That checkpoint");

  const forkName = (name?.trim() || `${source.name} (fork at cycle ${cycle})`).slice(0, AGENT_LIMITS.nameMax);
  const parsed = agentSettingsSchema.safeParse({ ...settingsInputOf(source), name: forkName });
  if (!parsed.success) {
    const { fieldErrors } = zodFieldErrors(parsed.error);
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new AppError(
      "BAD_REQUEST",
      `This agent's settings are not valid for a runnable agent, so it cannot be forked: ${problems.join("; ")}`,
      { fieldErrors },
    );
  }
  const settings = parsed.data;
  await assertSettingsResolve(teamId, settings);
  const limits = canRaiseLimits(role) ? limitsOf(source) : remainingLimitsForFork(source, snapshot.cycle);
  const taken = await db.agent.findFirst({ where: { teamId, name: forkName }, select: { id: true } });
  if (taken) throw nameConflict(forkName);

  try {
    return await db.$transaction(async (tx) => {
      const fork = await tx.agent.create({
        data: {
          teamId,
          createdById: userId,
          ...settingsColumns(settings),
          ...limits,
          cyclesPerRun: source.cyclesPerRun,
          worldState: snapshot.worldState ?? {},
          summary: snapshot.summary,
          summaryThroughCycle: snapshot.cycle,
          cycleCount: snapshot.cycle,
          lastProgressCycle: snapshot.cycle,
          forkedFromAgentId: source.id,
          forkedFromSnapshotId: snapshot.id,
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
            FROM fact WHERE "agentId" = ${source.id}::uuid AND "teamId" = ${teamId} AND "updatedAt" <= (SELECT "createdAt" FROM snapshot WHERE id = ${snapshot.id}::uuid)
          RETURNING key
        )
        SELECT (SELECT count(*) FROM copied) AS copied,
               (SELECT count(*) FROM fact WHERE "agentId" = ${source.id}::uuid AND "teamId" = ${teamId}
                  AND "createdAt" <= (SELECT "createdAt" FROM snapshot WHERE id = ${snapshot.id}::uuid) AND "updatedAt" > (SELECT "createdAt" FROM snapshot WHERE id = ${snapshot.id}::uuid)) AS omitted`,
      );
      const memories = await tx.$executeRaw`
        INSERT INTO memory (id, "agentId", "teamId", kind, content, embedding, embedder, importance, "recallCount", "lastRecalledAt",
                            "isPinned", "sourceEventSeq", metadata, "createdAt", "updatedAt")
        SELECT gen_random_uuid(), ${fork.id}::uuid, m."teamId", m.kind, m.content, m.embedding, m.embedder, m.importance, m."recallCount",
               m."lastRecalledAt", m."isPinned", NULL, m.metadata - 'factId', m."createdAt", m."updatedAt"
          FROM memory m
         WHERE m."agentId" = ${source.id}::uuid AND m."teamId" = ${teamId}
           AND m."createdAt" <= (SELECT "createdAt" FROM snapshot WHERE id = ${snapshot.id}::uuid)
           AND (m."archivedAt" IS NULL OR m."archivedAt" > (SELECT "createdAt" FROM snapshot WHERE id = ${snapshot.id}::uuid))
           AND (m.kind <> 'fact' OR NOT (m.metadata ? 'factKey')
                OR EXISTS (SELECT 1 FROM fact f WHERE f."agentId" = ${fork.id}::uuid AND f.key = m.metadata->>'factKey'))`;

      await appendEvent(
        {
          agentId: fork.id,
          teamId,
          cycle: snapshot.cycle,
          type: "status_change",
          payload: {
            change: "forked",
            fromAgentId: source.id,
            fromAgentName: source.name,
            fromCycle: snapshot.cycle,
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
          cycle: snapshot.cycle,
          eventSeq: written.lastEventSeq,
          worldState: snapshot.worldState ?? {},
          summary: snapshot.summary,
          counters: {
            cycleCount: snapshot.cycle,
            spentUsd: "0",
            tokensUsed: "0",
            forkedFrom: { agentId: source.id, cycle: snapshot.cycle },
          },
        },
      });
      await recordAudit(tx, {
        teamId,
        actorId: userId,
        action: "agent.fork",
        targetId: fork.id,
        metadata: { fromAgentId: source.id, fromCycle: String(snapshot.cycle), name: forkName },
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
