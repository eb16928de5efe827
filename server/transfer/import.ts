import "server-only";
import { db, Prisma } from "../db/client";
import { col } from "../db/columns";
import { row, sqlRow } from "../db/rows";
import { env } from "../env";
import { AppError } from "../errors";
import { logger } from "../logger";
import { toVectorLiteral } from "../memory/hash-embedding";
import { AGENT_LIMITS, SIMULATOR_PROVIDER } from "../../shared/agent-input";
import { isUniqueViolation, summarySelect, toSummary, type AgentSummary } from "../agents/agents";
import { parseExport, type ParsedExport } from "./import-format";
import { deleteImportedRows, IMPORTED_TABLES, insertImportBatch, type ImportedTable } from "./import-sql";
import { recordAudit } from "../audit/record";

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
 *    rows go in single statements (server/transfer/import-sql.ts) of about BATCH_TARGET_MS each, so
 *    other users' queries run between them (the embedded PGlite runs one transaction at a time; one
 *    long one stalled everybody).
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

/** How long one batch of an import (building its statement and running it) aims to take; others wait at most about this long on PGlite. */
export const BATCH_TARGET_MS = 10;
/** A running import whose heartbeat is older than this lost its process. */
export const IMPORT_STALE_SECONDS = 120;
const HEARTBEAT_MS = 15_000;

class ImportCancelled extends Error {}

/**
 * Leaves the database and the app's event loop to others for as long as the batch took (at most
 * BATCH_TARGET_MS). Measured: without it, another user's next query usually found the import's next
 * batch queued ahead of it.
 */
function pauseAfterBatch(elapsedMs: number) {
  return new Promise((resolve) => setTimeout(resolve, Math.min(elapsedMs, BATCH_TARGET_MS)));
}

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

type Row = Record<string, unknown>;
/** One table's part of the file: how its lines become rows, and batch sizes to start from and never pass. */
type TablePart = {
  table: ImportedTable;
  rowCount: number;
  firstBatch: number;
  maxBatch: number;
  rowsAt: (start: number, end: number) => Row[];
};

function part<Line>(table: ImportedTable, lines: Line[], toRow: (line: Line) => Row, firstBatch = 100, maxBatch = 2000): TablePart {
  return { table, rowCount: lines.length, firstBatch, maxBatch, rowsAt: (start, end) => lines.slice(start, end).map(toRow) };
}

/** The file's lines as rows of the tables they go to (column names of server/transfer/import-sql.ts). */
function tableParts(data: ParsedExport): TablePart[] {
  return [
    part("agent_event", data.events, (e) => ({
      seq: e.seq,
      cycle: e.cycle,
      type: e.type,
      stepId: e.stepId ?? null,
      payload: e.payload,
      tokensIn: e.tokensIn,
      tokensOut: e.tokensOut,
      costUsd: e.costUsd,
      durationMs: e.durationMs ?? null,
      createdAt: e.createdAt,
    })),
    part("snapshot", data.snapshots, (s) => ({
      cycle: s.cycle,
      eventSeq: s.eventSeq,
      worldState: s.worldState,
      summary: s.summary,
      counters: s.counters,
      createdAt: s.createdAt,
    })),
    // A memory carries a 1536-number vector and an HNSW index entry: far costlier than an event.
    part(
      "memory",
      data.memories,
      (m) => ({
        kind: m.memoryKind,
        content: m.content,
        embedding: m.embedding ? toVectorLiteral(m.embedding) : null,
        embedder: m.embedder,
        importance: m.importance,
        recallCount: m.recallCount,
        lastRecalledAt: m.lastRecalledAt ?? null,
        isPinned: m.isPinned,
        archivedAt: m.archivedAt ?? null,
        sourceEventSeq: m.sourceEventSeq ?? null,
        metadata: m.metadata,
        createdAt: m.createdAt,
      }),
      5,
      200,
    ),
    part("fact", data.facts, (f) => ({
      key: f.key,
      value: f.value,
      source: f.source,
      confidence: f.confidence,
      createdAt: f.createdAt,
      updatedAt: f.updatedAt,
    })),
    part("approval", data.approvals, (p) => ({
      cycle: p.cycle,
      kind: p.approvalKind,
      // An archive never runs again: what was still waiting is closed, and says so.
      status: p.status === "pending" ? "cancelled" : p.status,
      toolName: p.toolName ?? null,
      toolArgs: p.toolArgs,
      reason: p.reason,
      context: { ...(typeof p.context === "object" && p.context ? (p.context as object) : {}), decidedByName: p.decidedBy ?? null },
      answer: p.answer ?? null,
      comment: p.status === "pending" ? "Still waiting when the history was exported." : (p.comment ?? null),
      decidedAt: p.decidedAt ?? null,
      expiresAt: p.expiresAt ?? null,
      createdAt: p.createdAt,
    })),
    part("spend_entry", data.spend, (s) => ({
      kind: s.spendKind,
      // Open reservations of a run that will never continue are released.
      state: s.state === "reserved" ? "released" : s.state,
      model: s.model ?? null,
      tokensIn: s.tokensIn,
      tokensOut: s.tokensOut,
      costUsd: s.costUsd,
      eventSeq: s.eventSeq ?? null,
      createdAt: s.createdAt,
    })),
  ];
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
        contextWindow: a.contextWindow ?? null,
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
  let rowsWritten = 0;
  yield { agentId, rowsWritten, rowsTotal };

  for (const table of tableParts(data)) {
    for (let at = 0, size = table.firstBatch; at < table.rowCount;) {
      const end = Math.min(table.rowCount, at + size);
      // The time counted includes building the statement: that work also holds up the app's other requests.
      const started = performance.now();
      const batch = await row(
        db,
        importBatchRow,
        insertImportBatch({ table: table.table, importId, agentId, teamId, rows: table.rowsAt(at, end) }),
      );
      if (!batch.claimed) throw new ImportCancelled("The import was cancelled: it was taken for interrupted.");
      const elapsed = performance.now() - started;
      size = nextBatchSize(size, elapsed, table.maxBatch);
      await pauseAfterBatch(elapsed);
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
    await recordAudit(tx, {
      teamId,
      actorId: userId,
      action: "agent.import",
      targetId: agentId,
      metadata: { name, events: String(data.events.length), memories: String(data.memories.length) },
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

/** Deletes a failed import's archive in bounded batches; only an agent still `importing` is touched. */
async function discardImportedAgent({ id, teamId, agentId }: { id: string; teamId: string; agentId: string }) {
  const isImporting = await db.agent.findFirst({ where: { id: agentId, teamId, status: "importing" }, select: { id: true } });
  if (isImporting) {
    // Children first: spend entries point at events.
    for (const table of [...IMPORTED_TABLES].reverse()) {
      for (let size = 200; ;) {
        const started = performance.now();
        const deleted = await db.$executeRaw(deleteImportedRows({ table, agentId, teamId, limit: size }));
        if (deleted < size) break;
        const elapsed = performance.now() - started;
        size = nextBatchSize(size, elapsed, 2000);
        await pauseAfterBatch(elapsed);
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

const importBatchRow = sqlRow("writing a batch of imported rows", { claimed: col.int });
