import type { AddressInfo } from "node:net";
import { createExecutorServer } from "@longhaul/executor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "~/server/db/client";
import { databasePool } from "~/server/db/raw";
import { restRunStatus, type RunStatusSource } from "~/server/runs/run-status";
import { listAgentRuns } from "~/server/runs/runs";
import { agentInput } from "../factories/agent";
import { createTestTeam } from "../factories/team";

/**
 * The Runs tab reads the app's own record of each run and asks the Inngest server about it through the
 * REST API; here the server is the bundled executor's real HTTP server over the rows seeded below.
 */
const executor = createExecutorServer({ pool: databasePool(), onWork: () => {}, onSyncRequest: async () => null });
let runStatus: RunStatusSource;
beforeAll(async () => {
  await new Promise<void>((resolve) => executor.listen(0, "127.0.0.1", resolve));
  runStatus = restRunStatus({ baseUrl: `http://127.0.0.1:${(executor.address() as AddressInfo).port}` });
});
afterAll(() => new Promise((resolve) => executor.close(resolve)));

/** Records what the executor and the agent loop write for one run: function, event, run, steps and the agent_run link. */
async function seedRun(teamId: string, agentId: string, runId: string) {
  await db.executorApp.upsert({
    where: { id: "history-app" },
    create: { id: "history-app", url: "http://app.invalid/api/inngest" },
    update: {},
  });
  await db.executorFunction.upsert({
    where: { id: "history-app-agent" },
    create: {
      id: "history-app-agent",
      appId: "history-app",
      name: "agent",
      url: "http://app.invalid/api/inngest?fnId=history-app-agent&stepId=step",
      triggers: [],
      config: {},
    },
    update: {},
  });
  await db.executorEvent.create({ data: { id: `ev-${runId}`, name: "agent/run.requested", data: { agentId }, ts: BigInt(Date.now()) } });
  const started = new Date(Date.now() - 5000);
  await db.executorRun.create({
    data: {
      id: runId,
      functionId: "history-app-agent",
      eventId: `ev-${runId}`,
      status: "failed",
      error: { name: "Error", message: "model returned garbage" },
      startedAt: started,
      endedAt: new Date(started.getTime() + 4000),
      steps: {
        create: [
          {
            stepId: "h1",
            name: "assemble-context",
            op: "StepRun",
            status: "completed",
            attempts: 1,
            outputSize: 120,
            startedAt: started,
            endedAt: new Date(started.getTime() + 15),
          },
          {
            stepId: "h2",
            name: "call-model",
            op: "StepRun",
            status: "failed",
            attempts: 4,
            error: { message: "model returned garbage" },
            outputSize: 80,
            startedAt: started,
            endedAt: new Date(started.getTime() + 3900),
          },
        ],
      },
    },
  });
  await db.agentRun.create({ data: { agentId, teamId, executorRunId: runId, status: "failed", reason: "step call-model failed" } });
}

describe("run.listForAgent", () => {
  it("returns the agent's runs with steps, attempts, timings and errors", async () => {
    const { caller, team } = await createTestTeam();
    const agent = await caller.agent.create(agentInput());
    await seedRun(team.id, agent.id, `RUN${Date.now()}A`);
    const [run] = await listAgentRuns({ teamId: team.id, agentId: agent.id, runStatus });
    expect(run!.status).toBe("failed");
    expect(run!.executor?.status).toBe("failed");
    expect(run!.executor?.error).toEqual({ name: "Error", message: "model returned garbage" });
    expect(run!.executor?.durationMs).toBe(4000);
    expect(run!.executor?.stepsAvailable).toBe(true);
    expect(run!.executor?.steps.map((s) => [s.name, s.status, s.attempts, s.durationMs])).toEqual([
      ["assemble-context", "completed", 1, 15],
      ["call-model", "failed", 4, 3900],
    ]);
  });

  it("says when the server shows no steps, and keeps the app's own record when it cannot be reached", async () => {
    const { caller, team } = await createTestTeam();
    const agent = await caller.agent.create(agentInput());
    const runId = `RUN${Date.now()}C`;
    await seedRun(team.id, agent.id, runId);
    // A server that knows the run but has no steps endpoint, as Inngest's REST API.
    const withoutSteps: RunStatusSource = { runs: (ids) => runStatus.runs(ids), steps: async () => null };
    const [run] = await listAgentRuns({ teamId: team.id, agentId: agent.id, runStatus: withoutSteps });
    expect(run!.executor).toMatchObject({ status: "failed", stepsAvailable: false, steps: [] });
    // Nothing listens: the run is still listed from the app's own record.
    const [offline] = await listAgentRuns({
      teamId: team.id,
      agentId: agent.id,
      runStatus: restRunStatus({ baseUrl: "http://127.0.0.1:1" }),
    });
    expect(offline).toMatchObject({ status: "failed", reason: "step call-model failed", executor: null });
  });

  it("lists an agent without runs through the router", async () => {
    const { caller } = await createTestTeam();
    const agent = await caller.agent.create(agentInput());
    expect(await caller.run.listForAgent({ agentId: agent.id })).toEqual([]);
  });

  it("refuses another team's agent with the same error as a missing one", async () => {
    const owner = await createTestTeam();
    const stranger = await createTestTeam();
    const agent = await owner.caller.agent.create(agentInput());
    await seedRun(owner.team.id, agent.id, `RUN${Date.now()}B`);
    const denied = await stranger.caller.run.listForAgent({ agentId: agent.id }).catch((e: Error & { code: string }) => e);
    const missing = await stranger.caller.run
      .listForAgent({ agentId: "00000000-0000-4000-8000-000000000000" })
      .catch((e: Error & { code: string }) => e);
    expect(denied).toMatchObject({ code: "NOT_FOUND" });
    expect((denied as Error).message).toBe((missing as Error).message);
  });
});
