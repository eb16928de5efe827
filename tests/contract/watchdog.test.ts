import { beforeAll, describe, expect, it } from "vitest";
import { db } from "~/server/db/client";
import { LOOP_STATUSES } from "~/shared/agent-status";
import { finishRun } from "@longhaul/executor/store";
import type * as WatchdogModule from "~/server/operations/watchdog";
import { agentInput } from "../factories/agent";
import { createTestTeam } from "../factories/team";
import { toolCall, withContractApp } from "../fixtures/contract-app";
import { agentAndCycleOf, type ScriptedReply } from "../fixtures/fake-openai";

/**
 * Recovery end to end: the app's real Inngest functions served by the SDK, the project's executor and
 * the real openai SDK against a local OpenAI-compatible server. The agent's run is cancelled at the
 * executor while a cycle's model call is in flight (the run is dead, the agent still says "sleeping");
 * the watchdog restarts it and it finishes from its checkpoint: every cycle thought once, every
 * message sent once.
 */

const AGENT = "Watched";
const LAST_CYCLE = 6;
const KILL_CYCLE = 3;
const tool = toolCall;
const script = (cycle: number): ScriptedReply =>
  cycle >= LAST_CYCLE
    ? tool("finish", { result: "Recovered and finished." })
    : cycle % 2 === 1
      ? tool("send_message", { subject: `Report ${cycle}`, body: `Cycle ${cycle}.` })
      : tool("update_world_state", { set: { [`cycle${cycle}`]: cycle } });

/** Cycles of each agent's model requests, in arrival order. */
const modelRequests: number[] = [];
const WAITER = "Waiting watched";
const waiterRequests: number[] = [];
let holdCycle: { cycle: number; arrived: () => void; release: Promise<void> } | null = null;

const app = withContractApp(async (body) => {
  const { agent: name, cycle } = agentAndCycleOf(body);
  if (name === WAITER) {
    waiterRequests.push(cycle);
    return cycle === 1
      ? tool("send_message", { subject: "Approved report", body: "Once." })
      : tool("finish", { result: "Sent after recovery." });
  }
  if (name !== AGENT) return { kind: "message", content: "no script" };
  modelRequests.push(cycle);
  if (holdCycle?.cycle === cycle) {
    holdCycle.arrived();
    await holdCycle.release;
  }
  return script(cycle);
});
let watchdog: typeof WatchdogModule;
beforeAll(async () => {
  watchdog = await import("~/server/operations/watchdog");
});

/** Ends a run the way the executor ends a cancelled one: status, jobs and waits in one transaction. */
async function cancelAtExecutor(runId: string) {
  const client = await app.executor.pool.connect();
  try {
    await client.query("BEGIN");
    await finishRun(client, runId, "cancelled", { output: null, error: { name: "Cancelled", message: "killed by the test" } });
    await client.query("COMMIT");
  } finally {
    client.release();
  }
}

/** Fires the watchdog's cron schedule now and waits for that pass to finish. */
async function runWatchdogPass() {
  const fn = await app.executor.pool.query<{ id: string }>(
    `SELECT id FROM executor_function WHERE id LIKE '%agent-watchdog' AND NOT "isArchived"`,
  );
  const functionId = fn.rows[0]!.id;
  const runs = async () =>
    (
      await app.executor.pool.query<{ id: string; status: string; output: { found: number; restarted: string[] } }>(
        `SELECT id, status, output FROM executor_run WHERE "functionId" = $1 ORDER BY "startedAt"`,
        [functionId],
      )
    ).rows;
  // The pass this call asked for is a run that did not exist before it; another pass (the minute's own
  // tick, or an earlier one still going: one at a time) may end first and must not be taken for it.
  const before = new Set((await runs()).map((run) => run.id));
  await app.executor.pool.query(
    `UPDATE executor_cron SET "nextRunAt" = (now() AT TIME ZONE 'UTC') - interval '1 second' WHERE "functionId" = $1`,
    [functionId],
  );
  const finishedNew = async () => (await runs()).find((run) => !before.has(run.id) && run.status !== "running");
  await expect.poll(async () => (await finishedNew()) !== undefined, { timeout: 40_000 }).toBe(true);
  return (await finishedNew())!;
}

describe("the watchdog, end to end", () => {
  it("restarts an agent whose run died at the executor; it continues from its checkpoint with no repeated cycle or message", async () => {
    const owner = await createTestTeam();
    const provider = await owner.caller.provider.create({ name: "fake-watchdog", baseUrl: app.fake.baseURL, apiKey: "sk-test" });
    const tools = (["update_world_state", "send_message", "finish"] as const).map((name) => ({
      name,
      enabled: true,
      approval: "never" as const,
    }));
    const created = await owner.caller.agent.create(
      agentInput({ name: AGENT, provider: provider.id, model: "gpt-4o-mini", cooldownSeconds: 1, budgetUsd: 5, tools }),
    );
    const ids = { agentId: created.id, teamId: owner.team.id, userId: owner.user.id };

    let release!: () => void;
    const arrived = new Promise<void>((resolve) => {
      holdCycle = { cycle: KILL_CYCLE, arrived: resolve, release: new Promise<void>((r) => (release = r)) };
    });
    await app.control.startAgent(ids);
    await arrived;
    // The run dies at the executor while cycle 3's model call is in flight; the app's step still finishes the cycle.
    const claim = await db.agentRun.findFirstOrThrow({
      where: { agentId: ids.agentId, status: "running" },
      select: { executorRunId: true },
    });
    await cancelAtExecutor(claim.executorRunId!);
    release();
    await expect
      .poll(async () => (await db.agent.findUniqueOrThrow({ where: { id: ids.agentId } })).cycleCount, { timeout: 20_000 })
      .toBe(KILL_CYCLE);
    await new Promise((r) => setTimeout(r, 2500));
    // Dead: no further cycle, yet the agent still looks like it sleeps between cycles.
    const dead = await db.agent.findUniqueOrThrow({ where: { id: ids.agentId }, select: { status: true, cycleCount: true } });
    expect(dead).toEqual({ status: "sleeping", cycleCount: KILL_CYCLE });

    // A watchdog pass (a minute on: past the grace a starting run gets) finds it and restarts it.
    const found = (await watchdog.findStaleAgents({ now: new Date(Date.now() + 61_000), limit: 10_000 })).filter(
      (s) => s.agentId === ids.agentId,
    );
    expect(found).toMatchObject([{ why: "no live run" }]);
    const restarted = await watchdog.restartAgent(found[0]!);
    expect(restarted.restarted).toBe(true);
    // A retried restart step sends the same event id: the executor starts one run.
    await watchdog.restartAgent(found[0]!);

    const deadline = Date.now() + 40_000;
    let agent = await db.agent.findUniqueOrThrow({
      where: { id: ids.agentId },
      select: { status: true, cycleCount: true, statusReason: true },
    });
    while (agent.status !== "completed" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      agent = await db.agent.findUniqueOrThrow({
        where: { id: ids.agentId },
        select: { status: true, cycleCount: true, statusReason: true },
      });
    }
    expect(agent).toEqual({ status: "completed", cycleCount: LAST_CYCLE, statusReason: "Recovered and finished." });

    // Every cycle thought once and called the model once; every message sent once.
    const thoughts = await db.agentEvent.findMany({ where: { agentId: ids.agentId, type: "thought" }, select: { cycle: true } });
    expect(thoughts.map((t) => t.cycle).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...modelRequests].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    const outbox = await db.outboxMessage.findMany({ where: { agentId: ids.agentId }, select: { subject: true } });
    expect(outbox.map((m) => m.subject).sort()).toEqual(["Report 1", "Report 3", "Report 5"]);
    // The log has no gap and says why the agent was restarted.
    const events = await db.agentEvent.findMany({
      where: { agentId: ids.agentId },
      orderBy: { seq: "asc" },
      select: { seq: true, type: true, payload: true },
    });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const recovered = events.filter((e) => e.type === "status_change" && (e.payload as { change?: string }).change === "recovered");
    expect(recovered).toHaveLength(1);
    expect(recovered[0]!.payload).toMatchObject({ change: "recovered", why: "no live run", status: "sleeping" });

    // Two runs in all: the dead one, its claim revoked, and the recovered one, which began after the last finished cycle.
    const runs = await db.agentRun.findMany({
      where: { agentId: ids.agentId },
      orderBy: { startedAt: "asc" },
      select: { status: true, reason: true, startCycle: true, endCycle: true },
    });
    expect(runs).toEqual([
      { status: "failed", reason: "recovery: no live run", startCycle: 1, endCycle: null },
      { status: "completed", reason: expect.any(String), startCycle: KILL_CYCLE + 1, endCycle: LAST_CYCLE },
    ]);
    // The next pass leaves the finished agent alone.
    const again = await watchdog.findStaleAgents({ now: new Date(Date.now() + 61_000), limit: 10_000 });
    expect(again.filter((s) => s.agentId === ids.agentId)).toEqual([]);
  });

  it("the scheduled function leaves a live wait alone, restarts a wait whose run died, and the recovered run gets the answer", async () => {
    const owner = await createTestTeam();
    const provider = await owner.caller.provider.create({ name: "fake-waiter", baseUrl: app.fake.baseURL, apiKey: "sk-test" });
    const tools = [
      { name: "send_message" as const, enabled: true, approval: "always" as const },
      { name: "finish" as const, enabled: true, approval: "never" as const },
    ];
    const created = await owner.caller.agent.create(
      agentInput({ name: WAITER, provider: provider.id, model: "gpt-4o-mini", cooldownSeconds: 1, budgetUsd: 5, tools }),
    );
    const ids = { agentId: created.id, teamId: owner.team.id, userId: owner.user.id };
    // Agents other files left live on this shared database are stopped first: a pass restarts at most 100
    // stale agents, oldest heartbeat first, and theirs must not crowd this one out of the passes below.
    await db.agent.updateMany({ where: { id: { not: ids.agentId }, status: { in: LOOP_STATUSES.active } }, data: { status: "stopped" } });
    await app.control.startAgent(ids);
    await expect
      .poll(async () => (await db.agent.findUniqueOrThrow({ where: { id: ids.agentId } })).status, { timeout: 20_000 })
      .toBe("waiting_approval");
    const claim = await db.agentRun.findFirstOrThrow({
      where: { agentId: ids.agentId, status: "running" },
      select: { id: true, executorRunId: true },
    });
    await expect.poll(async () => db.executorWait.count({ where: { runId: claim.executorRunId! } }), { timeout: 20_000 }).toBe(1);

    // A live wait: the pass restarts nothing and records the heartbeat while waiting.
    await db.agent.update({ where: { id: ids.agentId }, data: { heartbeatAt: new Date(Date.now() - 3_600_000) } });
    const first = await runWatchdogPass();
    expect(first.status).toBe("completed");
    expect(first.output.restarted).not.toContain(ids.agentId);
    const beat = await db.agent.findUniqueOrThrow({ where: { id: ids.agentId }, select: { heartbeatAt: true } });
    expect(beat.heartbeatAt!.getTime()).toBeGreaterThan(Date.now() - 60_000);

    // The run dies while waiting; two minutes pass (backdated) with nobody holding the agent.
    await cancelAtExecutor(claim.executorRunId!);
    const past = new Date(Date.now() - 120_000);
    await db.$executeRaw`UPDATE agent SET "heartbeatAt" = ${past}, "updatedAt" = ${past} WHERE id = ${ids.agentId}::uuid`;
    await db.agentRun.update({ where: { id: claim.id }, data: { startedAt: past } });
    const second = await runWatchdogPass();
    // Restarted by this pass, or by the minute's own tick if it ran in between (one pass at a time; later
    // files' leftovers can make a pass long): either way, recovered exactly once, saying why.
    const recoveries = await db.agentEvent.findMany({
      where: { agentId: ids.agentId, type: "status_change", payload: { path: ["change"], equals: "recovered" } },
      select: { payload: true },
    });
    expect(recoveries.map((r) => (r.payload as { why?: string }).why)).toEqual(["no live run"]);
    if (!second.output.restarted.includes(ids.agentId)) console.warn("the waiting agent was recovered by another watchdog pass");

    // The recovered run waits for the same approval again (still shown as waiting); the answer reaches it.
    await expect
      .poll(async () => db.agentRun.count({ where: { agentId: ids.agentId, status: "running", reason: "recovery" } }), { timeout: 20_000 })
      .toBe(1);
    const recoveredRun = await db.agentRun.findFirstOrThrow({
      where: { agentId: ids.agentId, status: "running" },
      select: { executorRunId: true },
    });
    await expect.poll(async () => db.executorWait.count({ where: { runId: recoveredRun.executorRunId! } }), { timeout: 20_000 }).toBe(1);
    expect((await db.agent.findUniqueOrThrow({ where: { id: ids.agentId } })).status).toBe("waiting_approval");
    const approval = await db.approval.findFirstOrThrow({ where: { agentId: ids.agentId, status: "pending" }, select: { id: true } });
    await app.control.decideApproval({ teamId: ids.teamId, userId: ids.userId, approvalId: approval.id, decision: "approved" });
    await expect
      .poll(async () => (await db.agent.findUniqueOrThrow({ where: { id: ids.agentId } })).status, { timeout: 20_000 })
      .toBe("completed");

    expect(await db.outboxMessage.count({ where: { agentId: ids.agentId } })).toBe(1);
    expect(waiterRequests).toEqual([1, 2]);
    const thoughts = await db.agentEvent.findMany({
      where: { agentId: ids.agentId, type: "thought" },
      orderBy: { seq: "asc" },
      select: { cycle: true },
    });
    expect(thoughts.map((t) => t.cycle)).toEqual([1, 2]);
    const recovered = await db.agentEvent.findMany({ where: { agentId: ids.agentId, type: "status_change" }, select: { payload: true } });
    expect(recovered.map((e) => e.payload)).toContainEqual(
      expect.objectContaining({ change: "recovered", why: "no live run", status: "waiting_approval" }),
    );
  });
});
