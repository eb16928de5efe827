import "server-only";
import { db } from "../db/client";
import { notFound } from "../errors";

/**
 * An agent's executor runs and their steps, for the dashboard's Runs tab. Scoped by team inside the
 * query: an agent of another team is "not found", exactly like one that does not exist.
 */
export async function listAgentRuns({ teamId, agentId, limit = 20 }: { teamId: string; agentId: string; limit?: number }) {
  const agent = await db.agent.findFirst({ where: { id: agentId, teamId }, select: { id: true } });
  if (!agent) throw notFound("That agent");
  const agentRuns = await db.agentRun.findMany({
    where: { agentId, teamId },
    orderBy: { startedAt: "desc" },
    take: limit,
    select: { id: true, executorRunId: true, status: true, startCycle: true, endCycle: true, reason: true, startedAt: true, endedAt: true },
  });
  const executorIds = agentRuns.map((r) => r.executorRunId).filter((id): id is string => id !== null);
  const executorRuns = await db.executorRun.findMany({
    where: { id: { in: executorIds } },
    select: {
      id: true,
      functionId: true,
      status: true,
      error: true,
      startedAt: true,
      endedAt: true,
      steps: {
        orderBy: { id: "asc" },
        select: {
          stepId: true,
          name: true,
          op: true,
          status: true,
          attempts: true,
          error: true,
          outputSize: true,
          startedAt: true,
          endedAt: true,
        },
      },
    },
  });
  const byId = new Map(executorRuns.map((r) => [r.id, r]));
  return agentRuns.map((run) => {
    const executor = run.executorRunId ? byId.get(run.executorRunId) : undefined;
    return {
      ...run,
      executor: executor
        ? {
            ...executor,
            durationMs: executor.endedAt ? executor.endedAt.getTime() - executor.startedAt.getTime() : null,
            steps: executor.steps.map((s) => ({ ...s, durationMs: s.endedAt ? s.endedAt.getTime() - s.startedAt.getTime() : null })),
          }
        : null,
    };
  });
}
