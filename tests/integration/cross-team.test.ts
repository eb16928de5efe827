import { beforeAll, describe, expect, it, vi } from "vitest";
import { inngest } from "~/inngest/client";
import { db } from "~/server/db/client";
import { followDeepLink } from "~/server/notifications/deep-link";
import { createShareLink } from "~/server/sharing/share-links";
import { findLinkedTeam, type LinkedKind } from "~/server/teams/linked-team";
import { agentInput } from "../factories/agent";
import { addMemberKeepingActiveTeam, pendingApproval } from "../factories/approval";
import { createTestTeam, createTestUser } from "../factories/team";

/**
 * Issue 22: links into any of my teams (defect 1) and the cross-team approvals inbox (build 3). Team A and
 * team B have their own owners; Mia is a member of both (her personal team active), Vic is a member of A
 * and a viewer of B, and Otto belongs to neither.
 */
const send = vi.spyOn(inngest, "send");

let a: Awaited<ReturnType<typeof createTestTeam>>;
let b: Awaited<ReturnType<typeof createTestTeam>>;
let mia: Awaited<ReturnType<typeof createTestUser>>;
let vic: Awaited<ReturnType<typeof createTestUser>>;
let otto: Awaited<ReturnType<typeof createTestUser>>;
let agentA: string;
let agentB: string;
const rowsOfB = {} as Record<LinkedKind, string>;

beforeAll(async () => {
  send.mockResolvedValue({ ids: [] });
  a = await createTestTeam();
  b = await createTestTeam();
  await db.team.update({ where: { id: a.team.id }, data: { name: "Team Alpha" } });
  await db.team.update({ where: { id: b.team.id }, data: { name: "Team Beta" } });
  mia = await addMemberKeepingActiveTeam(a.team.id, "member", "Mia");
  await db.member.create({ data: { id: `m-${mia.user.id}`, teamId: b.team.id, userId: mia.user.id, role: "member" } });
  vic = await addMemberKeepingActiveTeam(a.team.id, "member", "Vic");
  await db.member.create({ data: { id: `m-${vic.user.id}`, teamId: b.team.id, userId: vic.user.id, role: "viewer" } });
  otto = await createTestUser({ name: "Otto" });
  agentA = (await a.caller.agent.create(agentInput({ name: "Alpha watcher" }))).id;
  agentB = (await b.caller.agent.create(agentInput({ name: "Beta watcher" }))).id;
  rowsOfB.agent = agentB;
  rowsOfB.approval = (await pendingApproval({ teamId: b.team.id, agentId: agentB })).id;
  rowsOfB.run = (await db.agentRun.create({ data: { agentId: agentB, teamId: b.team.id }, select: { id: true } })).id;
  rowsOfB.shareLink = (await createShareLink({ teamId: b.team.id, userId: b.user.id, agentId: agentB })).link.id;
  const entry = await db.auditLog.findFirstOrThrow({ where: { teamId: b.team.id }, select: { id: true } });
  rowsOfB.auditEntry = entry.id.toString();
});

describe("findLinkedTeam: the team of a linked row, among the reader's teams only", () => {
  it.each(["agent", "approval", "run", "shareLink", "auditEntry"] as const)("finds a %s of another team of the reader", async (kind) => {
    expect(await findLinkedTeam({ userId: mia.user.id, kind, id: rowsOfB[kind] })).toEqual({
      teamId: b.team.id,
      teamName: "Team Beta",
      role: "member",
    });
    expect((await findLinkedTeam({ userId: vic.user.id, kind, id: rowsOfB[kind] }))?.role).toBe("viewer");
  });

  it.each(["agent", "approval", "run", "shareLink", "auditEntry"] as const)(
    "finds nothing for someone outside the team (%s)",
    async (kind) => {
      expect(await findLinkedTeam({ userId: otto.user.id, kind, id: rowsOfB[kind] })).toBeNull();
      expect(await findLinkedTeam({ userId: a.user.id, kind, id: rowsOfB[kind] })).toBeNull();
    },
  );

  it("refuses malformed ids without a query error", async () => {
    expect(await findLinkedTeam({ userId: mia.user.id, kind: "agent", id: "not-a-uuid" })).toBeNull();
    expect(await findLinkedTeam({ userId: mia.user.id, kind: "auditEntry", id: "12abc" })).toBeNull();
    expect(await findLinkedTeam({ userId: mia.user.id, kind: "auditEntry", id: "99999999999999999" })).toBeNull();
  });
});

describe("/go/<team>: switching the active team says so", () => {
  it("adds switched=1 only when the active team changed", async () => {
    const url = (path: string) => new URL(`http://localhost${path}`);
    const first = await followDeepLink({ url: url(`/go/${b.team.id}/agents/${agentB}`), headers: mia.headers });
    expect(first).toEqual({ kind: "redirect", location: expect.stringMatching(new RegExp(`/agents/${agentB}\\?switched=1$`)) });
    const again = await followDeepLink({ url: url(`/go/${b.team.id}/agents/${agentB}?tab=runs`), headers: mia.headers });
    expect(again).toEqual({ kind: "redirect", location: expect.stringMatching(new RegExp(`/agents/${agentB}\\?tab=runs$`)) });
    const outsider = await followDeepLink({ url: url(`/go/${b.team.id}/agents/${agentB}`), headers: otto.headers });
    expect(outsider).toMatchObject({ kind: "page", status: 404 });
    // Back to her personal team for the tests below.
    await db.session.updateMany({ where: { userId: mia.user.id }, data: { activeTeamId: mia.teamId } });
  });
});

describe("the cross-team approvals inbox", () => {
  it("lists the approvals of every team of a member of A and B, with the team and whether they may decide", async () => {
    const ofA = await pendingApproval({ teamId: a.team.id, agentId: agentA });
    const caller = await mia.newCaller();
    const pending = await caller.approval.listPending();
    const mine = pending.filter((p) => p.id === ofA.id || p.id === rowsOfB.approval);
    expect(mine.map((p) => [p.agent.name, p.team.name, p.team.canDecide])).toEqual([
      ["Beta watcher", "Team Beta", true],
      ["Alpha watcher", "Team Alpha", true],
    ]);
    expect((await caller.approval.listPending({ teamId: a.team.id })).map((p) => p.team.id)).toEqual([a.team.id]);
    await expect(caller.approval.listPending({ teamId: otto.teamId })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await (await otto.newCaller()).approval.listPending()).toEqual([]);
  });

  it("refuses a viewer of B deciding B's approval from the inbox, whatever their role in the active team", async () => {
    await db.session.updateMany({ where: { userId: vic.user.id }, data: { activeTeamId: a.team.id } });
    const caller = await vic.newCaller();
    const seen = (await caller.approval.listPending()).find((p) => p.id === rowsOfB.approval);
    expect(seen?.team).toEqual({ id: b.team.id, name: "Team Beta", canDecide: false });
    await expect(caller.approval.decide({ approvalId: rowsOfB.approval, decision: "approved" })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining("Team Beta; you are viewer there"),
    });
    await expect((await otto.newCaller()).approval.decide({ approvalId: rowsOfB.approval, decision: "approved" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect((await db.approval.findUniqueOrThrow({ where: { id: rowsOfB.approval } })).status).toBe("pending");
  });

  it("lets a member of B decide B's approval while another team is active, audited in B", async () => {
    const caller = await mia.newCaller();
    expect((await caller.team.current()).id).toBe(mia.teamId);
    await caller.approval.decide({ approvalId: rowsOfB.approval, decision: "rejected", comment: "Not now." });
    const decided = await db.approval.findUniqueOrThrow({ where: { id: rowsOfB.approval } });
    expect(decided).toMatchObject({ status: "rejected", decidedById: mia.user.id, teamId: b.team.id });
    expect(await db.auditLog.count({ where: { teamId: b.team.id, action: "approval.reject", actorId: mia.user.id } })).toBe(1);
    const recent = await caller.approval.listRecent();
    expect(recent.find((r) => r.id === rowsOfB.approval)).toMatchObject({ team: { name: "Team Beta" }, decidedBy: { name: "Mia" } });
    expect((await caller.team.current()).id).toBe(mia.teamId);
  });
});
