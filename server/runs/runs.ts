import "server-only";
import { db } from "../db/client";
import { notFound } from "../errors";
import { inngestRunStatus, type RunStatusSource } from "./run-status";

/**
 * An agent's runs for the dashboard's Runs tab, newest first: the app's own record of each run (its
 * claim: cycles, why it ended) and what the Inngest server says about it through the REST API (state,
 * timing, error), with its steps where the server offers them (the bundled executor does; on Inngest
 * they are in Inngest's dashboard: `stepsAvailable` false). Scoped by team inside the query: an agent
 * of another team is "not found", exactly like one that does not exist.
 */
export async function listAgentRuns({
  teamId,
  agentId,
  limit = 20,
  runStatus = inngestRunStatus(),
}: {
  teamId: string;
  agentId: string;
  limit?: number;
  runStatus?: RunStatusSource;
}) {
  const agent = await db.agent.findFirst({ where: { id: agentId, teamId }, select: { id: true } });
  if (!agent) throw notFound("That agent");
  const agentRuns = await db.agentRun.findMany({
    where: { agentId, teamId },
    orderBy: { startedAt: "desc" },
    take: limit,
    select: { id: true, executorRunId: true, status: true, startCycle: true, endCycle: true, reason: true, startedAt: true, endedAt: true },
  });
  const serverIds = agentRuns.map((r) => r.executorRunId).filter((id): id is string => id !== null);
  const [infos, steps] = await Promise.all([
    runStatus.runs(serverIds),
    Promise.all(serverIds.map(async (id) => [id, await runStatus.steps(id)] as const)).then((pairs) => new Map(pairs)),
  ]);
  return agentRuns.map((run) => {
    const info = run.executorRunId ? infos.get(run.executorRunId) : undefined;
    const runSteps = run.executorRunId ? (steps.get(run.executorRunId) ?? null) : null;
    return {
      ...run,
      executor: info
        ? {
            status: info.state,
            // Inngest's API carries a failed run's error as its output.
            error: info.state === "failed" ? info.output : null,
            startedAt: info.startedAt,
            endedAt: info.endedAt,
            durationMs: info.endedAt && info.startedAt ? info.endedAt.getTime() - info.startedAt.getTime() : null,
            stepsAvailable: runSteps !== null,
            steps: (runSteps ?? []).map((s) => ({ ...s, durationMs: s.endedAt ? s.endedAt.getTime() - s.startedAt.getTime() : null })),
          }
        : null,
    };
  });
}
