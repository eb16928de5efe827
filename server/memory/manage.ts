import "server-only";
import { z } from "zod";
import { db, type Prisma } from "../db/client";
import type { MemoryKind } from "../db/generated/enums";
import { AppError, notFound } from "../errors";
import { PENDING_EMBEDDER } from "./memories";
import { FAILED_EMBEDDER } from "./sql";
import { embeddingStateOf } from "./embedding-retry";
import { recordAudit, type AuditAction } from "../audit/record";

/**
 * What people do with an agent's memory (the dashboard's memory browser, through tRPC): browse and
 * search, pin, edit, forget. Every query is scoped by team inside its WHERE, so an id from another
 * team behaves exactly like one that does not exist. Changes are audited.
 */
type TeamUser = { teamId: string; userId: string };

export const MEMORY_CONTENT_MAX = 4000;
export const memoryEditSchema = z
  .object({
    content: z
      .string()
      .trim()
      .min(1, { message: "A memory can't be empty; forget it instead." })
      .max(MEMORY_CONTENT_MAX, { message: `Keep a memory under ${MEMORY_CONTENT_MAX.toLocaleString("en-US")} characters.` })
      .optional(),
    importance: z.coerce
      .number({ message: "Importance is a number from 0 to 1." })
      .min(0, { message: "Importance is a number from 0 to 1." })
      .max(1, { message: "Importance is a number from 0 to 1." })
      .optional(),
  })
  .refine((v) => v.content !== undefined || v.importance !== undefined, { message: "Change the content or the importance." });
export type MemoryEdit = z.input<typeof memoryEditSchema>;

const MEMORY_FIELDS = {
  id: true,
  kind: true,
  content: true,
  importance: true,
  recallCount: true,
  lastRecalledAt: true,
  isPinned: true,
  archivedAt: true,
  sourceEventSeq: true,
  embedder: true,
  embeddingAttempts: true,
  embeddingError: true,
  embeddingRetryAt: true,
  metadata: true,
  createdAt: true,
  updatedAt: true,
} as const;

async function agentInTeam(teamId: string, agentId: string) {
  const agent = await db.agent.findFirst({ where: { id: agentId, teamId }, select: { id: true } });
  if (!agent) throw notFound("That agent");
  return agent;
}

/** One page of an agent's memories, newest first; `query` matches words of the content (case-insensitive). */
export async function listMemories({
  teamId,
  agentId,
  query,
  kind,
  includeArchived = false,
  pinnedOnly = false,
  cursor,
  limit = 50,
}: {
  teamId: string;
  agentId: string;
  query?: string;
  kind?: MemoryKind;
  includeArchived?: boolean;
  pinnedOnly?: boolean;
  cursor?: string;
  limit?: number;
}) {
  await agentInTeam(teamId, agentId);
  const words = (query ?? "").trim().split(/\s+/).filter(Boolean).slice(0, 8);
  const where: Prisma.MemoryWhereInput = {
    agentId,
    teamId,
    ...(kind ? { kind } : {}),
    ...(includeArchived ? {} : { archivedAt: null }),
    ...(pinnedOnly ? { isPinned: true } : {}),
    ...(words.length ? { AND: words.map((w) => ({ content: { contains: w, mode: "insensitive" as const } })) } : {}),
  };
  const rows = await db.memory.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    select: MEMORY_FIELDS,
  });
  const page = rows.slice(0, limit);
  return {
    items: page.map(({ embeddingAttempts, embeddingError, embeddingRetryAt, ...m }) => ({
      ...m,
      isEmbedded: m.embedder !== PENDING_EMBEDDER && m.embedder !== FAILED_EMBEDDER,
      embedding: embeddingStateOf({ embedder: m.embedder, embeddingAttempts, embeddingError, embeddingRetryAt }),
    })),
    nextCursor: rows.length > limit ? page.at(-1)!.id : null,
  };
}

/** The agent's facts: key, value, source and confidence. */
export async function listFacts({ teamId, agentId }: { teamId: string; agentId: string }) {
  await agentInTeam(teamId, agentId);
  return db.fact.findMany({
    where: { agentId, teamId },
    orderBy: { key: "asc" },
    take: 1000,
    select: { id: true, key: true, value: true, source: true, confidence: true, createdAt: true, updatedAt: true },
  });
}

async function memoryInTeam(teamId: string, memoryId: string) {
  const memory = await db.memory.findFirst({
    where: { id: memoryId, teamId },
    select: { id: true, agentId: true, kind: true, metadata: true, isPinned: true },
  });
  if (!memory) throw notFound("That memory");
  return memory;
}

async function audit(
  tx: Prisma.TransactionClient,
  { teamId, userId }: TeamUser,
  action: AuditAction,
  memoryId: string,
  metadata: Prisma.InputJsonValue,
) {
  await recordAudit(tx, { teamId, actorId: userId, action, targetId: memoryId, metadata });
}

/** Pinned memories are shown to the agent every cycle and never pruned. */
export async function setPinned({ teamId, userId, memoryId, pinned }: TeamUser & { memoryId: string; pinned: boolean }) {
  const memory = await memoryInTeam(teamId, memoryId);
  return db.$transaction(async (tx) => {
    const row = await tx.memory.update({
      where: { id: memory.id, teamId },
      data: { isPinned: pinned, ...(pinned ? { archivedAt: null } : {}) },
      select: MEMORY_FIELDS,
    });
    await audit(tx, { teamId, userId }, pinned ? "memory.pin" : "memory.unpin", memory.id, { agentId: memory.agentId });
    return row;
  });
}

/** Edits content and/or importance; edited content is re-embedded before the agent's next recall. A fact's value follows its memory. */
export async function editMemory({ teamId, userId, memoryId, edit }: TeamUser & { memoryId: string; edit: MemoryEdit }) {
  const parsed = memoryEditSchema.safeParse(edit);
  if (!parsed.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of parsed.error.issues) (fieldErrors[String(issue.path[0] ?? "content")] ??= []).push(issue.message);
    throw new AppError("BAD_REQUEST", parsed.error.issues[0]?.message ?? "Check the memory.", { fieldErrors });
  }
  const memory = await memoryInTeam(teamId, memoryId);
  const { content, importance } = parsed.data;
  return db.$transaction(async (tx) => {
    const row = await tx.memory.update({
      where: { id: memory.id, teamId },
      data: {
        ...(content !== undefined ? { content, embedder: PENDING_EMBEDDER } : {}),
        ...(importance !== undefined ? { importance } : {}),
      },
      select: MEMORY_FIELDS,
    });
    const factKey = (memory.metadata as { factKey?: string } | null)?.factKey;
    if (memory.kind === "fact" && factKey && content !== undefined) {
      await tx.fact.updateMany({
        where: { agentId: memory.agentId, teamId, key: factKey },
        data: { value: content, source: "edited by a person", confidence: 1 },
      });
    }
    await audit(tx, { teamId, userId }, "memory.edit", memory.id, {
      agentId: memory.agentId,
      fields: [...(content !== undefined ? ["content"] : []), ...(importance !== undefined ? ["importance"] : [])],
    });
    return row;
  });
}

/** Forgets a memory for good (and its fact, for a fact's memory). Pinned memories must be unpinned first. */
export async function forgetMemory({ teamId, userId, memoryId }: TeamUser & { memoryId: string }) {
  const memory = await memoryInTeam(teamId, memoryId);
  if (memory.isPinned) throw new AppError("CONFLICT", "This memory is pinned. Unpin it before forgetting it.");
  await db.$transaction(async (tx) => {
    await tx.memory.deleteMany({ where: { id: memory.id, teamId, isPinned: false } });
    const factKey = (memory.metadata as { factKey?: string } | null)?.factKey;
    if (memory.kind === "fact" && factKey) await tx.fact.deleteMany({ where: { agentId: memory.agentId, teamId, key: factKey } });
    await audit(tx, { teamId, userId }, "memory.forget", memory.id, { agentId: memory.agentId });
  });
  return { forgotten: memory.id };
}
