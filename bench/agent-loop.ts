/**
 * `npm run bench` (agent-loop part): what one think-act cycle of the real agent loop costs, and whether
 * that cost stays flat as the agent's history grows.
 *
 *   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx --conditions=react-server bench/agent-loop.ts
 *
 * One agent runs ~1,000 cycles through everything production runs: the app's Inngest functions served
 * by inngest/node `serve`, the project's executor (in this process, on BENCH_EXECUTOR_PORT, default
 * 19500), PostgreSQL, and the real openai SDK talking to tests/fixtures/fake-openai.ts (zero latency).
 * Cooldown 0, budget unlimited, 50 cycles per run (the default), so the run rolls over 20 times.
 *
 * 1. Bytes per cycle around cycle 10 and around cycle 1,000: retained row data (the change of the sum of
 *    pg_column_size over all rows), relation growth (pg_total_relation_size), and WAL (this database's
 *    records via pg_walinspect, and the cluster-wide LSN difference).
 * 2. Per-cycle overhead: the time between the model requests of consecutive cycles, minus the model
 *    call as the loop measured it (the thought event's durationMs).
 * 3. Context assembly (server/agents/events.ts loadContext, and server/loop/context.ts assembleContext
 *    when the app has it) for agents with 10 … 100,000 events seeded with SQL, and the budget
 *    reservation every cycle makes (server/spend/budget.ts reserveSpend) next to it.
 *
 * A fresh database is created on that server and dropped afterwards. Results: bench/results/agent-loop.md.
 */
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import type { InngestFunction } from "inngest";
import { serve } from "inngest/node";
import type { ChatCompletionCreateParams } from "openai/resources/chat/completions";
import pg from "pg";
import { applyMigrations } from "../server/db/migrate";
import { executorOptionsFromEnv, startExecutor } from "@longhaul/executor";
import { startFakeOpenAI, type ScriptedReply } from "../tests/fixtures/fake-openai";
import { appBenchDatabase, machineFacts, ms, percentile } from "./lib";

const CYCLES_PER_RUN = 50;
/** The "around cycle 1,000" cycle; must be a multiple of CYCLES_PER_RUN (so it ends a run, as cycle 50 does). */
const LATE_CYCLE = Number(process.env.BENCH_AGENT_LATE_CYCLE ?? 1_000);
/** The last window ends at the model request of cycle LATE_CYCLE + 6, which calls finish. */
const TOTAL_CYCLES = LATE_CYCLE + 6;
/** A second agent with a cooldown of 1 s (the form's usual case): what each sleep and wake-up adds. */
const SLEEPER_NAME = "Sleeping bench";
const SLEEPER_CYCLES = 40;
const EXECUTOR_PORT = Number(process.env.BENCH_EXECUTOR_PORT ?? 19_500);
/**
 * BENCH_AGENT_EXECUTOR=process runs the executor as its own process (scripts/executor.ts), as `npm start`
 * deploys it beside the app, instead of in this process's event loop; its round trips are then not
 * counted. Results go to agent-loop-executor-process.md/json, beside the default run's.
 */
const EXECUTOR_IN_PROCESS = (process.env.BENCH_AGENT_EXECUTOR ?? "in-process") !== "process";
const RESULT_NAME = EXECUTOR_IN_PROCESS ? "agent-loop" : "agent-loop-executor-process";
const TIMEOUT_MS = Number(process.env.BENCH_AGENT_TIMEOUT_S ?? 600) * 1000;
/** BENCH_AGENT_LOOP_ONLY=1: only the loop, its overhead printed, nothing written (for comparing changes quickly). */
const LOOP_ONLY = process.env.BENCH_AGENT_LOOP_ONLY === "1";
const CONTEXT_SIZES = [10, 1_000, 10_000, 100_000];
const CONTEXT_SAMPLES = 300;
const SPEND_SAMPLES = 100;
const log = (line: string) => console.log(`[bench:agent-loop] ${line}`);

if (LATE_CYCLE % CYCLES_PER_RUN !== 0 || LATE_CYCLE < 2 * CYCLES_PER_RUN) {
  throw new Error(`BENCH_AGENT_LATE_CYCLE must be a multiple of ${CYCLES_PER_RUN} and at least ${2 * CYCLES_PER_RUN}.`);
}

type Window = { id: string; label: string; first: number; last: number };
const fmt = (n: number) => n.toLocaleString("en-US");
const lateRun = LATE_CYCLE / CYCLES_PER_RUN;
const midRun = Math.round(lateRun / 2);
/** Windows of whole cycles; each is measured from the model request of `first` to that of `last + 1`. */
const WINDOWS: Window[] = [
  { id: "early-run", label: `cycles 1–${CYCLES_PER_RUN} (run 1, holds cycle 10)`, first: 1, last: CYCLES_PER_RUN },
  // Halfway: does what grows between run 1 and the late run stop growing (bounded) or go on?
  ...(midRun > 1
    ? [
        {
          id: "mid-run",
          label: `cycles ${fmt((midRun - 1) * CYCLES_PER_RUN + 1)}–${fmt(midRun * CYCLES_PER_RUN)} (run ${midRun})`,
          first: (midRun - 1) * CYCLES_PER_RUN + 1,
          last: midRun * CYCLES_PER_RUN,
        },
      ]
    : []),
  {
    id: "late-run",
    label: `cycles ${fmt(LATE_CYCLE - CYCLES_PER_RUN + 1)}–${fmt(LATE_CYCLE)} (run ${lateRun}, holds cycle ${fmt(LATE_CYCLE)})`,
    first: LATE_CYCLE - CYCLES_PER_RUN + 1,
    last: LATE_CYCLE,
  },
  { id: "around-10", label: "cycles 6–15 (around cycle 10)", first: 6, last: 15 },
  {
    id: "late-same-position",
    label: `cycles ${fmt(LATE_CYCLE - CYCLES_PER_RUN + 6)}–${fmt(LATE_CYCLE - CYCLES_PER_RUN + 15)} (same places in run ${lateRun} as 6–15 in run 1)`,
    first: LATE_CYCLE - CYCLES_PER_RUN + 6,
    last: LATE_CYCLE - CYCLES_PER_RUN + 15,
  },
  {
    id: "around-late",
    label: `cycles ${fmt(LATE_CYCLE - 4)}–${fmt(LATE_CYCLE + 5)} (around cycle ${fmt(LATE_CYCLE)}, across a rollover)`,
    first: LATE_CYCLE - 4,
    last: LATE_CYCLE + 5,
  },
];
const BOUNDARIES = [...new Set(WINDOWS.flatMap((w) => [w.first, w.last + 1]))].sort((a, b) => a - b);

// The embedded PGlite serves one query at a time and has no WAL to inspect: not what these targets are about.
const database = await appBenchDatabase(log, "needs a PostgreSQL server");
// Also read by the app's modules at import (the Inngest client, the model settings).
process.env.INNGEST_DEV = `http://127.0.0.1:${EXECUTOR_PORT}`;
process.env.OPENAI_API_KEY = "test-key";
// The fake model listens on 127.0.0.1; the outbound guard lets model calls reach it (docs/decisions/019).
process.env.LONGHAUL_PRIVATE_MODEL_HOSTS = "127.0.0.1,localhost";
process.env.MODEL_MAX_RETRIES = "0";
process.env.MODEL_TIMEOUT_MS = "60000";
// Deliberately not the app's inngest env: the SDK must not see a signing key from the shell.
delete process.env.INNGEST_SIGNING_KEY;
delete process.env.INNGEST_EVENT_KEY;

/** A WAL position ("16/B2C3D4E0") as a byte offset. */
const lsnBytes = (lsn: string) => {
  const [hi, lo] = lsn.split("/");
  return Number((BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`));
};

type TableBytes = Record<string, { rows: number; bytes: number }>;
type WalPart = { records: number; bytes: number; fpiBytes: number };
type Boundary = {
  cycle: number;
  lsn: number;
  /** Rows and the sum of their pg_column_size, per table. */
  tableData: TableBytes;
  relationBytes: Record<string, number>;
  /** xact_commit of every other database on the server (databases come and go while tests run). */
  otherDbCommits: Record<string, number>;
  roundTrips: Record<"app" | "executor", Tally>;
};
type Segment = {
  from: number;
  to: number;
  rows: TableBytes;
  walByTable: Record<string, WalPart>;
  walCommits: WalPart;
  clusterWal: number;
  relationGrowth: Record<string, number>;
  otherDbCommits: number;
  roundTrips: Record<"app" | "executor", Tally>;
};

/**
 * Database round trips, counted and timed on the client (pg.Client#query, which Prisma's adapter and the
 * executor's pool both use): the app's (Prisma and the loop's statements on its pool) apart from the executor's (its pool sets a TimeZone option).
 * The benchmark's own measuring connections are left out.
 */
type Tally = { calls: number; ms: number };
const tally: Record<"app" | "executor", Tally> = { app: { calls: 0, ms: 0 }, executor: { calls: 0, ms: 0 } };
/** BENCH_AGENT_TRACE_CYCLE=N prints every statement between cycle N's model request and cycle N+1's (then exits). */
const TRACE_CYCLE = Number(process.env.BENCH_AGENT_TRACE_CYCLE ?? 0);
let trace: { at: number; who: string; sql: string; ms: number }[] | null = null;
let traceStart = 0;
const untracked = new WeakSet<object>();
{
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: { connectionParameters?: { options?: string } }, ...args: unknown[]) {
    if (untracked.has(this)) return original.apply(this, args);
    const t = tally[this.connectionParameters?.options?.includes("TimeZone") ? "executor" : "app"];
    t.calls++;
    const started = performance.now();
    let traced: { ms: number } | null = null;
    if (trace) {
      const first = args[0] as string | { text?: string };
      const entry = {
        at: started - traceStart,
        who: t === tally.app ? "app" : "executor",
        sql: (typeof first === "string" ? first : (first?.text ?? "?")).replace(/\s+/g, " ").slice(0, 140),
        ms: -1,
      };
      trace.push(entry);
      traced = entry;
      const own = entry;
      const last0 = args.at(-1);
      if (typeof last0 !== "function") {
        const r = original.apply(this, args);
        if (r instanceof Promise)
          void r
            .then(() => {
              own.ms = performance.now() - started;
              t.ms += own.ms;
            })
            .catch(() => {});
        return r;
      }
    }
    const last = args.at(-1);
    if (typeof last === "function") {
      args[args.length - 1] = (...callbackArgs: unknown[]) => {
        t.ms += performance.now() - started;
        if (traced) traced.ms = performance.now() - started;
        return (last as (...a: unknown[]) => unknown)(...callbackArgs);
      };
      return original.apply(this, args);
    }
    const result = original.apply(this, args);
    if (result instanceof Promise) void result.then(() => (t.ms += performance.now() - started)).catch(() => {});
    return result;
  };
}
/** The executor as its own process (BENCH_AGENT_EXECUTOR=process), ready when its /health answers. */
async function spawnExecutor(databaseUrl: string) {
  const child = spawn(
    process.execPath,
    ["--conditions=react-server", "--import", "tsx", "scripts/executor.ts", "-p", String(EXECUTOR_PORT)],
    {
      cwd: path.join(import.meta.dirname, ".."),
      env: { ...process.env, DATABASE_URL: databaseUrl, EXECUTOR_SYNC_INTERVAL_MS: "0", LOG_LEVEL: "warn" },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the executor process exited (${child.exitCode})`);
    const ok = await fetch(`http://127.0.0.1:${EXECUTOR_PORT}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 300) throw new Error("the executor process did not answer /health in 30 s");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

const ownClient = (url: string) => {
  const client = new pg.Client({ connectionString: url });
  untracked.add(client);
  // Dropping the database at the end (or after a failure) ends these connections: not an error of the benchmark.
  client.on("error", () => {});
  return client;
};

const results: Record<string, unknown> = {};
const startedAt = new Date();
const wallStart = performance.now();
let cleanupApp: (() => Promise<void>) | null = null;
/** Ends the benchmark here (a trace printed, or BENCH_AGENT_LOOP_ONLY): the app stopped and the database dropped. */
async function stopEarly(): Promise<never> {
  if (cleanupApp) await cleanupApp().catch(() => {});
  // BENCH_KEEP_DATABASE=1 leaves it for a look (EXPLAIN, pg_stat_user_tables); drop it by hand afterwards.
  if (process.env.BENCH_KEEP_DATABASE === "1") log(`kept database ${database.name ?? database.url}`);
  else await database.cleanup().catch(() => {});
  process.exit(0);
}
try {
  await applyMigrations(database.url);
  const probe = ownClient(database.url);
  await probe.connect();
  let hasWalInspect = true;
  try {
    await probe.query("CREATE EXTENSION IF NOT EXISTS pg_walinspect");
  } catch (error) {
    hasWalInspect = false;
    log(`pg_walinspect unavailable (${(error as Error).message}); WAL per database is skipped, the cluster-wide LSN difference stays`);
  }
  const dbOid = (await probe.query<{ oid: number }>("SELECT oid::int AS oid FROM pg_database WHERE datname = current_database()")).rows[0]!
    .oid;
  const serverFacts = (
    await probe.query<{ version: string; fpw: string; sync: string; shared_buffers: string }>(
      `SELECT version(), current_setting('full_page_writes') AS fpw, current_setting('synchronous_commit') AS sync,
              current_setting('shared_buffers') AS shared_buffers`,
    )
  ).rows[0]!;
  await probe.end();

  const { db } = await import("../server/db/client");
  const { closeDatabasePool } = await import("../server/db/raw");
  const { inngest } = await import("../inngest/client");
  const { functions } = await import("../inngest");
  const control = await import("../server/agents/control");
  const { createAgent } = await import("../server/agents/agents");
  const { loadContext } = await import("../server/agents/events");
  const { readThinkState } = await import("../server/loop/sql");
  const { direct } = await import("../server/db/raw");
  const { reserveSpend } = await import("../server/spend/budget");

  // ---------------------------------------------------------------------------------------------
  // The stack: executor (production defaults) + the app's functions + the fake model.
  // ---------------------------------------------------------------------------------------------
  const fake = await startFakeOpenAI({ latencyMs: 0 });
  const app = http.createServer(serve({ client: inngest, functions: functions as InngestFunction.Any[] }));
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  const executor = EXECUTOR_IN_PROCESS
    ? await startExecutor({
        ...executorOptionsFromEnv({}),
        databaseUrl: database.url,
        host: "127.0.0.1",
        port: EXECUTOR_PORT,
        sdkUrls: [],
        syncIntervalMs: 0,
      })
    : await spawnExecutor(database.url);
  const sync = await fetch(`http://127.0.0.1:${(app.address() as AddressInfo).port}/api/inngest`, { method: "PUT" });
  if (!sync.ok) throw new Error(`sync failed: ${sync.status} ${await sync.text()}`);
  cleanupApp = async () => {
    app.closeAllConnections();
    await new Promise<void>((resolve) => app.close(() => resolve()));
    await executor.stop();
    await fake.stop();
  };

  const userId = `bench-${randomBytes(6).toString("hex")}`;
  const teamId = `bench-team-${randomBytes(6).toString("hex")}`;
  await db.user.create({ data: { id: userId, name: "Bench", email: `${userId}@example.test` } });
  await db.team.create({ data: { id: teamId, name: "Bench", slug: teamId } });
  const provider = await db.modelProvider.create({ data: { teamId, name: "fake", baseUrl: fake.baseURL }, select: { id: true } });
  const tools = (["update_world_state", "remember", "search_memory", "send_message", "finish"] as const).map((name) => ({
    name,
    enabled: true,
    approval: "never" as const,
  }));
  const agent = await createAgent({
    teamId,
    userId,
    input: {
      name: "Long haul bench",
      goal: "Watch the prices of 37 products, remember changes and report them to the team.",
      instructions: "Check one product per cycle. Report a change as soon as you see it.",
      provider: provider.id,
      model: "gpt-4o-mini",
      budgetUsd: 1,
      cooldownSeconds: 1,
      tools,
    },
  });
  // No cooldown (cycles go straight on) and no budget (so no soft-limit hold either).
  await db.agent.update({
    where: { id: agent.id },
    data: { cooldownSeconds: 0, cyclesPerRun: CYCLES_PER_RUN, budgetUsd: null, budgetTokens: null, budgetCycles: null },
  });

  // ---------------------------------------------------------------------------------------------
  // 1 + 2. One agent, TOTAL_CYCLES cycles, measured from the model's side of each cycle.
  // ---------------------------------------------------------------------------------------------
  const measure = ownClient(database.url);
  await measure.connect();
  const userTables = (
    await measure.query<{ relname: string }>(`SELECT relname FROM pg_stat_user_tables WHERE schemaname = 'public' ORDER BY relname`)
  ).rows.map((r) => r.relname);

  /** relfilenode -> the table it belongs to (indexes, TOAST tables and their indexes to their owner). */
  async function filenodeOwners() {
    const { rows } = await measure.query<{ filenode: string; owner: string }>(
      `SELECT c.relfilenode::text AS filenode,
              coalesce(owner_of_toast.relname, owner_of_index.relname, owner_of_toast_index.relname, c.relname) AS owner
         FROM pg_class c
         LEFT JOIN pg_class owner_of_toast ON owner_of_toast.reltoastrelid = c.oid
         LEFT JOIN pg_index i ON i.indexrelid = c.oid
         LEFT JOIN pg_class owner_of_index ON owner_of_index.oid = i.indrelid AND owner_of_index.relkind <> 't'
         LEFT JOIN pg_class owner_of_toast_index ON owner_of_toast_index.reltoastrelid = i.indrelid
        WHERE c.relfilenode <> 0`,
    );
    return new Map(rows.map((r) => [r.filenode, r.owner]));
  }

  async function takeBoundary(cycle: number): Promise<Boundary> {
    const roundTrips = { app: { ...tally.app }, executor: { ...tally.executor } };
    const { rows } = await measure.query<{ lsn: string; other: Record<string, number> }>(
      `SELECT pg_current_wal_lsn()::text AS lsn,
              (SELECT coalesce(json_object_agg(datname, xact_commit), '{}') FROM pg_stat_database
                WHERE datname IS NOT NULL AND datname <> current_database()) AS other`,
    );
    const tableData: TableBytes = {};
    for (const table of userTables) {
      const r = await measure.query<{ rows: number; bytes: number }>(
        `SELECT count(*)::int AS rows, coalesce(sum(pg_column_size(t.*)), 0)::float8 AS bytes FROM "${table}" t`,
      );
      tableData[table] = r.rows[0]!;
    }
    const sizes = await measure.query<{ relname: string; bytes: number }>(
      `SELECT relname, pg_total_relation_size(relid)::float8 AS bytes FROM pg_stat_user_tables WHERE schemaname = 'public'`,
    );
    return {
      cycle,
      lsn: lsnBytes(rows[0]!.lsn),
      tableData,
      relationBytes: Object.fromEntries(sizes.rows.map((r) => [r.relname, r.bytes])),
      otherDbCommits: rows[0]!.other,
      roundTrips,
    };
  }

  const lsnText = (bytes: number) => {
    const big = BigInt(bytes);
    return `${(big >> 32n).toString(16).toUpperCase()}/${(big & 0xffffffffn).toString(16).toUpperCase()}`;
  };

  /** Everything written between two boundaries: row data retained, WAL records by relation, sizes. */
  async function measureSegment(from: Boundary, to: Boundary): Promise<Segment> {
    const rows: TableBytes = {};
    for (const [table, now] of Object.entries(to.tableData)) {
      const before = from.tableData[table] ?? { rows: 0, bytes: 0 };
      if (now.rows !== before.rows || now.bytes !== before.bytes)
        rows[table] = { rows: now.rows - before.rows, bytes: now.bytes - before.bytes };
    }
    const walByTable: Record<string, WalPart> = {};
    const walCommits: WalPart = { records: 0, bytes: 0, fpiBytes: 0 };
    if (hasWalInspect) {
      const owners = await filenodeOwners();
      const mine = ` rel \\d+/${dbOid}/`;
      const byNode = await measure.query<{ filenode: string; records: number; bytes: number; fpi: number }>(
        `SELECT substring(block_ref from 'rel \\d+/\\d+/(\\d+)') AS filenode, count(*)::int AS records,
                sum(record_length)::float8 AS bytes, coalesce(sum(fpi_length), 0)::float8 AS fpi
           FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn) WHERE block_ref ~ $3 GROUP BY 1`,
        [lsnText(from.lsn), lsnText(to.lsn), mine],
      );
      for (const r of byNode.rows) {
        const owner = owners.get(r.filenode) ?? "(catalogs and other)";
        const part = (walByTable[owner] ??= { records: 0, bytes: 0, fpiBytes: 0 });
        part.records += r.records;
        part.bytes += r.bytes;
        part.fpiBytes += r.fpi;
      }
      // Commit records carry no relation: they are this database's when their transaction wrote here.
      const commits = await measure.query<{ records: number; bytes: number }>(
        `WITH r AS (SELECT * FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn)),
              mine AS (SELECT DISTINCT xid::text::bigint AS xid FROM r WHERE block_ref ~ $3)
         SELECT count(*)::int AS records, coalesce(sum(record_length), 0)::float8 AS bytes FROM r
          WHERE resource_manager = 'Transaction' AND xid::text::bigint IN (SELECT xid FROM mine)`,
        [lsnText(from.lsn), lsnText(to.lsn), mine],
      );
      walCommits.records = commits.rows[0]!.records;
      walCommits.bytes = commits.rows[0]!.bytes;
    }
    const relationGrowth: Record<string, number> = {};
    for (const [table, bytes] of Object.entries(to.relationBytes)) {
      const growth = bytes - (from.relationBytes[table] ?? 0);
      if (growth !== 0) relationGrowth[table] = growth;
    }
    return {
      from: from.cycle,
      to: to.cycle,
      rows,
      walByTable,
      walCommits,
      clusterWal: to.lsn - from.lsn,
      relationGrowth,
      otherDbCommits: Object.entries(to.otherDbCommits).reduce(
        (n, [name, commits]) => n + Math.max(0, commits - (from.otherDbCommits[name] ?? 0)),
        0,
      ),
      roundTrips: {
        app: { calls: to.roundTrips.app.calls - from.roundTrips.app.calls, ms: to.roundTrips.app.ms - from.roundTrips.app.ms },
        executor: {
          calls: to.roundTrips.executor.calls - from.roundTrips.executor.calls,
          ms: to.roundTrips.executor.ms - from.roundTrips.executor.ms,
        },
      },
    };
  }

  const arrivals = new Map<number, number>();
  const sleeperArrivals = new Map<number, number>();
  const cycleLsn = new Map<number, number>();
  const boundaries: Boundary[] = [];
  const segments: Segment[] = [];
  const isMeasured = (from: number, to: number) => WINDOWS.some((w) => from >= w.first && to <= w.last + 1);

  /** The model's script: a fixed mix of five tools, so every window does the same work. */
  function scriptFor(cycle: number): ScriptedReply {
    const item = cycle % 37;
    const call = (name: string, args: unknown): ScriptedReply => ({
      kind: "tool_calls",
      calls: [{ name, arguments: args }],
      content: `Cycle ${cycle}: I will use ${name} for product ${item}.`,
    });
    if (cycle >= TOTAL_CYCLES) return call("finish", { result: `Watched prices for ${cycle} cycles.` });
    switch (cycle % 5) {
      case 1:
        return call("update_world_state", { set: { product: item, checkedAt: cycle, price: 100 + (cycle % 13) } });
      case 2:
        return call("remember", { content: `Product ${item} cost ${100 + (cycle % 13)} USD at cycle ${cycle}.`, importance: 0.4 });
      case 3:
        return call("search_memory", { query: `product ${item} price` });
      case 4:
        return call("send_message", { subject: `Product ${item}`, body: `Product ${item} now costs ${100 + (cycle % 13)} USD.` });
      default:
        return call("update_world_state", { set: { lastReportCycle: cycle }, remove: ["draft"] });
    }
  }

  fake.setResponder(async (body: ChatCompletionCreateParams) => {
    // A summary call (every fold of 5 cycles, while that cycle's own call runs: docs/decisions/032) asks
    // for text, without tools: it is answered at once and is not a cycle's request.
    if (!body.tools?.length) return { kind: "message", content: "The agent watched product prices and reported each change to the team." };
    const arrived = performance.now();
    const text = body.messages.map((m) => (typeof m.content === "string" ? m.content : "")).join("\n");
    const cycle = Number(/Cycle (\d+)\./.exec(text)?.[1] ?? 0);
    if (text.includes(`"${SLEEPER_NAME}"`)) {
      // The second agent (cooldown 1 s): only its arrival times are kept.
      if (!sleeperArrivals.has(cycle)) sleeperArrivals.set(cycle, arrived);
      return cycle < SLEEPER_CYCLES ? scriptFor(cycle) : { kind: "tool_calls", calls: [{ name: "finish", arguments: { result: "done" } }] };
    }
    // Everything below happens inside the loop's model call, so it is not part of the cycle's overhead.
    if (!arrivals.has(cycle)) {
      arrivals.set(cycle, arrived);
      if (TRACE_CYCLE && cycle === TRACE_CYCLE) {
        trace = [];
        traceStart = arrived;
      } else if (TRACE_CYCLE && cycle === TRACE_CYCLE + 1 && trace) {
        const lines = trace.map((e) => `${e.at.toFixed(1).padStart(7)} ${e.ms.toFixed(2).padStart(6)} ${e.who.padEnd(8)} ${e.sql}`);
        console.log(`trace of cycle ${TRACE_CYCLE} (${(arrived - traceStart).toFixed(1)} ms):\n${lines.join("\n")}`);
        await stopEarly();
      }
      const lsn = await measure.query<{ lsn: string }>("SELECT pg_current_wal_lsn()::text AS lsn");
      cycleLsn.set(cycle, lsnBytes(lsn.rows[0]!.lsn));
      if (BOUNDARIES.includes(cycle)) {
        const boundary = await takeBoundary(cycle);
        const previous = boundaries.at(-1);
        if (previous && isMeasured(previous.cycle, cycle)) segments.push(await measureSegment(previous, boundary));
        boundaries.push(boundary);
      }
      if (cycle % 100 === 0) log(`cycle ${cycle}`);
    }
    return scriptFor(cycle);
  });

  log(`running one agent for ${fmt(TOTAL_CYCLES)} cycles (${CYCLES_PER_RUN} per run, cooldown 0, no budget)`);
  const commitsOfThisDb = async () =>
    (await measure.query<{ n: number }>(`SELECT xact_commit::float8 AS n FROM pg_stat_database WHERE datname = current_database()`))
      .rows[0]!.n;
  const commitsBefore = await commitsOfThisDb();
  const tallyBefore = { app: { ...tally.app }, executor: { ...tally.executor } };
  const loadBefore = os.loadavg();
  const loopStart = performance.now();
  await control.startAgent({ agentId: agent.id, teamId, userId });
  let holds = 0;
  for (;;) {
    // Polled on the measuring connection, so the app's round-trip counts stay the loop's own.
    const row = (
      await measure.query<{ status: string; statusReason: string | null; cycleCount: number }>(
        `SELECT status::text, "statusReason", "cycleCount" FROM agent WHERE id = $1`,
        [agent.id],
      )
    ).rows[0]!;
    if (row.status === "completed") break;
    if (row.status === "waiting_approval") {
      // Holds the loop may place (stuck, soft budget limits): approved at once so the loop goes on; counted.
      const pending = (
        await measure.query<{ id: string }>(`SELECT id FROM approval WHERE "agentId" = $1 AND status = 'pending'`, [agent.id])
      ).rows;
      for (const approval of pending) {
        await control.decideApproval({ teamId, userId, approvalId: approval.id, decision: "approved", answer: "Go on." });
        holds++;
      }
    } else if (!["running", "sleeping", "idle"].includes(row.status)) {
      throw new Error(`the agent stopped at cycle ${row.cycleCount}: ${row.status} (${row.statusReason ?? ""})`);
    }
    if (performance.now() - loopStart > TIMEOUT_MS) throw new Error(`timed out at cycle ${row.cycleCount} (${row.status})`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const loopSeconds = (performance.now() - loopStart) / 1000;
  const loadAfter = os.loadavg();
  const loopRoundTrips = {
    app: { calls: tally.app.calls - tallyBefore.app.calls, ms: tally.app.ms - tallyBefore.app.ms },
    executor: { calls: tally.executor.calls - tallyBefore.executor.calls, ms: tally.executor.ms - tallyBefore.executor.ms },
  };
  // Statistics reach pg_stat_database within a second of a transaction (or when a connection goes idle).
  await new Promise((r) => setTimeout(r, 1500));
  const loopCommits = (await commitsOfThisDb()) - commitsBefore;
  log(`${fmt(TOTAL_CYCLES)} cycles in ${loopSeconds.toFixed(1)} s`);

  // Per-cycle overhead: request-to-request time minus the model call the loop timed (durationMs, whole ms).
  const thoughts = await db.agentEvent.findMany({
    where: { agentId: agent.id, type: "thought" },
    select: { cycle: true, durationMs: true },
  });
  const modelMs = new Map(thoughts.map((t) => [t.cycle, t.durationMs ?? 0]));
  type CycleSample = { cycle: number; position: number; wallMs: number; modelMs: number; overheadMs: number; walBytes: number };
  const samples: CycleSample[] = [];
  for (let c = 1; c < TOTAL_CYCLES; c++) {
    const a = arrivals.get(c);
    const b = arrivals.get(c + 1);
    const m = modelMs.get(c);
    if (a === undefined || b === undefined || m === undefined) continue;
    samples.push({
      cycle: c,
      position: ((c - 1) % CYCLES_PER_RUN) + 1,
      wallMs: b - a,
      modelMs: m,
      overheadMs: b - a - m,
      walBytes: (cycleLsn.get(c + 1) ?? 0) - (cycleLsn.get(c) ?? 0),
    });
  }
  const stats = (values: number[]) => ({
    n: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: Math.max(...values),
  });
  const overhead = stats(samples.map((s) => s.overheadMs));
  // The script's tool by cycle % 5 (scriptFor): a sample is its cycle's act and the next cycle's think.
  const toolOf = ["update_world_state", "update_world_state", "remember", "search_memory", "send_message"];
  const byTool = [1, 0, 2, 3, 4].map(
    (r) => `${toolOf[r]} ${ms(stats(samples.filter((s) => s.cycle % 5 === r).map((s) => s.overheadMs)).p50)}`,
  );
  log(`overhead p50 ${ms(overhead.p50)}, p95 ${ms(overhead.p95)}; p50 by the cycle's tool: ${byTool.join(", ")}`);
  if (LOOP_ONLY) await stopEarly();
  const inWindow = (w: Window) => samples.filter((s) => s.cycle >= w.first && s.cycle <= w.last);
  const positionBuckets: [number, number][] = [
    [1, 1],
    [2, 10],
    [11, 25],
    [26, 40],
    [41, CYCLES_PER_RUN - 1],
    [CYCLES_PER_RUN, CYCLES_PER_RUN],
  ];
  const byPosition = positionBuckets.map(([lo, hi]) => {
    const group = samples.filter((s) => s.position >= lo && s.position <= hi);
    return {
      positions: lo === hi ? `${lo}` : `${lo}–${hi}`,
      cycles: group.length,
      overheadP50: percentile(
        group.map((s) => s.overheadMs),
        50,
      ),
      clusterWalP50: percentile(
        group.map((s) => s.walBytes),
        50,
      ),
    };
  });
  const counts = await measure.query<{ relname: string; rows: number; bytes: number }>(
    `SELECT relname, n_live_tup::int AS rows, pg_total_relation_size(relid)::float8 AS bytes FROM pg_stat_user_tables
      WHERE schemaname = 'public' AND pg_total_relation_size(relid) > 16384 ORDER BY bytes DESC`,
  );
  const runCount = await db.agentRun.count({ where: { agentId: agent.id } });
  const finalAgent = await db.agent.findUniqueOrThrow({
    where: { id: agent.id },
    select: { cycleCount: true, eventCount: true, status: true, statusReason: true },
  });

  // Windows from their segments.
  const windows = WINDOWS.map((w) => {
    const parts = segments.filter((s) => s.from >= w.first && s.to <= w.last + 1);
    const cycles = w.last - w.first + 1;
    const covered = parts.reduce((n, s) => n + (s.to - s.from), 0);
    if (covered !== cycles) throw new Error(`window ${w.id} covers ${covered} of ${cycles} cycles`);
    const rowsByTable: TableBytes = {};
    const walByTable: Record<string, WalPart> = {};
    const growthByTable: Record<string, number> = {};
    let commitBytes = 0;
    let clusterWal = 0;
    let otherDbCommits = 0;
    const trips = { app: { calls: 0, ms: 0 }, executor: { calls: 0, ms: 0 } };
    for (const s of parts) {
      for (const k of ["app", "executor"] as const) {
        trips[k].calls += s.roundTrips[k].calls;
        trips[k].ms += s.roundTrips[k].ms;
      }
      for (const [t, v] of Object.entries(s.rows)) {
        const acc = (rowsByTable[t] ??= { rows: 0, bytes: 0 });
        acc.rows += v.rows;
        acc.bytes += v.bytes;
      }
      for (const [t, v] of Object.entries(s.walByTable)) {
        const acc = (walByTable[t] ??= { records: 0, bytes: 0, fpiBytes: 0 });
        acc.records += v.records;
        acc.bytes += v.bytes;
        acc.fpiBytes += v.fpiBytes;
      }
      for (const [t, v] of Object.entries(s.relationGrowth)) growthByTable[t] = (growthByTable[t] ?? 0) + v;
      commitBytes += s.walCommits.bytes;
      clusterWal += s.clusterWal;
      otherDbCommits += s.otherDbCommits;
    }
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    const walAll = sum(Object.values(walByTable).map((v) => v.bytes)) + commitBytes;
    const walFpi = sum(Object.values(walByTable).map((v) => v.fpiBytes));
    const overheads = inWindow(w).map((s) => s.overheadMs);
    return {
      ...w,
      cycles,
      perCycle: {
        rowBytes: sum(Object.values(rowsByTable).map((v) => v.bytes)) / cycles,
        rows: sum(Object.values(rowsByTable).map((v) => v.rows)) / cycles,
        relationGrowthBytes: sum(Object.values(growthByTable)) / cycles,
        walBytesThisDb: hasWalInspect ? walAll / cycles : null,
        walBytesThisDbWithoutFullPages: hasWalInspect ? (walAll - walFpi) / cycles : null,
        walBytesCluster: clusterWal / cycles,
        appRoundTrips: trips.app.calls / cycles,
        executorRoundTrips: trips.executor.calls / cycles,
        databaseWaitMs: (trips.app.ms + trips.executor.ms) / cycles,
      },
      overheadP50: percentile(overheads, 50),
      otherDbCommits,
      rowsByTable,
      walByTable,
      walCommitBytes: commitBytes,
      growthByTable,
    };
  });

  results.loop = {
    cycles: TOTAL_CYCLES,
    cyclesPerRun: CYCLES_PER_RUN,
    runs: runCount,
    seconds: loopSeconds,
    cyclesPerSecond: TOTAL_CYCLES / loopSeconds,
    holdsApproved: holds,
    loadAverage1m: { before: loadBefore[0], after: loadAfter[0] },
    perCycle: {
      transactions: loopCommits / TOTAL_CYCLES,
      appRoundTrips: loopRoundTrips.app.calls / TOTAL_CYCLES,
      appWaitMs: loopRoundTrips.app.ms / TOTAL_CYCLES,
      executorRoundTrips: loopRoundTrips.executor.calls / TOTAL_CYCLES,
      executorWaitMs: loopRoundTrips.executor.ms / TOTAL_CYCLES,
    },
    finalAgent,
    modelRequests: fake.requests.filter((r) => r.path === "/v1/chat/completions").length,
    // (Not known from here when the executor is its own process: the executor's jobs table is empty by now.)
    sdkCalls: "worker" in executor ? executor.worker.sdkCalls : Number.NaN,
    sdkCallMs: "worker" in executor ? executor.worker.sdkCallMs : Number.NaN,
    jobsProcessed: "worker" in executor ? executor.worker.processedJobs : Number.NaN,
    tablesAfter: counts.rows,
  };
  results.windows = windows;
  results.overhead = {
    ...overhead,
    modelCallP50: percentile(
      samples.map((s) => s.modelMs),
      50,
    ),
    wallP50: percentile(
      samples.map((s) => s.wallMs),
      50,
    ),
    byPosition,
    overOneSecond: samples.filter((x) => x.overheadMs > 1000).map((x) => ({ cycle: x.cycle, overheadMs: x.overheadMs })),
  };
  results.perCycle = {
    note: "index i is cycle i + 1",
    overheadMs: samples.map((x) => Math.round(x.overheadMs * 10) / 10),
    serverWalBytes: samples.map((x) => x.walBytes),
  };
  // Single cycles (one sample each, so noisy): cycle 10, the same place in the late run, and the late cycle itself.
  results.singleCycles = [10, LATE_CYCLE - CYCLES_PER_RUN + 10, LATE_CYCLE]
    .map((c) => samples.find((s) => s.cycle === c))
    .filter((s) => s !== undefined);
  // The same loop with a cooldown of 1 s: each cycle ends in a sleep, a wake-up job and an SDK request
  // that replays the run's memoized steps. Overhead = request-to-request time minus the model call and the 1 s.
  const sleeper = await createAgent({
    teamId,
    userId,
    input: {
      name: SLEEPER_NAME,
      goal: "Watch the prices of 37 products, remember changes and report them to the team.",
      instructions: "Check one product per cycle. Report a change as soon as you see it.",
      provider: provider.id,
      model: "gpt-4o-mini",
      budgetUsd: 1,
      cooldownSeconds: 1,
      tools,
    },
  });
  await db.agent.update({ where: { id: sleeper.id }, data: { cyclesPerRun: CYCLES_PER_RUN, budgetUsd: null } });
  log(`a second agent with a 1 s cooldown for ${SLEEPER_CYCLES} cycles`);
  await control.startAgent({ agentId: sleeper.id, teamId, userId });
  for (const started = performance.now(); ;) {
    const row = (await measure.query<{ status: string }>(`SELECT status::text FROM agent WHERE id = $1`, [sleeper.id])).rows[0]!;
    if (row.status === "completed") break;
    if (!["running", "sleeping", "idle"].includes(row.status)) throw new Error(`the sleeping agent stopped: ${row.status}`);
    if (performance.now() - started > TIMEOUT_MS) throw new Error("the sleeping agent timed out");
    await new Promise((r) => setTimeout(r, 500));
  }
  const sleeperModelMs = new Map(
    (await db.agentEvent.findMany({ where: { agentId: sleeper.id, type: "thought" }, select: { cycle: true, durationMs: true } })).map(
      (t) => [t.cycle, t.durationMs ?? 0],
    ),
  );
  const sleeperOverheads: number[] = [];
  for (let c = 1; c < SLEEPER_CYCLES; c++) {
    const a = sleeperArrivals.get(c);
    const b = sleeperArrivals.get(c + 1);
    if (a !== undefined && b !== undefined) sleeperOverheads.push(b - a - (sleeperModelMs.get(c) ?? 0) - 1000);
  }
  results.withCooldown = { cooldownSeconds: 1, ...stats(sleeperOverheads) };

  await measure.end();
  await cleanupApp();
  cleanupApp = null;

  // ---------------------------------------------------------------------------------------------
  // 3. Context assembly and the budget reservation vs history length.
  // ---------------------------------------------------------------------------------------------
  const seed = ownClient(database.url);
  await seed.connect();
  // The prompt assembly around loadContext (rolling summary, recalled memories, rendering), when the
  // app has it: looked up at run time, so the benchmark keeps working while that module changes.
  type Assemble = (input: { agentId: string; teamId: string; cycle: number; model: string; reservedTokens: number }) => Promise<unknown>;
  let assemble: Assemble | null = null;
  const contextModulePath = "../server/loop/context";
  try {
    const mod = (await import(contextModulePath)) as Record<string, unknown>;
    if (typeof mod.assembleContext === "function") assemble = mod.assembleContext as Assemble;
  } catch (error) {
    log(`no assembleContext (${(error as Error).message}); timing loadContext only`);
  }
  const hasSummaryCursor =
    ((
      await seed.query(
        `SELECT 1 FROM information_schema.columns WHERE table_name = 'agent' AND column_name = 'summaryThroughCycle' AND table_schema = 'public'`,
      )
    ).rowCount ?? 0) > 0;
  async function timeCalls(fn: () => Promise<unknown>, samples: number) {
    for (let i = 0; i < 20; i++) await fn();
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const s = performance.now();
      await fn();
      times.push(performance.now() - s);
    }
    return stats(times);
  }
  const context: {
    events: number;
    cycles: number;
    spendRows: number;
    memories: number;
    eventsReturned: number;
    loadContext: ReturnType<typeof stats>;
    readThinkState: ReturnType<typeof stats>;
    assembleContext: ReturnType<typeof stats> | { error: string } | null;
    reserveSpend: ReturnType<typeof stats>;
  }[] = [];
  for (const size of CONTEXT_SIZES) {
    const a = await createAgent({
      teamId,
      userId,
      input: { name: `History ${size}`, goal: "Assemble the context for a long history.", model: "gpt-4o-mini", budgetUsd: 1 },
    });
    const t0 = performance.now();
    const cycles = Math.ceil(size / 3);
    // Like the loop writes them: three events and one spend row per cycle.
    await seed.query(
      `INSERT INTO agent_event ("agentId", "teamId", seq, cycle, type, payload, "tokensIn", "tokensOut", "costUsd", "durationMs", "createdAt")
       SELECT $1::uuid, $2, g, (g - 1) / 3 + 1, (ARRAY['thought', 'tool_call', 'tool_result'])[(g - 1) % 3 + 1]::"EventType",
              CASE (g - 1) % 3
                WHEN 0 THEN jsonb_build_object('content', 'Cycle ' || ((g - 1) / 3 + 1) || ': I will use update_world_state for product ' || (g % 37) || '.',
                                               'toolCalls', jsonb_build_array('update_world_state'), 'model', 'gpt-4o-mini', 'isKnownModelPrice', true)
                WHEN 1 THEN jsonb_build_object('stage', 'think', 'name', 'update_world_state',
                                               'arguments', '{"set":{"product":' || (g % 37) || ',"checkedAt":' || g || '}}', 'approvalId', null)
                ELSE jsonb_build_object('name', 'update_world_state', 'status', 'succeeded',
                                        'result', jsonb_build_object('keys', jsonb_build_array('product', 'checkedAt', 'price')))
              END,
              CASE WHEN (g - 1) % 3 = 0 THEN 900 ELSE 0 END, CASE WHEN (g - 1) % 3 = 0 THEN 40 ELSE 0 END,
              CASE WHEN (g - 1) % 3 = 0 THEN 0.000159 ELSE 0 END, CASE WHEN (g - 1) % 3 = 0 THEN 800 ELSE NULL END,
              now() - make_interval(secs => ($3 - g) * 20)
         FROM generate_series(1, $3::int) g`,
      [a.id, teamId, size],
    );
    await seed.query(
      `INSERT INTO spend_entry ("agentId", "teamId", kind, state, model, "tokensIn", "tokensOut", "costUsd", "createdAt")
       SELECT $1::uuid, $2, 'model', 'committed', 'gpt-4o-mini', 900, 40, 0.000159, now() - make_interval(secs => ($3 - g) * 60)
         FROM generate_series(1, $3::int) g`,
      [a.id, teamId, cycles],
    );
    // The loop's memories: an episode per cycle (what was done, what came of it) and a fact every fifth cycle.
    await seed.query(
      `INSERT INTO memory ("agentId", "teamId", kind, content, embedder, importance, "sourceEventSeq", "createdAt", "updatedAt")
       SELECT $1::uuid, $2, 'episode'::"MemoryKind",
              'Cycle ' || g || ': update_world_state({"set":{"product":' || (g % 37) || ',"checkedAt":' || g || '}}) succeeded: {"keys":["product","checkedAt","price"]}',
              'none', 0.2, g * 3, now() - make_interval(secs => ($3 - g) * 60), now()
         FROM generate_series(1, $3::int) g
       UNION ALL
       SELECT $1::uuid, $2, 'fact'::"MemoryKind", 'Product ' || (g % 37) || ' cost ' || (100 + g % 13) || ' USD at cycle ' || (g * 5) || '.', 'none', 0.4,
              NULL, now() - make_interval(secs => ($3 - g * 5) * 60), now()
         FROM generate_series(1, $3::int / 5) g`,
      [a.id, teamId, cycles],
    );
    const memories = cycles + Math.floor(cycles / 5);
    await seed.query(`UPDATE agent SET "lastEventSeq" = $2, "eventCount" = $2, "cycleCount" = $3, "budgetUsd" = NULL WHERE id = $1`, [
      a.id,
      size,
      cycles,
    ]);
    if (hasSummaryCursor) {
      // A caught-up rolling summary (one digest line per cycle, at most ~6,000 characters), as the loop keeps it.
      const through = Math.max(0, cycles - 7);
      const lines: string[] = [];
      for (let c = through; c >= 1 && lines.join("\n").length < 6000; c--) {
        lines.unshift(
          `c${c}: update_world_state({"set":{"product":${c % 37},"checkedAt":${c}}}) → succeeded: {"keys":["product","checkedAt","price"]}`,
        );
      }
      await seed.query(`UPDATE agent SET summary = $2, "summaryThroughCycle" = $3 WHERE id = $1`, [a.id, lines.join("\n"), through]);
    }
    await seed.query("ANALYZE agent_event; ANALYZE spend_entry; ANALYZE memory; ANALYZE agent");
    log(
      `seeded ${fmt(size)} events, ${fmt(cycles)} spend rows, ${fmt(memories)} memories in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    const eventsReturned = (await loadContext({ agentId: a.id, teamId })).events.length;
    const load = await timeCalls(() => loadContext({ agentId: a.id, teamId }), CONTEXT_SAMPLES);
    // The think step's one read (the loop's own path to the same rows, plus the claim, holds and pending memories).
    const thinkRead = await timeCalls(
      () => readThinkState(direct, { agentId: a.id, teamId, agentRunId: randomUUID(), cycle: cycles + 1 }),
      CONTEXT_SAMPLES,
    );
    let assembled: ReturnType<typeof stats> | { error: string } | null = null;
    if (assemble) {
      const fn = assemble;
      try {
        assembled = await timeCalls(
          () => fn({ agentId: a.id, teamId, cycle: cycles + 1, model: "gpt-4o-mini", reservedTokens: 2000 }),
          CONTEXT_SAMPLES,
        );
      } catch (error) {
        assembled = { error: (error as Error).message.split("\n")[0]! };
      }
    }
    const reserveTimes: number[] = [];
    for (let i = 0; i < SPEND_SAMPLES + 20; i++) {
      const started = performance.now();
      const verdict = await reserveSpend({
        agentId: a.id,
        teamId,
        kind: "model",
        model: "gpt-4o-mini",
        worstCaseUsd: "0.001",
        worstCaseTokens: 2000,
        nextCycle: cycles + 1,
      });
      if (i >= 20) reserveTimes.push(performance.now() - started);
      if (!verdict.ok) throw new Error(`reserveSpend refused: ${verdict.message}`);
      // Leave the history as it was (a released row would still be scanned).
      await seed.query("DELETE FROM spend_entry WHERE id = $1", [verdict.reservationId.toString()]);
    }
    const reserve = stats(reserveTimes);
    context.push({
      events: size,
      cycles,
      spendRows: cycles,
      memories,
      eventsReturned,
      loadContext: load,
      readThinkState: thinkRead,
      assembleContext: assembled,
      reserveSpend: reserve,
    });
    const assembledText =
      assembled === null
        ? ""
        : "error" in assembled
          ? `, assembleContext failed: ${assembled.error}`
          : `, assembleContext p50 ${ms(assembled.p50)}`;
    log(
      `${fmt(size)} events: loadContext p50 ${ms(load.p50)}, readThinkState p50 ${ms(thinkRead.p50)}${assembledText}, reserveSpend p50 ${ms(reserve.p50)}`,
    );
  }
  await seed.end();
  results.context = context;
  results.setup = {
    walInspect: hasWalInspect,
    fullPageWrites: serverFacts.fpw,
    synchronousCommit: serverFacts.sync,
    sharedBuffers: serverFacts.shared_buffers,
    versionString: serverFacts.version,
  };
  await db.$disconnect();
  await closeDatabasePool();
} finally {
  if (cleanupApp) await cleanupApp().catch(() => {});
  await database.cleanup();
}

// -------------------------------------------------------------------------------------------------
// Report
// -------------------------------------------------------------------------------------------------
type WindowResult = {
  id: string;
  label: string;
  cycles: number;
  perCycle: {
    rowBytes: number;
    rows: number;
    relationGrowthBytes: number;
    walBytesThisDb: number | null;
    walBytesThisDbWithoutFullPages: number | null;
    walBytesCluster: number;
    appRoundTrips: number;
    executorRoundTrips: number;
    databaseWaitMs: number;
  };
  overheadP50: number;
  otherDbCommits: number;
  rowsByTable: TableBytes;
  walByTable: Record<string, WalPart>;
  walCommitBytes: number;
  growthByTable: Record<string, number>;
};
type Stats = { n: number; p50: number; p95: number; p99: number; max: number };
const windows = results.windows as WindowResult[];
const loop = results.loop as {
  cycles: number;
  runs: number;
  seconds: number;
  cyclesPerSecond: number;
  holdsApproved: number;
  loadAverage1m: { before: number; after: number };
  perCycle: { transactions: number; appRoundTrips: number; appWaitMs: number; executorRoundTrips: number; executorWaitMs: number };
  modelRequests: number;
  sdkCalls: number;
  sdkCallMs: number;
  jobsProcessed: number;
  tablesAfter: { relname: string; rows: number; bytes: number }[];
};
const cooldownResult = results.withCooldown as Stats;
const overheadResult = results.overhead as Stats & {
  modelCallP50: number;
  wallP50: number;
  byPosition: { positions: string; cycles: number; overheadP50: number; clusterWalP50: number }[];
  overOneSecond: { cycle: number; overheadMs: number }[];
};
const context = results.context as {
  events: number;
  cycles: number;
  spendRows: number;
  memories: number;
  eventsReturned: number;
  loadContext: Stats;
  readThinkState?: Stats;
  assembleContext: Stats | { error: string } | null;
  reserveSpend: Stats;
}[];
const hasAssemble = context.some((c) => c.assembleContext !== null);
const assembledCells = (a: Stats | { error: string } | null) =>
  a === null ? "— | —" : "error" in a ? `failed: ${a.error} | —` : `${ms(a.p50)} | ${ms(a.p95)}`;
const singleCycles = results.singleCycles as {
  cycle: number;
  position: number;
  wallMs: number;
  modelMs: number;
  overheadMs: number;
  walBytes: number;
}[];
const setup = results.setup as { walInspect: boolean; fullPageWrites: string; synchronousCommit: string; sharedBuffers: string };
const win = (id: string) => windows.find((w) => w.id === id)!;
const early = win("early-run");
const late = win("late-run");
const bytes = (n: number | null) =>
  n === null ? "—" : n >= 10_240 ? `${(n / 1024).toFixed(1)} KiB` : `${Math.round(n).toLocaleString("en-US")} B`;
const ratio = (a: number | null, b: number | null) => (a === null || b === null || a === 0 ? "—" : (b / a).toFixed(2));
const headline = (w: WindowResult) => w.perCycle.walBytesThisDbWithoutFullPages ?? w.perCycle.walBytesCluster;
const machine = machineFacts();
const command = "BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npm run bench";
const aloneCommand =
  "BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx --conditions=react-server bench/agent-loop.ts";
const measures: [string, (w: WindowResult) => number | null][] = [
  ["retained row data (change of Σ `pg_column_size` over all rows)", (w) => w.perCycle.rowBytes],
  ["relation growth (`pg_total_relation_size`: heap, indexes, TOAST)", (w) => w.perCycle.relationGrowthBytes],
  ["WAL of this database, without full-page images", (w) => w.perCycle.walBytesThisDbWithoutFullPages],
  ["WAL of this database, with full-page images", (w) => w.perCycle.walBytesThisDb],
  ["WAL of the whole server (LSN difference)", (w) => w.perCycle.walBytesCluster],
];
const pairs: [string, string][] = [
  ["early-run", "late-run"],
  ...(windows.some((w) => w.id === "mid-run") ? ([["mid-run", "late-run"]] as [string, string][]) : []),
  ["around-10", "late-same-position"],
  ["around-10", "around-late"],
];
const tableNames = [...new Set([early, late].flatMap((w) => [...Object.keys(w.rowsByTable), ...Object.keys(w.walByTable)]))].sort();
const walOf = (w: WindowResult, t: string) => (w.walByTable[t] ? (w.walByTable[t].bytes - w.walByTable[t].fpiBytes) / w.cycles : 0);
const rowOf = (w: WindowResult, t: string) => (w.rowsByTable[t] ? w.rowsByTable[t].bytes / w.cycles : 0);

const report = `# Agent-loop benchmark

Measured ${startedAt.toISOString()} on ${machine.line}; database: ${database.label}
(full_page_writes ${setup.fullPageWrites}, synchronous_commit ${setup.synchronousCommit}, shared_buffers ${setup.sharedBuffers}).
${
  EXECUTOR_IN_PROCESS
    ? "Everything in one Node process: the project's executor"
    : "The project's executor in its own process (`BENCH_AGENT_EXECUTOR=process`, scripts/executor.ts, as `npm start` runs it beside the app; its round trips are not counted below)"
} (production defaults, on port ${EXECUTOR_PORT}), ${EXECUTOR_IN_PROCESS ? "the app's Inngest" : "and in this process the app's Inngest"}
functions served by inngest/node \`serve\`, and the real \`openai\` SDK against \`tests/fixtures/fake-openai.ts\` with zero latency.

Rerun both benchmarks: \`${command}\`
This one alone: \`${aloneCommand}\`
(\`BENCH_EXECUTOR_PORT\` moves the executor off ${EXECUTOR_PORT}; \`BENCH_AGENT_LATE_CYCLE\`, a multiple of ${CYCLES_PER_RUN}, moves "cycle 1,000";
\`BENCH_AGENT_EXECUTOR=process\` runs the executor in its own process and writes agent-loop-executor-process.md.)

One agent ran ${fmt(loop.cycles)} cycles in ${loop.seconds.toFixed(1)} s (${loop.cyclesPerSecond.toFixed(1)} cycles/s): cooldown 0, no budget,
${CYCLES_PER_RUN} cycles per run (${loop.runs} runs, so ${loop.runs - 1} rollovers), each cycle one tool call from a fixed mix of five
(update_world_state, remember, search_memory, send_message, update_world_state; finish at the end).
Holds approved on the way: ${loop.holdsApproved}. Load average (1 min) ${loop.loadAverage1m.before.toFixed(1)} before the loop and
${loop.loadAverage1m.after.toFixed(1)} after it, on ${machine.cpuCount} CPUs (other work on the machine shows there and in the "other databases" row below).

## Bytes per cycle: around cycle 10 vs around cycle ${fmt(LATE_CYCLE)} (target: ratio ≤ 1.2)

| per cycle | ${windows.map((w) => w.label).join(" | ")} |
| --- | ${windows.map(() => "---").join(" | ")} |
${measures.map(([name, f]) => `| ${name} | ${windows.map((w) => bytes(f(w))).join(" | ")} |`).join("\n")}
| rows added | ${windows.map((w) => w.perCycle.rows.toFixed(1)).join(" | ")} |
| database round trips: app (Prisma and its pool) + executor | ${windows.map((w) => `${w.perCycle.appRoundTrips.toFixed(1)} + ${w.perCycle.executorRoundTrips.toFixed(1)}`).join(" | ")} |
| time awaiting them (summed latencies) | ${windows.map((w) => ms(w.perCycle.databaseWaitMs)).join(" | ")} |
| overhead p50 (see below) | ${windows.map((w) => ms(w.overheadP50)).join(" | ")} |
| other databases' commits in the window | ${windows.map((w) => fmt(w.otherDbCommits)).join(" | ")} |

Single cycles (one sample each): ${singleCycles.map((s) => `cycle ${fmt(s.cycle)} (place ${s.position} in its run): server WAL ${bytes(s.walBytes)}, overhead ${ms(s.overheadMs)}`).join("; ")}.

Ratios (later ÷ earlier):

| measure | ${pairs.map(([a, b]) => `${win(b).label.split(" (")[0]} ÷ ${win(a).label.split(" (")[0]}`).join(" | ")} |
| --- | ${pairs.map(() => "---").join(" | ")} |
${measures.map(([name, f]) => `| ${name} | ${pairs.map(([a, b]) => ratio(f(win(a)), f(win(b)))).join(" | ")} |`).join("\n")}

**Headline** (whole run holding cycle 10 vs whole run holding cycle ${fmt(LATE_CYCLE)}, same places in their runs, WAL of this
database without full-page images): ${bytes(headline(early))} → ${bytes(headline(late))} per cycle, ratio **${ratio(headline(early), headline(late))}**;
retained row data ${bytes(early.perCycle.rowBytes)} → ${bytes(late.perCycle.rowBytes)}, ratio **${ratio(early.perCycle.rowBytes, late.perCycle.rowBytes)}**.

Where the bytes go (per cycle; WAL without full-page images, by the table a relation belongs to; commit records ${bytes(early.walCommitBytes / early.cycles)} → ${bytes(late.walCommitBytes / late.cycles)}):

| table | row data, ${early.label.split(" (")[0]} | ${late.label.split(" (")[0]} | WAL, ${early.label.split(" (")[0]} | ${late.label.split(" (")[0]} |
| --- | --- | --- | --- | --- |
${tableNames.map((t) => `| ${t} | ${bytes(rowOf(early, t))} | ${bytes(rowOf(late, t))} | ${bytes(walOf(early, t))} | ${bytes(walOf(late, t))} |`).join("\n")}

How: at the model request of a window's first cycle and of the cycle after its last, the script (inside the fake model's
reply, so outside the measured overhead) records the WAL position, every table's \`pg_total_relation_size\`, and its rows
with the sum of their \`pg_column_size\`. Retained row data is the change of that sum: what the history keeps (an updated
row counts with its change in size, deleted rows such as executor jobs with minus their size). WAL of this database is read back with \`pg_walinspect\` (records whose block references are in this database,
plus the commit records of their transactions); the LSN difference is the whole server's WAL, including other databases
when something else runs on the server (see the commits row) and full-page images after each checkpoint.

## Per-cycle overhead excluding the model (target: p50 ≤ 20 ms on PostgreSQL 15)

| cycles | p50 | p95 | p99 | max |
| --- | --- | --- | --- | --- |
| all ${fmt(overheadResult.n)} | ${ms(overheadResult.p50)} | ${ms(overheadResult.p95)} | ${ms(overheadResult.p99)} | ${ms(overheadResult.max)} |

Cycles over a second: ${overheadResult.overOneSecond.length === 0 ? "none" : overheadResult.overOneSecond.map((x) => `${fmt(x.cycle)} (${ms(x.overheadMs)})`).join(", ")}.

Wall time per cycle p50 ${ms(overheadResult.wallP50)}, of which the model call (as the loop times it, in whole ms) p50 ${ms(overheadResult.modelCallP50)}.
Overhead = time from one cycle's model request to the next cycle's, minus the thought event's \`durationMs\`: the cycle's
step (think and act, checkpointed to the executor) and every ${CYCLES_PER_RUN}th cycle the rollover into a new run. With a
cooldown of 0 there is no sleep: a run's cycles follow one another in one SDK request (${
  Number.isNaN(loop.sdkCalls)
    ? "SDK requests not counted with the executor in its own process"
    : `${fmt(loop.sdkCalls)} SDK requests,
${fmt(loop.jobsProcessed)} executor jobs`
} for ${fmt(loop.cycles)} cycles).

**With a cooldown** (a second agent, cooldown 1 s, ${fmt(cooldownResult.n)} cycles: overhead = request-to-request time minus the
model call and the 1 s): p50 ${ms(cooldownResult.p50)}, p95 ${ms(cooldownResult.p95)}, max ${ms(cooldownResult.max)}. Each cycle then also
ends in a sleep, the executor's wake-up job and a new SDK request that replays the run's memoized steps.

Where it goes, per cycle over the whole run: ${loop.perCycle.transactions.toFixed(1)} committed transactions in this database
(\`pg_stat_database\`); ${loop.perCycle.appRoundTrips.toFixed(1)} database round trips by the app (Prisma and its pool) awaited for ${ms(loop.perCycle.appWaitMs)} in total, and
${loop.perCycle.executorRoundTrips.toFixed(1)} by the executor for ${ms(loop.perCycle.executorWaitMs)} (latencies measured on the client, queueing included; the
executor's overlap with the app's while an SDK request is in flight). The rest is this process's CPU: Prisma's query
compiler, the inngest SDK, HTTP between executor, app and model.

By place in the run:

| place in run | cycles | overhead p50 | server WAL per cycle p50 |
| --- | --- | --- | --- |
${overheadResult.byPosition.map((b) => `| ${b.positions} | ${b.cycles} | ${ms(b.overheadP50)} | ${bytes(b.clusterWalP50)} |`).join("\n")}

## Context assembly vs history length (should be flat)

Agents whose history was seeded with SQL like the loop writes it: per cycle a thought, a tool call and a tool result, one
spend row and an episode memory, plus a fact memory every fifth cycle${context.some((c) => c.cycles > 7) ? ", and a caught-up rolling summary (at most ~6,000 characters)" : ""}.
${CONTEXT_SAMPLES} calls each after 20 warm-up calls, one at a time.

- \`loadContext\` (server/agents/events.ts): the agent row and the recent events (${context.map((c) => c.eventsReturned).join(" / ")} events returned).
- \`readThinkState\` (server/loop/sql.ts): the think step's one read, the loop's own way to the same rows plus its claim, holds and pending memories.
${hasAssemble ? "- `assembleContext` (server/loop/context.ts): the whole prompt — folding finished cycles into the summary (nothing left to fold here), `loadContext`, recalling memories, rendering.\n" : "- The prompt rendering is not exported by the app and is not timed.\n"}- \`reserveSpend\` (server/spend/budget.ts), which every cycle's think step runs before the model call (${SPEND_SAMPLES} calls; each
  reservation is deleted again, outside the timing, so the history stays the same).

| events | cycles | memories | loadContext p50 | p95 | p99 | readThinkState p50 | p95 |${hasAssemble ? " assembleContext p50 | p95 |" : ""} spend rows | reserveSpend p50 | p95 |
| --- | --- | --- | --- | --- | --- |${hasAssemble ? " --- | --- |" : ""} --- | --- | --- |
${context.map((c) => `| ${fmt(c.events)} | ${fmt(c.cycles)} | ${fmt(c.memories)} | ${ms(c.loadContext.p50)} | ${ms(c.loadContext.p95)} | ${ms(c.loadContext.p99)} | ${c.readThinkState ? ms(c.readThinkState.p50) : "–"} | ${c.readThinkState ? ms(c.readThinkState.p95) : "–"} |${hasAssemble ? ` ${assembledCells(c.assembleContext)} |` : ""} ${fmt(c.spendRows)} | ${ms(c.reserveSpend.p50)} | ${ms(c.reserveSpend.p95)} |`).join("\n")}

## Reading the bytes

- Per cycle, the loop writes the same whether the agent is at cycle 10 or ${fmt(LATE_CYCLE)}: compare whole runs, or the same places in
  two runs. What differs is a cycle's place in its run: the executor appends each finished step to \`executor_run.stack\`
  (a JSONB array rewritten whole on every step), and (with a cooldown) each SDK request after a sleep carries the memo of
  every step of the run so far. Both grow with the place in the run and start over at the rollover (every ${CYCLES_PER_RUN} cycles):
  \`executor_run\` WAL per cycle ${bytes(walOf(win("around-10"), "executor_run"))} at places 6–15, ${bytes(walOf(late, "executor_run"))} over a whole run.
  That is why a window across the rollover (${win("around-late").label.split(" (")[0]}) writes more than one early in a run.
- Full-page images follow checkpoints (every \`checkpoint_timeout\`), not the history: a window during which a checkpoint
  happened shows more WAL with them.
- Retained row data, what the history keeps, is ${bytes(early.perCycle.rowBytes)} a cycle in run 1 and ${bytes(late.perCycle.rowBytes)} in run ${lateRun}: storage grows
  linearly with the number of cycles, not faster. Relation sizes grow more than that (dead row versions: updates rewrite the
  agent row several times a cycle and the run's \`executor_run\` row, TOAST included, on every step) until autovacuum lets
  PostgreSQL reuse the space, which is why relation growth is lower in later runs.

Tables after the run (rows, size):

| table | rows | size |
| --- | --- | --- |
${loop.tablesAfter.map((t) => `| ${t.relname} | ${fmt(t.rows)} | ${bytes(t.bytes)} |`).join("\n")}
`;

const outDir = path.join(import.meta.dirname, "results");
await writeFile(path.join(outDir, `${RESULT_NAME}.md`), report);
await writeFile(
  path.join(outDir, `${RESULT_NAME}.json`),
  JSON.stringify(
    {
      date: startedAt.toISOString(),
      command,
      aloneCommand,
      machine: { cpuCount: machine.cpuCount, cpuModel: machine.cpuModel, memoryGiB: machine.memoryGiB, node: machine.node },
      database: { label: database.label, serverVersion: database.serverVersion, ...setup },
      executorPort: EXECUTOR_PORT,
      executor: EXECUTOR_IN_PROCESS ? "in-process" : "process",
      totalSeconds: (performance.now() - wallStart) / 1000,
      ...results,
    },
    null,
    2,
  ).replace(/\[\s+([-\d.,\s]+?)\s+\]/g, (_, inner: string) => `[${inner.split(/,\s+/).join(", ")}]`), // number arrays on one line
);
log(`wrote bench/results/${RESULT_NAME}.md in ${((performance.now() - wallStart) / 1000).toFixed(0)} s`);
process.exit(0);
