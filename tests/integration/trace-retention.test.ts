import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { beginRun, openCycleSession, runCycle } from "~/server/loop";
import { db } from "~/server/db/client";
import { getColdStore } from "~/server/hibernation/cold-store";
import { applyColdRetention, hibernateAgent } from "~/server/hibernation/hibernate";
import { forgetSegment } from "~/server/hibernation/segments";
import { blobsOf, type StoredPrompt } from "~/server/loop/trace-parts";
import { getCycleTrace } from "~/server/traces/read";
import { agentInput } from "../factories/agent";
import { createTestProvider } from "../factories/provider";
import { createTestTeam } from "../factories/team";
import { startFakeOpenAI, type FakeOpenAI } from "../fixtures/fake-openai";

/**
 * Cycle traces (docs/decisions/038) over an agent's whole life: hibernation moves the events a trace
 * refers to into cold segments (docs/decisions/016), the retention policy deletes old history, and an
 * agent can be deleted. A hibernated cycle's trace is what it was (its events and its prompt's read from
 * cold storage); retention takes the traces of the cycles it deletes with it, and the prompt parts no
 * remaining trace names; deleting the agent deletes all of them.
 */
let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => fake?.stop());
beforeEach(() => fake.reset());

/** Later than any idle cutoff: the agent counts as idle for HIBERNATE_AFTER_HOURS. */
const later = () => new Date(Date.now() + 1000 * 3_600_000);
const CYCLES = 25;

/** An agent that ran CYCLES cycles on the real loop (a different search each cycle), then went idle. */
async function agentThatRan() {
  const { caller, team } = await createTestTeam();
  const provider = await createTestProvider(team.id, { baseUrl: fake.baseURL });
  const agent = await caller.agent.create(agentInput({ provider: provider.id, model: "gpt-4o-mini", budgetUsd: 5 }));
  const ids = { agentId: agent.id, teamId: team.id };
  const plan = await beginRun({ ...ids, executorRunId: `trace-retention-${agent.id}`, reason: "test" });
  if (!plan.shouldRun) throw new Error(plan.reason);
  let call = 0;
  fake.setResponder(() => ({ kind: "tool_calls", calls: [{ name: "search_memory", arguments: { query: `rivers ${call++}` } }] }));
  const session = openCycleSession();
  for (let n = 1; n <= CYCLES; n++) await runCycle({ ...ids, agentRunId: plan.agentRunId, cycle: n, nextFollows: false }, session);
  await db.agentRun.update({ where: { id: plan.agentRunId }, data: { status: "completed", endedAt: new Date() } });
  await db.agent.update({ where: { id: agent.id }, data: { status: "idle" } });
  return { ids, caller };
}

async function hibernated(ids: { agentId: string; teamId: string }) {
  const result = await hibernateAgent({ ...ids, now: later() });
  if (!result.hibernated || result.segments.length !== 1) throw new Error(`expected one segment: ${JSON.stringify(result)}`);
  const segment = await db.coldSegment.findFirstOrThrow({ where: ids });
  return segment;
}

const storedPrompt = async (ids: { agentId: string }, cycle: number) =>
  (await db.cycleTrace.findUniqueOrThrow({ where: { agentId_cycle: { agentId: ids.agentId, cycle } }, select: { prompt: true } }))
    .prompt as StoredPrompt;

describe("traces and hibernation", () => {
  it("a hibernated cycle's trace is the same as before: its own events and its prompt's are read from cold storage", async () => {
    const { ids } = await agentThatRan();
    const shown = [2, 8, CYCLES];
    const before = await Promise.all(shown.map((cycle) => getCycleTrace({ ...ids, cycle })));
    for (const trace of before) expect(trace.prompt!.isExact).toBe(true);

    const segment = await hibernated(ids);
    // Cycle 2 is wholly cold, and cycle 8's prompt showed events that are cold now.
    expect(segment.toCycle).toBeGreaterThanOrEqual(8);
    expect(await db.agentEvent.count({ where: { ...ids, cycle: { in: [2, 8] } } })).toBe(0);
    expect((await storedPrompt(ids, 8)).events[0]![0]).toBeLessThanOrEqual(segment.toSeq);

    const after = await Promise.all(shown.map((cycle) => getCycleTrace({ ...ids, cycle })));
    expect(after).toEqual(before);
    expect(after[0]!.reply).toMatchObject({ toolCalls: [{ name: "search_memory" }] });
    expect(after[1]!.prompt).toMatchObject({ isExact: true, note: null });

    // A segment that cannot be read: the trace says which history is unreadable, and where.
    forgetSegment(segment.key);
    await getColdStore().delete(segment.key);
    await expect(getCycleTrace({ ...ids, cycle: 2 })).rejects.toMatchObject({
      code: "UNAVAILABLE",
      message: expect.stringMatching(/archived history of cycles 1–\d+ could not be read from cold storage: its file is missing/),
    });
  });

  it("retention deletes the traces of the cycles it deletes, and the prompt parts no remaining trace names", async () => {
    const { ids } = await agentThatRan();
    const segment = await hibernated(ids);
    const blobsBefore = await db.traceBlob.count({ where: ids });
    // The segment's newest event is 400 days old: a 365-day policy deletes it (other tests' segments are of today).
    await db.coldSegment.update({ where: { id: segment.id }, data: { toEventAt: new Date(Date.now() - 400 * 86_400_000) } });
    await applyColdRetention({ retentionDays: 365 });
    expect(await db.coldSegment.count({ where: ids })).toBe(0);
    expect((await db.agent.findUniqueOrThrow({ where: { id: ids.agentId } })).coldDeletedThroughCycle).toBe(segment.toCycle);

    const traces = await db.cycleTrace.findMany({ where: ids, select: { cycle: true, prompt: true }, orderBy: { cycle: "asc" } });
    expect(traces.map((t) => t.cycle)).toEqual(Array.from({ length: CYCLES - segment.toCycle }, (_, i) => segment.toCycle + 1 + i));
    // Every blob left is named by a remaining trace, and every name a remaining trace uses is still there.
    const named = new Set(traces.flatMap((t) => blobsOf(t.prompt as StoredPrompt)));
    const blobs = await db.traceBlob.findMany({ where: ids, select: { hash: true } });
    expect(new Set(blobs.map((b) => b.hash))).toEqual(named);
    expect(blobs.length).toBeLessThan(blobsBefore);

    await expect(getCycleTrace({ ...ids, cycle: 2 })).rejects.toThrow(
      `Cycle 2's history and trace were deleted by the retention policy (history before cycle ${segment.toCycle + 1} is gone).`,
    );
    const newest = await getCycleTrace({ ...ids, cycle: CYCLES });
    expect(newest.prompt!.isExact).toBe(true);
  });

  it("deleting the agent deletes its traces and their blobs", async () => {
    const { ids, caller } = await agentThatRan();
    expect(await db.cycleTrace.count({ where: ids })).toBe(CYCLES);
    expect(await db.traceBlob.count({ where: ids })).toBeGreaterThan(0);
    expect(await caller.agent.delete({ ids: [ids.agentId] })).toEqual({ done: [ids.agentId], refused: [] });
    expect(await db.cycleTrace.count({ where: { agentId: ids.agentId } })).toBe(0);
    expect(await db.traceBlob.count({ where: { agentId: ids.agentId } })).toBe(0);
  });
});
