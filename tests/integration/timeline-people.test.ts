import { beforeEach, describe, expect, it, vi } from "vitest";
import { inngest } from "~/inngest/client";
import { appendEvent } from "~/server/agents/events";
import { eventsAfter } from "~/server/agents/timeline";
import { db } from "~/server/db/client";
import { agentInput } from "../factories/agent";
import { addTestMember, createTestTeam } from "../factories/team";

/** A person's acts on the timeline (server/agents/control.ts) and their names (server/agents/timeline.ts). */
describe("people on the timeline", () => {
  beforeEach(() => {
    vi.spyOn(inngest, "send").mockResolvedValue({ ids: [] });
  });

  it("records pause, resume and stop, each with the person, shown by name and never by id", async () => {
    const owner = await createTestTeam();
    const admin = await addTestMember(owner.team.id, "admin");
    const agent = await owner.caller.agent.create(agentInput({ budgetUsd: "1" }));
    await db.agent.update({ where: { id: agent.id }, data: { status: "running", cycleCount: 3 } });

    await owner.caller.agent.pause({ id: agent.id });
    await admin.caller.agent.start({ id: agent.id });
    await admin.caller.agent.raiseBudget({ id: agent.id, budgetUsd: "2" });
    await owner.caller.agent.stop({ id: agent.id, reason: "Enough for today" });

    const page = await owner.caller.agent.timeline({ id: agent.id });
    const events = page.cycles.flatMap((c) => c.events);
    const people = events.map((e) => ({ cycle: e.cycle, type: e.type, payload: e.payload, actorName: e.actorName }));
    expect(people).toEqual([
      { cycle: 3, type: "status_change", payload: { to: "paused", by: owner.user.id }, actorName: "Olivia Owner" },
      {
        cycle: 3,
        type: "status_change",
        payload: { change: "resumed", from: "paused", to: "running", by: admin.user.id },
        actorName: "admin user",
      },
      expect.objectContaining({ cycle: 3, type: "budget", actorName: "admin user" }),
      {
        cycle: 3,
        type: "status_change",
        payload: { to: "stopped", by: owner.user.id, reason: "Enough for today" },
        actorName: "Olivia Owner",
      },
    ]);

    // The live view names them too.
    const live = await eventsAfter({ teamId: owner.team.id, agentId: agent.id, afterSeq: 0 });
    expect(live.map((e) => e.actorName)).toEqual(["Olivia Owner", "admin user", "admin user", "Olivia Owner"]);
  });

  it("names only the team's own members: another team's user (or one who left) is 'a former team member'", async () => {
    const owner = await createTestTeam();
    const stranger = await createTestTeam();
    const agent = await owner.caller.agent.create(agentInput());
    const ids = { agentId: agent.id, teamId: owner.team.id };
    await appendEvent({ ...ids, cycle: 1, type: "status_change", payload: { to: "paused", by: stranger.user.id } });
    await appendEvent({
      ...ids,
      cycle: 1,
      type: "status_change",
      payload: { change: "settings_edited", fields: ["goal"], byUserId: owner.user.id },
    });
    await appendEvent({ ...ids, cycle: 1, type: "thought", payload: { content: "no person here" } });
    const page = await owner.caller.agent.timeline({ id: agent.id });
    expect(page.cycles[0]!.events.map((e) => e.actorName)).toEqual(["A former team member", "Olivia Owner", null]);
    expect(JSON.stringify(page.cycles[0]!.events.map((e) => e.actorName))).not.toContain(stranger.user.id);
  });
});
