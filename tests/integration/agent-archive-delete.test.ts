import { describe, expect, it } from "vitest";
import { appendEvent, writeSnapshot } from "~/server/agents/events";
import { db } from "~/server/db/client";
import { getColdStore } from "~/server/hibernation/cold-store";
import { writeMemory } from "~/server/memory/memories";
import { settleOrphanedReservations } from "~/server/operations/watchdog";
import { agentInput } from "../factories/agent";
import { addTestMember, createTestTeam } from "../factories/team";

type Owner = Awaited<ReturnType<typeof createTestTeam>>;

/** An agent with some of everything a delete removes: events, a checkpoint, a memory, a run, a share link, a spend entry, a cold segment file. */
async function agentWithHistory(owner: Owner) {
  const agent = await owner.caller.agent.create(agentInput());
  const ids = { agentId: agent.id, teamId: owner.team.id };
  const event = await appendEvent({ ...ids, cycle: 1, type: "thought", payload: { content: "Hello" } });
  await writeSnapshot({ ...ids, cycle: 1 });
  await writeMemory({ ...ids, kind: "episode", content: "Something happened." });
  await db.agentRun.create({ data: { ...ids, status: "completed", reason: "test" } });
  await db.shareLink.create({ data: { ...ids, tokenHash: `hash-${agent.id}` } });
  await db.spendEntry.create({ data: { ...ids, eventId: event.id, kind: "model", costUsd: "0.25" } });
  const key = `agents/${agent.id}/1-1.jsonl.gz`;
  await getColdStore().put(key, Buffer.from("segment"));
  await db.coldSegment.create({
    data: { ...ids, fromSeq: 1, toSeq: 1, fromCycle: 1, toCycle: 1, key, bytes: 7, eventCount: 1, sha256: "x", toEventAt: new Date() },
  });
  return { agent, ids, key };
}

const listedNames = async (owner: Owner, archived?: boolean) =>
  (await owner.caller.agent.list({ archived })).items.map((a) => a.name).sort();

describe("archiving agents", () => {
  it("hides archived agents from the default list, shows them in the archived view, restores them with their status", async () => {
    const owner = await createTestTeam();
    const member = await addTestMember(owner.team.id, "member");
    const viewer = await addTestMember(owner.team.id, "viewer");
    const kept = await owner.caller.agent.create(agentInput({ name: "Kept" }));
    const old = await owner.caller.agent.create(agentInput({ name: "Old" }));
    await db.agent.update({ where: { id: old.id }, data: { status: "completed" } });

    await expect(viewer.caller.agent.archive({ ids: [old.id] })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await member.caller.agent.archive({ ids: [old.id] })).toEqual({ done: [old.id], refused: [] });
    expect(await listedNames(owner)).toEqual(["Kept"]);
    expect(await listedNames(owner, true)).toEqual(["Old"]);
    const listed = await owner.caller.agent.list({ archived: true });
    expect(listed.total).toBe(1);
    expect(listed.items[0]!.archivedAt).toBeInstanceOf(Date);

    expect(await member.caller.agent.restore({ ids: [old.id] })).toEqual({ done: [old.id], refused: [] });
    expect(await listedNames(owner)).toEqual(["Kept", "Old"]);
    expect((await db.agent.findUniqueOrThrow({ where: { id: old.id } })).status).toBe("completed");
    const actions = await db.auditLog.findMany({ where: { targetId: old.id }, select: { action: true }, orderBy: { createdAt: "asc" } });
    expect(actions.map((a) => a.action)).toEqual(expect.arrayContaining(["agent.archive", "agent.restore"]));

    // A running agent is refused (it would keep running, hidden); the others in the same call are archived.
    await db.agent.update({ where: { id: kept.id }, data: { status: "running" } });
    const bulk = await owner.caller.agent.archive({ ids: [kept.id, old.id] });
    expect(bulk.done).toEqual([old.id]);
    expect(bulk.refused).toEqual([{ id: kept.id, name: "Kept", reason: "The agent is running; stop it first, then archive it." }]);

    // Another team's agent is not found.
    const stranger = await createTestTeam();
    await expect(stranger.caller.agent.archive({ ids: [old.id] })).rejects.toThrow("That agent was not found");
  });
});

describe("deleting agents", () => {
  it("removes the agent's history and cold files, keeps the audit log and spend ledger, and is for admins only", async () => {
    const owner = await createTestTeam();
    const member = await addTestMember(owner.team.id, "member");
    const { agent, ids, key } = await agentWithHistory(owner);
    const other = await agentWithHistory(owner);

    await expect(member.caller.agent.delete({ ids: [agent.id] })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await owner.caller.agent.delete({ ids: [agent.id] })).toEqual({ done: [agent.id], refused: [] });

    expect(await db.agent.count({ where: { id: agent.id } })).toBe(0);
    for (const count of [
      db.agentEvent.count({ where: ids }),
      db.snapshot.count({ where: ids }),
      db.memory.count({ where: ids }),
      db.agentRun.count({ where: ids }),
      db.shareLink.count({ where: ids }),
      db.coldSegment.count({ where: ids }),
    ])
      expect(await count).toBe(0);
    expect(await getColdStore().get(key)).toBeNull();
    // The ledger keeps the charge (with the agent's id), the audit log the deletion with the agent's name.
    const spend = await db.spendEntry.findMany({ where: ids, select: { costUsd: true, eventId: true } });
    expect(spend.map((s) => s.costUsd.toString())).toEqual(["0.25"]);
    expect(spend[0]!.eventId).toBeNull();
    const audit = await db.auditLog.findFirstOrThrow({ where: { targetId: agent.id, action: "agent.delete" } });
    expect(audit.metadata).toMatchObject({ name: agent.name });
    expect(await db.auditLog.count({ where: { targetId: agent.id, action: "agent.create" } })).toBe(1);
    // The other agent is untouched.
    expect(await getColdStore().get(other.key)).not.toBeNull();
    expect(await db.agentEvent.count({ where: other.ids })).toBe(1);
  });

  it("refuses an agent with a live run, and deletes the others of a bulk call", async () => {
    const owner = await createTestTeam();
    const running = await agentWithHistory(owner);
    const idle = await agentWithHistory(owner);
    await db.agent.update({ where: { id: running.agent.id }, data: { status: "waiting_approval" } });

    const outcome = await owner.caller.agent.delete({ ids: [running.agent.id, idle.agent.id] });
    expect(outcome.done).toEqual([idle.agent.id]);
    expect(outcome.refused).toEqual([
      { id: running.agent.id, name: running.agent.name, reason: "The agent is waiting approval; stop it first, then delete it." },
    ]);
    expect(await db.agent.count({ where: { id: running.agent.id } })).toBe(1);
    expect(await getColdStore().get(running.key)).not.toBeNull();
  });

  it("removes the reservations a crash left with the agent, so the watchdog's charge of orphaned reservations still runs", async () => {
    const owner = await createTestTeam();
    const agent = await owner.caller.agent.create(agentInput({ budgetUsd: "2" }));
    const old = new Date(Date.now() - 3_600_000);
    await db.spendEntry.createMany({
      data: [
        { agentId: agent.id, teamId: owner.team.id, kind: "model", state: "reserved", costUsd: "0.02", createdAt: old },
        { agentId: agent.id, teamId: owner.team.id, kind: "model", state: "committed", costUsd: "0.01", createdAt: old },
      ],
    });
    await owner.caller.agent.delete({ ids: [agent.id] });
    expect(await db.spendEntry.findMany({ where: { agentId: agent.id }, select: { state: true } })).toEqual([{ state: "committed" }]);
    // Before the fix, the leftover reservation made this fail on agent_spend_day's foreign key, for every agent's orphans.
    await expect(settleOrphanedReservations({ olderThanSeconds: 60 })).resolves.toBeDefined();
  });
});
