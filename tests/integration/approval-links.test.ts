import { beforeAll, describe, expect, it, vi } from "vitest";
import { inngest } from "~/inngest/client";
import { APPROVAL_LINK_MAX_TTL_MS, createApprovalLink, createApprovalLinkActions } from "~/server/approval-links/links";
import { db } from "~/server/db/client";
import { env } from "~/server/env";
import { agentInput } from "../factories/agent";
import { addMemberKeepingActiveTeam, pendingApproval } from "../factories/approval";
import { addTestMember, anonymousCaller, createTestTeam } from "../factories/team";

async function failure(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error("Expected the call to fail.");
}

const tokenOf = (url: string) => new URL(url).pathname.split("/").pop()!;

let owner: Awaited<ReturnType<typeof createTestTeam>>;
let agentId: string;
let teamId: string;
const send = vi.spyOn(inngest, "send");

beforeAll(async () => {
  send.mockResolvedValue({ ids: [] });
  owner = await createTestTeam();
  teamId = owner.team.id;
  agentId = (await owner.caller.agent.create(agentInput({ name: "Price watcher" }))).id;
});

async function newLink(options: { kind?: "tool" | "question"; expiresAt?: Date | null } = {}) {
  const approval = await pendingApproval({ teamId, agentId, ...options });
  const link = await createApprovalLink({ teamId, approvalId: approval.id });
  return { approvalId: approval.id, token: link!.token };
}

describe("approval links", () => {
  it("come as Approve, Reject (Slack buttons too) and Open for a held call, Answer and Open for a question, none once decided", async () => {
    const held = await pendingApproval({ teamId, agentId });
    const actions = await createApprovalLinkActions({ teamId, approvalId: held.id });
    expect(actions.map((a) => [a.label, a.style ?? "plain", a.interactive?.actionId ?? null])).toEqual([
      ["Approve", "primary", "approve"],
      ["Reject", "danger", "reject"],
      ["Open", "plain", null],
    ]);
    const token = tokenOf(actions[2]!.url);
    expect(actions[0]!.url).toBe(`${new URL(`/approve/${token}`, env.APP_URL).toString()}?do=approve`);
    expect(actions[1]!.url.endsWith(`/approve/${token}?do=reject`)).toBe(true);
    expect(actions[0]!.interactive!.value).toBe(token);
    // Only the hash is stored; the link lives 7 days at most without an approval expiry.
    const stored = await db.approvalLink.findFirstOrThrow({ where: { approvalId: held.id } });
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(stored.expiresAt.getTime() - stored.createdAt.getTime()).toBeLessThanOrEqual(APPROVAL_LINK_MAX_TTL_MS + 1000);

    const soon = new Date(Date.now() + 60 * 60 * 1000);
    const question = await pendingApproval({ teamId, agentId, kind: "question", expiresAt: soon });
    const asked = await createApprovalLinkActions({ teamId, approvalId: question.id });
    expect(asked.map((a) => a.label)).toEqual(["Answer", "Open"]);
    expect(asked[0]!.url.endsWith("?do=answer")).toBe(true);
    const questionLink = await db.approvalLink.findFirstOrThrow({ where: { approvalId: question.id } });
    expect(questionLink.expiresAt.getTime()).toBe(soon.getTime());

    await db.approval.update({ where: { id: held.id }, data: { status: "rejected" } });
    expect(await createApprovalLinkActions({ teamId, approvalId: held.id })).toEqual([]);
    // Another team's approval id makes no link.
    const other = await createTestTeam();
    expect(await createApprovalLinkActions({ teamId: other.team.id, approvalId: question.id })).toEqual([]);
  });

  it("decides once, as the person who clicks, in the link's team (not their active one), with the inbox's audit entry and event", async () => {
    const member = await addMemberKeepingActiveTeam(teamId, "member", "Ana Member");
    const { approvalId, token } = await newLink();
    const view = await member.caller.approvalLink.view({ token });
    expect(view).toMatchObject({ state: "open", team: { id: teamId }, role: "member", canDecide: true });
    expect(view.state === "open" && view.approval).toMatchObject({
      id: approvalId,
      toolName: "send_email",
      agent: { name: "Price watcher" },
    });

    send.mockClear();
    const decided = await member.caller.approvalLink.decide({ token, decision: "approved", comment: "Looks right." });
    expect(decided).toMatchObject({ status: "approved", decidedBy: "Ana Member" });
    const row = await db.approval.findUniqueOrThrow({ where: { id: approvalId } });
    expect(row).toMatchObject({ status: "approved", decidedById: member.user.id, comment: "Looks right." });
    const viaLink = await db.auditLog.findFirstOrThrow({
      where: { teamId, action: "approval.approve", metadata: { path: ["approvalId"], equals: approvalId } },
    });
    expect(send).toHaveBeenCalledTimes(1);
    const linkEvent = send.mock.calls[0]![0];

    // The same decision from the inbox: the same entry but for `via`, the same event.
    const inboxMember = await addTestMember(teamId, "member");
    const inbox = await pendingApproval({ teamId, agentId });
    send.mockClear();
    await inboxMember.caller.approval.decide({ approvalId: inbox.id, decision: "approved", comment: "Looks right." });
    const fromInbox = await db.auditLog.findFirstOrThrow({
      where: { teamId, action: "approval.approve", metadata: { path: ["approvalId"], equals: inbox.id } },
    });
    expect({ ...viaLink, id: 0, createdAt: 0, actorId: 0 }).toEqual({
      ...fromInbox,
      id: 0,
      createdAt: 0,
      actorId: 0,
      metadata: { approvalId, via: "link" },
    });
    expect(viaLink.actorId).toBe(member.user.id);
    expect(fromInbox.metadata).toEqual({ approvalId: inbox.id });
    expect(send.mock.calls[0]![0]).toEqual({ ...(linkEvent as object), data: { agentId, approvalId: inbox.id, decision: "approved" } });

    // The link is used: it cannot decide again, and says who decided.
    const again = await failure(member.caller.approvalLink.decide({ token, decision: "rejected" }));
    expect(again.code).toBe("CONFLICT");
    expect(again.message).toMatch(/^Approved by Ana Member at \d\d:\d\d UTC/);
    expect(await member.caller.approvalLink.view({ token })).toMatchObject({
      state: "decided",
      status: "approved",
      decidedBy: "Ana Member",
      usedHere: true,
    });
    expect((await db.approval.findUniqueOrThrow({ where: { id: approvalId } })).status).toBe("approved");
  });

  it("opening a link (with ?do=approve or not) decides nothing: only the decide call does", async () => {
    const member = await addTestMember(teamId, "member");
    const { approvalId, token } = await newLink();
    send.mockClear();
    await member.caller.approvalLink.view({ token });
    await member.caller.approvalLink.view({ token });
    expect((await db.approval.findUniqueOrThrow({ where: { id: approvalId } })).status).toBe("pending");
    expect((await db.approvalLink.findFirstOrThrow({ where: { approvalId } })).usedAt).toBeNull();
    expect(send).not.toHaveBeenCalled();
  });

  it("says when the approval was decided elsewhere first, by whom; every link of it says so and none decides", async () => {
    const member = await addTestMember(teamId, "member");
    const { approvalId, token } = await newLink();
    const second = (await createApprovalLink({ teamId, approvalId }))!.token;
    await owner.caller.approval.decide({ approvalId, decision: "rejected", comment: "Not this week." });
    for (const t of [token, second]) {
      expect(await member.caller.approvalLink.view({ token: t })).toMatchObject({
        state: "decided",
        status: "rejected",
        decidedBy: "Olivia Owner",
        usedHere: false,
      });
      const refused = await failure(member.caller.approvalLink.decide({ token: t, decision: "approved" }));
      expect(refused.code).toBe("CONFLICT");
      expect(refused.message).toMatch(/^Rejected by Olivia Owner/);
    }
    expect(await db.approval.findUniqueOrThrow({ where: { id: approvalId } })).toMatchObject({
      status: "rejected",
      decidedById: owner.user.id,
    });
  });

  it("refuses an expired link and leaves the approval pending", async () => {
    const member = await addTestMember(teamId, "member");
    const { approvalId, token } = await newLink();
    await db.approvalLink.updateMany({ where: { approvalId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await member.caller.approvalLink.view({ token })).toMatchObject({ state: "expired", agentName: "Price watcher" });
    const refused = await failure(member.caller.approvalLink.decide({ token, decision: "approved" }));
    expect(refused).toMatchObject({ code: "CONFLICT", message: expect.stringContaining("expired") });
    expect((await db.approval.findUniqueOrThrow({ where: { id: approvalId } })).status).toBe("pending");
  });

  it("shows a person of another team only that the link is not for them, and refuses their decision", async () => {
    const outsider = await createTestTeam();
    const { approvalId, token } = await newLink();
    const view = await outsider.caller.approvalLink.view({ token });
    expect(view).toEqual({ state: "not_member" });
    const refused = await failure(outsider.caller.approvalLink.decide({ token, decision: "approved" }));
    expect(refused.code).toBe("FORBIDDEN");
    expect(refused.message).not.toContain("Price watcher");
    expect((await db.approval.findUniqueOrThrow({ where: { id: approvalId } })).status).toBe("pending");
    // Signed out: nothing at all.
    const anonymous = await anonymousCaller();
    expect((await failure(anonymous.approvalLink.view({ token }))).code).toBe("UNAUTHORIZED");
  });

  it("lets a viewer see the approval but not decide it, and says why", async () => {
    const viewer = await addMemberKeepingActiveTeam(teamId, "viewer");
    const { approvalId, token } = await newLink();
    expect(await viewer.caller.approvalLink.view({ token })).toMatchObject({ state: "open", role: "viewer", canDecide: false });
    const refused = await failure(viewer.caller.approvalLink.decide({ token, decision: "approved" }));
    expect(refused.code).toBe("FORBIDDEN");
    expect(refused.message).toContain("viewers see approvals but cannot decide them");
    expect((await db.approval.findUniqueOrThrow({ where: { id: approvalId } })).status).toBe("pending");
    expect((await db.approvalLink.findFirstOrThrow({ where: { approvalId } })).usedAt).toBeNull();
  });

  it("treats a malformed token like an unknown one", async () => {
    const member = await addTestMember(teamId, "member");
    const { token } = await newLink();
    const unknown = `lha_${"A".repeat(43)}`;
    for (const t of ["nonsense", token.slice(0, -1), `${token}x`, unknown, "../../etc"]) {
      expect(await member.caller.approvalLink.view({ token: t })).toEqual({ state: "not_found" });
      const refused = await failure(member.caller.approvalLink.decide({ token: t, decision: "approved" }));
      expect(refused).toMatchObject({ code: "NOT_FOUND", message: expect.stringContaining("This approval link is not valid") });
    }
  });

  it("needs an answer for a question, and a refused answer leaves the link usable", async () => {
    const member = await addTestMember(teamId, "member");
    const { approvalId, token } = await newLink({ kind: "question" });
    const refused = await failure(member.caller.approvalLink.decide({ token, decision: "approved", answer: "  " }));
    expect(refused.code).toBe("BAD_REQUEST");
    expect((await db.approvalLink.findFirstOrThrow({ where: { approvalId } })).usedAt).toBeNull();
    await member.caller.approvalLink.decide({ token, decision: "approved", answer: "The Pro plan." });
    expect(await db.approval.findUniqueOrThrow({ where: { id: approvalId } })).toMatchObject({
      status: "approved",
      answer: "The Pro plan.",
    });
  });

  it("decides once when two clicks race", async () => {
    const member = await addTestMember(teamId, "member");
    const { approvalId, token } = await newLink();
    const results = await Promise.allSettled([
      member.caller.approvalLink.decide({ token, decision: "approved" }),
      member.caller.approvalLink.decide({ token, decision: "rejected" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const entries = await db.auditLog.count({ where: { teamId, metadata: { path: ["approvalId"], equals: approvalId } } });
    expect(entries).toBe(1);
  });

  it("counts the approvals waiting on a person across their teams where they decide, not where they only view", async () => {
    const person = await addMemberKeepingActiveTeam(teamId, "member");
    const before = await person.caller.approvalLink.pendingCount();
    const inA = before.teams.find((t) => t.teamId === teamId)?.count ?? 0;
    await pendingApproval({ teamId, agentId });
    const other = await createTestTeam();
    const otherAgent = (await other.caller.agent.create(agentInput({ name: "Other agent" }))).id;
    await db.member.create({ data: { id: `m-${Date.now()}`, teamId: other.team.id, userId: person.user.id, role: "viewer" } });
    await pendingApproval({ teamId: other.team.id, agentId: otherAgent });
    const after = await person.caller.approvalLink.pendingCount();
    expect(after.teams.find((t) => t.teamId === teamId)?.count).toBe(inA + 1);
    expect(after.teams.some((t) => t.teamId === other.team.id)).toBe(false);
    expect(after.total).toBe(before.total + 1);
    expect(after.latest[0]).toMatchObject({ teamId, agentName: "Price watcher", toolName: "send_email" });
  });
});
