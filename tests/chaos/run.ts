/**
 * `npm run chaos`: the fault-injection suite.
 *
 * CHAOS_AGENTS agents (50) run on the fake OpenAI-compatible model (tests/fixtures/fake-openai.ts,
 * spoken to by the real openai SDK over HTTP) through the real stack in three processes: the app's
 * Inngest functions (tests/chaos/app.ts), the project's executor (scripts/executor.ts),
 * PostgreSQL (tests/chaos/postgres.ts) and an MCP server (tests/chaos/mcp-server.ts) that every 4th agent
 * calls, in signed mode as `npm start` runs them. For CHAOS_SECONDS (180) this process injects faults at random
 * moments: SIGKILL of the executor, of the app, of both; PostgreSQL restarted (fast shutdown, and
 * immediate = crash recovery); and, on CHAOS_MODEL_FAULT_RATE (0.1) of model requests, a 429 with
 * retry-after, a 500, a reply slower than the client's timeout, a body that is not JSON, a tool call
 * whose arguments are not JSON, or prose without a tool call; every 2nd agent's messages also go to a
 * webhook channel whose receiver (in this process) answers 500, 429, drops the connection or is slow at
 * random (tests/chaos/channels.ts checks each message queued once, delivered or dead-lettered, and never
 * accepted twice unless announced as a possible repeat); every 5th agent delegates once to two child
 * agents, which run under the same faults (tests/chaos/delegation.ts). Meanwhile it acts like the team: it
 * approves or rejects the approvals some agents ask for, and pauses and resumes others.
 *
 * Then, with every process up again, it waits (CHAOS_SETTLE_SECONDS, 300) for every agent to finish
 * and checks: every agent completed; zero duplicate side effects (outbox messages, memories, effect
 * receipts) and each one matches the event that recorded it; zero lost or duplicated events (gap-free
 * sequence, one thought / call / result per cycle, every cycle accounted for); zero runs left stuck
 * (agent runs, executor runs and jobs, spend reservations). The report (counts of faults injected and
 * survived, the checks, the numbers) goes to .data/chaos/chaos.md and chaos.json (ignored by git, so a
 * run leaves the work tree clean); `npm run chaos -- --write-results` writes it to the committed
 * bench/results/ instead. The exit code is 1 when any check fails. CHAOS_SEED makes the fault schedule
 * and the model faults repeatable.
 *
 * Rerun: `npm run chaos` (as root with postgresql-common, as in CI; otherwise see tests/chaos/postgres.ts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, rmSync, type WriteStream } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { ChatCompletionCreateParams } from "openai/resources/chat/completions";
import pg from "pg";
import { applyMigrations } from "../../server/db/migrate";
import { generateEventKey, generateSigningKey } from "@longhaul/executor/signing";
import { startFakeOpenAI, type ScriptedReply } from "../fixtures/fake-openai";
import { checkDeliveries, settleDeliveries, startChaosReceiver, type ChannelCounts } from "./channels";
import { chaosPostgres } from "./postgres";
import {
  checkDelegation,
  childArgs,
  childIdentity,
  childResultOf,
  childTool,
  delegateArgs,
  delegates,
  DELEGATE_AT,
  expectedChildren,
  type DelegationCounts,
} from "./delegation";

const ROOT = path.resolve(import.meta.dirname, "../..");
const int = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got "${process.env[name]}".`);
  return value;
};
const SEED = int("CHAOS_SEED", Math.floor(Math.random() * 1_000_000));
const AGENTS = int("CHAOS_AGENTS", 50);
/** With the children of the delegating agents (tests/chaos/delegation.ts): agents too. */
const ALL_AGENTS = AGENTS + expectedChildren(AGENTS);
const FAULT_SECONDS = int("CHAOS_SECONDS", 180);
const SETTLE_SECONDS = int("CHAOS_SETTLE_SECONDS", 300);
/** After every agent finished: how long the executor's runs may take to end (a dead executor's lease, 60 s, plus backoff). */
const RUN_SETTLE_SECONDS = int("CHAOS_RUN_SETTLE_SECONDS", 150);
/** The cycle from which each agent's script says "finish". */
const FINISH_AT = int("CHAOS_CYCLES", 24);
const MODEL_FAULT_RATE = Number(process.env.CHAOS_MODEL_FAULT_RATE ?? 0.1);
/** Seconds between process/database faults: uniform in [min, max]. */
const GAP_MIN_S = int("CHAOS_FAULT_GAP_MIN", 3);
const GAP_MAX_S = int("CHAOS_FAULT_GAP_MAX", 9);
const EXECUTOR_PORT = int("CHAOS_EXECUTOR_PORT", 19_810);
const APP_PORT = int("CHAOS_APP_PORT", 19_811);
const MCP_PORT = int("CHAOS_MCP_PORT", 19_812);
const RECEIVER_PORT = int("CHAOS_RECEIVER_PORT", 19_813);
const MODEL_LATENCY_MS = int("CHAOS_MODEL_LATENCY_MS", 150);
const MODEL_TIMEOUT_MS = 3000;
const MODEL_MAX_RETRIES = 2;
const OUT = process.env.CHAOS_OUT ?? "chaos";
/** Where the report goes: the committed results only when asked, so CI and casual runs change no tracked file. */
const REPORT_DIR = process.argv.includes("--write-results") ? path.join(ROOT, "bench", "results") : path.join(ROOT, ".data", "chaos");
const RUN_DIR = path.join(ROOT, ".data", "chaos", new Date().toISOString().replace(/[:.]/g, "-"));

const startedAt = Date.now();
const clock = () => `${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)} s`;
const log = (line: string) => console.log(`[chaos ${clock()}] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** mulberry32: a small seeded generator, so a seed replays the same schedule of faults. */
function seeded(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seeded(SEED);
const modelRandom = seeded(SEED ^ 0x5eed);
const between = (min: number, max: number) => min + random() * (max - min);
function pick<T extends string>(weights: Record<T, number>, r = random()): T {
  const total = Object.values<number>(weights).reduce((a, b) => a + b, 0);
  let x = r * total;
  for (const [key, weight] of Object.entries<number>(weights)) if ((x -= weight) < 0) return key as T;
  return Object.keys(weights)[0] as T;
}

// -------------------------------------------------------------------------------------------------
// The agents' script: what the model answers in each cycle (by the cycle number in the prompt, so a
// cycle asked twice, after a crash, gets the same answer).
// -------------------------------------------------------------------------------------------------
type ToolName = "send_message" | "update_world_state" | "remember" | "finish" | "delegate" | typeof MCP_RECORD | typeof MCP_LOOKUP;
/** The chaos MCP server's tools (tests/chaos/mcp-server.ts) as the model sees them: its server is named "Chaos MCP". */
const MCP_RECORD = "mcp_chaos-mcp_record";
const MCP_LOOKUP = "mcp_chaos-mcp_lookup";
const MCP_TOOLS: string[] = [MCP_RECORD, MCP_LOOKUP];
/** Every 4th agent (from 2) calls the MCP server: `record` (not safe to repeat) and `lookup` (read-only), both slow. */
const usesMcp = (i: number) => i % 4 === 2;
/** Every 2nd agent (odd ones) also sends its messages to the team's webhook channel, which fails at random (tests/chaos/channels.ts). */
const sendsToChannel = (i: number) => i % 2 === 1;
const agentName = (i: number) => `Chaos agent ${String(i).padStart(2, "0")}`;
const subjectOf = (i: number, cycle: number) => `Agent ${i} report ${cycle}`;
const factOf = (i: number, cycle: number) => `Agent ${i} learned fact number ${cycle}.`;
const FINISH_RESULT = "Script complete.";
/** Every 5th agent asks before sending; every 10th (from 3) is paused and resumed by a "person". */
const asksApproval = (i: number) => i % 5 === 0;
const isPaused = (i: number) => i % 10 === 3;
/** The "person" rejects a third of the sends it is asked about. */
const rejects = (i: number, cycle: number) => (i + cycle) % 3 === 0;
function toolOf(cycle: number, i: number): ToolName {
  if (cycle >= FINISH_AT) return "finish";
  // Every 5th agent (from 4) delegates once to two children (tests/chaos/delegation.ts).
  if (delegates(i) && cycle === DELEGATE_AT) return "delegate";
  if (usesMcp(i) && cycle % 4 === 1) return cycle % 8 === 1 ? MCP_RECORD : MCP_LOOKUP;
  return (["update_world_state", "send_message", "update_world_state", "remember"] as const)[cycle % 4]!;
}
function argsOf(i: number, cycle: number, tool: ToolName) {
  switch (tool) {
    case MCP_RECORD:
      return { agent: i, cycle };
    case MCP_LOOKUP:
      return { n: cycle };
    case "finish":
      return { result: FINISH_RESULT };
    case "delegate":
      return delegateArgs(i);
    case "send_message":
      return { subject: subjectOf(i, cycle), body: `Findings of cycle ${cycle}.` };
    case "remember":
      return { content: factOf(i, cycle), importance: 0.5 };
    case "update_world_state":
      return { set: { [`c${cycle}`]: cycle } };
  }
}

type ModelFault = "429" | "500" | "timeout" | "malformed_body" | "malformed_tool_call" | "no_tool_call";
const MODEL_FAULT_WEIGHTS: Record<ModelFault, number> = {
  "429": 3,
  "500": 3,
  timeout: 1,
  malformed_body: 1,
  malformed_tool_call: 1,
  no_tool_call: 1,
};
function faultReply(fault: ModelFault, cycle: number, i: number): ScriptedReply {
  switch (fault) {
    case "429":
      return { kind: "error", status: 429, retryAfterSeconds: 1, message: "Rate limit reached (chaos)." };
    case "500":
      return { kind: "error", status: 500, message: "The server had an error (chaos)." };
    case "timeout":
      return { kind: "hang", ms: MODEL_TIMEOUT_MS + 1500 };
    case "malformed_body":
      return { kind: "malformed", body: "<html><body>502 Bad Gateway</body></html>" };
    case "malformed_tool_call":
      return { kind: "tool_calls", calls: [{ name: toolOf(cycle, i), arguments: '{"set": {"c' }], content: "Calling a tool." };
    case "no_tool_call":
      return { kind: "message", content: "I think I will just think about it for a while." };
  }
}

// -------------------------------------------------------------------------------------------------
// Processes that can be killed.
// -------------------------------------------------------------------------------------------------
class Proc {
  child: ChildProcess | null = null;
  starts = 0;
  private readonly out: WriteStream;
  private readonly logFile: string;
  constructor(
    readonly name: string,
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly isReady: () => Promise<boolean>,
  ) {
    this.logFile = path.join(RUN_DIR, `${name}.log`);
    this.out = createWriteStream(this.logFile, { flags: "a" });
  }
  async start() {
    // The react-server condition, as Next runs the app's server code: "server-only" modules load as they do there.
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", ...this.args], {
      cwd: ROOT,
      env: this.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.starts++;
    this.child = child;
    this.out.write(`\n===== start ${this.starts} (pid ${child.pid}) at ${clock()} =====\n`);
    child.stdout?.pipe(this.out, { end: false });
    child.stderr?.pipe(this.out, { end: false });
    const deadline = Date.now() + 60_000;
    while (!(await this.isReady())) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${this.name} exited while starting; see ${this.logFile}`);
      if (Date.now() > deadline) throw new Error(`${this.name} did not become ready in 60 s; see ${this.logFile}`);
      await sleep(100);
    }
  }
  async kill(signal: NodeJS.Signals = "SIGKILL") {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await exited;
    this.out.write(`===== ${signal} at ${clock()} =====\n`);
  }
}
const answers = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(2000) }).then(
    (r) => r.status < 500,
    () => false,
  );

// -------------------------------------------------------------------------------------------------
// The run.
// -------------------------------------------------------------------------------------------------
mkdirSync(RUN_DIR, { recursive: true });
log(`seed ${SEED}; ${AGENTS} agents, ${FINISH_AT} cycles each; faults for ${FAULT_SECONDS} s; logs in ${path.relative(ROOT, RUN_DIR)}`);
const postgres = chaosPostgres(log);
const databaseName = `longhaul_chaos_${randomBytes(3).toString("hex")}`;
const databaseUrl = (() => {
  const u = new URL(postgres.serverUrl);
  u.pathname = `/${databaseName}`;
  return u.toString();
})();
{
  const admin = new pg.Client({ connectionString: postgres.serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${databaseName}`);
  await admin.end();
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  await c.query("CREATE EXTENSION IF NOT EXISTS vector");
  await c.end();
  await applyMigrations(databaseUrl);
}
log(`database ${databaseName} on ${postgres.label}`);

const executorUrl = `http://127.0.0.1:${EXECUTOR_PORT}`;
const appUrl = `http://127.0.0.1:${APP_PORT}/api/inngest`;
// Signed mode, as `npm start` runs it (docs/decisions/017): the executor signs its calls, the app's SDK
// checks them and authenticates its own calls to the executor with the same key.
const baseEnv: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_ENV: "production",
  DATABASE_URL: databaseUrl,
  INNGEST_DEV: "0",
  INNGEST_SIGNING_KEY: generateSigningKey(),
  INNGEST_EVENT_KEY: generateEventKey(),
  INNGEST_BASE_URL: executorUrl,
  INNGEST_API_BASE_URL: executorUrl,
  INNGEST_EVENT_API_BASE_URL: executorUrl,
  BETTER_AUTH_SECRET: process.env.BETTER_AUTH_SECRET ?? randomBytes(32).toString("hex"),
  OPENAI_API_KEY: "chaos-key",
  // The fake model listens on 127.0.0.1; the outbound guard lets model calls reach it (docs/decisions/019).
  LONGHAUL_PRIVATE_MODEL_HOSTS: "127.0.0.1,localhost",
  // So does the chaos MCP server, as an operator would allow a server on the same host.
  LONGHAUL_PRIVATE_TOOL_HOSTS: "127.0.0.1",
  MODEL_TIMEOUT_MS: String(MODEL_TIMEOUT_MS),
  MODEL_MAX_RETRIES: String(MODEL_MAX_RETRIES),
  // Reservations of calls a crash cut off are charged by the watchdog after a minute (default 15).
  ORPHANED_RESERVATION_SECONDS: "60",
  // Channel deliveries retry from half a second (doubling), so a message the receiver keeps refusing is dead-lettered within the run.
  CHANNEL_RETRY_BASE_MS: "500",
  LOG_LEVEL: "warn",
};
delete baseEnv.INNGEST_SIGNING_KEY_FALLBACK;
// This process creates, starts, pauses and resumes agents and decides approvals with the app's modules.
Object.assign(process.env, baseEnv);

const fake = await startFakeOpenAI({ latencyMs: MODEL_LATENCY_MS });
// The webhook receiver of every 2nd agent's messages, failing at random (its own seeded stream, so the fault schedule stays the seed's).
const receiver = await startChaosReceiver(seeded(SEED + 21), RECEIVER_PORT);
const app = new Proc("app", ["tests/chaos/app.ts"], { ...baseEnv, PORT: String(APP_PORT) }, () => answers(appUrl));
const recordFile = path.join(RUN_DIR, "mcp-records.jsonl");
const mcpUrl = `http://127.0.0.1:${MCP_PORT}/mcp`;
const mcp = new Proc("mcp", ["tests/chaos/mcp-server.ts"], { ...baseEnv, PORT: String(MCP_PORT), RECORD_FILE: recordFile }, () =>
  answers(mcpUrl),
);
const executor = new Proc(
  "executor",
  ["scripts/executor.ts", "-u", appUrl, "-p", String(EXECUTOR_PORT)],
  { ...baseEnv, EXECUTOR_SYNC_INTERVAL_MS: "0" },
  () => answers(`${executorUrl}/health`),
);

const { db } = await import("../../server/db/client");
const { closeDatabasePool } = await import("../../server/db/raw");
const { createAgent } = await import("../../server/agents/agents");
const control = await import("../../server/agents/control");
const { createMcpServer } = await import("../../server/mcp/servers");
const { refreshDiscovery } = await import("../../server/mcp/pool");
const { encryptSecret } = await import("../../server/secrets/crypto");
const { listDeliveries } = await import("../../server/channels/delivery-log");

// Model requests and faults, by agent and cycle.
const modelFaults: Record<ModelFault, number> = {
  "429": 0,
  "500": 0,
  timeout: 0,
  malformed_body: 0,
  malformed_tool_call: 0,
  no_tool_call: 0,
};
const modelCalls = new Map<string, number>();
let faultsOn = true;
fake.setResponder((body: ChatCompletionCreateParams): ScriptedReply => {
  // A fold's summary call (no tools: docs/decisions/032) is not a cycle's request.
  if (!body.tools?.length) return { kind: "message", content: "The agent worked through its scripted cycles." };
  const text = body.messages.map((m) => (typeof m.content === "string" ? m.content : "")).join("\n");
  // A delegating agent's child (`Chaos agent 04 › reader a · 2.1`) has a script of its own.
  const child = childIdentity(/You are "([^"]+)"/.exec(text)?.[1] ?? "");
  const i = child ? child.i : Number(/You are "Chaos agent (\d+)"/.exec(text)?.[1] ?? NaN);
  const cycle = Number(/Cycle (\d+)\./.exec(text)?.[1] ?? NaN);
  if (!Number.isFinite(i) || !Number.isFinite(cycle)) return { kind: "message", content: "No script for this prompt." };
  const key = child ? `${i}/${child.task}:${cycle}` : `${i}:${cycle}`;
  modelCalls.set(key, (modelCalls.get(key) ?? 0) + 1);
  if (faultsOn && modelRandom() < MODEL_FAULT_RATE) {
    const fault = pick(MODEL_FAULT_WEIGHTS, modelRandom());
    modelFaults[fault]++;
    return faultReply(fault, cycle, i);
  }
  if (child) {
    const tool = childTool(cycle);
    return { kind: "tool_calls", calls: [{ name: tool, arguments: childArgs(i, child.task, cycle) }], content: `Cycle ${cycle}: ${tool}.` };
  }
  const tool = toolOf(cycle, i);
  return { kind: "tool_calls", calls: [{ name: tool, arguments: argsOf(i, cycle, tool) }], content: `Cycle ${cycle}: ${tool}.` };
});

/** Retries an action of "the team" while the database or the executor is down (as a person would click again). */
const actionFailures: Record<string, number> = {};
async function persist<T>(what: string, fn: () => Promise<T>, deadlineMs = 120_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      actionFailures[what] = (actionFailures[what] ?? 0) + 1;
      if (Date.now() > deadline) throw error;
      await sleep(1000);
    }
  }
}

const processFaults = { executor: 0, app: 0, both: 0, postgres_fast: 0, postgres_immediate: 0, mcp: 0 };
type ProcessFault = keyof typeof processFaults;
const timeline: { at: number; fault: string; downMs: number }[] = [];
const teamActions = {
  approved: 0,
  rejected: 0,
  approvalSendFailed: 0,
  paused: 0,
  resumed: 0,
  outcomeRetry: 0,
  outcomeDone: 0,
  outcomeSkip: 0,
};
type Counts = {
  cycles: number;
  events: number;
  errorCycles: Record<string, number>;
  sends: number;
  rejectedSends: number;
  mcpCalls: number;
  mcpFailed: number;
  mcpRecords: number;
  mcpUnknownHeld: number;
  worldStateUpdates: number;
  memories: number;
  episodes: number;
  runs: number;
  rollovers: number;
  recoveredByWatchdog: number;
  cyclesAskedTwice: number;
  orphanedReservationsCharged: number;
};
type Report = {
  seed: number;
  agents?: number;
  cyclesPerAgent?: number;
  faultSeconds?: number;
  elapsedSeconds?: number;
  database?: string;
  postgresRestarts?: string;
  processFaults?: Record<string, number>;
  modelFaults?: Record<string, number>;
  modelRequests?: number;
  teamActions?: Record<string, number>;
  actionFailures?: Record<string, number>;
  starts?: Record<string, number>;
  counts?: Partial<Omit<Counts, "errorCycles">> & { errorCycles?: Record<string, number> };
  timeline?: { at: number; fault: string; downMs: number }[];
  violations: string[];
  channels?: ChannelCounts;
  delegation?: DelegationCounts;
};
let report: Report = { seed: SEED, violations: [] };
let violations: string[] = [];

try {
  await mcp.start();
  await app.start();
  await executor.start();
  // The executor syncs the app when it starts (signed; an unsigned PUT from here would be refused).
  const synced = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  for (let k = 0; ; k++) {
    const { rows } = await synced.query<{ n: number }>(`SELECT count(*)::int AS n FROM executor_function WHERE id LIKE '%-agent-run'`);
    if (rows[0]!.n > 0) break;
    if (k > 300) throw new Error("the executor did not sync the app's functions in 30 s");
    await sleep(100);
  }
  await synced.end();

  // The team, its provider and the agents.
  const userId = `chaos-${randomBytes(4).toString("hex")}`;
  const teamId = `chaos-team-${randomBytes(4).toString("hex")}`;
  await db.user.create({ data: { id: userId, name: "Chaos", email: `${userId}@example.test` } });
  await db.team.create({ data: { id: teamId, name: "Chaos", slug: teamId } });
  const provider = await db.modelProvider.create({ data: { teamId, name: "fake", baseUrl: fake.baseURL }, select: { id: true } });
  const mcpServer = await createMcpServer({
    teamId,
    userId,
    input: { transport: "http", name: "Chaos MCP", url: mcpUrl, headers: [], callTimeoutSeconds: 5 },
  });
  const discovered = await refreshDiscovery({ teamId, serverId: mcpServer.id });
  if (
    discovered.status !== "up" ||
    discovered.discovery?.tools
      .map((t) => t.exposedName)
      .sort()
      .join() !== [...MCP_TOOLS].sort().join()
  )
    throw new Error(
      `the chaos MCP server was not discovered as expected: ${discovered.lastError ?? JSON.stringify(discovered.discovery?.tools)}`,
    );
  const channel = await db.channel.create({
    data: {
      teamId,
      name: "Chaos hook",
      kind: "webhook",
      ratePerMinute: 600,
      secretsCiphertext: encryptSecret(JSON.stringify({ url: `${receiver.url}/hook`, signingSecret: "chaos-signing-secret" }), teamId),
    },
  });
  const ids: string[] = [];
  for (let i = 1; i <= AGENTS; i++) {
    const agent = await createAgent({
      teamId,
      userId,
      input: {
        name: agentName(i),
        goal: "Follow the script: update the world state, send reports, remember facts, then finish.",
        provider: provider.id,
        model: "gpt-4o-mini",
        budgetUsd: 100,
        cooldownSeconds: 1,
        approvalTimeoutSeconds: 60,
        approvalTimeoutPolicy: "reject",
        stuckNoProgressCycles: 10_000,
        messageChannelIds: sendsToChannel(i) ? [channel.id] : [],
        tools: [
          ...(["update_world_state", "send_message", "remember", "finish"] as const).map((name) => ({
            name,
            enabled: true,
            approval: name === "send_message" && asksApproval(i) ? ("always" as const) : ("never" as const),
          })),
          ...(usesMcp(i) ? MCP_TOOLS.map((name) => ({ name, enabled: true, approval: "never" as const })) : []),
          ...(delegates(i) ? [{ name: "delegate", enabled: true, approval: "never" as const }] : []),
        ],
      },
    });
    ids.push(agent.id);
  }
  // Short runs, so rollovers happen under faults too; no budget limits (budgets are tested elsewhere).
  await db.agent.updateMany({ where: { teamId }, data: { cyclesPerRun: 8, budgetUsd: null, budgetTokens: null, budgetCycles: null } });
  const indexOf = new Map(ids.map((id, k) => [id, k + 1]));
  for (const agentId of ids) await persist("start", () => control.startAgent({ agentId, teamId, userId }));
  log(`${AGENTS} agents started`);

  const watch = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  watch.on("error", () => {});
  const q = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => (await watch.query<T>(sql, params)).rows;
  const statuses = async () =>
    Object.fromEntries(
      (
        await q<{ status: string; n: number }>(`SELECT status::text, count(*)::int AS n FROM agent WHERE "teamId" = $1 GROUP BY 1`, [
          teamId,
        ])
      ).map((r) => [r.status, r.n]),
    );
  const finished = async () =>
    (
      await q<{ n: number }>(
        `SELECT count(*)::int AS n FROM agent WHERE "teamId" = $1 AND status IN ('completed','failed','stopped','budget_exhausted')`,
        [teamId],
      )
    )[0]!.n;

  let stopTeam = false;
  // The team: decides approvals as they come (after a moment), pauses and resumes some agents once.
  const team = (async () => {
    const pauseAt = new Map(ids.filter((_, k) => isPaused(k + 1)).map((id) => [id, Date.now() + between(10, FAULT_SECONDS * 0.6) * 1000]));
    const resumeAt = new Map<string, number>();
    while (!stopTeam) {
      await sleep(1000);
      try {
        const pending = await q<{ id: string; agentId: string; cycle: number; kind: string }>(
          `SELECT id, "agentId", cycle, kind::text FROM approval WHERE "teamId" = $1 AND status = 'pending' AND "createdAt" < now() - interval '1 second'`,
          [teamId],
        );
        for (const a of pending) {
          const i = indexOf.get(a.agentId)!;
          // A call whose outcome is unknown: retried, marked done or skipped, by turns.
          const resolution = a.kind === "outcome" ? (["outcomeSkip", "outcomeDone", "outcomeRetry"] as const)[(i + a.cycle) % 3]! : null;
          const decision = (a.kind === "tool" && rejects(i, a.cycle)) || resolution === "outcomeSkip" ? "rejected" : "approved";
          try {
            await control.decideApproval({
              teamId,
              userId,
              approvalId: a.id,
              decision,
              comment: "chaos",
              ...(resolution && resolution !== "outcomeSkip" ? { answer: resolution === "outcomeDone" ? "done" : "retry" } : {}),
            });
            teamActions[decision]++;
            if (resolution) teamActions[resolution]++;
          } catch (error) {
            // Decided in the database but the event not delivered (executor down): the watchdog sends the
            // decision again within a minute. Anything else (database down): tried again next second.
            if (/already/.test((error as Error).message)) continue;
            const row = await q<{ status: string }>(`SELECT status::text FROM approval WHERE id = $1`, [a.id]).catch(() => []);
            if (row[0] && row[0].status !== "pending") {
              teamActions[decision]++;
              teamActions.approvalSendFailed++;
            }
          }
        }
        for (const [agentId, at] of pauseAt) {
          if (Date.now() < at) continue;
          try {
            await control.pauseAgent({ agentId, teamId, userId });
            teamActions.paused++;
            pauseAt.delete(agentId);
            resumeAt.set(agentId, Date.now() + between(3, 12) * 1000);
          } catch {
            // Not pausable right now (waiting to start, finished): try a little later; finished ones are dropped.
            const s = (await q<{ status: string }>(`SELECT status::text FROM agent WHERE id = $1`, [agentId]).catch(() => []))[0]?.status;
            if (s === "completed" || s === "paused") pauseAt.delete(agentId);
            if (s === "paused") {
              // Paused in the database, but the event that cancels the run was not delivered (executor down):
              // the run stops at its next think, which finds the agent paused.
              teamActions.paused++;
              resumeAt.set(agentId, Date.now() + between(3, 12) * 1000);
            }
          }
        }
        for (const [agentId, at] of resumeAt) {
          if (Date.now() < at) continue;
          try {
            await control.startAgent({ agentId, teamId, userId });
            teamActions.resumed++;
            resumeAt.delete(agentId);
          } catch {
            // Resumed in the database but the event not delivered (executor down): the watchdog starts
            // the run within a minute. The database down: tried again next second.
            const s = (await q<{ status: string }>(`SELECT status::text FROM agent WHERE id = $1`, [agentId]).catch(() => []))[0]?.status;
            if (s && s !== "paused") {
              teamActions.resumed++;
              resumeAt.delete(agentId);
            }
          }
        }
      } catch {
        // The database is restarting.
      }
    }
  })();

  // Faults.
  const faultsUntil = Date.now() + FAULT_SECONDS * 1000;
  let lastProgress = Date.now();
  while (Date.now() < faultsUntil) {
    await sleep(between(GAP_MIN_S, GAP_MAX_S) * 1000);
    const done = await finished().catch(() => 0);
    if (done === ALL_AGENTS) break;
    const fault = pick<ProcessFault>({ executor: 3, app: 3, both: 1, postgres_fast: 1.5, postgres_immediate: 1.5, mcp: 2 });
    const t0 = Date.now();
    if (fault === "executor" || fault === "app" || fault === "both" || fault === "mcp") {
      const victims = fault === "both" ? [executor, app] : [fault === "executor" ? executor : fault === "app" ? app : mcp];
      for (const p of victims) await p.kill("SIGKILL");
      await sleep(between(0.1, 3) * 1000);
      for (const p of victims.reverse()) await p.start();
    } else if (postgres.restart) {
      postgres.restart(fault === "postgres_fast" ? "fast" : "immediate");
    } else continue;
    processFaults[fault]++;
    timeline.push({ at: (t0 - startedAt) / 1000, fault, downMs: Date.now() - t0 });
    if (Date.now() - lastProgress > 10_000) {
      lastProgress = Date.now();
      log(`after ${timeline.length} faults: ${JSON.stringify(await statuses().catch(() => ({})))}`);
    }
  }
  faultsOn = false;
  log(`faults stopped after ${timeline.length} process/database faults; waiting for every agent to finish`);

  // Settle: every agent finishes, then the executor's runs end.
  const settleUntil = Date.now() + SETTLE_SECONDS * 1000;
  while (Date.now() < settleUntil && (await finished().catch(() => 0)) < ALL_AGENTS) {
    await sleep(2000);
    if ((Date.now() - startedAt) % 20_000 < 2000) log(JSON.stringify(await statuses().catch(() => ({}))));
  }
  stopTeam = true;
  await team;
  const agentRunRuns = async () =>
    (
      await q<{ n: number }>(
        `SELECT count(*)::int AS n FROM executor_run r JOIN executor_event e ON e.id = r."eventId"
          WHERE r.status = 'running' AND e.data->>'agentId' = ANY($1::text[])`,
        [ids],
      )
    )[0]!.n;
  // A run can still be owed work after its agent finished: a job leased by an executor that was killed
  // comes back when its lease ends (EXECUTOR_LEASE_MS, 60 s by default), and a call that failed waits out
  // its retry backoff (doubling from 1 s). Wait for both rather than for a fixed 30 s.
  for (let k = 0; k < RUN_SETTLE_SECONDS && (await agentRunRuns()) > 0; k++) await sleep(1000);
  // Reservations of calls cut off by a crash: the watchdog charges them once they are a minute old.
  const reservedNow = async () =>
    (await q<{ n: number }>(`SELECT count(*)::int AS n FROM spend_entry WHERE "teamId" = $1 AND state = 'reserved'`, [teamId]))[0]!.n;
  for (let k = 0; k < 150 && (await reservedNow()) > 0; k++) await sleep(1000);
  // Channel deliveries still on their way (a retry's backoff, up to 6 attempts) end delivered or dead.
  const deliveriesLeft = await settleDeliveries(q, teamId, 180_000);
  if (deliveriesLeft > 0) log(`${deliveriesLeft} channel deliveries still on their way after 180 s`);
  const elapsedS = (Date.now() - startedAt) / 1000;
  log(`checking (${JSON.stringify(await statuses())})`);

  // ---------------------------------------------------------------------------------------------
  // The checks.
  // ---------------------------------------------------------------------------------------------
  const v: string[] = [];
  const agents = await q<{
    id: string;
    name: string;
    status: string;
    statusReason: string | null;
    cycleCount: number;
    worldState: Record<string, number>;
  }>(`SELECT id, name, status::text, "statusReason", "cycleCount", "worldState" FROM agent WHERE "teamId" = $1 ORDER BY name`, [teamId]);
  type EventPayload = {
    kind?: string;
    stage?: string;
    name?: string;
    status?: string;
    error?: string;
    result?: { resolvedByPerson?: boolean };
  };
  const events = await q<{ agentId: string; seq: number; cycle: number; type: string; payload: EventPayload }>(
    `SELECT "agentId", seq, cycle, type::text, payload FROM agent_event WHERE "teamId" = $1 ORDER BY "agentId", seq`,
    [teamId],
  );
  const outbox = await q<{ agentId: string; subject: string; idempotencyKey: string }>(
    `SELECT "agentId", subject, "idempotencyKey" FROM outbox_message WHERE "teamId" = $1`,
    [teamId],
  );
  // The remember tool's facts (by content), and the episode each acting cycle writes (by its source event).
  const memories = await q<{ agentId: string; content: string; n: number }>(
    `SELECT "agentId", content, count(*)::int AS n FROM memory WHERE "teamId" = $1 AND kind = 'fact' GROUP BY 1, 2`,
    [teamId],
  );
  const episodes = await q<{ agentId: string; seq: number; n: number }>(
    `SELECT "agentId", "sourceEventSeq" AS seq, count(*)::int AS n FROM memory WHERE "teamId" = $1 AND kind = 'episode' GROUP BY 1, 2`,
    [teamId],
  );
  const effects = await q<{ agentId: string; idempotencyKey: string; status: string; toolName: string }>(
    `SELECT "agentId", "idempotencyKey", status::text, "toolName" FROM tool_effect WHERE "teamId" = $1`,
    [teamId],
  );
  // What the chaos MCP server's `record` did, by agent and cycle (a line per execution).
  const records = new Map<string, number>();
  for (const line of (await readFile(recordFile, "utf8").catch(() => "")).split("\n").filter(Boolean)) {
    const r = JSON.parse(line) as { agent: number; cycle: number };
    records.set(`${r.agent}:${r.cycle}`, (records.get(`${r.agent}:${r.cycle}`) ?? 0) + 1);
  }
  const outcomeHolds = new Set(
    (
      await q<{ agentId: string; cycle: number }>(`SELECT "agentId", cycle FROM approval WHERE "teamId" = $1 AND kind = 'outcome'`, [
        teamId,
      ])
    ).map((a) => `${a.agentId}:${a.cycle}`),
  );
  const counts: Counts = {
    mcpCalls: 0,
    mcpFailed: 0,
    mcpRecords: 0,
    mcpUnknownHeld: 0,
    cycles: 0,
    events: events.length,
    errorCycles: {},
    sends: 0,
    rejectedSends: 0,
    worldStateUpdates: 0,
    memories: 0,
    episodes: 0,
    runs: 0,
    rollovers: 0,
    recoveredByWatchdog: 0,
    cyclesAskedTwice: 0,
    orphanedReservationsCharged: 0,
  };
  for (const agent of agents) {
    // A delegating agent's child is checked like the others, against its own script.
    const child = indexOf.has(agent.id) ? null : childIdentity(agent.name);
    const i = child ? child.i : indexOf.get(agent.id)!;
    const scriptTool = (cycle: number): ToolName => (child ? childTool(cycle) : toolOf(cycle, i));
    const callsKey = (cycle: number) => (child ? `${i}/${child.task}:${cycle}` : `${i}:${cycle}`);
    const label = `${agent.name}`;
    counts.cycles += agent.cycleCount;
    if (agent.status !== "completed" || agent.statusReason !== (child ? childResultOf(i, child.task) : FINISH_RESULT)) {
      v.push(`${label} ended ${agent.status} (${agent.statusReason ?? "no reason"}) at cycle ${agent.cycleCount}, not completed`);
    }
    const own = events.filter((e) => e.agentId === agent.id);
    const seqs = own.map((e) => e.seq);
    if (seqs.some((s, k) => s !== k + 1))
      v.push(`${label}: event sequence has gaps or repeats (${seqs.length} events, last seq ${seqs.at(-1)})`);
    const succeeded = new Map<ToolName, Set<number>>();
    for (let cycle = 1; cycle <= agent.cycleCount; cycle++) {
      const of = own.filter((e) => e.cycle === cycle);
      const n = (type: string) => of.filter((e) => e.type === type).length;
      if (n("thought") > 1 || n("tool_call") > 1 || n("tool_result") > 1) {
        v.push(`${label} cycle ${cycle}: duplicated events (${of.map((e) => e.type).join(", ")})`);
      }
      if (n("thought") === 0 && n("error") === 0) v.push(`${label} cycle ${cycle}: no thought and no error recorded (lost)`);
      for (const e of of.filter((x) => x.type === "error")) {
        const kind = e.payload.kind ?? e.payload.stage ?? "error";
        counts.errorCycles[kind] = (counts.errorCycles[kind] ?? 0) + 1;
      }
      const call = of.find((e) => e.type === "tool_call");
      const result = of.find((e) => e.type === "tool_result");
      if (call && !result && cycle < agent.cycleCount) v.push(`${label} cycle ${cycle}: a tool call without a result`);
      if (call && result) {
        const name = call.payload.name as ToolName;
        if (name !== scriptTool(cycle)) v.push(`${label} cycle ${cycle}: called ${name}, the script says ${scriptTool(cycle)}`);
        if (MCP_TOOLS.includes(name)) counts.mcpCalls++;
        if (name === MCP_RECORD) {
          // The server's effect happened at most as often as the ledger gave the call a key (each key is called
          // at most once: never repeated silently), and at least once when it is recorded as done by the server.
          const made = records.get(`${i}:${cycle}`) ?? 0;
          const keys = effects.filter((e) => e.agentId === agent.id && e.idempotencyKey.startsWith(`${agent.id}:${cycle}:`)).length;
          if (made > keys) v.push(`${label} cycle ${cycle}: record ran ${made} times on the server for ${keys} ledger keys (repeated)`);
          const byServer = result.payload.status === "succeeded" && !result.payload.result?.resolvedByPerson;
          if (byServer && made === 0) v.push(`${label} cycle ${cycle}: record succeeded but the server has no record of it`);
          counts.mcpRecords += made;
        }
        if (result.payload.status === "succeeded") {
          if (!succeeded.has(name)) succeeded.set(name, new Set());
          succeeded.get(name)!.add(cycle);
        } else if (name === "send_message" && result.payload.status === "rejected") counts.rejectedSends++;
        // The MCP server killed mid-call: the agent is told and goes on. A person skipped an unknown outcome.
        else if (
          MCP_TOOLS.includes(name) &&
          result.payload.status === "failed" &&
          /MCP server "Chaos MCP"/.test(result.payload.error ?? "")
        )
          counts.mcpFailed++;
        else if (MCP_TOOLS.includes(name) && result.payload.status === "skipped") continue;
        else v.push(`${label} cycle ${cycle}: ${name} ended ${result.payload.status ?? "?"} (${result.payload.error ?? ""})`);
      }
      if ((modelCalls.get(callsKey(cycle)) ?? 0) > 1 + MODEL_MAX_RETRIES) counts.cyclesAskedTwice++;
    }
    // Side effects: exactly the ones the events recorded, each once.
    const sentSubjects = outbox.filter((o) => o.agentId === agent.id).map((o) => o.subject);
    const expectedSubjects = [...(succeeded.get("send_message") ?? [])].map((c) => subjectOf(i, c));
    if (new Set(sentSubjects).size !== sentSubjects.length) v.push(`${label}: duplicate outbox messages (${sentSubjects.join("; ")})`);
    if ([...sentSubjects].sort().join("|") !== [...expectedSubjects].sort().join("|")) {
      v.push(
        `${label}: outbox [${sentSubjects.sort().join("; ")}] differs from the recorded sends [${expectedSubjects.sort().join("; ")}]`,
      );
    }
    counts.sends += sentSubjects.length;
    const facts = memories.filter((m) => m.agentId === agent.id && m.content.startsWith(`Agent ${i} learned`));
    for (const m of facts.filter((f) => f.n > 1)) v.push(`${label}: memory "${m.content}" stored ${m.n} times`);
    const expectedFacts = [...(succeeded.get("remember") ?? [])].map((c) => factOf(i, c)).sort();
    if (
      facts
        .map((f) => f.content)
        .sort()
        .join("|") !== expectedFacts.join("|")
    ) {
      v.push(
        `${label}: memories [${facts.map((f) => f.content).join("; ")}] differ from the recorded remembers [${expectedFacts.join("; ")}]`,
      );
    }
    counts.memories += facts.length;
    const ownEpisodes = episodes.filter((m) => m.agentId === agent.id);
    for (const m of ownEpisodes.filter((x) => x.n > 1)) v.push(`${label}: the episode of event ${m.seq} stored ${m.n} times`);
    counts.episodes += ownEpisodes.length;
    const expectedState = Object.fromEntries(
      [...(succeeded.get("update_world_state") ?? [])].sort((a, b) => a - b).map((c) => [`c${c}`, c]),
    );
    const state = Object.fromEntries(Object.entries(agent.worldState ?? {}).filter(([k]) => /^c\d+$/.test(k)));
    if (JSON.stringify(Object.entries(state).sort()) !== JSON.stringify(Object.entries(expectedState).sort())) {
      v.push(`${label}: world state ${JSON.stringify(state)} differs from the recorded updates ${JSON.stringify(expectedState)}`);
    }
    counts.worldStateUpdates += Object.keys(expectedState).length;
  }
  for (const e of effects.filter((x) => x.status !== "succeeded")) {
    const cycleKey = e.idempotencyKey.split(":").slice(0, 2).join(":");
    // An MCP call cut off by its server's death failed (the agent was told); one cut off by the app's death is
    // unknown, and must have been held for a person rather than repeated.
    if (MCP_TOOLS.includes(e.toolName) && e.status === "failed") continue;
    if (e.toolName === MCP_RECORD && e.status === "started" && outcomeHolds.has(cycleKey)) {
      counts.mcpUnknownHeld++;
      continue;
    }
    v.push(`effect ${e.idempotencyKey} (${e.toolName}) is ${e.status}: outcome unknown`);
  }
  if (new Set(effects.map((e) => e.idempotencyKey)).size !== effects.length) v.push("effect ledger: an idempotency key appears twice");

  // Nothing left stuck.
  const runs = await q<{ status: string; reason: string | null; n: number }>(
    `SELECT status::text, reason, count(*)::int AS n FROM agent_run WHERE "teamId" = $1 GROUP BY 1, 2`,
    [teamId],
  );
  counts.runs = runs.reduce((a, r) => a + r.n, 0);
  counts.rollovers = runs.filter((r) => /roll/i.test(r.reason ?? "")).reduce((a, r) => a + r.n, 0);
  for (const r of runs.filter((x) => x.status === "running" || x.status === "queued")) v.push(`${r.n} agent runs left ${r.status}`);
  const recovered = await q<{ n: number }>(
    `SELECT count(*)::int AS n FROM agent_event WHERE "teamId" = $1 AND type = 'status_change' AND payload->>'change' = 'recovered'`,
    [teamId],
  ).catch(() => [{ n: 0 }]);
  counts.recoveredByWatchdog = recovered[0]?.n ?? 0;
  const openExecutorRuns = await agentRunRuns();
  if (openExecutorRuns > 0) {
    // Say what each left run is waiting for, so a failure can be read without the kept database.
    const left = await q<{ id: string; agent: string; job: string | null }>(
      `SELECT r.id, e.data->>'agentId' AS agent,
              (SELECT string_agg(format('job %s attempt %s runAt %s leasedBy %s until %s', j.id, j.attempt, j."runAt", j."leasedBy", j."leaseExpiresAt"), '; ')
                 FROM executor_job j WHERE j."runId" = r.id) AS job
         FROM executor_run r JOIN executor_event e ON e.id = r."eventId"
        WHERE r.status = 'running' AND e.data->>'agentId' = ANY($1::text[])`,
      [ids],
    );
    v.push(
      `${openExecutorRuns} executor runs of these agents still running ${RUN_SETTLE_SECONDS} s after the agents finished: ${left
        .map((r) => `${r.id} (agent ${r.agent}: ${r.job ?? "no job"})`)
        .join("; ")}`,
    );
  }
  const leftJobs = (
    await q<{ n: number }>(
      `SELECT count(*)::int AS n FROM executor_job j JOIN executor_run r ON r.id = j."runId" JOIN executor_event e ON e.id = r."eventId"
        WHERE e.data->>'agentId' = ANY($1::text[])`,
      [ids],
    )
  )[0]!.n;
  if (leftJobs > 0) v.push(`${leftJobs} executor jobs of these agents left in the queue`);
  const reserved = await reservedNow();
  if (reserved > 0) v.push(`${reserved} spend reservations never settled`);
  // The agents' spend counters equal their ledgers.
  const ledger = await q<{ name: string; spent: string; ledger: string; tokens: string; ledgerTokens: string }>(
    `SELECT a.name, a."spentUsd"::text AS spent, coalesce(sum(s."costUsd"), 0)::text AS ledger,
            a."tokensUsed"::text AS tokens, coalesce(sum(s."tokensIn" + s."tokensOut"), 0)::text AS "ledgerTokens"
       FROM agent a LEFT JOIN spend_entry s ON s."agentId" = a.id AND s.state = 'committed'
      WHERE a."teamId" = $1 GROUP BY a.id`,
    [teamId],
  );
  for (const l of ledger.filter((x) => Number(x.spent) !== Number(x.ledger) || x.tokens !== x.ledgerTokens)) {
    v.push(`${l.name}: spend counters ($${l.spent}, ${l.tokens} tokens) differ from the ledger ($${l.ledger}, ${l.ledgerTokens} tokens)`);
  }
  counts.orphanedReservationsCharged = (
    await q<{ n: number }>(
      `SELECT coalesce(sum((payload->>'calls')::int), 0)::int AS n FROM agent_event WHERE "teamId" = $1 AND type = 'budget' AND payload->>'reason' = 'orphaned_reservation'`,
      [teamId],
    )
  )[0]!.n;

  const deadInLog = new Set<string>();
  for (let cursor: string | undefined, k = 0; k < 100; k++) {
    const page = await listDeliveries({ teamId, status: "dead", limit: 100, ...(cursor ? { cursor } : {}) });
    for (const item of page.items) deadInLog.add(item.id);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  const channelAgentIds = new Set(ids.filter((id) => sendsToChannel(indexOf.get(id)!)));
  const channelCheck = await checkDeliveries({ q, teamId, channelId: channel.id, channelAgentIds, receiver, deadInLog });
  v.push(...channelCheck.violations);
  const delegationCheck = await checkDelegation({ q, teamId, parents: indexOf });
  v.push(...delegationCheck.violations);

  violations = v;
  report = {
    channels: channelCheck.counts,
    delegation: delegationCheck.counts,
    seed: SEED,
    agents: AGENTS,
    cyclesPerAgent: FINISH_AT,
    faultSeconds: FAULT_SECONDS,
    elapsedSeconds: Math.round(elapsedS),
    database: postgres.label,
    postgresRestarts: postgres.restart ? "yes" : "not possible here",
    processFaults,
    modelFaults,
    modelRequests: [...modelCalls.values()].reduce((a, b) => a + b, 0),
    teamActions,
    actionFailures,
    starts: { app: app.starts, executor: executor.starts, mcp: mcp.starts },
    counts,
    timeline,
    violations: v,
  };
  await watch.end();
} catch (error) {
  violations.push(`the suite itself failed: ${(error as Error).stack ?? String(error)}`);
  report = { ...report, seed: SEED, violations };
} finally {
  await executor.kill("SIGTERM").catch(() => {});
  await app.kill("SIGTERM").catch(() => {});
  await mcp.kill("SIGTERM").catch(() => {});
  await fake.stop().catch(() => {});
  await receiver.close().catch(() => {});
  await db.$disconnect().catch(() => {});
  await closeDatabasePool().catch(() => {});
}

await writeReport(report, violations);
log(`report written to ${path.relative(ROOT, path.join(REPORT_DIR, `${OUT}.md`))}`);
if (violations.length === 0) {
  const admin = new pg.Client({ connectionString: postgres.serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  await admin.end();
  if (!process.env.CHAOS_KEEP_POSTGRES) postgres.stop();
  // A passing run's process logs tell nothing the report does not; a failing run keeps them.
  rmSync(RUN_DIR, { recursive: true, force: true });
  log("passed: every check held");
  process.exit(0);
}
log(
  `FAILED: ${violations.length} checks failed (database ${databaseName} kept; logs in ${path.relative(ROOT, RUN_DIR)}):\n  ${violations.slice(0, 40).join("\n  ")}`,
);
process.exit(1);

async function writeReport(r: Report, failed: string[]) {
  const dir = REPORT_DIR;
  mkdirSync(dir, { recursive: true });
  await writeFile(path.join(dir, `${OUT}.json`), `${JSON.stringify({ measuredAt: new Date().toISOString(), ...r }, null, 2)}\n`);
  const pf = r.processFaults ?? {};
  const mf = r.modelFaults ?? {};
  const c = r.counts ?? {};
  const ta = r.teamActions ?? {};
  const total = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
  const lines = [
    "# Fault-injection suite (`npm run chaos`)",
    "",
    `Run ${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, Node ${process.version}; ${r.database ?? ""}.`,
    `Seed ${r.seed} (rerun this schedule: \`CHAOS_SEED=${r.seed} npm run chaos\`); ${r.agents} agents × ${r.cyclesPerAgent} cycles;`,
    `faults for ${r.faultSeconds} s, whole run ${r.elapsedSeconds} s. **Result: ${failed.length === 0 ? "passed — every check held" : `FAILED — ${failed.length} checks failed`}.**`,
    "",
    "Four processes: the app's Inngest functions (`tests/chaos/app.ts`), the executor (`scripts/executor.ts`),",
    "PostgreSQL and an MCP server on the official SDK (`tests/chaos/mcp-server.ts`, slow tools, killed at random too);",
    "the model is `tests/fixtures/fake-openai.ts` reached by the real `openai` SDK over HTTP",
    `(latency ${MODEL_LATENCY_MS} ms, client timeout ${MODEL_TIMEOUT_MS} ms, ${MODEL_MAX_RETRIES} retries).`,
    "",
    '## Faults injected (all survived when the result above is "passed")',
    "",
    "| fault | injected |",
    "| --- | --- |",
    `| SIGKILL executor (restarted after 0.1–3 s) | ${pf.executor ?? 0} |`,
    `| SIGKILL app (restarted after 0.1–3 s) | ${pf.app ?? 0} |`,
    `| SIGKILL executor and app together | ${pf.both ?? 0} |`,
    `| PostgreSQL restart, fast shutdown | ${pf.postgres_fast ?? 0} |`,
    `| PostgreSQL restart, immediate shutdown (crash recovery) | ${pf.postgres_immediate ?? 0} |`,
    `| SIGKILL of the MCP server (restarted after 0.1–3 s) | ${pf.mcp ?? 0} |`,
    `| model: 429 with retry-after 1 s | ${mf["429"] ?? 0} |`,
    `| model: 500 | ${mf["500"] ?? 0} |`,
    `| model: reply slower than the client timeout | ${mf.timeout ?? 0} |`,
    `| model: body that is not JSON | ${mf.malformed_body ?? 0} |`,
    `| model: tool call with invalid JSON arguments | ${mf.malformed_tool_call ?? 0} |`,
    `| model: prose, no tool call | ${mf.no_tool_call ?? 0} |`,
    `| **total** | **${total(pf) + total(mf)}** (${total(pf)} process/database, ${total(mf)} model, of ${r.modelRequests ?? 0} model requests) |`,
    "",
    "Model faults the SDK's retries absorbed never reach the agent; the rest became error cycles the agent",
    `went on from (by kind: ${JSON.stringify(c.errorCycles ?? {})}).`,
    "",
    "## What the team did meanwhile",
    "",
    `Approved ${ta.approved ?? 0} and rejected ${ta.rejected ?? 0} sends (${ta.approvalSendFailed ?? 0} of the decisions were stored while the executor was down`,
    `and reached the run later); paused ${ta.paused ?? 0} agents and resumed ${ta.resumed ?? 0}. Actions retried because the database or the`,
    `executor was down: ${JSON.stringify(r.actionFailures ?? {})}.`,
    "",
    "## Checks",
    "",
    `- every agent completed its script: ${failed.some((f) => /not completed/.test(f)) ? "**no**" : "yes"}`,
    `- zero duplicate side effects: ${c.sends ?? 0} outbox messages, ${c.memories ?? 0} remembered facts, ${c.episodes ?? 0} episode memories, ${c.worldStateUpdates ?? 0} world-state updates, each exactly once and each matching its recorded tool result: ${failed.some((f) => /outbox|memor|world state|effect/.test(f)) ? "**no**" : "yes"}`,
    `- zero lost or duplicated events: ${c.events ?? 0} events over ${c.cycles ?? 0} cycles, gap-free, one thought/call/result per cycle: ${failed.some((f) => /event|lost|duplicated/.test(f)) ? "**no**" : "yes"}`,
    `- zero runs left stuck: ${c.runs ?? 0} agent runs (${c.rollovers ?? 0} ended by rollover), none left running; no executor run, job or spend reservation left (${c.orphanedReservationsCharged ?? 0} reservations of calls cut off by a crash were charged at their worst case by the watchdog), spend counters equal the ledger: ${failed.some((f) => /left|never settled|still running|counters/.test(f)) ? "**no**" : "yes"}`,
    `- MCP calls (every 4th agent; a slow server killed at random): ${c.mcpCalls ?? 0} calls, ${c.mcpFailed ?? 0} failed because the server died (the agent was told and went on), ${c.mcpUnknownHeld ?? 0} cut off by a crash and held for a person (retried ${ta.outcomeRetry ?? 0}, marked done ${ta.outcomeDone ?? 0}, skipped ${ta.outcomeSkip ?? 0}); the server's \`record\` ran ${c.mcpRecords ?? 0} times, never more often than the ledger gave its call a key: ${failed.some((f) => /record|MCP/.test(f)) ? "**no**" : "yes"}`,
    `- channel deliveries (every 2nd agent's messages to a webhook that answers 500, 429, drops the connection or is slow at random): ${r.channels?.messages ?? 0} messages, ${r.channels?.delivered ?? 0} delivered and ${r.channels?.dead ?? 0} dead-lettered (all in the delivery log) after ${r.channels?.attempts ?? 0} attempts; receiver answers ${JSON.stringify(r.channels?.receiverRequests ?? {})}; ${r.channels?.maybeDelivered ?? 0} marked "maybe delivered" after a crash between sending and recording (${r.channels?.acceptedTwiceFlagged ?? 0} accepted twice, each repeat announced); each message queued once per channel, accepted at most once unless announced, none left on its way: ${failed.some((f) => /deliver/.test(f)) ? "**no**" : "yes"}`,
    `- sub-agents (every 5th agent delegates once to two children; every 10th waits for them, the others go on): ${r.delegation?.delegatingParents ?? 0} delegating agents, ${r.delegation?.children ?? 0} children (agents too, in the checks above), ${r.delegation?.waitResults ?? 0} waiting calls' results recorded once with both children's results, ${r.delegation?.childTriggers ?? 0} child-end events heard by going-on parents (one per child), ${r.delegation?.carves ?? 0} carves all committed; one child per delegation key: ${failed.some((f) => /delegat|child/.test(f)) ? "**no**" : "yes"}`,
    `- runs the watchdog restarted: ${c.recoveredByWatchdog ?? 0}; cycles with more model requests than one call can make (1 + ${MODEL_MAX_RETRIES} retries), i.e. certainly asked again after a crash (a lower bound): ${c.cyclesAskedTwice ?? 0}`,
    "",
    ...(failed.length ? ["## Failures", "", ...failed.slice(0, 100).map((f) => `- ${f}`), ""] : []),
    "## Fault timeline (seconds from start; how long the fault took to inject and recover from)",
    "",
    (r.timeline ?? []).map((t) => `${t.at.toFixed(0)} s ${t.fault} (${t.downMs} ms)`).join(" · "),
    "",
    "Rerun: `npm run chaos` (as root on a Debian-style machine: it creates and restarts its own PostgreSQL cluster;",
    "elsewhere `CHAOS_DATABASE_URL=… CHAOS_PG_RESTART_COMMAND='…{mode}…' npm run chaos`). Settings: CHAOS_SEED, CHAOS_AGENTS,",
    "CHAOS_SECONDS, CHAOS_CYCLES, CHAOS_MODEL_FAULT_RATE, CHAOS_FAULT_GAP_MIN/MAX, CHAOS_SETTLE_SECONDS (header of tests/chaos/run.ts).",
    "",
  ];
  await writeFile(path.join(dir, `${OUT}.md`), lines.join("\n"));
}
