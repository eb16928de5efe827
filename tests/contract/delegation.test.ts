import type { ChatCompletionCreateParams } from "openai/resources/chat/completions";
import { describe, expect, it } from "vitest";
import type { AgentSettingsInput } from "~/shared/agent-input";
import { DELEGATION_LIMITS } from "~/shared/delegation";
import { db } from "~/server/db/client";
import type { AgentStatus } from "~/server/db/generated/enums";
import { agentAndCycleOf, type ScriptedReply } from "../fixtures/fake-openai";
import { toolCall, withContractApp } from "../fixtures/contract-app";

/**
 * Sub-agents end to end (issue 23): the app's real Inngest functions served by the SDK, the project's
 * executor, PostgreSQL, and the real openai SDK talking to a local OpenAI-compatible server. A parent's
 * `delegate` call starts children that are agents of their own; their results come back to the parent,
 * their budgets are carved out of the parent's, and control flows down the tree.
 */
type Script = (cycle: number, prompt: string, tools: string[]) => ScriptedReply;
const scripts = new Map<string, Script>();
const promptOf = (body: ChatCompletionCreateParams) =>
  body.messages.map((m) => (typeof m.content === "string" ? m.content : "")).join("\n");
const app = withContractApp((body) => {
  const { agent, cycle } = agentAndCycleOf(body);
  const tools = (body.tools ?? []).map((t) => (t.type === "function" ? t.function.name : ""));
  // A child is answered by the script of the first name its own starts with (names are `<parent> › <task> · <cycle>.<n>`).
  const script = scripts.get(agent) ?? [...scripts.entries()].find(([name]) => agent.endsWith(name) || agent.includes(`${name} · `))?.[1];
  return script?.(cycle, promptOf(body), tools) ?? { kind: "message", content: `no script for ${agent}` };
});

const TOOLS = (...extra: string[]) =>
  ["update_world_state", "remember", "finish", "delegate", ...extra].map((name) => ({ name, enabled: true, approval: "never" as const }));

async function newParent(name: string, script: Script, settings: Partial<AgentSettingsInput> = {}) {
  scripts.set(name, script);
  return app.scriptedAgent(name, () => ({ kind: "message", content: "unused" }), { cooldownSeconds: 1, tools: TOOLS(), ...settings });
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}: ${JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ENDED: AgentStatus[] = ["completed", "failed", "stopped", "budget_exhausted", "stuck"];
const agentRow = (id: string) =>
  db.agent.findUniqueOrThrow({
    where: { id },
    select: { status: true, statusReason: true, cycleCount: true, spentUsd: true, pausedWithParent: true, delegationSettledAt: true },
  });
const waitForStatus = (id: string, statuses: AgentStatus[], timeoutMs?: number) =>
  waitFor(
    () => agentRow(id),
    (a) => statuses.includes(a.status),
    `agent ${id} to be ${statuses.join("/")}`,
    timeoutMs,
  );
const childrenOf = (parentId: string) =>
  db.agent.findMany({
    where: { parentId },
    orderBy: { delegationKey: "asc" },
    select: {
      id: true,
      name: true,
      depth: true,
      status: true,
      budgetUsd: true,
      spentUsd: true,
      delegationKey: true,
      delegationReservationId: true,
      delegationSettledAt: true,
      tools: true,
    },
  });

// A child's result long enough that the prompt's usual 600 characters per event would cut it.
const findings = (part: string) => `${part} says 42. ${"The sources agree on the figures. ".repeat(30)}End of ${part}.`;
const reader = (part: string) => ({ name: part, goal: `Read the ${part} sources and report the numbers.`, tools: ["update_world_state"] });

describe("sub-agents through the executor", () => {
  it("waits for two children in parallel and goes on with both results; carves budgets and returns the rest", async () => {
    let secondPrompt = "";
    const parent = await newParent("Planner", (cycle, prompt) => {
      if (cycle === 1) return toolCall("delegate", { tasks: [reader("alpha"), reader("beta")], wait: true });
      secondPrompt = prompt;
      return toolCall("finish", { result: "Both readers reported." });
    });
    for (const part of ["alpha", "beta"]) {
      scripts.set(`› ${part} · 1.1`.replace("1.1", part === "alpha" ? "1.1" : "1.2"), (cycle) =>
        cycle === 1 ? toolCall("update_world_state", { set: { part } }) : toolCall("finish", { result: findings(part) }),
      );
    }
    await app.control.startAgent(parent);
    const done = await waitForStatus(parent.agentId, ENDED);
    expect(done).toMatchObject({ status: "completed", cycleCount: 2, statusReason: "Both readers reported." });

    const children = await childrenOf(parent.agentId);
    expect(children.map((c) => [c.name, c.depth, c.status])).toEqual([
      ["Planner › alpha · 1.1", 1, "completed"],
      ["Planner › beta · 1.2", 1, "completed"],
    ]);
    // Children get the tools they were given (and finish), with the parent's settings.
    expect((children[0]!.tools as { name: string }[]).map((t) => t.name).sort()).toEqual(["finish", "update_world_state"]);
    // The call's result is both children's outcomes, and the parent's next prompt had them.
    const result = await db.agentEvent.findFirstOrThrow({
      where: { agentId: parent.agentId, type: "tool_result", cycle: 1 },
      select: { payload: true },
    });
    const outcomes = (result.payload as { result: { children: { name: string; status: string; result: string }[] } }).result.children;
    expect(outcomes.map((o) => [o.name, o.status, o.result])).toEqual([
      ["Planner › alpha · 1.1", "completed", findings("alpha")],
      ["Planner › beta · 1.2", "completed", findings("beta")],
    ]);
    expect(secondPrompt).toContain(findings("alpha"));
    expect(secondPrompt).toContain(findings("beta"));

    // Budgets: each child got a fair share of what was left ($5 over the two tasks and the parent: $1.67 each);
    // its carve was committed at what it spent, so the rest went back; nothing is left reserved.
    const thought = await db.spendEntry.findFirstOrThrow({
      where: { agentId: parent.agentId, kind: "model" },
      orderBy: { id: "asc" },
      select: { costUsd: true },
    });
    const left = 5 - Number(thought.costUsd);
    for (const child of children) expect(Number(child.budgetUsd)).toBeCloseTo(left / 3, 7);
    const carves = await db.spendEntry.findMany({
      where: { agentId: parent.agentId, kind: "delegation" },
      orderBy: { id: "asc" },
      select: { id: true, state: true, costUsd: true },
    });
    expect(carves.map((c) => c.state)).toEqual(["committed", "committed"]);
    for (const [i, child] of children.entries()) {
      expect(child.delegationSettledAt).not.toBeNull();
      expect(carves[i]!.id).toBe(child.delegationReservationId);
      expect(carves[i]!.costUsd.toFixed()).toBe(child.spentUsd.toFixed());
      expect(child.spentUsd.greaterThan(0)).toBe(true);
    }
    const ids = [parent.agentId, ...children.map((c) => c.id)];
    expect(await db.spendEntry.count({ where: { agentId: { in: ids }, state: "reserved" } })).toBe(0);
    // The parent's counters hold the tree's spend; the team's daily totals count each call once.
    const own = await db.spendEntry.aggregate({
      where: { agentId: parent.agentId, state: "committed", kind: { not: "delegation" } },
      _sum: { costUsd: true },
    });
    const childSpend = children.reduce((sum, c) => sum.plus(c.spentUsd), own._sum.costUsd!.minus(own._sum.costUsd!));
    const parentRow = await agentRow(parent.agentId);
    expect(parentRow.spentUsd.toFixed()).toBe(own._sum.costUsd!.plus(childSpend).toFixed());
    const days = await db.agentSpendDay.aggregate({ where: { agentId: { in: ids } }, _sum: { costUsd: true } });
    const ledger = await db.spendEntry.aggregate({
      where: { agentId: { in: ids }, state: "committed", kind: { not: "delegation" } },
      _sum: { costUsd: true },
    });
    expect(days._sum.costUsd!.toFixed()).toBe(ledger._sum.costUsd!.toFixed());
    // A delegated child's first event says who started it.
    const first = await db.agentEvent.findFirstOrThrow({
      where: { agentId: children[0]!.id },
      orderBy: { seq: "asc" },
      select: { type: true, payload: true },
    });
    expect(first).toMatchObject({
      type: "status_change",
      payload: { change: "delegated", parentId: parent.agentId, parentCycle: 1, mode: "wait" },
    });
  });

  it("a child that exhausts its carved budget comes back as such, and its unused carve returns", async () => {
    const parent = await newParent("Frugal", (cycle, prompt) =>
      cycle === 1
        ? toolCall("delegate", { tasks: [{ ...reader("tiny"), budgetUsd: 0.0001 }] })
        : toolCall("finish", { result: prompt.includes('"Frugal › tiny · 1.1" budget exhausted') ? "The reader ran out of money." : "?" }),
    );
    scripts.set("› tiny · 1.1", (cycle) =>
      cycle < 5 ? toolCall("update_world_state", { set: { cycle } }) : toolCall("finish", { result: "x" }),
    );
    await app.control.startAgent(parent);
    expect(await waitForStatus(parent.agentId, ENDED)).toMatchObject({ status: "completed", statusReason: "The reader ran out of money." });
    const [child] = await childrenOf(parent.agentId);
    expect(child).toMatchObject({ status: "budget_exhausted" });
    expect(child!.budgetUsd!.toFixed()).toBe("0.0001");
    const carve = await db.spendEntry.findUniqueOrThrow({
      where: { id: child!.delegationReservationId! },
      select: { state: true, costUsd: true },
    });
    expect(carve.state).toBe("committed");
    expect(carve.costUsd.toFixed()).toBe(child!.spentUsd.toFixed());
    expect(carve.costUsd.lessThanOrEqualTo(child!.budgetUsd!)).toBe(true);
  });

  it("goes on while a child works and hears its end once, as an event", async () => {
    const parent = await newParent("Watcher", (cycle, prompt) =>
      cycle === 1
        ? toolCall("delegate", { tasks: [{ ...reader("draft"), name: "drafter" }], wait: false })
        : prompt.includes("a child agent you delegated to has ended")
          ? toolCall("finish", { result: "The draft arrived." })
          : toolCall("update_world_state", { set: { waiting: cycle } }),
    );
    scripts.set("› drafter · 1.1", (cycle) =>
      cycle < 3 ? toolCall("update_world_state", { set: { cycle } }) : toolCall("finish", { result: "Draft: prices up." }),
    );
    await app.control.startAgent(parent);
    expect(await waitForStatus(parent.agentId, ENDED)).toMatchObject({ status: "completed", statusReason: "The draft arrived." });
    const [child] = await childrenOf(parent.agentId);
    const deliveries = await db.triggerDelivery.findMany({
      where: { agentId: parent.agentId },
      select: { source: true, deliveryId: true },
    });
    expect(deliveries).toEqual([{ source: "child", deliveryId: `child:${child!.id}` }]);
    const heard = await db.agentEvent.findMany({ where: { agentId: parent.agentId, type: "trigger" }, select: { payload: true } });
    expect(heard).toHaveLength(1);
    expect(heard[0]!.payload).toMatchObject({
      source: "child",
      body: { childId: child!.id, status: "completed", result: "Draft: prices up." },
    });
  });

  it("pausing the parent pauses its children; resuming it resumes them, and the parent still gets both results", async () => {
    const parent = await newParent("Conductor", (cycle, prompt) =>
      cycle === 1
        ? toolCall("delegate", { tasks: [reader("violin"), reader("cello")] })
        : toolCall("finish", {
            result: prompt.includes("violin done") && prompt.includes("cello done") ? "Both played." : "Missing a part.",
          }),
    );
    for (const [part, n] of [
      ["violin", 1],
      ["cello", 2],
    ] as const) {
      scripts.set(`› ${part} · 1.${n}`, (cycle) =>
        cycle < 6 ? toolCall("update_world_state", { set: { cycle } }) : toolCall("finish", { result: `${part} done` }),
      );
    }
    await app.control.startAgent(parent);
    const children = await waitFor(
      () => childrenOf(parent.agentId),
      (c) => c.length === 2,
      "two children",
    );
    await waitFor(
      () => Promise.all(children.map((c) => agentRow(c.id))),
      (rows) => rows.every((r) => r.cycleCount >= 2),
      "children at work",
    );
    await app.control.pauseAgent(parent);
    for (const child of children) {
      expect(await waitForStatus(child.id, ["paused"], 10_000)).toMatchObject({ status: "paused", pausedWithParent: true });
    }
    const pausedAt = await Promise.all(children.map((c) => agentRow(c.id)));
    await new Promise((r) => setTimeout(r, 2500));
    // Paused children do not go on.
    expect((await Promise.all(children.map((c) => agentRow(c.id)))).map((r) => r.cycleCount)).toEqual(pausedAt.map((r) => r.cycleCount));
    await app.control.startAgent(parent);
    expect(await waitForStatus(parent.agentId, ENDED)).toMatchObject({ status: "completed", statusReason: "Both played." });
    for (const child of children) expect((await agentRow(child.id)).status).toBe("completed");
    expect(await db.agentEvent.count({ where: { agentId: parent.agentId, type: "tool_result", cycle: 1 } })).toBe(1);
  });

  it("stops delegation at the depth limit, and a parent that keeps delegating is stopped", async () => {
    // Every level delegates while it has the tool; the deepest has none and finishes.
    const parent = await newParent("Deep", (cycle, _prompt, tools) =>
      cycle === 1 && tools.includes("delegate")
        ? toolCall("delegate", { tasks: [{ name: "d", goal: "Go one level deeper and report back." }] })
        : toolCall("finish", { result: `done at ${tools.includes("delegate") ? "a middle" : "the bottom"}` }),
    );
    scripts.set("· 1.1", scripts.get("Deep")!);
    await app.control.startAgent(parent);
    expect(await waitForStatus(parent.agentId, ENDED, 90_000)).toMatchObject({ status: "completed" });
    const levels = await db.agent.findMany({
      where: { teamId: parent.teamId },
      orderBy: { depth: "asc" },
      select: { depth: true, status: true, tools: true },
    });
    expect(levels.map((l) => l.depth)).toEqual([0, 1, 2, 3]);
    expect(levels.every((l) => l.status === "completed")).toBe(true);
    expect((levels[3]!.tools as { name: string }[]).some((t) => t.name === "delegate")).toBe(false);
    expect(DELEGATION_LIMITS.maxDepth).toBe(3);

    // A loop that delegates the same task again and again: at most maxChildren at once are started, then
    // the refusals repeat and the stuck detector holds it.
    const looper = await newParent(
      "Looper",
      () => toolCall("delegate", { tasks: [{ name: "again", goal: "Do the same thing once more." }], wait: false }),
      { stuckRepeatLimit: 5 },
    );
    scripts.delete("· 1.1");
    scripts.set("› again", () => toolCall("update_world_state", { set: { busy: true } }));
    await app.control.startAgent(looper);
    expect(await waitForStatus(looper.agentId, ["stuck", "completed", "failed"], 60_000)).toMatchObject({ status: "stuck" });
    const started = await childrenOf(looper.agentId);
    expect(started.map((c) => [c.name, c.status])).toHaveLength(DELEGATION_LIMITS.defaultMaxChildren);
    const refusals = await db.agentEvent.count({
      where: { agentId: looper.agentId, type: "tool_result", payload: { path: ["status"], equals: "failed" } },
    });
    expect(refusals).toBeGreaterThan(0);
    // Stopping it stops its children, and each is settled with it.
    await app.control.stopAgent({ ...looper, reason: "Enough delegating." });
    for (const child of started) {
      const row = await waitFor(
        () => agentRow(child.id),
        (r) => r.delegationSettledAt !== null,
        "the child settled",
      );
      expect(row.status).toBe("stopped");
    }
    expect(await db.spendEntry.count({ where: { agentId: looper.agentId, kind: "delegation", state: "reserved" } })).toBe(0);
  });

  it("stops waiting when the call's time runs out: the child still working is stopped and comes back as such", async () => {
    const tools = TOOLS().map((t) => (t.name === "delegate" ? { ...t, timeoutSeconds: 10 } : t));
    const parent = await newParent(
      "Impatient",
      (cycle, prompt) =>
        cycle === 1
          ? toolCall("delegate", { tasks: [{ ...reader("slowpoke"), maxCycles: 500 }] })
          : toolCall("finish", { result: prompt.includes("stopped waiting") ? "Gave up on the slow reader." : "?" }),
      { tools },
    );
    scripts.set("› slowpoke · 1.1", (cycle) => toolCall("update_world_state", { set: { cycle } }));
    const started = Date.now();
    await app.control.startAgent(parent);
    expect(await waitForStatus(parent.agentId, ENDED, 45_000)).toMatchObject({
      status: "completed",
      statusReason: "Gave up on the slow reader.",
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(10_000);
    const [child] = await childrenOf(parent.agentId);
    expect(child).toMatchObject({ status: "stopped" });
    expect(child!.delegationSettledAt).not.toBeNull();
    const result = await db.agentEvent.findFirstOrThrow({
      where: { agentId: parent.agentId, type: "tool_result", cycle: 1 },
      select: { payload: true },
    });
    expect(result.payload).toMatchObject({
      status: "succeeded",
      result: {
        timedOut: 1,
        children: [{ status: "stopped", reason: "Its parent stopped waiting for it: the delegate call's time ran out." }],
      },
    });
    expect(await db.spendEntry.count({ where: { agentId: { in: [parent.agentId, child!.id] }, state: "reserved" } })).toBe(0);
  });

  it("a parent that ends stops the children it still has, and they are settled", async () => {
    const parent = await newParent("Quitter", (cycle) =>
      cycle === 1
        ? toolCall("delegate", { tasks: [{ ...reader("forever"), maxCycles: 500 }], wait: false })
        : toolCall("finish", { result: "Done without waiting." }),
    );
    scripts.set("› forever · 1.1", (cycle) => toolCall("update_world_state", { set: { cycle } }));
    await app.control.startAgent(parent);
    expect(await waitForStatus(parent.agentId, ENDED)).toMatchObject({ status: "completed" });
    const [child] = await childrenOf(parent.agentId);
    const row = await waitFor(
      () => agentRow(child!.id),
      (r) => r.delegationSettledAt !== null,
      "the child settled",
    );
    expect(row).toMatchObject({ status: "stopped", statusReason: "Its parent Quitter ended (completed)." });
    // Its end still reaches the (completed) parent's timeline, once.
    expect(await db.triggerDelivery.count({ where: { agentId: parent.agentId, source: "child" } })).toBe(1);
  });
});
