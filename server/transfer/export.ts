import "server-only";
import { z } from "zod";
import { db, Prisma } from "../db/client";
import { col } from "../db/columns";
import { MemoryKind } from "../db/generated/enums";
import { rows, sqlRow } from "../db/rows";
import { notFound } from "../errors";
import { treeNote, treeNoteText } from "../agents/agent-tree";
import { coldThroughSeq, readSegment, segmentsAfterSeq, type ColdEvent } from "../hibernation/segments";

/**
 * An agent's full history as JSON Lines: one header line, the agent, then its events (in seq
 * order), snapshots, memories (with their vectors), facts, approvals and spend. Streamed a page at a
 * time, so a 100,000-event history never sits in memory whole. `server/transfer/import.ts` reads
 * the same format; EXPORT_VERSION changes when it changes incompatibly.
 */
export const EXPORT_VERSION = 1;
export const EXPORT_KIND = "longhaul.agent-export";
const PAGE = 1000;

type Line = Record<string, unknown>;

const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

/** One event's line, the same for hot rows and hibernated segments (money and time already as text). */
function eventLine(
  e: Omit<ColdEvent, "id" | "runId" | "type" | "createdAt" | "spendIds"> & { type: string; createdAt: string | null },
): Line {
  const { seq, cycle, type, stepId, payload, tokensIn, tokensOut, costUsd, durationMs, createdAt } = e;
  return { kind: "event", seq, cycle, type, stepId, payload, tokensIn, tokensOut, costUsd, durationMs, createdAt };
}

async function exportTree(ids: { teamId: string; agentId: string }) {
  const note = await treeNote(ids);
  return { ...note, note: treeNoteText(note) };
}

/** Lines of the export, each a JSON-serialisable object (the route writes one per line). */
export async function* exportAgentLines({ teamId, agentId }: { teamId: string; agentId: string }): AsyncGenerator<Line> {
  const agent = await db.agent.findFirst({ where: { id: agentId, teamId }, include: { team: { select: { name: true } } } });
  if (!agent) throw notFound("That agent");

  yield {
    kind: EXPORT_KIND,
    version: EXPORT_VERSION,
    exportedAt: new Date().toISOString(),
    source: { agentId: agent.id, team: agent.team.name },
    // Sub-agents (issue 23): the export is this agent's alone; the header says what it leaves out.
    tree: await exportTree({ teamId, agentId }),
  };
  yield {
    kind: "agent",
    name: agent.name,
    goal: agent.goal,
    instructions: agent.instructions,
    status: agent.status,
    statusReason: agent.statusReason,
    model: agent.model,
    temperature: agent.temperature,
    maxOutputTokens: agent.maxOutputTokens,
    contextWindow: agent.contextWindow,
    tools: agent.tools,
    budgetUsd: agent.budgetUsd?.toString() ?? null,
    budgetTokens: agent.budgetTokens?.toString() ?? null,
    budgetCycles: agent.budgetCycles,
    softLimitPercent: agent.softLimitPercent,
    cooldownSeconds: agent.cooldownSeconds,
    approvalTimeoutSeconds: agent.approvalTimeoutSeconds,
    approvalTimeoutPolicy: agent.approvalTimeoutPolicy,
    scheduleCron: agent.scheduleCron,
    scheduleTimezone: agent.scheduleTimezone,
    memorySettings: agent.memorySettings,
    worldState: agent.worldState,
    summary: agent.summary,
    summaryThroughCycle: agent.summaryThroughCycle,
    cycleCount: agent.cycleCount,
    spentUsd: agent.spentUsd.toString(),
    tokensUsed: agent.tokensUsed.toString(),
    lastActiveAt: iso(agent.lastActiveAt),
    createdAt: iso(agent.createdAt),
  };

  // Hibernated events first (a prefix of the history, docs/decisions/016), a segment at a time; their
  // spend entries lost the link to the deleted row, so the segment says which event each belongs to.
  const coldSpendSeq = new Map<string, number>();
  for (const segment of await segmentsAfterSeq({ agentId, teamId, afterSeq: 0 })) {
    for (const e of await readSegment(segment)) {
      for (const spendId of e.spendIds) coldSpendSeq.set(spendId, e.seq);
      yield eventLine(e);
    }
  }

  for (let after = await coldThroughSeq({ agentId, teamId }); ;) {
    const events = await db.agentEvent.findMany({
      where: { agentId, teamId, seq: { gt: after } },
      orderBy: { seq: "asc" },
      take: PAGE,
    });
    for (const e of events) {
      yield eventLine({ ...e, costUsd: e.costUsd.toString(), createdAt: iso(e.createdAt) });
    }
    if (events.length < PAGE) break;
    after = events[events.length - 1]!.seq;
  }

  const snapshots = await db.snapshot.findMany({ where: { agentId, teamId }, orderBy: { cycle: "asc" } });
  for (const s of snapshots) {
    yield {
      kind: "snapshot",
      cycle: s.cycle,
      eventSeq: s.eventSeq,
      worldState: s.worldState,
      summary: s.summary,
      counters: s.counters,
      createdAt: iso(s.createdAt),
    };
  }

  for (let afterId = "00000000-0000-0000-0000-000000000000"; ;) {
    // Vectors as pgvector's text form ("[0.1,0.2,...]"), parsed to numbers for the file.
    const memories = await rows(
      db,
      exportedMemoryRow,
      Prisma.sql`SELECT id::text, kind::text, content, embedding::text AS embedding, embedder, importance, "recallCount", "lastRecalledAt",
             "isPinned", "archivedAt", "sourceEventSeq", metadata, "createdAt"
        FROM memory
       WHERE "agentId" = ${agentId}::uuid AND "teamId" = ${teamId}
         AND id > ${afterId}::uuid
       ORDER BY id
       LIMIT ${PAGE}`,
    );
    for (const m of memories) {
      yield {
        kind: "memory",
        memoryKind: m.kind,
        content: m.content,
        embedding: m.embedding ? (JSON.parse(m.embedding) as number[]) : null,
        embedder: m.embedder,
        importance: m.importance,
        recallCount: m.recallCount,
        lastRecalledAt: iso(m.lastRecalledAt),
        isPinned: m.isPinned,
        archivedAt: iso(m.archivedAt),
        sourceEventSeq: m.sourceEventSeq,
        metadata: m.metadata,
        createdAt: iso(m.createdAt),
      };
    }
    if (memories.length < PAGE) break;
    afterId = memories[memories.length - 1]!.id;
  }

  const facts = await db.fact.findMany({ where: { agentId, teamId }, orderBy: { key: "asc" } });
  for (const f of facts) {
    yield {
      kind: "fact",
      key: f.key,
      value: f.value,
      source: f.source,
      confidence: f.confidence,
      createdAt: iso(f.createdAt),
      updatedAt: iso(f.updatedAt),
    };
  }

  const approvals = await db.approval.findMany({
    where: { agentId, teamId },
    orderBy: { createdAt: "asc" },
    include: { decidedBy: { select: { name: true } } },
  });
  for (const a of approvals) {
    yield {
      kind: "approval",
      cycle: a.cycle,
      approvalKind: a.kind,
      status: a.status,
      toolName: a.toolName,
      toolArgs: a.toolArgs,
      reason: a.reason,
      context: a.context,
      answer: a.answer,
      comment: a.comment,
      decidedBy: a.decidedBy?.name ?? null,
      decidedAt: iso(a.decidedAt),
      expiresAt: iso(a.expiresAt),
      createdAt: iso(a.createdAt),
    };
  }

  for (let after = 0n; ;) {
    const spend = await db.spendEntry.findMany({
      where: { agentId, teamId, id: { gt: after } },
      orderBy: { id: "asc" },
      take: PAGE,
      include: { event: { select: { seq: true } } },
    });
    for (const s of spend) {
      yield {
        kind: "spend",
        spendKind: s.kind,
        state: s.state,
        model: s.model,
        tokensIn: s.tokensIn,
        tokensOut: s.tokensOut,
        costUsd: s.costUsd.toString(),
        eventSeq: s.event?.seq ?? coldSpendSeq.get(s.id.toString()) ?? null,
        createdAt: iso(s.createdAt),
      };
    }
    if (spend.length < PAGE) break;
    after = spend[spend.length - 1]!.id;
  }
}

/** A file name for the download: the agent's name made safe, and the date. */
export function exportFileName(name: string, at = new Date()): string {
  const safe =
    name
      .replace(/[^\w.-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 60) || "agent";
  return `${safe}-${at.toISOString().slice(0, 10)}.jsonl`;
}

const exportedMemoryRow = sqlRow("exporting an agent's memories", {
  id: col.uuid,
  kind: z.enum(MemoryKind),
  content: col.text,
  /** pgvector's text form ("[0.1,0.2,...]"). */
  embedding: col.text.nullable(),
  embedder: col.text,
  importance: col.float,
  recallCount: col.int,
  lastRecalledAt: col.timestamp.nullable(),
  isPinned: col.bool,
  archivedAt: col.timestamp.nullable(),
  sourceEventSeq: col.int.nullable(),
  metadata: col.json,
  createdAt: col.timestamp,
});
