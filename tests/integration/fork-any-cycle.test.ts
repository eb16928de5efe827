import { describe, expect, it } from "vitest";
import { appendEvent, writeSnapshot } from "~/server/agents/events";
import { db } from "~/server/db/client";
import { direct } from "~/server/db/raw";
import { foldIntoSummary } from "~/server/loop/context";
import { hibernateAgent } from "~/server/hibernation/hibernate";
import { mergeWorldState } from "~/server/tools/sql";
import { writeMemory } from "~/server/memory/memories";
import { agentInput } from "../factories/agent";
import { createTestTeam } from "../factories/team";

type Ids = { agentId: string; teamId: string };

/**
 * Cycles as the loop records them: the call, the tool's own write (update_world_state's merge) and the
 * result; the summary folded as the loop folds it; a checkpoint every 10 cycles. Returns the world state
 * the agent had at the end of each cycle, read from its row.
 */
async function runCycles(ids: Ids, cycles: number) {
  const states = new Map<number, unknown>([[0, {}]]);
  for (let cycle = 1; cycle <= cycles; cycle++) {
    const isUpdate = cycle % 3 !== 2;
    const args = isUpdate
      ? { set: { phase: cycle < 8 ? "exploring" : "wrapping-up", [`seen${cycle}`]: cycle, lastCycle: cycle }, remove: [`seen${cycle - 3}`] }
      : { url: `https://example.com/${cycle}` };
    const name = isUpdate ? "update_world_state" : "http_get";
    await appendEvent({ ...ids, cycle, type: "thought", payload: { content: `Step ${cycle}` } });
    await appendEvent({ ...ids, cycle, type: "tool_call", payload: { stage: "think", name, arguments: JSON.stringify(args) } });
    if (isUpdate) await mergeWorldState(direct, { ...ids, set: args.set as Record<string, unknown>, remove: args.remove as string[] });
    // The cycle's episode is written with its result (one statement in the loop).
    await writeMemory({ ...ids, kind: "episode", content: `Episode of cycle ${cycle}` });
    await appendEvent({
      ...ids,
      cycle,
      type: "tool_result",
      payload: { name, status: "succeeded", result: isUpdate ? { keys: [] } : `page ${cycle}` },
    });
    // A failed update changes nothing, and must not be replayed.
    if (cycle === 4) {
      await appendEvent({
        ...ids,
        cycle,
        type: "tool_call",
        payload: { stage: "think", name: "update_world_state", arguments: '{"set":{"never":true}}' },
      });
      await appendEvent({ ...ids, cycle, type: "tool_result", payload: { name: "update_world_state", status: "failed", error: "boom" } });
    }
    await db.agent.update({ where: { id: ids.agentId }, data: { cycleCount: cycle } });
    if (cycle - 6 >= 5) await foldIntoSummary({ ...ids, throughCycle: cycle - 6 });
    if (cycle % 10 === 0) await writeSnapshot({ ...ids, cycle });
    states.set(cycle, (await db.agent.findUniqueOrThrow({ where: { id: ids.agentId }, select: { worldState: true } })).worldState);
  }
  return states;
}

describe("forking from any cycle", () => {
  it("rebuilds the state at a cycle without a checkpoint from the nearest one and the events after it", async () => {
    const owner = await createTestTeam();
    const source = await owner.caller.agent.create(agentInput());
    const ids = { agentId: source.id, teamId: owner.team.id };
    const states = await runCycles(ids, 13);
    const before = await db.agent.findUniqueOrThrow({ where: { id: source.id } });

    for (const cycle of [3, 7, 10, 13, 0]) {
      const forked = await owner.caller.agent.fork({ id: source.id, cycle });
      const row = await db.agent.findUniqueOrThrow({ where: { id: forked.agent.id } });
      expect(row.worldState, `world state at cycle ${cycle}`).toEqual(states.get(cycle));
      expect(row).toMatchObject({ cycleCount: cycle, summaryThroughCycle: cycle, forkedFromAgentId: source.id });
      // The summary carries every cycle through the fork's (the fork has no history to read them from).
      if (cycle > 0) expect(row.summary).toContain(`c${cycle}: `);
      expect(row.summary).not.toContain(`c${cycle + 1}: `);
      const memories = await db.memory.findMany({ where: { agentId: forked.agent.id, kind: "episode" }, select: { content: true } });
      expect(memories.map((m) => m.content).sort()).toEqual(Array.from({ length: cycle }, (_, i) => `Episode of cycle ${i + 1}`).sort());
      expect((await owner.caller.agent.state({ id: forked.agent.id })).checkpoints.map((c) => c.cycle)).toEqual([cycle]);
    }
    // The 7 fork starts from the empty start (no checkpoint before 10), the 13 fork from the checkpoint at 10.
    const at13 = await db.agentEvent.findFirstOrThrow({
      where: { agent: { forkedFromAgentId: source.id, cycleCount: 13 }, type: "status_change" },
    });
    expect(at13.payload).toMatchObject({ change: "forked", fromCycle: 13, fromCheckpointCycle: 10, eventsReplayed: 2 });

    // A cycle the agent has not run yet is refused with the range it may choose from.
    await expect(owner.caller.agent.fork({ id: source.id, cycle: 14 })).rejects.toThrow(
      "This agent has run 13 cycles; choose a cycle from 0 to 13 to fork from.",
    );
    // The source is untouched.
    const after = await db.agent.findUniqueOrThrow({ where: { id: source.id } });
    expect(after).toEqual(before);
  });

  it("reads the events a hibernation moved to cold storage", async () => {
    const owner = await createTestTeam();
    const source = await owner.caller.agent.create(agentInput());
    const ids = { agentId: source.id, teamId: owner.team.id };
    const states = await runCycles(ids, 13);
    const hibernated = await hibernateAgent({ ...ids, now: new Date(Date.now() + 1000 * 3_600_000) });
    expect(hibernated).toMatchObject({ hibernated: true });
    // Cycles 1 to 7 (through the summary's cursor, below the checkpoint at 10) are cold now.
    expect(await db.agentEvent.count({ where: { ...ids, cycle: { lte: 7 } } })).toBe(0);
    expect(await db.coldSegment.count({ where: ids })).toBeGreaterThan(0);

    for (const cycle of [5, 7, 12]) {
      const forked = await owner.caller.agent.fork({ id: source.id, cycle });
      const row = await db.agent.findUniqueOrThrow({ where: { id: forked.agent.id } });
      expect(row.worldState, `world state at cycle ${cycle}`).toEqual(states.get(cycle));
      expect(row.summary).toContain(`c${cycle}: `);
    }
  });

  it("forks with an edited world state, other instructions and model, leaving the original as it was", async () => {
    const owner = await createTestTeam();
    const source = await owner.caller.agent.create(agentInput({ instructions: "Be brief." }));
    const ids = { agentId: source.id, teamId: owner.team.id };
    await runCycles(ids, 5);
    const before = await db.agent.findUniqueOrThrow({ where: { id: source.id } });
    const beforeEvents = await db.agentEvent.count({ where: { agentId: source.id } });

    const forked = await owner.caller.agent.fork({
      id: source.id,
      cycle: 4,
      name: "What if it were done",
      worldState: { phase: "done", note: "edited by a person" },
      instructions: "Be thorough.",
      model: "simulator-2",
    });
    const row = await db.agent.findUniqueOrThrow({ where: { id: forked.agent.id } });
    expect(row).toMatchObject({
      name: "What if it were done",
      worldState: { phase: "done", note: "edited by a person" },
      instructions: "Be thorough.",
      model: "simulator-2",
      cycleCount: 4,
    });
    const start = await db.agentEvent.findFirstOrThrow({ where: { agentId: forked.agent.id, type: "status_change" } });
    expect(start.payload).toMatchObject({ worldStateEdited: true, instructionsChanged: true, model: "simulator-2" });
    expect(await db.agent.findUniqueOrThrow({ where: { id: source.id } })).toEqual(before);
    expect(await db.agentEvent.count({ where: { agentId: source.id } })).toBe(beforeEvents);

    // A world state that is not an object, and a provider of no one, are refused with a sentence.
    await expect(
      owner.caller.agent.fork({ id: source.id, cycle: 4, worldState: ["a"] as unknown as Record<string, unknown> }),
    ).rejects.toThrow("The world state must be a JSON object");
    await expect(
      owner.caller.agent.fork({
        id: source.id,
        cycle: 4,
        name: "Nowhere",
        provider: "00000000-0000-4000-8000-000000000000",
        model: "gpt-x",
      }),
    ).rejects.toThrow();
  });
});
