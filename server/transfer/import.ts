import "server-only";
import { db, Prisma } from "../db/client";
import { env } from "../env";
import { AppError } from "../errors";
import { logger } from "../logger";
import { toVectorLiteral } from "../memory/hash-embedding";
import { AGENT_LIMITS, SIMULATOR_PROVIDER } from "../agents/agent-input";
import { isUniqueViolation, summarySelect, toSummary, type AgentSummary } from "../agents/agents";
import { parseExport, type ParsedExport } from "./import-format";

/**
 * Importing an export (server/transfer/export.ts) into the caller's team creates a read-only,
 * archived agent with the whole history: events, snapshots, memories with their vectors, facts,
 * approvals and spend (docs/decisions/012, 021).
 *
 * 1. Claim: an `agent_import` row holds the team's one import slot (a unique column), after the
 *    hourly limit is checked; a second import meanwhile gets "already running".
 * 2. Check: every line is validated before anything is written ("Line 12: …"), in slices that give
 *    the event loop back, so a large file does not stall the app's other requests.
 * 3. Write in bounded batches: the archive agent is created `importing` (listed nowhere), then its
 *    rows go in transactions of about BATCH_TARGET_MS each, so other users' queries run between them
 *    (the embedded PGlite runs one transaction at a time; one long one stalled everybody).
 * 4. Finish: one small transaction makes the agent `archived`, closes the import and audits it.
 * A failure on the way marks the import failed and deletes what was written, in batches too; an
 * import whose process died (its heartbeat stopped) is treated the same by the next import of the
 * team and by the watchdog (`discardAbandonedImports`). Nothing half-imported is ever shown.
 */

const MIB = 1024 * 1024;

/** The limits an operator sets (server/env.ts): largest file, most lines, imports a team may start per hour. */
export function importLimits() {
  return {
    maxBytes: env.IMPORT_MAX_MB * MIB,
    maxMegabytes: env.IMPORT_MAX_MB,
    maxLines: env.IMPORT_MAX_LINES,
    perHour: env.IMPORTS_PER_HOUR,
  };
}

/** How long one write transaction of an import aims to take; other connections wait at most about this long on PGlite. */
export const BATCH_TARGET_MS = 25;
/** A running import whose heartbeat is older than this lost its process. */
export const IMPORT_STALE_SECONDS = 120;
const HEARTBEAT_MS = 15_000;

class ImportCancelled extends Error {}

export type ImportProgress = { agentId: string; rowsWritten: number; rowsTotal: number };

/** The next batch size: scaled towards the time target, at most doubling or halving at a time. */
function nextBatchSize(size: number, elapsedMs: number, maxRows: number) {
  const factor = Math.min(2, Math.max(0.5, BATCH_TARGET_MS / Math.max(elapsedMs, 1)));
  return Math.max(1, Math.min(maxRows, Math.round(size * factor)));
}

/**
 * Takes the team's import slot, or says why not: the hourly limit (429) or an import already
 * running (409). A slot left by a crashed import is freed first.
 */
export async function claimImport({
  teamId,
  userId,
  fileBytes,
  now = new Date(),
}: {
  teamId: string;
  userId: string;
  fileBytes: number;
  now?: Date;
}) {
  await discardAbandonedImports({ teamId, now });
  const { perHour } = importLimits();
  const recent = await db.agentImport.findMany({
    where: { teamId, startedAt: { gte: new Date(now.getTime() - 3600_000) } },
    orderBy: { startedAt: "asc" },
    take: perHour,
    select: { startedAt: true },
  });
  if (recent.length >= perHour) {
    const minutes = Math.max(1, Math.ceil((recent[0]!.startedAt.getTime() + 3600_000 - now.getTime()) / 60_000));
    throw new AppError(
      "TOO_MANY_REQUESTS",
      `This team has started ${perHour} imports in the last hour, the most allowed. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
    );
  }
  try {
    return await db.agentImport.create({
      data: { teamId, createdById: userId, runningTeamId: teamId, fileBytes, startedAt: now, heartbeatAt: now },
      select: { id: true },
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError("CONFLICT", "An import is already running for this team. Wait for it to finish, then try again.");
    }
    throw error;
  }
}

/** A free name in the team: "<name> (imported)", then "(imported 2)", … */
async function freeName(teamId: string, name: string): Promise<string> {
  for (let n = 1; n < 100; n++) {
    const suffix = n === 1 ? " (imported)" : ` (imported ${n})`;
    const candidate = `${name.slice(0, AGENT_LIMITS.nameMax - suffix.length)}${suffix}`;
    const taken = await db.agent.findFirst({ where: { teamId, name: candidate }, select: { id: true } });
    if (!taken) return candidate;
  }
  throw new AppError("CONFLICT", "Too many imports of this agent already have its name; rename one first.");
}

type Tx = Prisma.TransactionClient;
type Ids = { agentId: string; teamId: string };
/** One table's rows and how a batch of them is written; `maxBatch` keeps a statement's parameters in bounds. */
type TableWriter<Row> = { rows: Row[]; firstBatch: number; maxBatch: number; write: (tx: Tx, rows: Row[]) => Promise<unknown> };
/** A table writer with its row type hidden, so the tables can share one loop. */
type TableBatches = {
  rowCount: number;
  firstBatch: number;
  maxBatch: number;
  writeRange: (tx: Tx, start: number, end: number) => Promise<unknown>;
};

function batches<Row>({ rows, firstBatch, maxBatch, write }: TableWriter<Row>): TableBatches {
  return { rowCount: rows.length, firstBatch, maxBatch, writeRange: (tx, start, end) => write(tx, rows.slice(start, end)) };
}

function tableWriters(data: ParsedExport, ids: Ids): TableBatches[] {
  return [
    batches({
      rows: data.events,
      firstBatch: 100,
      maxBatch: 1000,
      write: (tx: Tx, rows: ParsedExport["events"]) =>
        tx.agentEvent.createMany({
          data: rows.map((e) => ({
            ...ids,
            seq: e.seq,
            cycle: e.cycle,
            type: e.type,
            stepId: e.stepId ?? null,
            payload: e.payload ?? {},
            tokensIn: e.tokensIn,
            tokensOut: e.tokensOut,
            costUsd: new Prisma.Decimal(e.costUsd),
            durationMs: e.durationMs ?? null,
            createdAt: new Date(e.createdAt),
          })),
        }),
    }),
    batches({
      rows: data.snapshots,
      firstBatch: 100,
      maxBatch: 1000,
      write: (tx: Tx, rows: ParsedExport["snapshots"]) =>
        tx.snapshot.createMany({
          data: rows.map((s) => ({
            ...ids,
            cycle: s.cycle,
            eventSeq: s.eventSeq,
            worldState: s.worldState ?? {},
            summary: s.summary,
            counters: s.counters ?? {},
            createdAt: new Date(s.createdAt),
          })),
          skipDuplicates: true,
        }),
    }),
    batches({
      rows: data.memories,
      // A memory carries a 1536-number vector and an HNSW index entry: far costlier than an event.
      firstBatch: 5,
      maxBatch: 100,
      // The pgvector column is one Prisma cannot write: a raw INSERT.
      write: (tx: Tx, rows: ParsedExport["memories"]) =>
        tx.$executeRaw`
          INSERT INTO memory (id, "agentId", "teamId", kind, content, embedding, embedder, importance, "recallCount", "lastRecalledAt",
                              "isPinned", "archivedAt", "sourceEventSeq", metadata, "createdAt", "updatedAt")
          VALUES ${Prisma.join(
            rows.map(
              (m) => Prisma.sql`(gen_random_uuid(), ${ids.agentId}::uuid, ${ids.teamId}, ${m.memoryKind}::"MemoryKind", ${m.content},
                ${m.embedding ? toVectorLiteral(m.embedding) : null}::vector, ${m.embedder}, ${m.importance}, ${m.recallCount},
                (${m.lastRecalledAt ?? null}::timestamptz AT TIME ZONE 'UTC'), ${m.isPinned},
                (${m.archivedAt ?? null}::timestamptz AT TIME ZONE 'UTC'), ${m.sourceEventSeq ?? null}::int,
                ${JSON.stringify(m.metadata ?? {})}::jsonb, (${m.createdAt}::timestamptz AT TIME ZONE 'UTC'), now() AT TIME ZONE 'UTC')`,
            ),
          )}`,
    }),
    batches({
      rows: data.facts,
      firstBatch: 100,
      maxBatch: 1000,
      write: (tx: Tx, rows: ParsedExport["facts"]) =>
        tx.fact.createMany({
          data: rows.map((f) => ({
            ...ids,
            key: f.key,
            value: f.value === null ? Prisma.JsonNull : f.value,
            source: f.source,
            confidence: f.confidence,
            createdAt: new Date(f.createdAt),
            updatedAt: new Date(f.updatedAt),
          })),
          skipDuplicates: true,
        }),
    }),
    batches({
      rows: data.approvals,
      firstBatch: 100,
      maxBatch: 1000,
      write: (tx: Tx, rows: ParsedExport["approvals"]) =>
        tx.approval.createMany({
          data: rows.map((p) => ({
            ...ids,
            cycle: p.cycle,
            kind: p.approvalKind,
            // An archive never runs again: what was still waiting is closed, and says so.
            status: p.status === "pending" ? ("cancelled" as const) : p.status,
            toolName: p.toolName ?? null,
            toolArgs: p.toolArgs ?? Prisma.JsonNull,
            reason: p.reason,
            context: { ...(typeof p.context === "object" && p.context ? (p.context as object) : {}), decidedByName: p.decidedBy ?? null },
            answer: p.answer ?? null,
            comment: p.status === "pending" ? "Still waiting when the history was exported." : (p.comment ?? null),
            decidedAt: p.decidedAt ? new Date(p.decidedAt) : null,
            expiresAt: p.expiresAt ? new Date(p.expiresAt) : null,
            createdAt: new Date(p.createdAt),
          })),
        }),
    }),
    batches({
      rows: data.spend,
      firstBatch: 100,
      maxBatch: 1000,
      write: async (tx: Tx, rows: ParsedExport["spend"]) => {
        // Events are all written before spend: link each entry to its event by seq.
        const seqs = [...new Set(rows.flatMap((s) => (s.eventSeq != null ? [s.eventSeq] : [])))];
        const events = seqs.length
          ? await tx.agentEvent.findMany({ where: { ...ids, seq: { in: seqs } }, select: { id: true, seq: true } })
          : [];
        const eventIds = new Map(events.map((e) => [e.seq, e.id] as const));
        return tx.spendEntry.createMany({
          data: rows.map((s) => ({
            ...ids,
            kind: s.spendKind,
            // Open reservations of a run that will never continue are released.
            state: s.state === "reserved" ? ("released" as const) : s.state,
            model: s.model ?? null,
            tokensIn: s.tokensIn,
            tokensOut: s.tokensOut,
            costUsd: new Prisma.Decimal(s.costUsd),
            eventId: s.eventSeq != null ? (eventIds.get(s.eventSeq) ?? null) : null,
            createdAt: new Date(s.createdAt),
          })),
        });
      },
    }),
  ];
}

/** Counts the batch against the import and proves it still owns it (a stale import may have been failed meanwhile). */
async function recordBatch(tx: Tx, importId: string, rows: number) {
  const { count } = await tx.agentImport.updateMany({
    where: { id: importId, status: "running" },
    data: { rowsWritten: { increment: rows }, heartbeatAt: new Date() },
  });
  if (count === 0) throw new ImportCancelled("The import was cancelled: it was taken for interrupted.");
}

/**
 * Writes a checked export as the claimed import's archive, yielding the progress after every
 * committed transaction; returns the archive once it is visible. The agent stays `importing` (shown
 * nowhere) until the last, small transaction.
 */
export async function* writeImport({
  importId,
  teamId,
  userId,
  data,
}: {
  importId: string;
  teamId: string;
  userId: string;
  data: ParsedExport;
}): AsyncGenerator<ImportProgress, AgentSummary> {
  const a = data.agent;
  const name = await freeName(teamId, a.name);
  const rowsTotal =
    data.events.length + data.snapshots.length + data.memories.length + data.facts.length + data.approvals.length + data.spend.length;
  const agentId = await db.$transaction(async (tx) => {
    const agent = await tx.agent.create({
      data: {
        teamId,
        createdById: userId,
        name,
        goal: a.goal,
        instructions: a.instructions,
        status: "importing",
        isReadOnly: true,
        provider: SIMULATOR_PROVIDER,
        model: a.model,
        temperature: a.temperature,
        maxOutputTokens: a.maxOutputTokens ?? 1024,
        tools: a.tools ?? [],
        budgetUsd: a.budgetUsd === null ? null : new Prisma.Decimal(a.budgetUsd),
        budgetTokens: a.budgetTokens === null ? null : BigInt(a.budgetTokens),
        budgetCycles: a.budgetCycles,
        softLimitPercent: a.softLimitPercent,
        cooldownSeconds: a.cooldownSeconds,
        approvalTimeoutSeconds: a.approvalTimeoutSeconds,
        approvalTimeoutPolicy: a.approvalTimeoutPolicy,
        scheduleCron: a.scheduleCron ?? null,
        scheduleTimezone: a.scheduleTimezone,
        memorySettings: a.memorySettings ?? {},
        worldState: a.worldState ?? {},
        summary: a.summary,
        summaryThroughCycle: a.summaryThroughCycle,
        cycleCount: a.cycleCount,
        eventCount: data.events.length,
        lastEventSeq: data.events.reduce((m, e) => Math.max(m, e.seq), 0),
        spentUsd: new Prisma.Decimal(a.spentUsd),
        tokensUsed: BigInt(a.tokensUsed),
        lastActiveAt: a.lastActiveAt ? new Date(a.lastActiveAt) : null,
      },
      select: { id: true },
    });
    const { count } = await tx.agentImport.updateMany({
      where: { id: importId, teamId, status: "running" },
      data: { agentId: agent.id, rowsTotal, heartbeatAt: new Date() },
    });
    if (count === 0) throw new ImportCancelled("The import was cancelled before it began writing.");
    return agent.id;
  });
  const ids = { agentId, teamId };
  let rowsWritten = 0;
  yield { agentId, rowsWritten, rowsTotal };

  for (const table of tableWriters(data, ids)) {
    for (let at = 0, size = table.firstBatch; at < table.rowCount;) {
      const end = Math.min(table.rowCount, at + size);
      const started = performance.now();
      await db.$transaction(async (tx) => {
        await table.writeRange(tx, at, end);
        await recordBatch(tx, importId, end - at);
      });
      size = nextBatchSize(size, performance.now() - started, table.maxBatch);
      rowsWritten += end - at;
      at = end;
      yield { agentId, rowsWritten, rowsTotal };
    }
  }

  const archive = await db.$transaction(async (tx) => {
    const finished = await tx.agentImport.updateMany({
      where: { id: importId, status: "running" },
      data: { status: "succeeded", runningTeamId: null, finishedAt: new Date(), heartbeatAt: new Date() },
    });
    if (finished.count === 0) throw new ImportCancelled("The import was cancelled before its last step.");
    const agent = await tx.agent.update({
      where: { id: agentId, teamId, status: "importing" },
      data: {
        status: "archived",
        statusReason: `Imported on ${new Date().toISOString().slice(0, 10)}: a read-only archive of "${a.name}".`,
      },
      select: summarySelect,
    });
    await tx.auditLog.create({
      data: {
        teamId,
        actorId: userId,
        action: "agent.import",
        targetType: "agent",
        targetId: agentId,
        metadata: { name, events: String(data.events.length), memories: String(data.memories.length) },
      },
    });
    return agent;
  });
  return toSummary(archive);
}

/** Runs a whole import: claim, check every line, write in batches; on a failure nothing of it stays. */
export async function importAgent({ teamId, userId, text }: { teamId: string; userId: string; text: string }) {
  const claim = await claimImport({ teamId, userId, fileBytes: Buffer.byteLength(text) });
  // Parsing writes nothing, and a batch may wait behind other work: the heartbeat says the import is alive.
  const heartbeat = setInterval(() => void beatImport(claim.id), HEARTBEAT_MS);
  heartbeat.unref();
  try {
    const data = await parseExport(text, { maxLines: importLimits().maxLines });
    const writer = writeImport({ importId: claim.id, teamId, userId, data });
    let step = await writer.next();
    while (!step.done) step = await writer.next();
    return {
      agent: step.value,
      counts: {
        events: data.events.length,
        snapshots: data.snapshots.length,
        memories: data.memories.length,
        facts: data.facts.length,
        approvals: data.approvals.length,
        spend: data.spend.length,
      },
    };
  } catch (error) {
    const appError =
      error instanceof AppError
        ? error
        : error instanceof ImportCancelled
          ? new AppError("UNAVAILABLE", "The import stalled for too long and was cancelled. Nothing of it was kept; try again.")
          : new AppError(
              "INTERNAL",
              "The import stopped while writing its rows (the database refused them). Nothing of it was kept; try again in a while.",
              { cause: error },
            );
    if (!(error instanceof AppError) && !(error instanceof ImportCancelled))
      logger.error({ err: error, importId: claim.id, teamId }, "agent import failed while writing");
    await failImport({ importId: claim.id, teamId, message: appError.message });
    throw appError;
  } finally {
    clearInterval(heartbeat);
  }
}

async function beatImport(importId: string) {
  await db.agentImport
    .updateMany({ where: { id: importId, status: "running" }, data: { heartbeatAt: new Date() } })
    .catch((error: unknown) => logger.warn({ err: error, importId }, "import heartbeat failed"));
}

/** Marks the import failed (freeing the team's slot) and deletes what it wrote. */
export async function failImport({ importId, teamId, message }: { importId: string; teamId: string; message: string }) {
  try {
    await db.agentImport.updateMany({
      where: { id: importId, teamId, status: "running" },
      data: { status: "failed", runningTeamId: null, error: message, finishedAt: new Date() },
    });
    await discardAbandonedImports({ teamId });
  } catch (error) {
    // The database is unreachable: the watchdog finds the stale import and its rows later.
    logger.error({ err: error, importId }, "could not clean up a failed import; the watchdog will");
  }
}

/** The tables an import writes, children first (spend entries point at events). */
const IMPORTED_TABLES = ["spend_entry", "approval", "fact", "memory", "snapshot", "agent_event"] as const;

/** Deletes a failed import's archive in bounded batches; only an agent still `importing` is touched. */
async function discardImportedAgent({ id, teamId, agentId }: { id: string; teamId: string; agentId: string }) {
  const isImporting = await db.agent.findFirst({ where: { id: agentId, teamId, status: "importing" }, select: { id: true } });
  if (isImporting) {
    for (const table of IMPORTED_TABLES) {
      for (let size = 200; ;) {
        const started = performance.now();
        const deleted = await db.$executeRaw`
          DELETE FROM ${Prisma.raw(`"${table}"`)} WHERE id IN (
            SELECT id FROM ${Prisma.raw(`"${table}"`)} WHERE "agentId" = ${agentId}::uuid AND "teamId" = ${teamId} LIMIT ${size})`;
        if (deleted < size) break;
        size = nextBatchSize(size, performance.now() - started, 2000);
      }
    }
    await db.agent.deleteMany({ where: { id: agentId, teamId, status: "importing" } });
  }
  await db.agentImport.updateMany({ where: { id, agentId }, data: { agentId: null } });
}

/**
 * Cleans up after imports that will not finish: running ones whose heartbeat stopped (their process
 * died) become failed, and every failed import's rows are deleted. Called before a team's next
 * import and by the watchdog every minute; safe to run twice at once (deletes are idempotent).
 */
export async function discardAbandonedImports({ teamId, now = new Date() }: { teamId?: string; now?: Date } = {}) {
  const team = teamId ? { teamId } : {};
  const interrupted = await db.agentImport.updateMany({
    where: { ...team, status: "running", heartbeatAt: { lt: new Date(now.getTime() - IMPORT_STALE_SECONDS * 1000) } },
    data: {
      status: "failed",
      runningTeamId: null,
      error: "The import was interrupted (the server stopped while it was writing). Nothing of it was kept; import the file again.",
      finishedAt: now,
    },
  });
  if (interrupted.count > 0) logger.warn({ teamId, count: interrupted.count }, "imports interrupted by a crash are being discarded");
  const leftovers = await db.agentImport.findMany({
    where: { ...team, status: "failed", agentId: { not: null } },
    select: { id: true, teamId: true, agentId: true },
    take: 20,
  });
  for (const leftover of leftovers) await discardImportedAgent({ ...leftover, agentId: leftover.agentId! });
  return { interrupted: interrupted.count, discarded: leftovers.length };
}

/** The team's running import, for the import page's progress; null when none runs. */
export async function getRunningImport({ teamId }: { teamId: string }) {
  return db.agentImport.findFirst({
    where: { teamId, status: "running" },
    select: { rowsWritten: true, rowsTotal: true, fileBytes: true, startedAt: true },
  });
}
