import { describe, expect, it } from "vitest";
import { appendEvent, writeSnapshot } from "~/server/agents/events";
import { db } from "~/server/db/client";
import { agentInput } from "../factories/agent";
import { addTestMember, createTestTeam } from "../factories/team";

describe("the agent page's history", () => {
  it("pages cycles newest first, streams events after a sequence number, and shows state and checkpoints", async () => {
    const owner = await createTestTeam();
    const agent = await owner.caller.agent.create(agentInput());
    const ids = { agentId: agent.id, teamId: owner.team.id };
    for (let cycle = 1; cycle <= 25; cycle++) {
      await appendEvent({ ...ids, cycle, type: "thought", payload: { content: `thinking ${cycle}` }, tokensIn: 10, costUsd: "0.001" });
      await appendEvent({ ...ids, cycle, type: "tool_call", payload: { name: "update_world_state", arguments: "{}" } });
      await db.agent.update({ where: { id: agent.id }, data: { cycleCount: cycle, worldState: { cycle } } });
      if (cycle % 10 === 0) await writeSnapshot({ ...ids, cycle });
    }
    const first = await owner.caller.agent.timeline({ id: agent.id, cycles: 10 });
    expect(first.cycles.map((c) => c.cycle)).toEqual([25, 24, 23, 22, 21, 20, 19, 18, 17]);
    expect(first.cycles[0]!.events.map((e) => e.type)).toEqual(["thought", "tool_call"]);
    expect(first.cycles[0]!.events[0]).toMatchObject({ costUsd: "0.001", tokensIn: 10 });
    expect(first.lastSeq).toBe(50);
    const second = await owner.caller.agent.timeline({ id: agent.id, cycles: 10, cursor: first.nextBeforeCycle });
    expect(second.cycles.map((c) => c.cycle)).toEqual([16, 15, 14, 13, 12, 11, 10, 9, 8, 7]);
    const last = await owner.caller.agent.timeline({ id: agent.id, cycles: 10, cursor: 7 });
    expect(last.cycles.map((c) => c.cycle)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(last.nextBeforeCycle).toBeNull();

    const state = await owner.caller.agent.state({ id: agent.id });
    expect(state.worldState).toEqual({ cycle: 25 });
    expect(state.checkpoints.map((c) => c.cycle)).toEqual([20, 10]);
    expect((await owner.caller.agent.checkpoint({ id: agent.id, cycle: 10 })).worldState).toEqual({ cycle: 10 });
    await expect(owner.caller.agent.checkpoint({ id: agent.id, cycle: 11 })).rejects.toThrow("That checkpoint was not found");

    // Another team sees nothing, with the same message as for an id that does not exist.
    const stranger = await createTestTeam();
    for (const id of [agent.id, "00000000-0000-4000-8000-000000000000"]) {
      await expect(stranger.caller.agent.timeline({ id })).rejects.toThrow("That agent was not found, or you do not have access to it.");
      await expect(stranger.caller.agent.state({ id })).rejects.toThrow("That agent was not found, or you do not have access to it.");
      await expect(stranger.caller.agent.checkpoint({ id, cycle: 10 })).rejects.toThrow("was not found, or you do not have access to it.");
    }
  });

  it("the live subscription yields the events after the given sequence number, each tracked by its seq", async () => {
    const owner = await createTestTeam();
    const agent = await owner.caller.agent.create(agentInput());
    const ids = { agentId: agent.id, teamId: owner.team.id };
    for (let cycle = 1; cycle <= 3; cycle++) await appendEvent({ ...ids, cycle, type: "thought", payload: { n: cycle } });
    const stream = await owner.caller.agent.events({ id: agent.id, afterSeq: 1 });
    const iterator = (stream as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    // On the server side each yielded value is a tracked envelope: [id, data, marker].
    const read = async () => {
      const [id, data] = (await iterator.next()).value as [string, { seq: number }];
      return { id, seq: data.seq };
    };
    const seen = [await read(), await read()];
    // A new event arrives while the stream is open.
    await appendEvent({ ...ids, cycle: 4, type: "thought", payload: { n: 4 } });
    seen.push(await read());
    await iterator.return?.();
    expect(seen).toEqual([
      { id: "2", seq: 2 },
      { id: "3", seq: 3 },
      { id: "4", seq: 4 },
    ]);
    const stranger = await createTestTeam();
    const foreign = await stranger.caller.agent.events({ id: agent.id, afterSeq: 0 });
    await expect((foreign as AsyncIterable<unknown>)[Symbol.asyncIterator]().next()).rejects.toThrow(
      "That agent was not found, or you do not have access to it.",
    );
  });

  it("the live subscription ends, with the reason, once the watcher is removed from the team or signs out", async () => {
    const owner = await createTestTeam();
    const agent = await owner.caller.agent.create(agentInput());
    const ids = { agentId: agent.id, teamId: owner.team.id };
    await appendEvent({ ...ids, cycle: 1, type: "thought", payload: { n: 1 } });

    for (const loseAccess of ["removed", "signed out"] as const) {
      const watcher = await addTestMember(owner.team.id, "viewer");
      // The watcher is up to date: the stream's first read holds just the latest event.
      const { lastEventSeq } = await db.agent.findUniqueOrThrow({ where: { id: agent.id }, select: { lastEventSeq: true } });
      const stream = await watcher.caller.agent.events({ id: agent.id, afterSeq: lastEventSeq - 1 });
      const iterator = (stream as AsyncIterable<unknown>)[Symbol.asyncIterator]();
      const first = (await iterator.next()).value as [string, { seq: number }];
      expect(first[1].seq).toBe(lastEventSeq);
      if (loseAccess === "removed") {
        await owner.caller.team.removeMember({ userId: watcher.user.id });
      } else {
        await db.session.deleteMany({ where: { userId: watcher.user.id } });
      }
      // What the team does next must not reach the former watcher: the stream ends instead.
      const pause = await appendEvent({ ...ids, cycle: 1, type: "status_change", payload: { change: "paused" } });
      const next = iterator.next().then(
        (result) => ({ delivered: result.done ? null : (result.value as [string, { seq: number }])[1].seq }),
        (error: Error) => ({ error: error.message }),
      );
      expect(await next, loseAccess).toEqual({ error: expect.stringContaining("You no longer have access") });
      expect(pause.seq).toBe(lastEventSeq + 1);
      await db.member.deleteMany({ where: { teamId: owner.team.id, userId: watcher.user.id } });
    }
  });
});
