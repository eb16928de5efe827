import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { appendEvent } from "~/server/agents/events";
import { db } from "~/server/db/client";
import { writeMemory } from "~/server/memory/memories";
import { INVALID_SHARE_LINK_MESSAGE } from "~/server/sharing/share-links";
import { agentInput } from "../factories/agent";
import { addTestMember, anonymousCaller, createTestTeam } from "../factories/team";

const AGENT_NOT_FOUND = "That agent was not found, or you do not have access to it.";
const LINK_NOT_FOUND = "That share link was not found, or you do not have access to it.";
const MISSING_ID = "00000000-0000-4000-8000-000000000000";

function tokenOf(path: string): string {
  const match = /^\/share\/([A-Za-z0-9_-]+)$/.exec(path);
  if (!match) throw new Error(`Not a share path: ${path}`);
  return match[1]!;
}

async function failure(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error("Expected the call to fail.");
}

async function agentOf(owner: Awaited<ReturnType<typeof createTestTeam>>) {
  return owner.caller.agent.create(agentInput());
}

/** Strings that must disappear under redaction: each seeded into exactly the place it names. */
const TOOL_STRINGS = {
  thoughtCallArgs: "thought-call-args-7f3a",
  callArgs: "tool-call-args-91c2",
  result: "tool-result-body-4d8e",
  error: "tool-error-text-b61f",
  badArgs: "invalid-args-quoted-2e0d",
  finish: "finish-result-c5a7",
  comment: "reviewer-comment-0b94",
};
const MEMORY_STRINGS = {
  rememberArgs: "remembered-fact-e3d1",
  searchResult: "recalled-content-8a6b",
  factKey: "fact-key-5c2f",
};

async function seedHistory(ids: { agentId: string; teamId: string }) {
  const memory = await writeMemory({ ...ids, kind: "fact", content: MEMORY_STRINGS.searchResult });
  // Cycle 1: a thought planning http_get, the call, a result.
  await appendEvent({
    ...ids,
    cycle: 1,
    type: "thought",
    payload: {
      content: "I will fetch the pricing page.",
      toolCalls: ["http_get"],
      call: { name: "http_get", arguments: JSON.stringify({ url: `https://example.test/${TOOL_STRINGS.thoughtCallArgs}` }) },
      memory: { embedder: "hash", pinned: [memory.id] },
      recalled: [
        {
          id: memory.id,
          kind: "fact",
          score: 0.81,
          distance: 0.2,
          components: { similarity: 0.8, recency: 1, frequency: 0, importance: 0.5 },
        },
      ],
    },
  });
  await appendEvent({
    ...ids,
    cycle: 1,
    type: "tool_call",
    payload: {
      stage: "think",
      name: "http_get",
      arguments: JSON.stringify({ url: `https://example.test/${TOOL_STRINGS.callArgs}` }),
      approvalId: null,
    },
  });
  await appendEvent({
    ...ids,
    cycle: 1,
    type: "tool_result",
    payload: { name: "http_get", status: "succeeded", result: { status: 200, body: TOOL_STRINGS.result }, resultHash: "abc", isNew: true },
  });
  // Cycle 2: remember (memory contents in its arguments and result).
  await appendEvent({
    ...ids,
    cycle: 2,
    type: "tool_call",
    payload: { name: "remember", arguments: JSON.stringify({ content: MEMORY_STRINGS.rememberArgs, kind: "fact" }) },
  });
  await appendEvent({
    ...ids,
    cycle: 2,
    type: "tool_result",
    payload: { name: "remember", status: "succeeded", result: { memoryId: memory.id, factKey: MEMORY_STRINGS.factKey, updated: false } },
  });
  // Cycle 3: search_memory (memory contents in its result), then a failed call and an approval.
  await appendEvent({ ...ids, cycle: 3, type: "tool_call", payload: { name: "search_memory", arguments: '{"query":"pricing"}' } });
  await appendEvent({
    ...ids,
    cycle: 3,
    type: "tool_result",
    payload: {
      name: "search_memory",
      status: "succeeded",
      result: { memories: [{ id: memory.id, kind: "fact", content: MEMORY_STRINGS.searchResult }] },
    },
  });
  await appendEvent({
    ...ids,
    cycle: 4,
    type: "error",
    payload: {
      stage: "think",
      kind: "invalid-tool-call",
      message: `The arguments for http_get are not valid JSON: ${TOOL_STRINGS.badArgs}`,
    },
  });
  await appendEvent({ ...ids, cycle: 5, type: "tool_call", payload: { name: "send_message", arguments: "{}", approvalId: MISSING_ID } });
  await appendEvent({ ...ids, cycle: 5, type: "approval_requested", payload: { approvalId: MISSING_ID, toolName: "send_message" } });
  await appendEvent({
    ...ids,
    cycle: 5,
    type: "approval_decided",
    payload: { approvalId: MISSING_ID, status: "rejected", timedOut: false, decidedBy: "Olivia Owner", comment: TOOL_STRINGS.comment },
  });
  await appendEvent({
    ...ids,
    cycle: 5,
    type: "tool_result",
    payload: { name: "send_message", status: "failed", error: TOOL_STRINGS.error },
  });
  await appendEvent({
    ...ids,
    cycle: 6,
    type: "status_change",
    payload: { from: "running", to: "completed", reason: TOOL_STRINGS.finish },
  });
  await db.agent.update({ where: { id: ids.agentId }, data: { cycleCount: 6, status: "completed", statusReason: TOOL_STRINGS.finish } });
  return { memoryId: memory.id };
}

describe("share links", () => {
  it("hands out a token once, stores only its hash, and opens the history for anyone holding it", async () => {
    const owner = await createTestTeam();
    const agent = await agentOf(owner);
    await appendEvent({ agentId: agent.id, teamId: owner.team.id, cycle: 1, type: "thought", payload: { content: "first thought" } });

    const created = await owner.caller.share.create({ agentId: agent.id });
    expect(created.path).toMatch(/^\/share\/[A-Za-z0-9_-]{43}$/);
    const token = tokenOf(created.path);
    expect(created.link).toMatchObject({ agentId: agent.id, status: "active", expiresAt: null, createdBy: "Olivia Owner" });

    // The database holds the SHA-256 of the token and nothing from which the token could be read.
    const row = await db.shareLink.findUniqueOrThrow({ where: { id: created.link.id } });
    expect(row.tokenHash).toBe(createHash("sha256").update(token).digest("hex"));
    const [raw] = await db.$queryRaw<{ json: string }[]>`SELECT row_to_json(s)::text AS json FROM share_link s WHERE id = ${row.id}::uuid`;
    expect(raw!.json).not.toContain(token);
    const audits = await db.auditLog.findMany({ where: { teamId: owner.team.id, action: { startsWith: "share." } } });
    expect(audits.map((a) => a.action)).toEqual(["share.create"]);
    expect(JSON.stringify(audits, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).not.toContain(token);

    // The list never carries a token.
    const listed = await owner.caller.share.list({ agentId: agent.id });
    expect(listed).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(token);
    expect(listed[0]).toMatchObject({ id: created.link.id, status: "active", lastUsedAt: null });

    // Signed out, the token is the only credential.
    const visitor = await anonymousCaller();
    const view = await visitor.share.view({ token });
    expect(view.agent).toMatchObject({ name: agent.name, goal: agent.goal, status: "idle" });
    expect(view.cycles.map((c) => c.cycle)).toEqual([1]);
    expect(view.cycles[0]!.events[0]).toMatchObject({ type: "thought", content: "first thought" });
    expect(JSON.stringify(view)).not.toContain(agent.id);
    expect((await owner.caller.share.list({ agentId: agent.id }))[0]!.lastUsedAt).toBeInstanceOf(Date);
  });

  it("answers revoked, expired, malformed and unknown tokens with one identical error", async () => {
    const owner = await createTestTeam();
    const agent = await agentOf(owner);
    const visitor = await anonymousCaller();

    const revoked = await owner.caller.share.create({ agentId: agent.id });
    await visitor.share.view({ token: tokenOf(revoked.path) });
    const afterRevoke = await owner.caller.share.revoke({ id: revoked.link.id });
    expect(afterRevoke.status).toBe("revoked");
    // Revoking again changes nothing and is not audited twice.
    expect((await owner.caller.share.revoke({ id: revoked.link.id })).revokedAt).toEqual(afterRevoke.revokedAt);
    expect(await db.auditLog.count({ where: { teamId: owner.team.id, action: "share.revoke" } })).toBe(1);

    const expired = await owner.caller.share.create({ agentId: agent.id, expiresAt: new Date(Date.now() + 60 * 60 * 1000) });
    await visitor.share.view({ token: tokenOf(expired.path) });
    await db.shareLink.update({ where: { id: expired.link.id }, data: { expiresAt: new Date(Date.now() - 1000) } });

    const active = await owner.caller.share.create({ agentId: agent.id });
    const activeToken = tokenOf(active.path);
    const flipped = (activeToken[0] === "A" ? "B" : "A") + activeToken.slice(1);

    const bad = [
      tokenOf(revoked.path),
      tokenOf(expired.path),
      randomBytes(32).toString("base64url"), // well-formed, never issued
      flipped, // one character off a live token
      "",
      "abc",
      `${activeToken}x`,
      "../../api/trpc",
      createHash("sha256").update(activeToken).digest("hex"), // the stored hash is not a token
      "%".repeat(43),
    ];
    for (const token of bad) {
      const error = await failure(visitor.share.view({ token }));
      expect({ token, code: error.code, message: error.message }).toEqual({
        token,
        code: "NOT_FOUND",
        message: INVALID_SHARE_LINK_MESSAGE,
      });
    }
    // The live link still works, and the list tells the three apart for the team.
    await expect(visitor.share.view({ token: activeToken })).resolves.toBeTruthy();
    const statuses = Object.fromEntries((await owner.caller.share.list({ agentId: agent.id })).map((l) => [l.id, l.status]));
    expect(statuses).toEqual({ [revoked.link.id]: "revoked", [expired.link.id]: "expired", [active.link.id]: "active" });

    // A deleted agent takes its links with it.
    await db.agent.delete({ where: { id: agent.id } });
    expect((await failure(visitor.share.view({ token: activeToken }))).message).toBe(INVALID_SHARE_LINK_MESSAGE);
  });

  it("another team cannot list, create or revoke links of an agent it does not own, and cannot tell it exists", async () => {
    const owner = await createTestTeam();
    const agent = await agentOf(owner);
    const link = await owner.caller.share.create({ agentId: agent.id });
    const stranger = await createTestTeam();

    for (const id of [agent.id, MISSING_ID]) {
      expect(await failure(stranger.caller.share.list({ agentId: id }))).toMatchObject({ code: "NOT_FOUND", message: AGENT_NOT_FOUND });
      expect(await failure(stranger.caller.share.create({ agentId: id }))).toMatchObject({ code: "NOT_FOUND", message: AGENT_NOT_FOUND });
    }
    for (const id of [link.link.id, MISSING_ID]) {
      expect(await failure(stranger.caller.share.revoke({ id }))).toMatchObject({ code: "NOT_FOUND", message: LINK_NOT_FOUND });
    }
    // Nothing changed: the owner's link is live and no link was made for the stranger.
    expect((await owner.caller.share.list({ agentId: agent.id })).map((l) => l.status)).toEqual(["active"]);
    expect(await db.shareLink.count({ where: { teamId: stranger.team.id } })).toBe(0);
    expect(await db.auditLog.count({ where: { teamId: { in: [owner.team.id, stranger.team.id] }, action: "share.revoke" } })).toBe(0);
  });

  it("lets viewers see links but only members and up create and revoke them", async () => {
    const owner = await createTestTeam();
    const agent = await agentOf(owner);
    const viewer = await addTestMember(owner.team.id, "viewer");
    const member = await addTestMember(owner.team.id, "member");

    expect((await failure(viewer.caller.share.create({ agentId: agent.id }))).code).toBe("FORBIDDEN");
    const made = await member.caller.share.create({ agentId: agent.id, redactToolData: true });
    expect(made.link.createdBy).toBe("member user");
    expect(await viewer.caller.share.list({ agentId: agent.id })).toHaveLength(1);
    expect((await failure(viewer.caller.share.revoke({ id: made.link.id }))).code).toBe("FORBIDDEN");
    // Any member may revoke a teammate's link: stopping a leak should not wait for its author.
    expect((await owner.caller.share.revoke({ id: made.link.id })).status).toBe("revoked");
  });

  it("explains a bad expiry next to the field", async () => {
    const owner = await createTestTeam();
    const agent = await agentOf(owner);
    const cases: [Date, string][] = [
      [new Date(Date.now() - 60_000), "The expiry must be in the future."],
      [new Date(Date.now() + 60_000), "Let the link live at least 5 minutes."],
      [new Date(Date.now() + 366 * 24 * 3600 * 1000), "A link can live at most 365 days; choose an earlier expiry."],
      [new Date(Number.NaN), "Choose a valid expiry date, or no expiry."],
    ];
    for (const [expiresAt, message] of cases) {
      const error = (await failure(owner.caller.share.create({ agentId: agent.id, expiresAt }))) as {
        code?: string;
        cause?: { fieldErrors?: Record<string, string[]>; issues?: { path: PropertyKey[]; message: string }[] };
      };
      expect(error.code).toBe("BAD_REQUEST");
      // The domain's check (AppError field errors) or, for a date that is not one, the schema's.
      const messages =
        error.cause?.fieldErrors?.expiresAt ?? error.cause?.issues?.filter((i) => i.path[0] === "expiresAt").map((i) => i.message);
      expect(messages).toEqual([message]);
    }
    const inAYear = await owner.caller.share.create({ agentId: agent.id, expiresAt: new Date(Date.now() + 364 * 24 * 3600 * 1000) });
    expect(inAYear.link.status).toBe("active");
    expect(await db.shareLink.count({ where: { agentId: agent.id } })).toBe(1);
  });

  it("redacts tool data and memory contents on the server, and shows them when not asked to", async () => {
    const owner = await createTestTeam();
    const agent = await agentOf(owner);
    const { memoryId } = await seedHistory({ agentId: agent.id, teamId: owner.team.id });
    const visitor = await anonymousCaller();
    const viewWith = async (redaction: { redactToolData?: boolean; redactMemories?: boolean }) => {
      const { path } = await owner.caller.share.create({ agentId: agent.id, ...redaction });
      return JSON.stringify(await visitor.share.view({ token: tokenOf(path) }));
    };

    const plain = await viewWith({});
    const noTools = await viewWith({ redactToolData: true });
    const noMemories = await viewWith({ redactMemories: true });
    const neither = await viewWith({ redactToolData: true, redactMemories: true });

    // Unredacted, every seeded string is there: the absence checks below can fail.
    for (const text of [...Object.values(TOOL_STRINGS), ...Object.values(MEMORY_STRINGS)]) expect(plain).toContain(text);
    for (const text of [...Object.values(TOOL_STRINGS), ...Object.values(MEMORY_STRINGS)]) {
      expect(noTools).not.toContain(text);
      expect(neither).not.toContain(text);
    }
    for (const text of Object.values(MEMORY_STRINGS)) expect(noMemories).not.toContain(text);
    // Hiding memories leaves other tools' data alone.
    for (const text of [TOOL_STRINGS.callArgs, TOOL_STRINGS.result, TOOL_STRINGS.thoughtCallArgs]) expect(noMemories).toContain(text);
    expect(noTools).toContain("[redacted]");

    // Never shown, whatever the settings: the ids, names, hashes and money that events carry beside
    // the tool's own data (a tool's result is shown as the tool returned it, unless redacted).
    for (const view of [plain, noTools, noMemories]) {
      for (const hidden of [MISSING_ID, owner.user.id, owner.team.id, "Olivia Owner", "resultHash", "costUsd"]) {
        expect(view).not.toContain(hidden);
      }
    }
    expect(plain).toContain(memoryId); // in remember's and search_memory's results
    for (const view of [noTools, noMemories]) expect(view).not.toContain(memoryId); // the recall list never has ids

    // What stays: the thoughts, tool names, statuses and recall scores.
    const shared = JSON.parse(noTools) as {
      cycles: { cycle: number; events: Record<string, unknown>[] }[];
      agent: Record<string, unknown>;
    };
    expect(shared.agent).toMatchObject({ status: "completed", statusReason: "[redacted]" });
    const first = shared.cycles.find((c) => c.cycle === 1)!;
    expect(first.events.map((e) => e.type)).toEqual(["thought", "tool_call", "tool_result"]);
    expect(first.events[0]).toMatchObject({
      content: "I will fetch the pricing page.",
      call: { name: "http_get", arguments: "[redacted]" },
      recalled: [{ kind: "fact", score: 0.81 }],
      pinnedCount: 1,
    });
    expect(first.events[2]).toMatchObject({ name: "http_get", status: "succeeded", result: "[redacted]" });
  });

  it("pages a shared history by cycle, newest first", async () => {
    const owner = await createTestTeam();
    const agent = await agentOf(owner);
    for (let cycle = 1; cycle <= 25; cycle++) {
      await appendEvent({ agentId: agent.id, teamId: owner.team.id, cycle, type: "thought", payload: { content: `cycle ${cycle}` } });
    }
    await db.agent.update({ where: { id: agent.id }, data: { cycleCount: 25 } });
    const { path } = await owner.caller.share.create({ agentId: agent.id });
    const visitor = await anonymousCaller();
    const first = await visitor.share.view({ token: tokenOf(path) });
    expect(first.cycles[0]!.cycle).toBe(25);
    expect(first.nextBeforeCycle).toBe(7);
    const second = await visitor.share.view({ token: tokenOf(path), beforeCycle: first.nextBeforeCycle });
    expect(second.cycles.map((c) => c.cycle)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(second.nextBeforeCycle).toBeNull();
  });
});
