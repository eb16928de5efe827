import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { InngestFunction } from "inngest";
import { serve } from "inngest/node";
import type { ChatCompletionCreateParams } from "openai/resources/chat/completions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "~/server/db/client";
import type { AgentStatus } from "~/server/db/generated/enums";
import { agentInput } from "../factories/agent";
import { createTestProvider } from "../factories/provider";
import { createTestTeam } from "../factories/team";
import { agentAndCycleOf, startFakeOpenAI, type FakeOpenAI, type ScriptedReply } from "../fixtures/fake-openai";
import { toolCall } from "../fixtures/contract-app";

/**
 * SIGKILL of the executor mid-delegation (issue 23): the app's Inngest functions served by the SDK in
 * this process, the project's executor as a child process killed at different moments of a delegation
 * and restarted on the same port, and the real openai SDK talking to a slow local OpenAI-compatible
 * server. A parent waits for two children; another goes on and hears its child's end as an event.
 * Afterwards: one child per task of the call, each completed once, the waiting parent's `delegate`
 * result recorded once with both results, the going-on parent told once, every carve committed, and
 * no gap in any agent's event log.
 */
const root = path.resolve(import.meta.dirname, "../..");
const executorUrl = process.env.INNGEST_DEV!;
const executorPort = Number(new URL(executorUrl).port);
const MODEL_LATENCY_MS = 300;

const PLANNER = "Crash planner";
const WATCHER = "Crash watcher";
const HEARD = "a child agent you delegated to has ended";
/** The cycle in which each child finishes (the others update the world state). */
const FINISH_AT: Record<string, number> = { alpha: 4, beta: 6, drafter: 9 };
const promptOf = (body: ChatCompletionCreateParams) =>
  body.messages.map((m) => (typeof m.content === "string" ? m.content : "")).join("\n");
const task = (name: string) => ({ name, goal: `Read the ${name} sources and report the numbers.`, tools: ["update_world_state"] });

let plannerFinalPrompt = "";
function script(agent: string, cycle: number, prompt: string): ScriptedReply {
  if (agent === PLANNER) {
    if (cycle === 1) return toolCall("delegate", { tasks: [task("alpha"), task("beta")], wait: true });
    plannerFinalPrompt = prompt;
    return toolCall("finish", {
      result: prompt.includes("alpha says 42") && prompt.includes("beta says 42") ? "Both reported." : "Missing.",
    });
  }
  if (agent === WATCHER) {
    if (cycle === 1) return toolCall("delegate", { tasks: [task("drafter")], wait: false });
    return prompt.includes(HEARD)
      ? toolCall("finish", { result: prompt.includes("drafter says 42") ? "The draft arrived." : "Empty draft." })
      : toolCall("update_world_state", { set: { waiting: cycle } });
  }
  const part = /› (\w+) ·/.exec(agent)?.[1];
  if (!part || !(part in FINISH_AT)) return { kind: "message", content: `no script for ${agent}` };
  return cycle >= FINISH_AT[part]! ? toolCall("finish", { result: `${part} says 42` }) : toolCall("update_world_state", { set: { cycle } });
}

let fake: FakeOpenAI;
let app: http.Server;
let appUrl: string;
let executor: ChildProcess | null = null;
const processes: ChildProcess[] = [];
const executorLog: string[] = [];
let sdkRequestsInFlight = 0;
/** Model requests by agent name and cycle (`name#cycle`), in arrival order. */
const modelRequests: string[] = [];
let onModelRequest: ((agent: string, cycle: number) => void) | null = null;

async function startExecutorProcess() {
  const child = spawn(
    process.execPath,
    ["--conditions=react-server", "--import", "tsx", "scripts/executor.ts", "-u", appUrl, "-p", String(executorPort)],
    {
      cwd: root,
      env: { ...process.env, EXECUTOR_LEASE_MS: "2000", EXECUTOR_BACKOFF_BASE_MS: "50", EXECUTOR_SYNC_INTERVAL_MS: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  processes.push(child);
  const keep = (chunk: Buffer) => executorLog.push(`[executor ${child.pid}] ${chunk.toString("utf8").trimEnd()}`);
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`executor process exited with ${child.exitCode}:\n${executorLog.join("\n")}`);
    const ok = await fetch(`${executorUrl}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return (executor = child);
    if (Date.now() > deadline) throw new Error(`executor process did not start:\n${executorLog.join("\n")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** SIGKILL, then a restart on the same port once the dead executor's SDK request has given up (see agent-crash.test.ts). */
async function killAndRestartExecutor() {
  const child = executor!;
  executor = null;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
  await until(() => sdkRequestsInFlight === 0, "the dead executor's SDK request to end");
  await startExecutorProcess();
}

beforeAll(async () => {
  fake = await startFakeOpenAI({ latencyMs: MODEL_LATENCY_MS });
  fake.setResponder((body: ChatCompletionCreateParams) => {
    const { agent, cycle } = agentAndCycleOf(body);
    if (!body.tools?.length) return { kind: "message", content: "A summary." };
    modelRequests.push(`${agent}#${cycle}`);
    onModelRequest?.(agent, cycle);
    return script(agent, cycle, promptOf(body));
  });
  const { inngest } = await import("~/inngest/client");
  const { functions } = await import("~/inngest");
  const handler = serve({ client: inngest, functions: functions as InngestFunction.Any[] });
  app = http.createServer((req, res) => {
    sdkRequestsInFlight++;
    let isDone = false;
    res.end = new Proxy(res.end.bind(res), {
      apply(end, thisArg, args) {
        if (!isDone) sdkRequestsInFlight--;
        isDone = true;
        return Reflect.apply(end, thisArg, args);
      },
    });
    handler(req, res);
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/api/inngest`;
  await startExecutorProcess();
  const sync = await fetch(appUrl, { method: "PUT" });
  if (!sync.ok) throw new Error(`sync failed: ${sync.status} ${await sync.text()}`);
}, 60_000);

afterAll(async () => {
  for (const child of processes) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await db.$executeRaw`DELETE FROM executor_job WHERE "runId" IN (SELECT r.id FROM executor_run r JOIN executor_function f ON f.id = r."functionId" WHERE f."appId" = 'longhaul')`;
  app?.closeAllConnections();
  await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
  await fake?.stop();
});

const TOOLS = (["update_world_state", "finish", "delegate"] as const).map((name) => ({ name, enabled: true, approval: "never" as const }));
const ENDED: AgentStatus[] = ["completed", "failed", "stopped", "budget_exhausted", "stuck"];

async function waitForEnd(agentId: string, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const agent = await db.agent.findUniqueOrThrow({ where: { id: agentId }, select: { status: true, statusReason: true } });
    if (ENDED.includes(agent.status) || Date.now() > deadline) return agent;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("delegation under executor crashes", () => {
  it("SIGKILL of the executor mid-delegation: one child per task, each result delivered once, every carve settled", async () => {
    const owner = await createTestTeam();
    const provider = await createTestProvider(owner.team.id, { name: "fake-delegation-crash", baseUrl: fake.baseURL });
    const create = (name: string) =>
      owner.caller.agent.create(
        agentInput({ name, provider: provider.id, model: "gpt-4o-mini", cooldownSeconds: 1, budgetUsd: 20, tools: TOOLS }),
      );
    const planner = await create(PLANNER);
    const watcher = await create(WATCHER);
    const teamId = owner.team.id;
    const childOf = async (parentId: string, part: string) =>
      db.agent.findFirst({ where: { teamId, parentId, name: { contains: `› ${part} ·` } }, select: { id: true, status: true } });
    const isCompleted = (parentId: string, part: string) => async () => (await childOf(parentId, part))?.status === "completed";
    const nextModelRequest = (agent: (name: string) => boolean, cycle: number, what: string) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${what}; model requests: ${modelRequests.join(", ")}`)),
          60_000,
        );
        onModelRequest = (name, c) => {
          if (!agent(name) || c !== cycle) return;
          onModelRequest = null;
          clearTimeout(timer);
          resolve(`${name}#${c}`);
        };
      });
    const completed = (parentId: string, part: string) => () =>
      until(isCompleted(parentId, part), `${part} completed`, 60_000).then(() => `${part} completed`);

    // Each kill is aimed at a moment of the delegation once the executor killed before is back.
    const plan: { moment: string; start?: string; arrives: () => Promise<string> }[] = [
      // A parent's model call of cycle 1 in flight: the step goes on in this process and its `delegate` act
      // creates the children and asks for their runs while the executor is gone; the step runs again after the restart.
      {
        moment: "planner's delegate cycle",
        start: planner.id,
        arrives: () => nextModelRequest((n) => n === PLANNER, 1, "planner cycle 1"),
      },
      {
        moment: "watcher's delegate cycle",
        start: watcher.id,
        arrives: () => nextModelRequest((n) => n === WATCHER, 1, "watcher cycle 1"),
      },
      // A child at work.
      { moment: "a child's model call in flight", arrives: () => nextModelRequest((n) => n.includes("› beta ·"), 3, "beta cycle 3") },
      // A waiting parent's child just ended: its settlement and the parent's collect are under way.
      { moment: "alpha just completed", arrives: completed(planner.id, "alpha") },
      { moment: "beta just completed", arrives: completed(planner.id, "beta") },
      // A going-on parent's child just ended: its trigger delivery is under way.
      { moment: "drafter just completed", arrives: completed(watcher.id, "drafter") },
    ];
    const kills: { moment: string; at: string }[] = [];
    for (const { moment, start, arrives } of plan) {
      const arrived = arrives();
      if (start) await owner.caller.agent.start({ id: start });
      kills.push({ moment, at: await arrived });
      console.log(`[delegation-crash] kill at ${moment} (${kills.at(-1)!.at}) ${new Date().toISOString()}`);
      await killAndRestartExecutor();
    }
    expect(kills.map((k) => k.moment)).toEqual(plan.map((p) => p.moment));

    const [plannerEnd, watcherEnd] = await Promise.all([waitForEnd(planner.id), waitForEnd(watcher.id)]);
    const runsOf = (agentId: string) => db.$queryRaw<unknown[]>`
      SELECT r.id, r.status::text, e.name AS event, e.data->>'reason' AS reason,
             (SELECT json_agg(json_build_object('step', s.name, 'op', s.op, 'status', s.status::text, 'attempts', s.attempts, 'memo', left(s.memo::text, 200)) ORDER BY s.id) FROM executor_step s WHERE s."runId" = r.id) AS steps,
             (SELECT json_agg(json_build_object('step', w."stepId", 'expr', w.expression, 'expires', w."expiresAt")) FROM executor_wait w WHERE w."runId" = r.id) AS waits
        FROM executor_run r JOIN executor_event e ON e.id = r."eventId" WHERE e.data->>'agentId' = ${agentId}`;
    // On failure: the parent's and a child's executor runs (steps, waits) and the child-finished events.
    const finishedEvents = await db.$queryRaw<unknown[]>`SELECT data, "receivedAt" FROM executor_event WHERE name = 'agent/child.finished'`;
    const alpha = await childOf(planner.id, "alpha");
    const log =
      JSON.stringify({ runs: await runsOf(planner.id), alpha: await runsOf(alpha!.id), finishedEvents }, null, 1) +
      executorLog.filter((l) => /"level":[45]0/.test(l)).join("\n");
    expect(plannerEnd, log).toEqual({ status: "completed", statusReason: "Both reported." });
    expect(watcherEnd, log).toEqual({ status: "completed", statusReason: "The draft arrived." });
    expect(plannerFinalPrompt).toContain("alpha says 42");
    expect(plannerFinalPrompt).toContain("beta says 42");

    // Exactly one child per (call, task), each completed once.
    const children = await db.agent.findMany({
      where: { teamId, parentId: { not: null } },
      orderBy: { name: "asc" },
      select: { id: true, name: true, parentId: true, delegationKey: true, status: true, delegationSettledAt: true },
    });
    expect(children.map((c) => [c.name, c.parentId, c.status])).toEqual([
      [`${PLANNER} › alpha · 1.1`, planner.id, "completed"],
      [`${PLANNER} › beta · 1.2`, planner.id, "completed"],
      [`${WATCHER} › drafter · 1.1`, watcher.id, "completed"],
    ]);
    expect(new Set(children.map((c) => c.delegationKey)).size).toBe(3);
    for (const child of children) {
      expect(child.delegationSettledAt, child.name).not.toBeNull();
      const ends = await db.agentEvent.count({
        where: { agentId: child.id, type: "status_change", payload: { path: ["to"], equals: "completed" } },
      });
      expect(ends, child.name).toBe(1);
      const finishes = await db.agentEvent.count({
        where: { agentId: child.id, type: "tool_result", payload: { path: ["name"], equals: "finish" } },
      });
      expect(finishes, child.name).toBe(1);
    }

    // The waiting parent's delegate call: one call, one result, with both children's results.
    const plannerCycle1 = await db.agentEvent.findMany({
      where: { agentId: planner.id, cycle: 1, type: { in: ["tool_call", "tool_result"] } },
      select: { type: true, payload: true },
    });
    expect(plannerCycle1.map((e) => e.type)).toEqual(["tool_call", "tool_result"]);
    const outcomes = (plannerCycle1[1]!.payload as { result: { children: { name: string; result: string }[] } }).result.children;
    expect(outcomes.map((o) => o.result)).toEqual(["alpha says 42", "beta says 42"]);

    // The going-on parent: one delivery of its child's end, one `trigger` event.
    const drafter = children[2]!;
    expect(await db.triggerDelivery.findMany({ where: { agentId: watcher.id }, select: { source: true, deliveryId: true } })).toEqual([
      { source: "child", deliveryId: `child:${drafter.id}` },
    ]);
    const heard = await db.agentEvent.findMany({ where: { agentId: watcher.id, type: "trigger" }, select: { payload: true } });
    expect(heard).toHaveLength(1);
    expect(heard[0]!.payload).toMatchObject({ source: "child", body: { childId: drafter.id, status: "completed" } });

    // Money: every carve committed, nothing left reserved anywhere in the tree.
    const ids = [planner.id, watcher.id, ...children.map((c) => c.id)];
    const carves = await db.spendEntry.findMany({
      where: { agentId: { in: [planner.id, watcher.id] }, kind: "delegation" },
      select: { state: true },
    });
    expect(carves.map((c) => c.state)).toEqual(["committed", "committed", "committed"]);
    await expect.poll(() => db.spendEntry.count({ where: { agentId: { in: ids }, state: "reserved" } }), { timeout: 10_000 }).toBe(0);

    // No gap in any agent's event log; per cycle at most one thought, call and result.
    for (const agentId of ids) {
      const events = await db.agentEvent.findMany({
        where: { agentId },
        orderBy: { seq: "asc" },
        select: { seq: true, cycle: true, type: true },
      });
      expect(
        events.map((e) => e.seq),
        agentId,
      ).toEqual(events.map((_, i) => i + 1));
      const perCycle = new Map<string, number>();
      for (const e of events.filter((x) => ["thought", "tool_call", "tool_result"].includes(x.type))) {
        perCycle.set(`${e.cycle}:${e.type}`, (perCycle.get(`${e.cycle}:${e.type}`) ?? 0) + 1);
      }
      expect(
        [...perCycle].filter(([, n]) => n > 1),
        agentId,
      ).toEqual([]);
    }
    // Each cycle of each agent asked the model once (a re-run step found its thought).
    const asked = new Map<string, number>();
    for (const r of modelRequests) asked.set(r, (asked.get(r) ?? 0) + 1);
    expect([...asked].filter(([, n]) => n > 1)).toEqual([]);
  }, 240_000);
});
