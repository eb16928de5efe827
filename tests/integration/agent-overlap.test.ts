import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { act, openCycleSession, think } from "~/server/loop";
import { db } from "~/server/db/client";
import { createTestProvider } from "../factories/provider";
import { createAgentWithRun } from "../factories/run";
import { createTestTeam } from "../factories/team";
import { startFakeOpenAI, type FakeOpenAI } from "../fixtures/fake-openai";

/**
 * Two copies of one loop step can overlap: an executor dies, its lease expires, and the step is sent
 * again while the first copy still runs in the app. Here both copies run at once, deterministically,
 * against the real database and a slow model: the log must still get each event once.
 */
let fake: FakeOpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI({ latencyMs: 300 });
  fake.setResponder(() => ({ kind: "tool_calls", calls: [{ name: "send_message", arguments: { subject: "Once", body: "Only once." } }] }));
});
afterAll(async () => fake?.stop());

describe("overlapping copies of a loop step", () => {
  it("record one thought, one call, one result and one message; both model calls are paid and linked to the thought", async () => {
    const owner = await createTestTeam();
    const provider = await createTestProvider(owner.team.id, { baseUrl: fake.baseURL });
    const {
      agent,
      ids,
      step: stepOf,
    } = await createAgentWithRun(owner, {
      executorRunId: "overlap-run",
      name: "Overlapped",
      provider: provider.id,
      model: "gpt-4o-mini",
      tools: [{ name: "send_message", enabled: true, approval: "never" }],
    });
    const step = stepOf(1);

    const [a, b] = await Promise.all([think(step, openCycleSession()), think(step, openCycleSession())]);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ kind: "act", toolName: "send_message", approvalId: null });
    if (a.kind !== "act") throw new Error("expected an action");

    const [ra, rb] = await Promise.all([
      act({ ...step, callEventSeq: a.callEventSeq, approval: null, nextFollows: false }, openCycleSession()),
      act({ ...step, callEventSeq: a.callEventSeq, approval: null, nextFollows: false }, openCycleSession()),
    ]);
    expect(ra).toEqual({ next: "continue" });
    expect(rb).toEqual({ next: "continue" });

    const events = await db.agentEvent.findMany({ where: ids, orderBy: { seq: "asc" }, select: { seq: true, type: true, id: true } });
    expect(events.map((e) => e.type)).toEqual(["thought", "tool_call", "tool_result"]);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(await db.outboxMessage.count({ where: ids })).toBe(1);
    expect(await db.memory.count({ where: { ...ids, kind: "episode" } })).toBe(1);
    const results = await db.agentEvent.findFirstOrThrow({ where: { ...ids, type: "tool_result" }, select: { payload: true } });
    expect(results.payload).toMatchObject({ status: "succeeded" });

    // Both copies asked the model (each paid for its answer): both costs are in the ledger, against the one thought.
    const calls = fake.requests.filter((r) => JSON.stringify(r.body).includes("Overlapped")).length;
    expect(calls).toBe(2);
    const spend = await db.spendEntry.findMany({ where: ids, select: { state: true, eventId: true, costUsd: true } });
    expect(spend).toHaveLength(2);
    expect(spend.every((s) => s.state === "committed" && s.eventId === events[0]!.id)).toBe(true);
    const row = await db.agent.findUniqueOrThrow({ where: { id: agent.id }, select: { spentUsd: true, repeatStreak: true } });
    expect(row.spentUsd.toString()).toBe(spend[0]!.costUsd.plus(spend[1]!.costUsd).toString());
    // Stuck bookkeeping counted the call once.
    expect(row.repeatStreak).toBe(1);
  });

  it("agree on the plan when one copy's model call fails after the other's succeeded", async () => {
    const owner = await createTestTeam();
    const provider = await createTestProvider(owner.team.id, { baseUrl: fake.baseURL });
    const { ids, step: stepOf } = await createAgentWithRun(owner, {
      executorRunId: "half-failed-run",
      name: "Half failed",
      provider: provider.id,
      model: "gpt-4o-mini",
      tools: [{ name: "send_message", enabled: true, approval: "never" }],
    });
    // The first request answers; the second fails (400: not retried) once the first is recorded.
    let served = 0;
    fake.setResponder(() =>
      ++served === 1
        ? { kind: "tool_calls", calls: [{ name: "send_message", arguments: { subject: "Once", body: "Only once." } }] }
        : { kind: "error", status: 400, delayMs: 700 },
    );
    const step = stepOf(1);
    const [a, b] = await Promise.all([think(step, openCycleSession()), think(step, openCycleSession())]);
    expect(served).toBe(2);
    expect(a).toMatchObject({ kind: "act", toolName: "send_message" });
    expect(b).toEqual(a);
    const events = await db.agentEvent.findMany({ where: ids, orderBy: { seq: "asc" }, select: { type: true } });
    expect(events.map((e) => e.type)).toEqual(["thought", "tool_call"]);
    expect(await db.spendEntry.count({ where: { ...ids, state: "reserved" } })).toBe(0);
  });
  it("a think step that meets a paused agent thinks nothing and ends the run, leaving the pause alone", async () => {
    const owner = await createTestTeam();
    const provider = await createTestProvider(owner.team.id, { baseUrl: fake.baseURL });
    const { agent, ids, step } = await createAgentWithRun(owner, {
      executorRunId: "paused-run",
      name: "Paused meanwhile",
      provider: provider.id,
      model: "gpt-4o-mini",
      cooldownSeconds: 0,
    });
    // A person pauses while the run goes on (with no cooldown there is no sleep for the cancellation to land on).
    await db.agent.update({ where: { id: agent.id }, data: { status: "paused" } });
    const before = fake.requests.length;
    const decision = await think(step(1), openCycleSession());
    expect(decision).toEqual({ kind: "stop", status: "paused", reason: "The agent is paused." });
    expect(fake.requests.length).toBe(before);
    expect(await db.agentEvent.count({ where: ids })).toBe(0);
    expect(await db.spendEntry.count({ where: ids })).toBe(0);
  });
});
