import { inngest } from "../client";
import { memoryReembedRequested } from "../events";
import { finishTeamReembed, reembedAgentStep, startTeamReembed } from "~/server/memory/team-embedder";

/**
 * A team's embedder changed (docs/decisions/033): every memory of the team not on the new embedder is
 * embedded again, agent by agent, a batch per step (`reembed-<agent>-<n>`), so a crash resumes at the
 * step it stopped in, and that step skips what it had already stored. An agent whose budget refuses is
 * reported and the others go on; one whose endpoint keeps failing after the step's retries likewise.
 * One run per team at a time; a newer request for the team cancels an older run (the newer run does
 * what is left).
 */
export const teamMemoryReembed = inngest.createFunction(
  {
    id: "team-memory-reembed",
    retries: 3,
    concurrency: [{ key: "event.data.teamId", limit: 1 }],
    cancelOn: [{ event: memoryReembedRequested.name, match: "data.teamId" }],
    triggers: [{ event: memoryReembedRequested.name }],
  },
  async ({ event, step }) => {
    const { teamId, embedderId } = memoryReembedRequested.data.parse(event.data);
    const start = await step.run("start", () => startTeamReembed({ teamId, embedderId }));
    if (start.isSuperseded) return { superseded: true };
    // Counted for the run's output only: a step that failed and was retried stored part of its work unreported.
    let reembedded = 0;
    const failures: { agentId: string; agentName: string; message: string }[] = [];
    for (const agent of start.agents) {
      for (let batch = 0; ; batch++) {
        let result: Awaited<ReturnType<typeof reembedAgentStep>>;
        try {
          result = await step.run(`reembed-${agent.id}-${batch}`, () => reembedAgentStep({ teamId, agentId: agent.id, embedderId }));
        } catch (error) {
          // The step failed on every attempt (the endpoint kept failing): reported, and the next agent goes on.
          failures.push({ agentId: agent.id, agentName: agent.name, message: error instanceof Error ? error.message : String(error) });
          break;
        }
        reembedded += result.reembedded;
        if (result.error) failures.push({ agentId: agent.id, agentName: agent.name, message: result.error });
        if (result.error || !result.hasMore) break;
      }
    }
    await step.run("finish", () => finishTeamReembed({ teamId, embedderId, failures }));
    return { agents: start.agents.length, reembedded, failures: failures.length };
  },
);
