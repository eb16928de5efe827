import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { inngest } from "~/inngest/client";
import { LOOP_STATUSES } from "~/shared/agent-status";
import { db } from "~/server/db/client";
import { startChildren } from "~/server/delegation/start";
import { settleChild } from "~/server/delegation/settle";
import { findStaleAgents } from "~/server/operations/watchdog";
import { hibernateAgent } from "~/server/hibernation/hibernate";
import type { RunStatusSource } from "~/server/runs/run-status";
import { CHILD_BUDGET_FIXED, DELEGATION_LIMITS, type DelegateInput } from "~/shared/delegation";
import { agentInput } from "../factories/agent";
import { createTestTeam } from "../factories/team";

/**
 * Sub-agents against the real database, without the executor (tests/contract/delegation.test.ts runs
 * them through it): what a `delegate` call refuses and carves, a replay, settling a child's end once,
 * and the guarded fields (a child's budget) on every path that could change them.
 */
let sent: { name: string; id?: string; data: Record<string, unknown> }[] = [];
beforeEach(() => {
  sent = [];
  vi.spyOn(inngest, "send").mockImplementation(async (payload) => {
    sent.push(...((Array.isArray(payload) ? payload : [payload]) as typeof sent));
    return { ids: [] };
  });
});
afterEach(() => vi.restoreAllMocks());
// Children made here never run: nothing of this file may stay "running" for the watchdog passes of later files on this database.
const teams: string[] = [];
afterAll(async () => {
  await db.agent.updateMany({ where: { teamId: { in: teams }, status: { in: LOOP_STATUSES.active } }, data: { status: "stopped" } });
});

const TOOLS = ["update_world_state", "remember", "http_get", "delegate", "finish"].map((name) => ({
  name,
  enabled: true,
  approval: name === "http_get" ? ("always" as const) : ("never" as const),
  ...(name === "http_get" ? { allowedHosts: ["example.com"] } : {}),
}));

async function parentAgent(settings: Parameters<typeof agentInput>[0] = {}) {
  const owner = await createTestTeam();
  teams.push(owner.team.id);
  const agent = await owner.caller.agent.create(agentInput({ tools: TOOLS, budgetUsd: 3, ...settings }));
  return { owner, parentId: agent.id, teamId: owner.team.id };
}

const task = (name: string, extra: Partial<DelegateInput["tasks"][number]> = {}) => ({
  name,
  goal: `Do the ${name} part of the work and report.`,
  ...extra,
});
const delegate = (parentId: string, teamId: string, input: Partial<DelegateInput> & Pick<DelegateInput, "tasks">, cycle = 1) =>
  startChildren({ parentId, teamId, cycle, callIndex: 0, idempotencyKey: `${parentId}:${cycle}:0`, input: { wait: true, ...input } });
const carvesOf = (agentId: string) =>
  db.spendEntry.findMany({
    where: { agentId, kind: "delegation" },
    orderBy: { id: "asc" },
    select: { id: true, state: true, costUsd: true },
  });

describe("delegate", () => {
  it("carves each child's budget out of what is left, gives it only the parent's tools, and finds the same children on a replay", async () => {
    const { parentId, teamId } = await parentAgent();
    const started = await delegate(parentId, teamId, { tasks: [task("alpha", { tools: ["http_get"] }), task("beta", { budgetUsd: 0.5 })] });
    expect(started.mode).toBe("wait");
    expect(started.children.map((c) => c.budgetUsd)).toEqual(["1", "0.5"]);
    const children = await db.agent.findMany({ where: { parentId }, orderBy: { delegationKey: "asc" } });
    // The named tool keeps the parent's setting (approval, allowed hosts); finish is always there; delegate only below the depth limit.
    expect(children[0]!.tools).toEqual([
      { name: "http_get", enabled: true, approval: "always", allowedHosts: ["example.com"] },
      { name: "finish", enabled: true, approval: "never" },
    ]);
    expect((children[1]!.tools as { name: string }[]).map((t) => t.name)).toEqual(TOOLS.map((t) => t.name));
    expect(children.map((c) => [c.depth, c.status, c.delegationMode, c.parentCycle])).toEqual([
      [1, "running", "wait", 1],
      [1, "running", "wait", 1],
    ]);
    expect((await carvesOf(parentId)).map((c) => [c.state, c.costUsd.toFixed()])).toEqual([
      ["reserved", "1"],
      ["reserved", "0.5"],
    ]);
    expect(sent.filter((e) => e.name === "agent/run.requested").map((e) => e.data.agentId)).toEqual(children.map((c) => c.id));

    // A replay of the same call (a retried step) finds them: nothing more is created, reserved or sent.
    sent = [];
    const again = await delegate(parentId, teamId, { tasks: [task("alpha"), task("beta")] });
    expect(again.children.map((c) => c.id)).toEqual(started.children.map((c) => c.id));
    expect(again.waitUntil).toBe(started.waitUntil);
    expect(await db.agent.count({ where: { parentId } })).toBe(2);
    expect(await carvesOf(parentId)).toHaveLength(2);
    expect(sent).toEqual([]);
  });

  it("names a child after its parent, task and call, with a number when a person took that name already", async () => {
    const { owner, parentId, teamId } = await parentAgent();
    const parent = await db.agent.findUniqueOrThrow({ where: { id: parentId }, select: { name: true } });
    await owner.caller.agent.create(agentInput({ name: `${parent.name} › alpha · 1.1` }));
    const { children } = await delegate(parentId, teamId, { tasks: [task("alpha"), task("beta")] });
    expect(children.map((c) => c.name)).toEqual([`${parent.name} › alpha · 1.1 (2)`, `${parent.name} › beta · 1.2`]);
  });

  it("refuses, with what to change and without starting anything: tools the parent lacks, too many at once, no money left, the depth limit", async () => {
    const { parentId, teamId } = await parentAgent();
    await expect(delegate(parentId, teamId, { tasks: [task("x", { tools: ["send_message", "update_world_state"] })] })).rejects.toThrow(
      "A child can only get tools you have: send_message is not among yours (update_world_state, remember, http_get, delegate, finish).",
    );
    const tooMany = Array.from({ length: DELEGATION_LIMITS.defaultMaxChildren + 1 }, (_, i) => task(`t${i}`));
    await expect(delegate(parentId, teamId, { tasks: tooMany })).rejects.toThrow(
      "At most 3 children may run at once; 0 are running and you asked for 4 more.",
    );
    await db.agent.update({ where: { id: parentId }, data: { spentUsd: 3 } });
    await expect(delegate(parentId, teamId, { tasks: [task("broke")] })).rejects.toThrow(
      "No money is left to carve out for task 1: $0.00 is left of your $3.00 limit.",
    );
    await db.agent.update({ where: { id: parentId }, data: { spentUsd: 0, depth: DELEGATION_LIMITS.maxDepth } });
    await expect(delegate(parentId, teamId, { tasks: [task("deeper")] })).rejects.toThrow(
      "Delegation is limited to 3 levels and this agent is at level 3: do the work yourself.",
    );
    expect(await db.agent.count({ where: { parentId } })).toBe(0);
    expect(await carvesOf(parentId)).toEqual([]);
    expect(sent).toEqual([]);
  });

  it("settles a child's end once: the carve is committed at what it spent and the rest returns; the team's daily totals count it once", async () => {
    const { parentId, teamId } = await parentAgent();
    const { children } = await delegate(parentId, teamId, { tasks: [task("solo", { budgetUsd: 1 })] });
    const childId = children[0]!.id;
    expect(await settleChild({ teamId, childId })).toBe("not_ended");
    // The child spent $0.25 (a committed model call of its own) and finished.
    await db.spendEntry.create({
      data: { agentId: childId, teamId, kind: "model", state: "committed", model: "gpt-4o-mini", costUsd: 0.25 },
    });
    await db.agent.update({
      where: { id: childId },
      data: { spentUsd: 0.25, tokensUsed: 1000, status: "completed", statusReason: "Done." },
    });
    expect(await settleChild({ teamId, childId })).toBe("settled");
    expect(await settleChild({ teamId, childId })).toBe("already");
    expect((await carvesOf(parentId)).map((c) => [c.state, c.costUsd.toFixed()])).toEqual([["committed", "0.25"]]);
    const parent = await db.agent.findUniqueOrThrow({ where: { id: parentId }, select: { spentUsd: true, tokensUsed: true } });
    expect([parent.spentUsd.toFixed(), parent.tokensUsed]).toEqual(["0.25", 1000n]);
    const days = await db.agentSpendDay.findMany({
      where: { agentId: { in: [parentId, childId] } },
      select: { agentId: true, costUsd: true },
    });
    expect(days.map((d) => [d.agentId, d.costUsd.toFixed()])).toEqual([[childId, "0.25"]]);
    // The waiting parent is told on each attempt, with one event id: the executor takes it once.
    const told = sent.filter((e) => e.name === "agent/child.finished");
    expect(told.map((e) => e.data)).toEqual([
      { parentId, childId, teamId },
      { parentId, childId, teamId },
    ]);
    expect(new Set(told.map((e) => e.id))).toEqual(new Set([`child-finished-${childId}`]));
  });

  it("keeps a child's budget as carved on every path, and does not run an ended child again", async () => {
    const { owner, parentId, teamId } = await parentAgent();
    const { children } = await delegate(parentId, teamId, { tasks: [task("fixed", { budgetUsd: 1 })] });
    const childId = children[0]!.id;
    const settings = await owner.caller.agent.settings({ id: childId });
    await expect(owner.caller.agent.update({ ...settings.settings, id: childId, version: settings.version, budgetUsd: 2 })).rejects.toThrow(
      CHILD_BUDGET_FIXED,
    );
    await expect(owner.caller.agent.raiseBudget({ id: childId, budgetUsd: "2" })).rejects.toThrow(CHILD_BUDGET_FIXED);
    // Other settings of a child may change.
    await owner.caller.agent.update({ ...settings.settings, id: childId, version: settings.version, instructions: "Be brief." });
    expect((await db.agent.findUniqueOrThrow({ where: { id: childId }, select: { budgetUsd: true } })).budgetUsd?.toFixed()).toBe("1");

    await db.agent.update({ where: { id: childId }, data: { status: "completed" } });
    await expect(owner.caller.agent.start({ id: childId })).rejects.toThrow("This child agent has ended and its result went to its parent");
  });

  it("control flows down: a pause pauses the children, a resume resumes those it paused, a stop stops them all", async () => {
    const { owner, parentId, teamId } = await parentAgent();
    await db.agent.update({ where: { id: parentId }, data: { status: "running" } });
    const { children } = await delegate(parentId, teamId, { tasks: [task("one"), task("two")], wait: false });
    const [one, two] = children.map((c) => c.id) as [string, string];
    const statusOf = async (id: string) =>
      db.agent.findUniqueOrThrow({ where: { id }, select: { status: true, pausedWithParent: true, statusReason: true } });

    // A person pauses child two alone first: resuming the parent must not resume it.
    await owner.caller.agent.pause({ id: two });
    await owner.caller.agent.pause({ id: parentId });
    expect(await statusOf(one)).toMatchObject({ status: "paused", pausedWithParent: true });
    expect(await statusOf(two)).toMatchObject({ status: "paused", pausedWithParent: false });
    expect(sent.filter((e) => e.name === "agent/pause.requested").map((e) => e.data.agentId)).toEqual([two, parentId, one]);

    // A paused parent with children that have not ended is neither deleted nor hibernated.
    const refusedDelete = await owner.caller.agent.delete({ ids: [parentId] });
    expect(refusedDelete.refused.map((r) => r.reason)).toEqual([
      "The agent has 2 sub-agents that have not ended; stop it first (its sub-agents stop with it), then delete it.",
    ]);
    await db.agent.update({ where: { id: parentId }, data: { status: "idle" } });
    expect(await hibernateAgent({ agentId: parentId, teamId, afterHours: 0 })).toEqual({
      hibernated: false,
      reason: "The agent has sub-agents that have not ended.",
    });
    await db.agent.update({ where: { id: parentId }, data: { status: "paused" } });

    sent = [];
    await owner.caller.agent.start({ id: parentId });
    expect(await statusOf(one)).toMatchObject({ status: "running", pausedWithParent: false });
    expect(await statusOf(two)).toMatchObject({ status: "paused" });
    expect(sent.filter((e) => e.name === "agent/run.requested").map((e) => e.data.agentId)).toEqual([parentId, one]);

    sent = [];
    await owner.caller.agent.stop({ id: parentId, reason: "Wrong plan." });
    for (const id of [one, two])
      expect(await statusOf(id)).toMatchObject({
        status: "stopped",
        statusReason: "Stopped with " + (await db.agent.findUniqueOrThrow({ where: { id: parentId } })).name + ": Wrong plan.",
      });
    expect(sent.filter((e) => e.name === "agent/child.ended").map((e) => e.data.childId)).toEqual([one, two]);
    // Each child's timeline says why.
    const why = await db.agentEvent.findFirstOrThrow({
      where: { agentId: one, type: "status_change" },
      orderBy: { seq: "desc" },
      select: { payload: true },
    });
    expect(why.payload).toMatchObject({ to: "stopped", change: "with_parent" });
    // Stopped, it may go; its children stay, as agents of their own.
    expect((await owner.caller.agent.delete({ ids: [parentId] })).done).toEqual([parentId]);
    expect(await db.agent.findMany({ where: { id: { in: [one, two] } }, select: { parentId: true } })).toEqual([
      { parentId: null },
      { parentId: null },
    ]);
  });

  it("the watchdog leaves a parent waiting for its children alone while its run is alive, and restarts it once none is left to wait for", async () => {
    const { parentId, teamId } = await parentAgent({ cooldownSeconds: 0 });
    const executorRunId = `waiting-parent-${parentId}`;
    await db.agentRun.create({
      data: { agentId: parentId, teamId, executorRunId, status: "running", startCycle: 1, startedAt: new Date(Date.now() - 7200_000) },
    });
    const longAgo = new Date(Date.now() - 3600_000);
    await db.agent.update({ where: { id: parentId }, data: { status: "running", heartbeatAt: longAgo, cycleCount: 0 } });
    const { children } = await delegate(parentId, teamId, { tasks: [task("slow")] });
    const running: RunStatusSource = {
      steps: async () => null,
      runs: async (ids) => new Map(ids.map((id) => [id, { state: "running", startedAt: null, endedAt: null, output: null }])),
    };
    const staleIds = async () => (await findStaleAgents({ runStatus: running, limit: 10_000 })).map((a) => a.agentId);

    // An hour without a heartbeat, but its run waits (the server says it is running) for a child that has not ended.
    expect(await staleIds()).not.toContain(parentId);
    const refreshed = await db.agent.findUniqueOrThrow({ where: { id: parentId }, select: { heartbeatAt: true } });
    expect(refreshed.heartbeatAt!.getTime()).toBeGreaterThan(longAgo.getTime());

    // Once the child has ended and been settled, an hour-old heartbeat is stale again.
    await db.agent.update({ where: { id: children[0]!.id }, data: { status: "completed" } });
    await settleChild({ teamId, childId: children[0]!.id });
    await db.agent.update({ where: { id: parentId }, data: { heartbeatAt: longAgo } });
    expect(await staleIds()).toContain(parentId);
  });
});
