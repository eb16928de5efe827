import type { AgentSettingsInput } from "~/shared/agent-input";
import { beginRun } from "~/server/loop";
import { agentInput } from "./agent";
import type { createTestTeam } from "./team";

type TestTeam = Awaited<ReturnType<typeof createTestTeam>>;

/**
 * An agent created through the API by `owner`, and a run begun for it as the loop's first step does:
 * what a test needs to call think/act/runCycle directly. `step(cycle)` gives a cycle's step arguments.
 */
export async function createAgentWithRun(
  owner: TestTeam,
  { executorRunId, ...input }: Partial<AgentSettingsInput> & { executorRunId: string },
) {
  const agent = await owner.caller.agent.create(agentInput(input));
  const ids = { agentId: agent.id, teamId: owner.team.id };
  const plan = await beginRun({ ...ids, executorRunId, reason: "test" });
  if (!plan.shouldRun) throw new Error(plan.reason);
  const agentRunId = plan.agentRunId;
  return { agent, ids, agentRunId, step: (cycle: number) => ({ ...ids, agentRunId, cycle }) };
}
