import "server-only";
import { db, Prisma } from "../db/client";
import { col } from "../db/columns";
import { direct } from "../db/raw";
import { maybeRow, rows as queryRows, sqlRow } from "../db/rows";
import { MemoryKind } from "../db/generated/enums";
import { z } from "zod";
import { FREQUENCY_SATURATION } from "./scoring";
import { PENDING_EMBEDDER } from "./memories";
import { memorySettingsOf } from "../../shared/memory-settings";

/**
 * Pruning by consolidation. When an agent holds more live memories than its cap, its lowest-scoring
 * episodes and summaries (by the query-independent part of the recall score: recency, frequency,
 * importance, with the agent's weights) are folded, in chronological chunks, into summary memories;
 * the originals are then archived (kept, out of recall) or deleted, as the agent's settings say.
 * Pinned memories, facts and reflections are never consolidated. Each pass brings the agent to 90 % of
 * its cap, at most MAX_PER_PASS memories at a time (the loop runs a pass every few cycles).
 */
export const CHUNK_SIZE = 25;
export const MAX_PER_PASS = 500;
const SUMMARY_MAX_CHARS = 3000;
const LINE_MAX_CHARS = 200;

type Ids = { agentId: string; teamId: string };
export type ConsolidationResult = { consolidated: number; summaries: number; action: "archive" | "delete" | null };

const capRow = sqlRow("reading an agent's memory cap", { memorySettings: col.json, live: col.int });
const victimRow = sqlRow("choosing memories to consolidate", { id: col.uuid, createdAt: col.timestamp });
const chunkRow = sqlRow("reading a chunk of memories to consolidate", {
  id: col.uuid,
  kind: z.enum(MemoryKind),
  content: col.text,
  importance: col.float,
  recallCount: col.int,
  sourceEventSeq: col.int.nullable(),
  createdAt: col.timestamp,
});

export async function consolidateMemories({ agentId, teamId, now = new Date() }: Ids & { now?: Date }): Promise<ConsolidationResult> {
  // The usual pass finds the agent under its cap: one read (straight on the pool) decides that.
  const agent = await maybeRow(
    direct,
    capRow,
    Prisma.sql`
    SELECT a."memorySettings",
           (SELECT count(*)::int FROM memory m WHERE m."agentId" = a.id AND m."teamId" = a."teamId" AND m."archivedAt" IS NULL) AS live
      FROM agent a WHERE a.id = ${agentId}::uuid AND a."teamId" = ${teamId}`,
  );
  if (!agent) return { consolidated: 0, summaries: 0, action: null };
  const settings = memorySettingsOf(agent.memorySettings);
  const live = agent.live;
  if (live <= settings.cap) return { consolidated: 0, summaries: 0, action: null };

  // Each chunk of n memories becomes one summary: n - 1 fewer. Enough chunks to reach 90 % of the cap.
  const excess = live - Math.floor(settings.cap * 0.9);
  const wanted = Math.min(MAX_PER_PASS, Math.ceil((excess * CHUNK_SIZE) / (CHUNK_SIZE - 1)));
  const { recency, frequency, importance } = settings.weights;
  const victims = await queryRows(
    db,
    victimRow,
    Prisma.sql`
    SELECT id, "createdAt" FROM memory
     WHERE "agentId" = ${agentId}::uuid AND "teamId" = ${teamId} AND "archivedAt" IS NULL AND NOT "isPinned"
       AND kind IN ('episode', 'summary')
     ORDER BY ${recency}::float8 * power(0.5, GREATEST(0, EXTRACT(EPOCH FROM (${now}::timestamp - "createdAt")) / 3600.0) / ${settings.halfLifeHours}::float8)
            + ${frequency}::float8 * LEAST(1, ln(1 + "recallCount") / ln(1 + ${FREQUENCY_SATURATION}::float8))
            + ${importance}::float8 * LEAST(1, GREATEST(0, importance)),
              "createdAt"
     LIMIT ${wanted}`,
  );
  if (victims.length < 2) return { consolidated: 0, summaries: 0, action: settings.onConsolidate };

  victims.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  let consolidated = 0;
  let summaries = 0;
  for (let i = 0; i < victims.length; i += CHUNK_SIZE) {
    const chunk = victims.slice(i, i + CHUNK_SIZE).map((v) => v.id);
    if (chunk.length < 2) break;
    const done = await consolidateChunk({ agentId, teamId }, chunk, settings.onConsolidate, now);
    consolidated += done;
    if (done > 0) summaries++;
  }
  return { consolidated, summaries, action: settings.onConsolidate };
}

async function consolidateChunk(ids: Ids, chunk: string[], action: "archive" | "delete", now: Date): Promise<number> {
  return db.$transaction(async (tx) => {
    // Re-read under row locks: a memory pinned, archived or forgotten since it was picked is left alone.
    const rows = await queryRows(
      tx,
      chunkRow,
      Prisma.sql`
      SELECT id, kind::text AS kind, content, importance, "recallCount", "sourceEventSeq", "createdAt" FROM memory
       WHERE id IN (${Prisma.join(chunk.map((id) => Prisma.sql`${id}::uuid`))})
         AND "agentId" = ${ids.agentId}::uuid AND "teamId" = ${ids.teamId}
         AND "archivedAt" IS NULL AND NOT "isPinned"
       ORDER BY "createdAt", id
       FOR UPDATE`,
    );
    if (rows.length < 2) return 0;
    const first = rows[0]!.createdAt;
    const last = rows.at(-1)!.createdAt;
    const seqs = rows.map((r) => r.sourceEventSeq).filter((s): s is number => s !== null);
    const header = `Summary of ${rows.length} earlier memories (${first.toISOString().slice(0, 16)}Z to ${last.toISOString().slice(0, 16)}Z):`;
    const lines: string[] = [];
    let size = header.length;
    for (const [index, row] of rows.entries()) {
      const line = `- ${row.content.replace(/\s+/g, " ").slice(0, LINE_MAX_CHARS)}`;
      if (size + line.length + 1 > SUMMARY_MAX_CHARS) {
        lines.push(`- … and ${rows.length - index} more.`);
        break;
      }
      lines.push(line);
      size += line.length + 1;
    }
    await tx.memory.create({
      data: {
        agentId: ids.agentId,
        teamId: ids.teamId,
        kind: "summary",
        content: [header, ...lines].join("\n"),
        embedder: PENDING_EMBEDDER,
        // The summary keeps the strongest signals of what it replaces.
        importance: Math.max(...rows.map((r) => r.importance)),
        recallCount: Math.max(...rows.map((r) => r.recallCount)),
        metadata: {
          consolidated: rows.length,
          action,
          from: first.toISOString(),
          to: last.toISOString(),
          ...(seqs.length ? { fromEventSeq: Math.min(...seqs), toEventSeq: Math.max(...seqs) } : {}),
        },
      },
    });
    const idsToRemove = rows.map((r) => r.id);
    if (action === "delete") await tx.memory.deleteMany({ where: { id: { in: idsToRemove }, isPinned: false } });
    else await tx.memory.updateMany({ where: { id: { in: idsToRemove }, isPinned: false }, data: { archivedAt: now } });
    return rows.length;
  });
}
