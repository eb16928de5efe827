import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ZodError } from "zod";
import { zodFieldErrors } from "~/shared/validation";

/**
 * Notifications (issue 21): rules and their validation; every hook raises its notification through the
 * real code path (the loop's think with a fake model, holds, unknown outcomes, the end of a run, the
 * watchdog giving up, a trigger waking a hibernated agent); dispatch queues one delivery per channel and
 * nothing twice on a retry; a rule's interval sends one message and then one digest; a person's own rule
 * e-mails them; deep links switch teams and refuse strangers and other origins.
 */
vi.hoisted(() => {
  process.env.LONGHAUL_PRIVATE_TOOL_HOSTS = "127.0.0.1";
});

const { inngest } = await import("~/inngest/client");
const { db } = await import("~/server/db/client");
const { env } = await import("~/server/env");
const { openCycleSession, think } = await import("~/server/loop");
const { endRun } = await import("~/server/loop/run");
const { holdUnknownOutcome } = await import("~/server/loop/outcomes");
const { restartAgent } = await import("~/server/operations/watchdog");
const { deliverTrigger } = await import("~/server/triggers/deliver");
const { notify } = await import("~/server/notifications/notify");
const { dispatchNotification, sendDigest, sweepNotifications } = await import("~/server/notifications/dispatch");
const { followDeepLink } = await import("~/server/notifications/deep-link");
const { appendTestEvents } = await import("../factories/events");
const { createTestProvider } = await import("../factories/provider");
const { createAgentWithRun } = await import("../factories/run");
const { addTestMember, createTestTeam, createTestUser } = await import("../factories/team");
const { startFakeOpenAI } = await import("../fixtures/fake-openai");

type Sent = { id?: string; name: string; data: Record<string, unknown> };
const sent: Sent[] = [];
let fake: Awaited<ReturnType<typeof startFakeOpenAI>>;

beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.stop();
  delete process.env.LONGHAUL_PRIVATE_TOOL_HOSTS;
});
beforeEach(() => {
  sent.length = 0;
  vi.spyOn(inngest, "send").mockImplementation((async (payload: Sent | Sent[]) => {
    sent.push(...(Array.isArray(payload) ? payload : [payload]));
    return { ids: [] };
  }) as unknown as typeof inngest.send);
});

type Owner = Awaited<ReturnType<typeof createTestTeam>>;

async function channelOf(teamId: string, kind: "webhook" | "email" = "webhook", name = `ch-${Math.random().toString(36).slice(2, 8)}`) {
  return (await db.channel.create({ data: { teamId, name, kind, secretsCiphertext: "x" }, select: { id: true } })).id;
}

async function deliveriesOf(teamId: string) {
  return db.channelDelivery.findMany({
    where: { teamId },
    orderBy: { createdAt: "asc" },
    select: { channelId: true, messageId: true, message: true },
  });
}

async function notificationsOf(teamId: string) {
  return db.notification.findMany({ where: { teamId }, orderBy: { createdAt: "asc" } });
}

async function agentWithRun(
  owner: Owner,
  tools: { name: string; enabled: boolean; approval: "never" | "always"; allowedHosts?: string[] }[],
  name = "Research bot",
) {
  const provider = await createTestProvider(owner.team.id, {
    baseUrl: fake.baseURL,
    name: `fake-${Math.random().toString(36).slice(2, 8)}`,
  });
  return createAgentWithRun(owner, {
    name,
    provider: provider.id,
    model: "gpt-4o-mini",
    budgetUsd: 5,
    executorRunId: `notif-${Math.random().toString(36).slice(2)}`,
    tools,
  });
}

describe("notification rules", () => {
  it("are created, validated per field, changed and deleted by admins, with audit entries", async () => {
    const owner = await createTestTeam();
    const channelId = await channelOf(owner.team.id);
    const bad = await owner.caller.notification
      .createRule({ name: " ", kinds: [], channelIds: [], minIntervalSeconds: -1 })
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: "BAD_REQUEST" });
    // The procedure's input schema refuses it, field by field (the form shows each under its field).
    const cause = (bad as { cause?: unknown }).cause;
    const fieldErrors = cause instanceof ZodError ? zodFieldErrors(cause).fieldErrors : {};
    expect(Object.keys(fieldErrors).sort()).toEqual(["channelIds", "kinds", "minIntervalSeconds", "name"]);

    const other = await createTestTeam();
    const foreign = await channelOf(other.team.id);
    await expect(
      owner.caller.notification.createRule({ name: "Theirs", kinds: ["failed"], channelIds: [foreign], minIntervalSeconds: 0 }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });

    const rule = await owner.caller.notification.createRule({
      name: "Approvals to Slack",
      kinds: ["approval_requested", "question_asked", "approval_requested"],
      channelIds: [channelId],
      minIntervalSeconds: 300,
    });
    expect(rule).toMatchObject({ kinds: ["approval_requested", "question_asked"], minIntervalSeconds: 300, isEnabled: true });
    await expect(
      owner.caller.notification.createRule({
        name: "Approvals to Slack",
        kinds: ["failed"],
        channelIds: [channelId],
        minIntervalSeconds: 0,
      }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    const changed = await owner.caller.notification.updateRule({
      id: rule.id,
      name: "Everything",
      kinds: ["failed", "completed"],
      channelIds: [channelId],
      minIntervalSeconds: 0,
      isEnabled: false,
    });
    expect(changed).toMatchObject({ name: "Everything", isEnabled: false });
    expect(await owner.caller.notification.rules()).toHaveLength(1);
    // Another team cannot read or change it.
    await expect(other.caller.notification.deleteRule({ id: rule.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const viewer = await addTestMember(owner.team.id, "viewer");
    expect(await viewer.caller.notification.rules()).toHaveLength(1);
    await expect(viewer.caller.notification.deleteRule({ id: rule.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await owner.caller.notification.deleteRule({ id: rule.id });
    expect(await owner.caller.notification.rules()).toEqual([]);
    const audit = await db.auditLog.findMany({
      where: { teamId: owner.team.id, action: { startsWith: "notification." } },
      select: { action: true },
    });
    expect(audit.map((a) => a.action).sort()).toEqual(["notification.rule_create", "notification.rule_delete", "notification.rule_update"]);
  });

  it("lets each person set only their own e-mail rule, and says whether the team can e-mail", async () => {
    const owner = await createTestTeam();
    const viewer = await addTestMember(owner.team.id, "viewer");
    expect(await viewer.caller.notification.myRules()).toMatchObject({ rule: null, hasEmailChannel: false, email: viewer.user.email });
    await viewer.caller.notification.setMyRule({ kinds: ["failed"], minIntervalSeconds: 0, isEnabled: true });
    await viewer.caller.notification.setMyRule({ kinds: ["failed", "stuck"], minIntervalSeconds: 60, isEnabled: true });
    await channelOf(owner.team.id, "email");
    expect(await viewer.caller.notification.myRules()).toMatchObject({ rule: { kinds: ["failed", "stuck"] }, hasEmailChannel: true });
    expect(await owner.caller.notification.myRules()).toMatchObject({ rule: null });
    // People's own rules are not the team's.
    expect(await owner.caller.notification.rules()).toEqual([]);
  });
});

describe("hooks raise notifications where things happen", () => {
  it("a tool approval and a question, opened by the loop's think", async () => {
    const owner = await createTestTeam();
    await db.notificationRule.create({
      data: {
        teamId: owner.team.id,
        name: "all",
        kinds: ["approval_requested", "question_asked"],
        channelIds: [await channelOf(owner.team.id)],
      },
    });
    const { ids, step } = await agentWithRun(owner, [
      { name: "http_request", enabled: true, approval: "always", allowedHosts: ["api.example.com"] },
      { name: "ask_human", enabled: true, approval: "never" },
    ]);
    fake.script({
      kind: "tool_calls",
      calls: [{ name: "http_request", arguments: { method: "POST", url: "https://api.example.com/v1/orders", json: { sku: 1 } } }],
    });
    const first = await think(step(1), openCycleSession());
    expect(first).toMatchObject({ kind: "act", approvalId: expect.any(String) });
    const [approval] = await notificationsOf(owner.team.id);
    expect(approval).toMatchObject({
      kind: "approval_requested",
      agentId: ids.agentId,
      approvalId: (first as { approvalId: string }).approvalId,
      title: "Research bot asks for approval: http_request POST api.example.com",
      url: `${env.APP_URL.replace(/\/$/, "")}/go/${owner.team.id}/agents/${ids.agentId}`,
      dispatchedAt: null,
    });
    // Announced after the commit, with the notification's id.
    expect(sent).toContainEqual(
      expect.objectContaining({ name: "notification/created", data: { teamId: owner.team.id, notificationId: approval!.id } }),
    );

    const second = await agentWithRun(owner, [{ name: "ask_human", enabled: true, approval: "never" }], "Question bot");
    fake.script({ kind: "tool_calls", calls: [{ name: "ask_human", arguments: { question: "Which region should I check first?" } }] });
    await think(second.step(1), openCycleSession());
    const question = (await notificationsOf(owner.team.id)).find((n) => n.kind === "question_asked");
    expect(question).toMatchObject({ title: "Question bot asks a question: Which region should I check first?" });
  });

  it("the soft budget hold and the stuck hold, and an unknown outcome", async () => {
    const owner = await createTestTeam();
    const budget = await agentWithRun(owner, [], "Budget bot");
    await db.agent.update({ where: { id: budget.ids.agentId }, data: { spentUsd: "4.5" } });
    expect(await think(budget.step(1), openCycleSession())).toMatchObject({ kind: "hold", holdKind: "budget" });
    const stuck = await agentWithRun(owner, [], "Stuck bot");
    await db.agent.update({ where: { id: stuck.ids.agentId }, data: { repeatStreak: 3, lastCallSignature: "http_get {}" } });
    expect(await think(stuck.step(1), openCycleSession())).toMatchObject({ kind: "hold", holdKind: "stuck" });
    const outcome = await agentWithRun(owner, [], "Outcome bot");
    await holdUnknownOutcome({ ...outcome.step(1), toolName: "send_email", argumentsText: "{}", attempt: 1, approvalTimeoutSeconds: 600 });
    // A retried step finds its hold and raises nothing more.
    await holdUnknownOutcome({ ...outcome.step(1), toolName: "send_email", argumentsText: "{}", attempt: 1, approvalTimeoutSeconds: 600 });
    const raised = await notificationsOf(owner.team.id);
    expect(raised.map((n) => [n.kind, n.agentId])).toEqual([
      ["budget_soft_limit", budget.ids.agentId],
      ["stuck", stuck.ids.agentId],
      ["approval_requested", outcome.ids.agentId],
    ]);
    expect(raised[0]!.data).toMatchObject({ spentUsd: "4.50000000", budgetUsd: "5.00000000" });
    expect(raised[2]!.title).toBe("Outcome bot asks for approval: send_email (outcome unknown)");
    // No rule in the team: written already dispatched, and no event sent.
    expect(raised.every((n) => n.dispatchedAt !== null)).toBe(true);
    expect(sent.filter((e) => e.name === "notification/created")).toEqual([]);
  });

  it("a run ending the agent completed, failed or out of budget; the watchdog giving up; a hibernated agent woken", async () => {
    const owner = await createTestTeam();
    for (const status of ["completed", "failed", "budget_exhausted"] as const) {
      const { step } = await agentWithRun(owner, [], `Bot ${status}`);
      await endRun({ ...step(2), status, reason: `ended ${status}` });
    }
    // A rollover (no status) raises nothing.
    const rolled = await agentWithRun(owner, [], "Rolling bot");
    await endRun({ ...rolled.step(2), status: null, reason: "rollover" });

    const crashing = await agentWithRun(owner, [], "Crashing bot");
    await db.agent.update({ where: { id: crashing.ids.agentId }, data: { status: "sleeping" } });
    await appendTestEvents(
      crashing.ids,
      Array.from({ length: env.WATCHDOG_MAX_RESTARTS_PER_HOUR }, () => ({
        cycle: 0,
        type: "status_change" as const,
        payload: { change: "recovered" },
      })),
    );
    const { lastEventSeq } = await db.agent.findUniqueOrThrow({ where: { id: crashing.ids.agentId }, select: { lastEventSeq: true } });
    expect(await restartAgent({ ...crashing.ids, why: "no live run", heartbeatAgeSeconds: 300, lastEventSeq })).toMatchObject({
      restarted: false,
    });

    const sleeper = await agentWithRun(owner, [], "Sleeping bot");
    await db.agent.update({ where: { id: sleeper.ids.agentId }, data: { status: "hibernated" } });
    await deliverTrigger({ ...sleeper.ids, source: "webhook", deliveryId: "d-1", stored: {}, event: { body: {} } });

    const raised = await notificationsOf(owner.team.id);
    expect(raised.map((n) => n.kind)).toEqual(["completed", "failed", "budget_exhausted", "watchdog_gave_up", "woken"]);
    expect(raised.map((n) => n.title)).toEqual([
      "Bot completed finished its goal",
      "Bot failed failed",
      "Bot budget_exhausted ran out of budget",
      "Crashing bot kept crashing; the watchdog stopped restarting it",
      "Sleeping bot was woken by a webhook",
    ]);
  });
});

describe("dispatch", () => {
  async function teamWithRule(minIntervalSeconds: number, channels = 2) {
    const owner = await createTestTeam();
    const channelIds = [];
    for (let i = 0; i < channels; i++) channelIds.push(await channelOf(owner.team.id));
    const rule = await db.notificationRule.create({
      data: { teamId: owner.team.id, name: "ops", kinds: ["failed", "stuck"], channelIds, minIntervalSeconds },
    });
    const agent = await owner.caller.agent.create({ name: "Research bot", goal: "Watch prices.", model: "simulator-1", budgetUsd: 5 });
    const raise = (text: string) =>
      notify({ teamId: owner.team.id, agentId: agent.id, kind: "failed", details: { text } }).then((id) => id!);
    return { owner, channelIds, rule, agent, raise };
  }

  it("queues one delivery per channel, and a retried dispatch queues nothing twice", async () => {
    const { owner, channelIds, raise } = await teamWithRule(0);
    const id = await raise("The model endpoint kept failing.");
    const first = await dispatchNotification({ teamId: owner.team.id, notificationId: id });
    const again = await dispatchNotification({ teamId: owner.team.id, notificationId: id });
    expect(first).toMatchObject({ found: true, queued: 2, parked: 0 });
    expect(again).toMatchObject({ found: true, queued: 0, parked: 0 });
    const deliveries = await deliveriesOf(owner.team.id);
    expect(deliveries.map((d) => d.channelId).sort()).toEqual([...channelIds].sort());
    expect(deliveries[0]!.message).toMatchObject({
      title: "Research bot failed",
      text: "The model endpoint kept failing.",
      fields: expect.arrayContaining([{ label: "Agent", value: "Research bot" }]),
      actions: [{ label: "Open in Longhaul", url: expect.stringContaining(`/go/${owner.team.id}/agents/`) }],
      data: { kind: "failed", notificationId: id },
    });
    expect((await db.notification.findUniqueOrThrow({ where: { id } })).dispatchedAt).not.toBeNull();
    // Each queued delivery asked for its attempt.
    expect(sent.filter((e) => e.name === "channel/delivery.requested")).toHaveLength(2);
    // The page's list: the notification and each delivery's state.
    const [listed] = await owner.caller.notification.recent({ limit: 5 });
    expect(listed).toMatchObject({ id, kind: "failed", title: "Research bot failed" });
    expect(listed!.deliveries).toHaveLength(2);
    expect(listed!.deliveries.every((d) => d.rule === "ops" && d.mode === "immediate" && d.status === "pending")).toBe(true);
  });

  it("within the interval: the first at once, then ONE digest listing the others, claimed once however many dispatchers", async () => {
    const { owner, rule, raise } = await teamWithRule(60, 1);
    const ids = [await raise("first"), await raise("second"), await raise("third")];
    const results = [];
    for (const id of ids) results.push(await dispatchNotification({ teamId: owner.team.id, notificationId: id }));
    expect(results.map((r) => [r.queued, r.parked])).toEqual([
      [1, 0],
      [0, 1],
      [0, 1],
    ]);
    // Only the second dispatcher owns the digest, due when the interval ends.
    const owned = results.flatMap((r) => r.digests);
    expect(owned).toHaveLength(1);
    const { lastSentAt } = await db.notificationRule.findUniqueOrThrow({ where: { id: rule.id } });
    expect(new Date(owned[0]!.dueAt).getTime()).toBe(lastSentAt!.getTime() + 60_000);
    expect(await deliveriesOf(owner.team.id)).toHaveLength(1);

    // Two copies of the digest step at once (a retry overlapping), then a third later: one digest.
    const digests = await Promise.all([sendDigest(owned[0]!), sendDigest(owned[0]!)]);
    await sendDigest(owned[0]!);
    expect(digests.map((d) => d.sent).sort()).toEqual([2, 2]);
    const deliveries = await deliveriesOf(owner.team.id);
    expect(deliveries).toHaveLength(2);
    const digest = deliveries[1]!.message as { title: string; text: string; data: { notifications: { id: string }[] } };
    expect(digest.title).toMatch(/^2 more notifications in /);
    expect(digest.data.notifications.map((n) => n.id)).toEqual(ids.slice(1));
    expect(digest.text).toContain(`/go/${owner.team.id}/agents/`);
    const pending = await db.notificationPending.findMany({ where: { ruleId: rule.id } });
    expect(pending.every((p) => p.sentInMessageId !== null)).toBe(true);
    // The next one is inside the new interval (the digest restarted it): parked, with a new digest.
    const fourthId = await raise("fourth");
    const fourth = await dispatchNotification({ teamId: owner.team.id, notificationId: fourthId });
    expect(fourth).toMatchObject({ queued: 0, parked: 1, digests: [expect.anything()] });
    // Its digest lists it alone: rows an earlier digest sent are never claimed again.
    expect(await sendDigest(fourth.digests[0]!)).toMatchObject({ sent: 1, queued: 1 });
    const next = (await deliveriesOf(owner.team.id)).at(-1)!.message as { data: { notifications: { id: string }[] } };
    expect(next.data.notifications.map((n) => n.id)).toEqual([fourthId]);
  });

  it("a person's rule e-mails them through the team's e-mail channel, or is skipped without one", async () => {
    const owner = await createTestTeam();
    const member = await addTestMember(owner.team.id, "member");
    await member.caller.notification.setMyRule({ kinds: ["failed"], minIntervalSeconds: 0, isEnabled: true });
    const agent = await owner.caller.agent.create({ name: "Research bot", goal: "Watch prices.", model: "simulator-1", budgetUsd: 5 });
    const first = (await notify({ teamId: owner.team.id, agentId: agent.id, kind: "failed", details: { text: "x" } }))!;
    expect(await dispatchNotification({ teamId: owner.team.id, notificationId: first })).toMatchObject({ queued: 0 });
    const email = await channelOf(owner.team.id, "email");
    const second = (await notify({ teamId: owner.team.id, agentId: agent.id, kind: "failed", details: { text: "y" } }))!;
    expect(await dispatchNotification({ teamId: owner.team.id, notificationId: second })).toMatchObject({ queued: 1 });
    const [delivery] = await deliveriesOf(owner.team.id);
    expect(delivery).toMatchObject({ channelId: email, message: { to: member.user.email, title: "Research bot failed" } });
  });

  it("the sweeper dispatches notifications whose event was lost", async () => {
    const { owner, raise } = await teamWithRule(0, 1);
    const id = await raise("lost");
    await db.notification.update({ where: { id }, data: { createdAt: new Date(Date.now() - 120_000) } });
    const swept = await sweepNotifications();
    expect(swept.dispatched).toBeGreaterThanOrEqual(1);
    expect(await deliveriesOf(owner.team.id)).toHaveLength(1);
  });
});

describe("deep links", () => {
  it("switch a member's active team and redirect; refuse strangers, other origins and signed-out readers", async () => {
    const owner = await createTestTeam();
    const reader = await createTestUser({ name: "Reader" });
    await db.member.create({
      data: { id: `m-${Math.random().toString(36).slice(2)}`, teamId: owner.team.id, userId: reader.user.id, role: "viewer" },
    });
    const url = (path: string) => new URL(`/go/${owner.team.id}${path}`, env.APP_URL);
    const followed = await followDeepLink({ url: url("/agents/abc?tab=runs"), headers: reader.headers });
    // The active team changed: the page says so ("Switched to team X").
    expect(followed).toEqual({ kind: "redirect", location: new URL("/agents/abc?tab=runs&switched=1", env.APP_URL).toString() });
    const sessions = await db.session.findMany({ where: { userId: reader.user.id }, select: { activeTeamId: true } });
    expect(sessions.map((s) => s.activeTeamId)).toEqual([owner.team.id]);

    const stranger = await createTestUser({ name: "Stranger" });
    expect(await followDeepLink({ url: url("/agents"), headers: stranger.headers })).toMatchObject({ kind: "page", status: 404 });
    expect((await db.session.findFirstOrThrow({ where: { userId: stranger.user.id } })).activeTeamId).toBe(stranger.teamId);

    for (const evil of ["//evil.example/x", "/\\evil.example", "/%2F%2Fevil.example"]) {
      expect(await followDeepLink({ url: url(evil), headers: reader.headers })).toMatchObject({ kind: "page", status: 400 });
    }
    expect(await followDeepLink({ url: url("/approvals"), headers: new Headers() })).toEqual({
      kind: "redirect",
      location: new URL(`/sign-in?next=${encodeURIComponent(`/go/${owner.team.id}/approvals`)}`, env.APP_URL).toString(),
    });
  });
});
