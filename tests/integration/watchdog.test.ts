import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { inngest } from "~/inngest/client";
import { startAgent } from "~/server/agents/control";
import { beginRun, openCycleSession, think } from "~/server/loop";
import { db } from "~/server/db/client";
import { restRunStatus, type RunStatusSource } from "~/server/runs/run-status";
import type { AgentStatus, ExecutorRunStatus } from "~/server/db/generated/enums";
import { findStaleAgents, restartAgent, type StaleAgent } from "~/server/operations/watchdog";
import { agentInput } from "../factories/agent";
import { appendTestEvents } from "../factories/events";
import { createTestExecutorRun, registerTestFunction, serveExecutorApi } from "../factories/executor-run";
import { createTestTeam } from "../factories/team";

/**
 * Heartbeats and recovery against the real database: which agents the watchdog finds, what a restart
 * records, and that beginRun never lets two runs hold one agent. The executor's own rows are seeded as
 * the bundled executor writes them, and the watchdog reads them as it would from any Inngest server:
 * through the REST API, served by the bundled executor's real HTTP server. Events sent are captured.
 */
const sent: { id?: string; name: string; data: Record<string, unknown> }[] = [];
const APP = "watchdog-app";
const FN = "watchdog-app-agent-run";
let seq = 0;

const SIGNING_KEY = "signkey-test-0123456789abcdef0123456789abcdef";
let executor: Awaited<ReturnType<typeof serveExecutorApi>>;
let runStatus: RunStatusSource;

beforeAll(async () => {
  executor = await serveExecutorApi(SIGNING_KEY);
  runStatus = restRunStatus({ baseUrl: executor.url, signingKey: SIGNING_KEY });
  vi.spyOn(inngest, "send").mockImplementation(async (payload) => {
    sent.push(...((Array.isArray(payload) ? payload : [payload]) as (typeof sent)[number][]));
    return { ids: [] };
  });
  await registerTestFunction(APP, FN);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await executor?.close();
});

const ago = (seconds: number) => new Date(Date.now() - seconds * 1000);
// Passes look two minutes ahead, so rows just written are past the no-run grace (60 s) but far from stale (> 300 s).
const later = () => new Date(Date.now() + 120_000);

const seedExecutorRun = (status: ExecutorRunStatus, { isWaiting = false } = {}) =>
  createTestExecutorRun(FN, status, isWaiting ? { waitingFor: { stepId: "approval-3", eventName: "agent/approval.decided" } } : {});

type Seed = {
  status: AgentStatus;
  heartbeatAgoSeconds?: number;
  /** The executor run behind the agent's claim; "none" = no claim at all, "external" = a claim without an executor row. */
  run?: ExecutorRunStatus | "none" | "external";
  isWaiting?: boolean;
  pendingApproval?: boolean;
};

async function seedAgent(teamId: string, caller: Awaited<ReturnType<typeof createTestTeam>>["caller"], seed: Seed) {
  const agent = await caller.agent.create(agentInput({ cooldownSeconds: 60 }));
  await db.agent.update({
    where: { id: agent.id },
    data: {
      status: seed.status,
      cycleCount: 2,
      heartbeatAt: seed.heartbeatAgoSeconds === undefined ? new Date() : ago(seed.heartbeatAgoSeconds),
    },
  });
  let executorRunId: string | null = null;
  if (seed.run && seed.run !== "none") {
    executorRunId = seed.run === "external" ? `external-${Date.now()}-${++seq}` : await seedExecutorRun(seed.run, seed);
    await db.agentRun.create({
      data: { agentId: agent.id, teamId, executorRunId, status: "running", startCycle: 1, startedAt: ago(3600) },
    });
  }
  if (seed.pendingApproval) {
    await db.approval.create({
      data: {
        agentId: agent.id,
        teamId,
        cycle: 3,
        kind: "tool",
        toolName: "send_message",
        reason: "Send it?",
        expiresAt: new Date(Date.now() + 86_400_000),
      },
    });
  }
  return { agentId: agent.id, teamId, executorRunId };
}

const findMine = async (ids: string[], now = later()) =>
  (await findStaleAgents({ now, limit: 10_000, runStatus })).filter((s) => ids.includes(s.agentId));

describe("the watchdog", () => {
  it("finds agents with no live run or a stale heartbeat, and nothing else", async () => {
    const { caller, team } = await createTestTeam();
    const seed = (s: Seed) => seedAgent(team.id, caller, s);
    const stale = await seed({ status: "sleeping", heartbeatAgoSeconds: 3600, run: "running" });
    const staleExternal = await seed({ status: "running", heartbeatAgoSeconds: 3600, run: "external" });
    const cancelled = await seed({ status: "sleeping", run: "cancelled" });
    const failed = await seed({ status: "running", run: "failed" });
    const neverStarted = await seed({ status: "running", run: "none" });
    const deadWhileWaiting = await seed({ status: "waiting_approval", run: "cancelled", pendingApproval: true });
    const healthy = await seed({ status: "sleeping", run: "running" });
    const healthyExternal = await seed({ status: "running", run: "external" });
    const waiting = await seed({
      status: "waiting_approval",
      heartbeatAgoSeconds: 3600,
      run: "running",
      isWaiting: true,
      pendingApproval: true,
    });
    const waitingExternal = await seed({ status: "waiting_approval", heartbeatAgoSeconds: 3600, run: "external", pendingApproval: true });
    const stuckEnded = await seed({ status: "stuck", heartbeatAgoSeconds: 3600, run: "none" });
    const quiet = await Promise.all(
      (["paused", "idle", "completed", "stopped", "budget_exhausted", "failed"] as const).map((status) =>
        seed({ status, heartbeatAgoSeconds: 3600, run: "cancelled" }),
      ),
    );
    const all = [stale, staleExternal, cancelled, failed, neverStarted, deadWhileWaiting, healthy, healthyExternal, waiting];
    const ids = [...all, waitingExternal, stuckEnded, ...quiet].map((a) => a.agentId);

    const found = await findMine(ids);
    const why = Object.fromEntries(found.map((f) => [f.agentId, f.why]));
    expect(why).toEqual({
      [stale.agentId]: "stale heartbeat",
      [staleExternal.agentId]: "stale heartbeat",
      [cancelled.agentId]: "no live run",
      [failed.agentId]: "no live run",
      [neverStarted.agentId]: "no live run",
      [deadWhileWaiting.agentId]: "no live run",
    });
    expect(found.find((f) => f.agentId === stale.agentId)?.heartbeatAgeSeconds).toBeGreaterThanOrEqual(3600);

    // A waiting run the server says is running is a heartbeat: the waiting agent's heartbeat was refreshed.
    const beat = await db.agent.findUniqueOrThrow({ where: { id: waiting.agentId }, select: { heartbeatAt: true } });
    expect(beat.heartbeatAt!.getTime()).toBeGreaterThan(Date.now() - 1000);
    // A run the server does not know verifies nothing: the heartbeat keeps its age.
    const external = await db.agent.findUniqueOrThrow({ where: { id: waitingExternal.agentId }, select: { heartbeatAt: true } });
    expect(external.heartbeatAt!.getTime()).toBeLessThan(Date.now() - 3_000_000);

    // Right now (not two minutes on) the fresh rows are inside the grace: only the stale heartbeats show.
    expect((await findMine(ids, new Date())).map((f) => f.agentId).sort()).toEqual([stale.agentId, staleExternal.agentId].sort());
  });

  it("restarts once: revokes the dead claim, records why, sends an idempotent run request", async () => {
    const { caller, team } = await createTestTeam();
    const agent = await seedAgent(team.id, caller, { status: "sleeping", heartbeatAgoSeconds: 3600, run: "running" });
    const [found] = await findMine([agent.agentId]);
    expect(found).toMatchObject({ why: "stale heartbeat" });

    // Two overlapping passes (or a retried step) restart it once.
    const results = await Promise.all([restartAgent(found!), restartAgent(found!)]);
    const eventId = `recover-${agent.agentId}-${found!.lastEventSeq}`;
    expect(results.map((r) => r.eventId)).toEqual([eventId, eventId]);
    const events = await db.agentEvent.findMany({ where: { agentId: agent.agentId, type: "status_change" }, select: { payload: true } });
    expect(events).toHaveLength(1);
    expect(events[0]!.payload).toMatchObject({ change: "recovered", why: "stale heartbeat", status: "sleeping" });
    expect((events[0]!.payload as { heartbeatAgeSeconds: number }).heartbeatAgeSeconds).toBeGreaterThanOrEqual(3600);
    const requests = sent.filter((e) => e.id === eventId);
    expect(requests.length).toBeGreaterThanOrEqual(1);
    expect(requests[0]).toMatchObject({
      name: "agent/run.requested",
      data: { agentId: agent.agentId, teamId: team.id, reason: "recovery" },
    });

    const claims = await db.agentRun.findMany({ where: { agentId: agent.agentId }, select: { status: true, reason: true } });
    expect(claims).toEqual([{ status: "failed", reason: "recovery: stale heartbeat" }]);
    // The next pass, a minute on, does not restart it again while the requested run starts.
    expect(await findMine([agent.agentId], new Date(Date.now() + 30_000))).toEqual([]);
    // A finding of an agent that moved on since (its log grew by something else) restarts nothing.
    await db.agent.update({ where: { id: agent.agentId }, data: { lastEventSeq: { increment: 5 } } });
    const outdated = { ...found!, lastEventSeq: found!.lastEventSeq + 1 };
    expect(await restartAgent(outdated)).toMatchObject({ restarted: false, reason: "The agent moved on since it was found." });
  });

  it("gives up on an agent whose runs keep dying: past the hourly limit it fails with the reason, nothing is sent", async () => {
    const { caller, team, user } = await createTestTeam();
    const agent = await seedAgent(team.id, caller, { status: "sleeping", run: "failed" });
    await appendTestEvents(
      { agentId: agent.agentId, teamId: team.id },
      Array.from({ length: 5 }, (_, i) => ({
        cycle: 0,
        type: "status_change" as const,
        payload: { change: "recovered", why: "no live run" },
        // Four within the hour, one older: only four count, so one more restart is allowed.
        at: i === 0 ? ago(2 * 3600) : ago(60 * i),
      })),
    );
    const [first] = await findMine([agent.agentId]);
    expect(await restartAgent(first!)).toMatchObject({ restarted: true });
    // It died again: the fifth restart within the hour is refused and the agent fails.
    await db.agentRun.create({
      data: { agentId: agent.agentId, teamId: team.id, executorRunId: await seedExecutorRun("failed"), status: "running", startCycle: 3 },
    });
    await db.agent.update({ where: { id: agent.agentId }, data: { status: "sleeping" } });
    const [second] = await findMine([agent.agentId]);
    const before = sent.length;
    expect(await restartAgent(second!)).toMatchObject({
      restarted: false,
      reason: expect.stringMatching(/^Restarted 5 times in the last hour/),
    });
    expect(sent.length).toBe(before);
    const row = await db.agent.findUniqueOrThrow({ where: { id: agent.agentId }, select: { status: true, statusReason: true } });
    expect(row).toMatchObject({ status: "failed", statusReason: expect.stringContaining("Runs tab") });
    expect(await findMine([agent.agentId])).toEqual([]);
    // A person starts it again once they have looked (failed agents are resumable, like the page offers).
    await startAgent({ agentId: agent.agentId, teamId: team.id, userId: user.id });
    expect(await db.agent.findUniqueOrThrow({ where: { id: agent.agentId }, select: { status: true } })).toEqual({ status: "running" });
    expect(sent.at(-1)).toMatchObject({ name: "agent/run.requested", data: { agentId: agent.agentId, reason: "resume" } });
  });

  it("skips agents that are no longer active when the restart step runs", async () => {
    const { caller, team } = await createTestTeam();
    const agent = await seedAgent(team.id, caller, { status: "sleeping", run: "cancelled" });
    const [found] = await findMine([agent.agentId]);
    await db.agent.update({ where: { id: agent.agentId }, data: { status: "paused" } });
    const before = sent.length;
    expect(await restartAgent(found as StaleAgent)).toMatchObject({ restarted: false, reason: "The agent is paused." });
    expect(sent.length).toBe(before);
  });
});

describe("never two runs of one agent", () => {
  it("beginRun refuses while another run holds the agent, and closes claims whose executor run ended", async () => {
    const { caller, team } = await createTestTeam();
    const live = await seedAgent(team.id, caller, { status: "running", run: "running" });
    expect(
      await beginRun({ agentId: live.agentId, teamId: team.id, executorRunId: `second-${live.agentId}`, reason: "schedule", runStatus }),
    ).toEqual({
      shouldRun: false,
      reason: `Another run of this agent is live (${live.executorRunId}).`,
    });
    expect(await db.agentRun.count({ where: { agentId: live.agentId } })).toBe(1);

    const dead = await seedAgent(team.id, caller, { status: "running", run: "cancelled" });
    const plan = await beginRun({
      agentId: dead.agentId,
      teamId: team.id,
      executorRunId: `next-${dead.agentId}`,
      reason: "resume",
      runStatus,
    });
    expect(plan).toMatchObject({ shouldRun: true, firstCycle: 3 });
    const claims = await db.agentRun.findMany({
      where: { agentId: dead.agentId },
      orderBy: { startedAt: "asc" },
      select: { status: true, reason: true },
    });
    expect(claims).toEqual([
      { status: "cancelled", reason: "executor run cancelled" },
      { status: "running", reason: "resume" },
    ]);
  });

  it("a recovery resumes a waiting agent without hiding what it waits for", async () => {
    const { caller, team } = await createTestTeam();
    const waiting = await seedAgent(team.id, caller, { status: "waiting_approval", run: "failed", pendingApproval: true });
    const refused = await beginRun({
      agentId: waiting.agentId,
      teamId: team.id,
      executorRunId: `plain-${waiting.agentId}`,
      reason: "schedule",
      runStatus,
    });
    expect(refused).toEqual({ shouldRun: false, reason: "The agent is waiting_approval." });
    const plan = await beginRun({
      agentId: waiting.agentId,
      teamId: team.id,
      executorRunId: `rec-${waiting.agentId}`,
      reason: "recovery",
      runStatus,
    });
    expect(plan.shouldRun).toBe(true);
    const row = await db.agent.findUniqueOrThrow({ where: { id: waiting.agentId }, select: { status: true } });
    expect(row.status).toBe("waiting_approval");
  });

  it("a run whose claim was revoked stops at its next think and leaves the agent to the new run", async () => {
    const { caller, team } = await createTestTeam();
    const agent = await seedAgent(team.id, caller, { status: "sleeping", run: "none" });
    const old = await beginRun({
      agentId: agent.agentId,
      teamId: team.id,
      executorRunId: `old-${agent.agentId}`,
      reason: "start",
      runStatus,
    });
    if (!old.shouldRun) throw new Error(old.reason);
    const [found] = await findMine([agent.agentId], new Date(Date.now() + 3_600_000));
    expect(found).toMatchObject({ why: "stale heartbeat" });
    await restartAgent(found!);
    const fresh = await beginRun({
      agentId: agent.agentId,
      teamId: team.id,
      executorRunId: `new-${agent.agentId}`,
      reason: "recovery",
      runStatus,
    });
    expect(fresh.shouldRun).toBe(true);
    const decision = await think(
      { agentId: agent.agentId, teamId: team.id, agentRunId: old.agentRunId, cycle: old.firstCycle },
      openCycleSession(),
    );
    expect(decision).toEqual({ kind: "stop", status: null, reason: "This run's claim was closed (failed)." });
    const row = await db.agent.findUniqueOrThrow({ where: { id: agent.agentId }, select: { status: true } });
    expect(row.status).toBe("running");
  });
});

describe("decisions whose event was lost", () => {
  it("sends a decision again until the waiting run records it, and never a pending, old or recorded one", async () => {
    const { caller, team } = await createTestTeam();
    const agent = await caller.agent.create(agentInput());
    await db.agent.update({ where: { id: agent.id }, data: { status: "waiting_approval" } });
    const approval = (
      kind: "tool" | "question",
      status: "pending" | "approved" | "rejected",
      decidedAgoSeconds: number | null,
      cycle: number,
    ) =>
      db.approval.create({
        data: {
          agentId: agent.id,
          teamId: team.id,
          cycle,
          kind,
          status,
          reason: "chaos",
          ...(decidedAgoSeconds === null ? {} : { decidedAt: ago(decidedAgoSeconds) }),
        },
        select: { id: true },
      });
    const lost = await approval("tool", "approved", 45, 3);
    const lostRejected = await approval("question", "rejected", 120, 4);
    const justDecided = await approval("tool", "approved", 5, 5); // its event may still be on the way
    await approval("tool", "pending", null, 6);
    await approval("tool", "approved", 2 * 86_400, 1); // older than a day: the wait has long timed out
    const recorded = await approval("tool", "approved", 60, 2);
    await appendTestEvents({ agentId: agent.id, teamId: team.id }, [
      { cycle: 2, type: "approval_decided", payload: { approvalId: recorded.id } },
    ]);

    sent.length = 0;
    const { redeliverDecisions } = await import("~/server/operations/watchdog");
    const again = await redeliverDecisions();
    const mine = (ids: string[]) => ids.filter((id) => [lost.id, lostRejected.id, justDecided.id, recorded.id].includes(id));
    expect(mine(again).sort()).toEqual([lost.id, lostRejected.id].sort());
    expect(sent.filter((e) => e.data.agentId === agent.id)).toEqual(
      expect.arrayContaining([
        { name: "agent/approval.decided", data: { agentId: agent.id, approvalId: lost.id, decision: "approved" } },
        { name: "agent/approval.decided", data: { agentId: agent.id, approvalId: lostRejected.id, decision: "rejected" } },
      ]),
    );
    expect(sent.filter((e) => e.data.agentId === agent.id)).toHaveLength(2);

    // Once the agent is no longer active (paused, finished), nothing is sent.
    await db.agent.update({ where: { id: agent.id }, data: { status: "paused" } });
    expect(mine(await redeliverDecisions())).toEqual([]);
  });
});
