import type { ChatCompletionCreateParams } from "openai/resources/chat/completions";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "~/server/db/client";
import type * as WebhooksModule from "~/server/triggers/webhooks";
import { eventsAfter } from "~/server/agents/timeline";
import { hibernateAgent } from "~/server/hibernation/hibernate";
import { agentInput } from "../factories/agent";
import { createTestTeam } from "../factories/team";
import { withContractApp } from "../fixtures/contract-app";

/**
 * Triggers end to end: a sleeping agent with a long cooldown is woken by a signed webhook and sees
 * the payload in the next cycle's prompt (the real SDK, the project's executor, the openai SDK); a
 * hibernated agent is started by a webhook, and a paused one whose history went to cold storage is
 * resumed from its checkpoint.
 */
const RESUMED = "Hibernated, then resumed";
const RESUMED_LAST_CYCLE = 22;
const app = withContractApp((body) => {
  const text = body.messages.map((m) => (typeof m.content === "string" ? m.content : "")).join("\n");
  const cycle = Number(/Cycle (\d+)\./.exec(text)?.[1] ?? 0);
  if (text.includes(`"${RESUMED}"`)) {
    const step =
      cycle < RESUMED_LAST_CYCLE
        ? { name: "update_world_state", arguments: { set: { [`c${cycle}`]: cycle } } }
        : { name: "finish", arguments: { result: "Resumed from the cold checkpoint." } };
    return { kind: "tool_calls", calls: [step], content: `Cycle ${cycle}.` };
  }
  const call =
    cycle <= 2
      ? { name: "update_world_state", arguments: { set: { waiting: cycle } } }
      : { name: "finish", arguments: { result: "Handled the order." } };
  return { kind: "tool_calls", calls: [call], content: `Cycle ${cycle}.` };
});
let webhooks: typeof WebhooksModule;
beforeAll(async () => {
  webhooks = await import("~/server/triggers/webhooks");
});

async function waitFor<T>(what: string, read: () => Promise<T>, isDone: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (isDone(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("triggers", () => {
  it("a webhook wakes an agent sleeping through a one-hour cooldown, and the next prompt shows the payload", async () => {
    const owner = await createTestTeam();
    const provider = await owner.caller.provider.create({ name: "fake-triggers", baseUrl: app.fake.baseURL, apiKey: "sk-triggers" });
    const agent = await owner.caller.agent.create(
      agentInput({ name: "Woken by a webhook", provider: provider.id, model: "gpt-4o-mini", cooldownSeconds: 3600, budgetUsd: 5 }),
    );
    const { secret } = await owner.caller.agent.rotateWebhookSecret({ id: agent.id });
    await app.control.startAgent({ agentId: agent.id, teamId: owner.team.id, userId: owner.user.id });
    const read = () => db.agent.findUniqueOrThrow({ where: { id: agent.id }, select: { status: true, cycleCount: true } });
    await waitFor("cycle 1 to finish", read, (a) => a.cycleCount === 1 && a.status === "sleeping");
    // Let the cooldown wait register, so the wake event ends it (rather than the loop's recheck).
    await new Promise((r) => setTimeout(r, 500));

    const deliver = async (deliveryId: string, payload: unknown) => {
      const body = JSON.stringify(payload);
      const response = await webhooks.receiveWebhook(
        new Request(`http://127.0.0.1/api/hooks/${agent.id}`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-longhaul-signature": webhooks.signWebhookBody(secret, body, deliveryId),
            "x-longhaul-delivery": deliveryId,
          },
          body,
        }),
        agent.id,
      );
      return response.json();
    };
    expect(await deliver("order-1234", { order: 1234, action: "refund" })).toMatchObject({ agent: "woken" });
    await waitFor("the woken cycle", read, (a) => a.cycleCount === 2 && a.status === "sleeping", 15_000);
    // One wake ends one cooldown: a wait hears only events sent after it began, and its recheck only
    // triggers after the cycle's thought, so cycle 2's cooldown runs its course.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await read()).toMatchObject({ cycleCount: 2, status: "sleeping" });
    expect(await deliver("order-1235", { order: 1235 })).toMatchObject({ agent: "woken" });
    const done = await waitFor("the second woken cycle", read, (a) => a.status === "completed", 15_000);
    expect(done.cycleCount).toBe(3);

    const prompts = app.fake.requests
      .filter((r) => r.path === "/v1/chat/completions")
      .map((r) =>
        ((r.body as ChatCompletionCreateParams).messages ?? []).map((m) => (typeof m.content === "string" ? m.content : "")).join("\n"),
      )
      .filter((text) => text.includes('"Woken by a webhook"'));
    expect(prompts).toHaveLength(3);
    expect(prompts[0]).not.toContain("order-1234");
    expect(prompts[1]).toMatch(/trigger: webhook delivery "order-1234" received\. Payload:\n<<<\n\{.*"order":1234.*\}\n>>>/);
  });

  it("a webhook starts a hibernated agent, and a paused agent whose history went cold resumes from its checkpoint", async () => {
    const owner = await createTestTeam();
    const teamId = owner.team.id;
    const provider = await owner.caller.provider.create({ name: "fake-hibernation", baseUrl: app.fake.baseURL, apiKey: "sk-hibernation" });
    const later = () => new Date(Date.now() + 1000 * 3_600_000);

    // 1. Never run, idle for longer than HIBERNATE_AFTER_HOURS: hibernated; a signed webhook starts it.
    const sleeper = await owner.caller.agent.create(
      agentInput({ name: "Hibernated, woken by a webhook", provider: provider.id, model: "gpt-4o-mini", cooldownSeconds: 0, budgetUsd: 5 }),
    );
    expect(await hibernateAgent({ agentId: sleeper.id, teamId, now: later() })).toMatchObject({ hibernated: true });
    const { secret } = await owner.caller.agent.rotateWebhookSecret({ id: sleeper.id });
    const body = JSON.stringify({ ticket: 77 });
    const response = await webhooks.receiveWebhook(
      new Request(`http://127.0.0.1/api/hooks/${sleeper.id}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-longhaul-signature": webhooks.signWebhookBody(secret, body, "ticket-77"),
          "x-longhaul-delivery": "ticket-77",
        },
        body,
      }),
      sleeper.id,
    );
    expect(await response.json()).toMatchObject({ agent: "started" });
    const readSleeper = () => db.agent.findUniqueOrThrow({ where: { id: sleeper.id }, select: { status: true, cycleCount: true } });
    expect(await waitFor("the woken agent to finish", readSleeper, (a) => a.status === "completed")).toEqual({
      status: "completed",
      cycleCount: 3,
    });

    // 2. Runs past a snapshot (every 10 cycles) and a summary fold, is paused, hibernates (its old events move to cold
    //    storage), and is resumed: it goes on from its checkpoint with its world state, and the
    //    timeline still shows every cycle.
    const agent = await owner.caller.agent.create(
      agentInput({ name: RESUMED, provider: provider.id, model: "gpt-4o-mini", cooldownSeconds: 1, budgetUsd: 5 }),
    );
    const read = () =>
      db.agent.findUniqueOrThrow({ where: { id: agent.id }, select: { status: true, cycleCount: true, worldState: true } });
    await app.control.startAgent({ agentId: agent.id, teamId, userId: owner.user.id });
    // Past cycle 17 the rolling summary covers cycles 1-10 and the snapshot of cycle 10 exists: those can go cold.
    await waitFor("cycle 17", read, (a) => a.cycleCount >= 17, 90_000);
    await app.control.pauseAgent({ agentId: agent.id, teamId, userId: owner.user.id });
    const paused = await waitFor(
      "the run to end",
      () => db.agentRun.count({ where: { agentId: agent.id, status: "running" } }),
      (n) => n === 0,
    );
    expect(paused).toBe(0);
    const pausedAt = (await read()).cycleCount;
    expect(pausedAt).toBeLessThan(RESUMED_LAST_CYCLE);
    expect(await hibernateAgent({ agentId: agent.id, teamId, now: later() })).toMatchObject({ hibernated: true });
    const cold = await db.coldSegment.findMany({ where: { agentId: agent.id }, select: { eventCount: true } });
    expect(cold.reduce((n, c) => n + c.eventCount, 0)).toBeGreaterThan(0);
    expect(await db.agentEvent.count({ where: { agentId: agent.id, cycle: { lte: 9, gte: 1 } } })).toBe(0);
    expect((await read()).status).toBe("paused"); // only idle agents change status

    await app.control.startAgent({ agentId: agent.id, teamId, userId: owner.user.id });
    const done = await waitFor("the resumed agent to finish", read, (a) => a.status === "completed", 60_000);
    expect(done.cycleCount).toBe(RESUMED_LAST_CYCLE);
    expect(done.worldState).toEqual(Object.fromEntries(Array.from({ length: RESUMED_LAST_CYCLE - 1 }, (_, i) => [`c${i + 1}`, i + 1])));
    // Every cycle is on the timeline, cold ones first, one thought each.
    const thoughts: number[] = [];
    for (let after = 0; ;) {
      const page = await eventsAfter({ teamId, agentId: agent.id, afterSeq: after, limit: 50 });
      if (page.length === 0) break;
      thoughts.push(...page.filter((e) => e.type === "thought").map((e) => e.cycle));
      after = page.at(-1)!.seq;
    }
    expect(thoughts).toEqual(Array.from({ length: RESUMED_LAST_CYCLE }, (_, i) => i + 1));
  }, 120_000);
});
