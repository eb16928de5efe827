import "server-only";
import { z } from "zod";
import { db, Prisma } from "../db/client";
import { AgentStatus } from "../db/generated/enums";
import { col } from "../db/columns";
import { maybeRow, sqlRow } from "../db/rows";
import { underAgentLock } from "../db/agent-lock";
import { env } from "../env";
import { logger } from "../logger";
import { getColdStore, type ColdStore } from "./cold-store";
import { decodeSegment, encodeSegment, forgetSegment, segmentKey, type ColdEvent } from "./segments";
import { CHILD_ENDED_STATUSES } from "../../shared/delegation";
import { LOOP_STATUSES } from "../../shared/agent-status";
import { PROMPT_BLOB_FIELDS, PROMPT_MEMORY_FIELDS } from "../../shared/cycle-trace";

/**
 * Hibernation (docs/decisions/016): an agent idle for HIBERNATE_AFTER_HOURS has the events below its
 * latest snapshot (and inside its rolling summary, so context assembly never needs them) moved to a
 * cold segment. The file is written and read back first; the segment row and the deletion of the hot
 * rows then commit in one transaction, so a crash leaves at worst an orphan file (swept later).
 */

/** Statuses an agent may be compacted in: none has a run. Only `idle` becomes `hibernated`. */
/** Events a segment holds at most: a segment is read whole, so a long history becomes several. */
const EVENTS_PER_SEGMENT = 5000;

export type HibernateResult =
  | { hibernated: true; segments: { key: string; fromSeq: number; toSeq: number; eventCount: number }[] }
  | { hibernated: false; reason: string };

function idleCutoff(now: Date, hours: number): Date {
  return new Date(now.getTime() - hours * 3_600_000);
}

/** Agents idle long enough, in a compactable status, with no live run and no pending approval. */
export async function findAgentsToHibernate({
  now = new Date(),
  afterHours = env.HIBERNATE_AFTER_HOURS,
  limit = 100,
  teamId,
}: { now?: Date; afterHours?: number; limit?: number; /** One team's agents only (tests, tooling). */ teamId?: string } = {}) {
  const before = idleCutoff(now, afterHours);
  return db.agent.findMany({
    where: {
      ...(teamId ? { teamId } : {}),
      // A hibernated agent has no new events until something wakes it.
      status: { in: LOOP_STATUSES.compactable.filter((status) => status !== "hibernated") },
      isReadOnly: false,
      updatedAt: { lt: before },
      OR: [{ lastActiveAt: null }, { lastActiveAt: { lt: before } }],
      runs: { none: { status: { in: ["queued", "running"] } } },
      approvals: { none: { status: "pending" } },
    },
    orderBy: { updatedAt: "asc" },
    take: limit,
    select: { id: true, teamId: true },
  });
}

const compactableRow = sqlRow("checking an agent may be compacted", {
  status: z.enum(AgentStatus),
  lastActiveAt: col.timestamp.nullable(),
  updatedAt: col.timestamp,
});

/** Why an agent may not be compacted now, or null when it may. Reads inside the caller's transaction. */
async function whyNot(
  tx: Parameters<Parameters<typeof underAgentLock>[1]>[0],
  { agentId, teamId, before }: { agentId: string; teamId: string; before: Date },
): Promise<string | null> {
  const agent = await maybeRow(
    tx,
    compactableRow,
    Prisma.sql`SELECT status, "lastActiveAt", "updatedAt" FROM agent WHERE id = ${agentId}::uuid AND "teamId" = ${teamId} FOR UPDATE`,
  );
  if (!agent) return "The agent was not found.";
  if (!LOOP_STATUSES.compactable.includes(agent.status)) return `The agent is ${agent.status}.`;
  if (agent.updatedAt >= before || (agent.lastActiveAt && agent.lastActiveAt >= before)) return "The agent was active recently.";
  if ((await tx.agentRun.count({ where: { agentId, teamId, status: { in: ["queued", "running"] } } })) > 0)
    return "The agent has a live run.";
  if ((await tx.approval.count({ where: { agentId, teamId, status: "pending" } })) > 0) return "The agent has a pending approval.";
  // A parent's work goes on in its children: it is not idle while one of them has not ended (docs/decisions/040).
  if ((await tx.agent.count({ where: { parentId: agentId, teamId, status: { notIn: [...CHILD_ENDED_STATUSES] } } })) > 0)
    return "The agent has sub-agents that have not ended.";
  return null;
}

export async function hibernateAgent({
  agentId,
  teamId,
  now = new Date(),
  afterHours = env.HIBERNATE_AFTER_HOURS,
  store = getColdStore(),
}: {
  agentId: string;
  teamId: string;
  now?: Date;
  afterHours?: number;
  store?: ColdStore;
}): Promise<HibernateResult> {
  const before = idleCutoff(now, afterHours);
  const precheck = await db.$transaction((tx) => whyNot(tx, { agentId, teamId, before }));
  if (precheck) return { hibernated: false, reason: precheck };

  const agent = await db.agent.findFirstOrThrow({ where: { id: agentId, teamId }, select: { summaryThroughCycle: true, status: true } });
  const snapshot = await db.snapshot.findFirst({
    where: { agentId, teamId },
    orderBy: { cycle: "desc" },
    select: { cycle: true, eventSeq: true },
  });
  const segments: { key: string; fromSeq: number; toSeq: number; eventCount: number }[] = [];
  if (snapshot) {
    // Cold = a prefix of the history: seq up to the snapshot, and stopping before the first event of
    // a cycle the rolling summary does not cover yet (context assembly reads those; decision 006).
    const throughCycle = Math.min(snapshot.cycle, agent.summaryThroughCycle);
    const firstNeeded = await db.agentEvent.findFirst({
      where: { agentId, teamId, cycle: { gt: throughCycle } },
      orderBy: { seq: "asc" },
      select: { seq: true },
    });
    const throughSeq = Math.min(snapshot.eventSeq, firstNeeded ? firstNeeded.seq - 1 : snapshot.eventSeq);
    for (;;) {
      const moved = await moveSegment({ agentId, teamId, throughSeq, before, store });
      if (!moved) break;
      if ("reason" in moved) return { hibernated: false, reason: moved.reason };
      segments.push(moved);
    }
  }
  if (agent.status === "idle") {
    await db.agent.updateMany({
      where: { id: agentId, teamId, status: "idle" },
      data: {
        status: "hibernated",
        statusReason: `Hibernated after ${afterHours} hours without activity; the next start or trigger wakes it.`,
      },
    });
  }
  if (segments.length > 0) logger.info({ agentId, segments: segments.length }, "agent history moved to cold storage");
  return { hibernated: true, segments };
}

/** Moves the next hot events up to `throughSeq` into one segment; null when there are none. */
async function moveSegment({
  agentId,
  teamId,
  throughSeq,
  before,
  store,
}: {
  agentId: string;
  teamId: string;
  throughSeq: number;
  before: Date;
  store: ColdStore;
}): Promise<{ key: string; fromSeq: number; toSeq: number; eventCount: number } | { reason: string } | null> {
  const rows = await db.agentEvent.findMany({
    where: { agentId, teamId, seq: { lte: throughSeq } },
    orderBy: { seq: "asc" },
    take: EVENTS_PER_SEGMENT,
  });
  if (rows.length === 0) return null;
  const spend = await db.spendEntry.findMany({
    where: { agentId, teamId, eventId: { in: rows.map((row) => row.id) } },
    select: { id: true, eventId: true },
  });
  const spendByEvent = new Map<bigint, string[]>();
  for (const entry of spend) {
    const list = spendByEvent.get(entry.eventId!) ?? [];
    list.push(entry.id.toString());
    spendByEvent.set(entry.eventId!, list);
  }
  const events: ColdEvent[] = rows.map((row) => ({
    id: row.id.toString(),
    runId: row.runId,
    seq: row.seq,
    cycle: row.cycle,
    type: row.type,
    stepId: row.stepId,
    payload: row.payload,
    tokensIn: row.tokensIn,
    tokensOut: row.tokensOut,
    costUsd: row.costUsd.toString(),
    durationMs: row.durationMs,
    createdAt: row.createdAt.toISOString(),
    spendIds: spendByEvent.get(row.id) ?? [],
  }));
  const fromSeq = events[0]!.seq;
  const toSeq = events[events.length - 1]!.seq;
  const key = segmentKey(agentId, fromSeq, toSeq);
  const { bytes, sha256 } = encodeSegment(events);

  // The file first, verified; only then may the hot rows go.
  await store.put(key, bytes);
  forgetSegment(key);
  const readBack = await store.get(key);
  if (!readBack) throw new Error(`Cold segment ${key} was not found right after it was written.`);
  const decoded = decodeSegment(readBack, { sha256, eventCount: events.length });
  if (decoded[0]?.seq !== fromSeq || decoded[decoded.length - 1]?.seq !== toSeq) {
    throw new Error(`Cold segment ${key} read back with the wrong events.`);
  }

  const cycles = events.map((event) => event.cycle);
  return underAgentLock(
    agentId,
    async (tx) => {
      const reason = await whyNot(tx, { agentId, teamId, before });
      if (reason) return { reason };
      await tx.coldSegment.create({
        data: {
          agentId,
          teamId,
          fromSeq,
          toSeq,
          fromCycle: Math.min(...cycles),
          toCycle: Math.max(...cycles),
          key,
          bytes: bytes.length,
          eventCount: events.length,
          sha256,
          toEventAt: rows[rows.length - 1]!.createdAt,
        },
      });
      const deleted = await tx.agentEvent.deleteMany({ where: { agentId, teamId, seq: { gte: fromSeq, lte: toSeq } } });
      // Rows appeared or vanished since they were read (an import, a second hibernator): leave it all hot.
      if (deleted.count !== events.length)
        throw new Error(`Cold segment ${key}: expected to move ${events.length} events, found ${deleted.count}.`);
      return { key, fromSeq, toSeq, eventCount: events.length };
      // Deleting thousands of events (and unlinking their spend rows) can outlast Prisma's 5 s default;
      // the agent is idle, so holding its lock this long blocks nothing that runs.
    },
    { timeoutMs: 120_000 },
  );
}

/**
 * The retention policy: segments whose newest event is older than COLD_RETENTION_DAYS are deleted,
 * row first (the agent remembers the cycles it lost; the traces of those cycles go with it), then file.
 * Unset: cold history is kept forever.
 */
export async function applyColdRetention({
  now = new Date(),
  retentionDays = env.COLD_RETENTION_DAYS,
  store = getColdStore(),
  limit = 500,
}: { now?: Date; retentionDays?: number; store?: ColdStore; limit?: number } = {}): Promise<{ deleted: number }> {
  if (retentionDays === undefined) return { deleted: 0 };
  const before = new Date(now.getTime() - retentionDays * 86_400_000);
  const due = await db.coldSegment.findMany({
    where: { toEventAt: { lt: before } },
    orderBy: { toEventAt: "asc" },
    take: limit,
    select: { id: true, agentId: true, teamId: true, key: true, toCycle: true },
  });
  for (const segment of due) {
    await db.$transaction(async (tx) => {
      await tx.coldSegment.delete({ where: { id: segment.id } });
      await tx.$executeRaw`
        UPDATE agent SET "coldDeletedThroughCycle" = GREATEST("coldDeletedThroughCycle", ${segment.toCycle})
        WHERE id = ${segment.agentId}::uuid AND "teamId" = ${segment.teamId}`;
      // The traces of the cycles whose history goes (docs/decisions/038), then the prompt parts no
      // remaining trace names.
      await tx.cycleTrace.deleteMany({ where: { agentId: segment.agentId, teamId: segment.teamId, cycle: { lte: segment.toCycle } } });
      await tx.$executeRaw(deleteUnusedTraceBlobs(segment));
    });
    await store.delete(segment.key);
    forgetSegment(segment.key);
  }
  return { deleted: due.length };
}

/**
 * Deletes the agent's trace blobs (docs/decisions/038) that no remaining cycle_trace's prompt names: the
 * names are gathered once (one pass over the agent's traces), then the blobs are anti-joined with them.
 */
function deleteUnusedTraceBlobs({ agentId, teamId }: { agentId: string; teamId: string }) {
  const names = Prisma.join(
    [
      ...PROMPT_BLOB_FIELDS.map((field) => Prisma.sql`SELECT t.prompt->>${field}`),
      ...PROMPT_MEMORY_FIELDS.map((field) => Prisma.sql`SELECT m->>1 FROM jsonb_array_elements(t.prompt->${field}) m`),
    ],
    " UNION ALL ",
  );
  return Prisma.sql`
    WITH used AS (
      SELECT DISTINCT u.hash FROM cycle_trace t CROSS JOIN LATERAL (${names}) AS u(hash)
       WHERE t."agentId" = ${agentId}::uuid AND t."teamId" = ${teamId} AND t.prompt IS NOT NULL
    )
    DELETE FROM trace_blob b
     WHERE b."agentId" = ${agentId}::uuid AND b."teamId" = ${teamId}
       AND NOT EXISTS (SELECT 1 FROM used WHERE used.hash = b.hash)`;
}

/**
 * Files without a segment row: a hibernation that crashed between the file and its transaction, or a
 * retention pass that crashed before deleting the file. Call it only where no hibernation is in
 * flight (the hibernator, one pass at a time, before it hibernates): an in-flight file has no row yet.
 */
export async function sweepOrphanSegments({ store = getColdStore() }: { store?: ColdStore } = {}): Promise<{ deleted: number }> {
  const keys = await store.list("agents/");
  let deleted = 0;
  for (let i = 0; i < keys.length; i += 500) {
    const batch = keys.slice(i, i + 500);
    const known = new Set((await db.coldSegment.findMany({ where: { key: { in: batch } }, select: { key: true } })).map((s) => s.key));
    for (const key of batch) {
      if (known.has(key)) continue;
      await store.delete(key);
      deleted += 1;
    }
  }
  return { deleted };
}
