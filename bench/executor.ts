/**
 * `npm run bench` (executor part): what a durable step costs on this machine, next to a bare
 * PostgreSQL INSERT+COMMIT measured in the same run.
 *
 *   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npm run bench   (both benchmarks)
 *   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx --conditions=react-server bench/executor.ts   (this one)
 *
 * A fresh database is created on that server (and dropped afterwards); without BENCH_DATABASE_URL the
 * embedded PGlite is used (slower; not what the targets are about). Results: bench/results/executor.md.
 */
import { writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Inngest } from "inngest";
import { serve } from "inngest/node";
import pg from "pg";
import { applyMigrations } from "../server/db/migrate";
import { DEFAULT_WORKER_OPTIONS, startExecutor } from "@longhaul/executor";
import { createDatabase, machineFacts, ms, percentile } from "./lib";

const SLEEPERS = Number(process.env.BENCH_SLEEPING_RUNS ?? 10_000);
const log = (line: string) => console.log(`[bench] ${line}`);

async function bareInsertCommit(url: string, n = 1000) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query("CREATE TABLE bench_bare (id bigserial PRIMARY KEY, payload jsonb NOT NULL)");
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await client.query("BEGIN");
    await client.query("INSERT INTO bench_bare (payload) VALUES ($1)", [JSON.stringify({ i })]);
    await client.query("COMMIT");
    times.push(performance.now() - t0);
  }
  await client.end();
  return { p50: percentile(times, 50), p95: percentile(times, 95), n };
}

const database = await createDatabase();
log(`database: ${database.label}`);
const results: Record<string, unknown> = {};
try {
  await applyMigrations(database.url);
  results.bare = await bareInsertCommit(database.url);
  log(`bare INSERT+COMMIT p50 ${ms((results.bare as { p50: number }).p50)}`);

  const db = new pg.Pool({ connectionString: database.url, max: 2 });
  const completed = async (ids: string[]) =>
    (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM executor_run WHERE "eventId" = ANY($1) AND status = 'completed'`, [ids]))
      .rows[0]!.n;
  const waitCompleted = async (ids: string[]) => {
    while ((await completed(ids)) < ids.length) await new Promise((r) => setTimeout(r, 20));
  };
  const STEPS = 50;

  /** An executor and an SDK app serving the benchmark functions, talking HTTP to each other. */
  async function startStack(checkpointing: boolean) {
    const executor = await startExecutor({
      databaseUrl: database.url,
      host: "127.0.0.1",
      port: 0,
      sdkUrls: [],
      syncIntervalMs: 0,
      poolSize: 20,
      worker: { ...DEFAULT_WORKER_OPTIONS, concurrency: 50, idlePollMs: 1000, checkpointing },
    });
    const inngest = new Inngest({
      id: checkpointing ? "bench" : "bench-classic",
      isDev: true,
      baseUrl: executor.url,
      logger: { info() {}, warn() {}, error() {}, debug() {} },
    });
    const stepStarts = new Map<string, number[]>();
    const chain = inngest.createFunction(
      { id: "chain", triggers: [{ event: checkpointing ? "bench/chain" : "bench/chain-classic" }] },
      async ({ event, step }) => {
        for (let i = 0; i < (event.data as { steps: number }).steps; i++) {
          await step.run(`s${i}`, () => {
            const list = stepStarts.get(event.id) ?? [];
            list.push(performance.now());
            stepStarts.set(event.id, list);
            return i;
          });
        }
        return "done";
      },
    );
    const sleeper = inngest.createFunction(
      { id: "sleeper", triggers: [{ event: checkpointing ? "bench/sleep" : "bench/sleep-classic" }] },
      async ({ step }) => {
        await step.sleep("long", "1h");
      },
    );
    const app = http.createServer(serve({ client: inngest, functions: [chain, sleeper] }));
    await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
    await fetch(`http://127.0.0.1:${(app.address() as AddressInfo).port}/api/inngest`, { method: "PUT" });
    return {
      executor,
      inngest,
      stepStarts,
      async stop() {
        app.closeAllConnections();
        await new Promise<void>((resolve) => app.close(() => resolve()));
        await executor.stop();
      },
    };
  }

  /** Per-step overhead: the gaps between consecutive step starts of one run, one run at a time. */
  async function measureSteps(stack: Awaited<ReturnType<typeof startStack>>, event: string) {
    const gaps: number[] = [];
    for (let r = 0; r < 10; r++) {
      const { ids } = await stack.inngest.send({ name: event, data: { steps: STEPS } });
      await waitCompleted(ids);
      const starts = stack.stepStarts.get(ids[0]!)!;
      for (let i = 1; i < starts.length; i++) gaps.push(starts[i]! - starts[i - 1]!);
    }
    return { p50: percentile(gaps, 50), p95: percentile(gaps, 95), samples: gaps.length, sdkRequests: stack.executor.worker.sdkCalls };
  }

  // 1a. Without checkpointing: one SDK request per step (the SDK replays memoized steps each time).
  const classic = await startStack(false);
  results.stepOverheadClassic = await measureSteps(classic, "bench/chain-classic");
  await classic.stop();
  log(`per-step overhead, one request per step: p50 ${ms((results.stepOverheadClassic as { p50: number }).p50)}`);

  // 1b. With async checkpointing (the default): the SDK runs steps back to back and reports each.
  const stack = await startStack(true);
  const { inngest } = stack;
  results.stepOverhead = await measureSteps(stack, "bench/chain");
  log(`per-step overhead, checkpointing: p50 ${ms((results.stepOverhead as { p50: number }).p50)}`);

  // 2. Throughput: 100 concurrent runs of 20 steps.
  const t0 = performance.now();
  const { ids: many } = await inngest.send(Array.from({ length: 100 }, () => ({ name: "bench/chain", data: { steps: 20 } })));
  await waitCompleted(many);
  const seconds = (performance.now() - t0) / 1000;
  results.throughput = { runs: 100, stepsPerRun: 20, seconds, stepsPerSecond: (100 * 20) / seconds };
  log(`100 concurrent runs x 20 steps: ${(2000 / seconds).toFixed(0)} steps/s`);

  // 3. Sleeping runs: rows and idle CPU.
  const sleepIds: string[] = [];
  for (let i = 0; i < SLEEPERS; i += 500) {
    const batch = Array.from({ length: Math.min(500, SLEEPERS - i) }, () => ({ name: "bench/sleep", data: {} }));
    sleepIds.push(...(await inngest.send(batch)).ids);
  }
  const asleep = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM executor_job WHERE kind = 'wake'`)).rows[0]!.n;
  const tSleep = performance.now();
  while ((await asleep()) < SLEEPERS) await new Promise((r) => setTimeout(r, 200));
  const toSleepSeconds = (performance.now() - tSleep) / 1000;
  await new Promise((r) => setTimeout(r, 2000));
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  await new Promise((r) => setTimeout(r, 10_000));
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - wall0;
  const sizes = await db.query<{ table: string; rows: number; bytes: number }>(
    `SELECT relname AS table, n_live_tup::int AS rows, pg_total_relation_size(relid)::bigint::float8 AS bytes
       FROM pg_stat_user_tables WHERE relname IN ('executor_run', 'executor_job', 'executor_step', 'executor_event') ORDER BY relname`,
  );
  results.sleeping = {
    runs: SLEEPERS,
    secondsToSchedule: toSleepSeconds,
    idleCpuPercent: ((cpu.user + cpu.system) / 1000 / wall) * 100,
    tables: sizes.rows,
  };
  log(`${SLEEPERS} sleeping runs: idle CPU ${(results.sleeping as { idleCpuPercent: number }).idleCpuPercent.toFixed(2)}% of one core`);

  await db.end();
  await stack.stop();
} finally {
  await database.cleanup();
}

const bare = results.bare as { p50: number; p95: number; n: number };
const step = results.stepOverhead as { p50: number; p95: number; samples: number; sdkRequests: number };
const classicStep = results.stepOverheadClassic as { p50: number; p95: number; samples: number; sdkRequests: number };
const thr = results.throughput as { seconds: number; stepsPerSecond: number };
const sl = results.sleeping as {
  runs: number;
  secondsToSchedule: number;
  idleCpuPercent: number;
  tables: { table: string; rows: number; bytes: number }[];
};
const report = `# Executor benchmark

Measured ${new Date().toISOString()} on ${machineFacts().line}; database: ${database.label}.
The executor, the SDK app (inngest ${"4.24.0"} \`serve\`) and this script share one Node process; every step is an HTTP call from the executor to the app plus its database transaction.

Rerun: \`BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npm run bench\` (without it: embedded PGlite), which also runs
the agent-loop benchmark; this one alone: \`BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx --conditions=react-server bench/executor.ts\`.

| measure | result | target |
| --- | --- | --- |
| bare INSERT+COMMIT (${bare.n}×, one connection) | p50 ${ms(bare.p50)}, p95 ${ms(bare.p95)} | baseline |
| per-step overhead of an empty \`step.run\`, async checkpointing (default; ${step.samples} steps of 50-step runs, ${step.sdkRequests} SDK requests) | p50 ${ms(step.p50)}, p95 ${ms(step.p95)} | p50 ≤ 5 ms |
| the same, one SDK request per step (\`checkpointing: false\`; ${classicStep.sdkRequests} requests) | p50 ${ms(classicStep.p50)}, p95 ${ms(classicStep.p95)} | — |
| 100 concurrent runs × 20 empty steps | ${thr.stepsPerSecond.toFixed(0)} steps/s (${thr.seconds.toFixed(1)} s) | — |
| ${sl.runs.toLocaleString("en-US")} runs sleeping (1 h) | scheduled in ${sl.secondsToSchedule.toFixed(1)} s; idle CPU ${sl.idleCpuPercent.toFixed(2)} % of one core over 10 s | ≈ 0 |

Rows and sizes with the sleeping runs in place:

| table | rows | size |
| --- | --- | --- |
${sl.tables.map((t) => `| ${t.table} | ${t.rows.toLocaleString("en-US")} | ${(t.bytes / 2 ** 20).toFixed(1)} MiB |`).join("\n")}

Reading: with async checkpointing the SDK runs a run's steps back to back inside one request and
reports each finished step to \`POST /v1/checkpoint/:run/async\`, where the executor stores it (memo +
stack) in one transaction before the SDK goes on; without it, every step is a new request in which
inngest-js re-runs the function and replays all memoized steps, which is most of that row's cost.

A sleeping run is one \`executor_job\` row (kind \`wake\`, due in an hour) plus its run and step rows;
no timer or process waits for it. Idle CPU is the executor polling for due jobs (at most once a
second, an indexed query).
`;
const out = path.join(import.meta.dirname, "results", "executor.md");
await writeFile(out, report);
await writeFile(
  path.join(import.meta.dirname, "results", "executor.json"),
  JSON.stringify({ database: database.label, ...results }, null, 2),
);
log(`wrote ${path.relative(process.cwd(), out)}`);
process.exit(0);
