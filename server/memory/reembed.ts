import "server-only";
import { db } from "../db/client";
import { EMBED_BATCH_SIZE, embedTexts, teamEmbedder, type Embedder } from "./embedder";
import { storeEmbeddings } from "./memories";

/**
 * Switching embedders: every memory of an agent whose vector came from another embedder (or none yet)
 * is embedded again with its team's current one (docs/decisions/033), in batches, each charged to the
 * agent's budget like any embedding call. Archived memories are included (they may be restored). Safe
 * to stop and run again: it only touches rows that are not yet on the current embedder.
 */
export type ReembedReport = {
  agentId: string;
  teamId: string;
  embedderId: string;
  toDo: number;
  reembedded: number;
  costUsd: number;
  /** Whether memories are left for another call (the call stopped at its `limit`). */
  hasMore: boolean;
  error?: string;
  /** Why it stopped: the agent's budget refused the call, or the endpoint failed. */
  errorKind?: "over_budget" | "failed";
};

/** The memories of a team (or one agent of it) that are not on `embedderId`, for a Prisma where. */
export const notOnEmbedder = (ids: { teamId: string; agentId?: string }, embedderId: string) => ({
  teamId: ids.teamId,
  ...(ids.agentId ? { agentId: ids.agentId } : {}),
  embedder: { not: embedderId },
});

export async function reembedAgent({
  agentId,
  teamId,
  dryRun = false,
  batchSize = EMBED_BATCH_SIZE,
  limit = Number.POSITIVE_INFINITY,
  embedder: given,
  onBatch,
}: {
  agentId: string;
  teamId: string;
  dryRun?: boolean;
  batchSize?: number;
  /** At most this many memories in this call (`hasMore` says whether others are left). */
  limit?: number;
  /** The team's embedder when the caller has it (else it is read). */
  embedder?: Embedder;
  onBatch?: (done: number, toDo: number) => void;
}): Promise<ReembedReport> {
  const agent = await db.agent.findFirst({ where: { id: agentId, teamId }, select: { id: true } });
  if (!agent) throw new Error(`Agent ${agentId} was not found in team ${teamId}.`);
  const embedder = given ?? (await teamEmbedder({ teamId }));
  const stale = notOnEmbedder({ teamId, agentId }, embedder.id);
  const toDo = await db.memory.count({ where: stale });
  const report: ReembedReport = { agentId, teamId, embedderId: embedder.id, toDo, reembedded: 0, costUsd: 0, hasMore: false };
  if (dryRun || toDo === 0) return { ...report, hasMore: toDo > 0 };
  let after: string | undefined;
  for (;;) {
    if (report.reembedded >= limit) return { ...report, hasMore: true };
    const rows = await db.memory.findMany({
      where: { ...stale, ...(after ? { id: { gt: after } } : {}) },
      orderBy: { id: "asc" },
      take: Math.min(batchSize, limit - report.reembedded),
      select: { id: true, content: true },
    });
    if (rows.length === 0) break;
    const result = await embedTexts(
      embedder,
      rows.map((r) => r.content),
      { agentId, teamId },
    );
    if (!result.ok) return { ...report, hasMore: true, error: result.error, errorKind: result.kind };
    await storeEmbeddings(
      { agentId, teamId },
      embedder.id,
      rows.map((r, i) => ({ id: r.id, content: r.content, vector: result.vectors[i]! })),
    );
    report.reembedded += rows.length;
    report.costUsd += Number(result.costUsd);
    after = rows.at(-1)!.id;
    onBatch?.(report.reembedded, toDo);
  }
  return report;
}

/** Every agent (of one team, or of the whole deployment) that has memories from another embedder. */
export async function reembedAll({
  teamId,
  dryRun = false,
  onAgent,
}: {
  teamId?: string;
  dryRun?: boolean;
  onAgent?: (report: ReembedReport) => void;
}): Promise<ReembedReport[]> {
  const agents = await db.agent.findMany({
    where: { ...(teamId ? { teamId } : {}), memories: { some: {} } },
    orderBy: { createdAt: "asc" },
    select: { id: true, teamId: true },
  });
  const reports: ReembedReport[] = [];
  for (const agent of agents) {
    const report = await reembedAgent({ agentId: agent.id, teamId: agent.teamId, dryRun });
    if (report.toDo > 0 || report.error) {
      reports.push(report);
      onAgent?.(report);
    }
  }
  return reports;
}
