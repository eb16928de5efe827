import "server-only";
import { db, Prisma } from "../db/client";
import { col } from "../db/columns";
import { direct } from "../db/raw";
import { maybeRow, rows as queryRows, sqlRow, type RowOf } from "../db/rows";
import { MemoryKind } from "../db/generated/enums";
import { z } from "zod";
import { FREQUENCY_SATURATION } from "./scoring";
import { PENDING_EMBEDDER } from "./memories";
import { memorySettingsOf } from "../../shared/memory-settings";
import { SIMULATOR_PROVIDER } from "../../shared/simulator-provider";

/**
 * Pruning by consolidation. When an agent holds more live memories than its cap, its lowest-scoring
 * episodes and summaries (by the query-independent part of the recall score: recency, frequency,
 * importance, with the agent's weights) are folded, in chronological chunks, into summary memories;
 * the originals are then archived (kept, out of recall) or deleted, as the agent's settings say.
 * Pinned memories, facts and reflections are never consolidated. Each pass brings the agent to 90 % of
 * its cap, at most MAX_PER_PASS memories at a time (the loop runs a pass every few cycles). For an
 * agent on a real model a summary memory is written by its summarizer (the loop's, given as
 * `summarize`; docs/decisions/032), else, or when that fails, it lists the memories it replaces.
 */
export const CHUNK_SIZE = 25;
export const MAX_PER_PASS = 500;
/** Chunks a pass has a model write (in parallel); the memories of the others wait for the next pass. */
export const MODEL_CHUNKS_PER_PASS = 4;
const SUMMARY_MAX_CHARS = 3000;
const LINE_MAX_CHARS = 200;

type Ids = { agentId: string; teamId: string };

/**
 * Writes a chunk's summary memory with a model (the loop's summarizer, server/loop/summarize.ts), for
 * an agent on a real model; null keeps the rule-based text (the simulator, or the call failed: `reason`).
 */
export type ChunkSummarizer = (chunk: {
  agent: { provider: string; model: string; goal: string };
  header: string;
  memories: string[];
  maxChars: number;
}) => Promise<{ text: string; model: string } | { text: null; model: string | null; reason: string } | null>;

export type ConsolidationResult = { consolidated: number; summaries: number; action: "archive" | "delete" | null };

const capRow = sqlRow("reading an agent's memory cap", {
  memorySettings: col.json,
  live: col.int,
  provider: col.text,
  model: col.text,
  goal: col.text,
});
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

export async function consolidateMemories({
  agentId,
  teamId,
  now = new Date(),
  summarize = null,
}: Ids & { now?: Date; summarize?: ChunkSummarizer | null }): Promise<ConsolidationResult> {
  // The usual pass finds the agent under its cap: one read (straight on the pool) decides that.
  const agent = await maybeRow(
    direct,
    capRow,
    Prisma.sql`
    SELECT a."memorySettings", a.provider, a.model, a.goal,
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
  // The simulator's summaries stay rule-based: no model, no extra read.
  const model = summarize && agent.provider !== SIMULATOR_PROVIDER ? { summarize, agent } : null;
  const chunks: string[][] = [];
  for (let i = 0; i < victims.length; i += CHUNK_SIZE) chunks.push(victims.slice(i, i + CHUNK_SIZE).map((v) => v.id));
  // A model writes a few chunks a pass, all at once (the pass runs in a cycle's step); the next pass goes on.
  const todo = (model ? chunks.slice(0, MODEL_CHUNKS_PER_PASS) : chunks).filter((chunk) => chunk.length >= 2);
  const written = model ? await Promise.all(todo.map((chunk) => modelTextOf({ agentId, teamId }, chunk, model))) : [];
  let consolidated = 0;
  let summaries = 0;
  for (const [index, chunk] of todo.entries()) {
    const done = await consolidateChunk({ agentId, teamId }, chunk, settings.onConsolidate, now, written[index] ?? null);
    consolidated += done;
    if (done > 0) summaries++;
  }
  return { consolidated, summaries, action: settings.onConsolidate };
}

type ChunkRow = RowOf<typeof chunkRow>;

const chunkSql = (ids: Ids, chunk: string[], lock: boolean) => Prisma.sql`
  SELECT id, kind::text AS kind, content, importance, "recallCount", "sourceEventSeq", "createdAt" FROM memory
   WHERE id IN (${Prisma.join(chunk.map((id) => Prisma.sql`${id}::uuid`))})
     AND "agentId" = ${ids.agentId}::uuid AND "teamId" = ${ids.teamId}
     AND "archivedAt" IS NULL AND NOT "isPinned"
   ORDER BY "createdAt", id
   ${lock ? Prisma.sql`FOR UPDATE` : Prisma.empty}`;

/** A chunk's summary by rule: a header with its time range, then one line per memory, within SUMMARY_MAX_CHARS. */
function chunkText(rows: ChunkRow[]) {
  const first = rows[0]!.createdAt;
  const last = rows.at(-1)!.createdAt;
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
  return { header, lines, text: [header, ...lines].join("\n") };
}

/** What the model wrote for a chunk (when a summarizer was given), before the chunk is locked: the call takes seconds. */
async function modelTextOf(
  ids: Ids,
  chunk: string[],
  model: { summarize: ChunkSummarizer; agent: { provider: string; model: string; goal: string } },
) {
  const rows = await queryRows(direct, chunkRow, chunkSql(ids, chunk, false));
  if (rows.length < 2) return null;
  const { header, lines } = chunkText(rows);
  // Never fails the pass: a summarizer that threw leaves the listed memories (an open reservation is the watchdog's to charge).
  const written = await model
    .summarize({ agent: model.agent, header, memories: lines, maxChars: SUMMARY_MAX_CHARS })
    .catch((error: unknown) => ({ text: null, model: null, reason: `The summary could not be written: ${(error as Error).message}` }));
  return written && { ...written, ids: rows.map((r) => r.id).join(",") };
}

async function consolidateChunk(
  ids: Ids,
  chunk: string[],
  action: "archive" | "delete",
  now: Date,
  byModel: Awaited<ReturnType<typeof modelTextOf>>,
): Promise<number> {
  return db.$transaction(async (tx) => {
    // Re-read under row locks: a memory pinned, archived or forgotten since it was picked is left alone.
    const rows = await queryRows(tx, chunkRow, chunkSql(ids, chunk, true));
    if (rows.length < 2) return 0;
    const first = rows[0]!.createdAt;
    const last = rows.at(-1)!.createdAt;
    const seqs = rows.map((r) => r.sourceEventSeq).filter((s): s is number => s !== null);
    // The model's text only for the very memories it read; otherwise (or when it failed) the rule-based one.
    const isSameChunk = byModel !== null && byModel.ids === rows.map((r) => r.id).join(",");
    const modelText = isSameChunk && byModel.text !== null ? byModel.text : null;
    const writtenBy =
      byModel === null
        ? {}
        : modelText !== null
          ? { writtenBy: "model", model: byModel.model }
          : {
              writtenBy: "rules",
              model: byModel.model,
              reason: "reason" in byModel ? byModel.reason : "Memories of the chunk changed while the model wrote its summary.",
            };
    await tx.memory.create({
      data: {
        agentId: ids.agentId,
        teamId: ids.teamId,
        kind: "summary",
        content: modelText ?? chunkText(rows).text,
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
          ...writtenBy,
        },
      },
    });
    const idsToRemove = rows.map((r) => r.id);
    if (action === "delete") await tx.memory.deleteMany({ where: { id: { in: idsToRemove }, isPinned: false } });
    else await tx.memory.updateMany({ where: { id: { in: idsToRemove }, isPinned: false }, data: { archivedAt: now } });
    return rows.length;
  });
}
