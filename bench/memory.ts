/**
 * `npm run bench` (memory part, issue 5): what recalling memories costs when one deployment holds
 * 100k+ of them, and how good the approximate (HNSW) answer is.
 *
 *   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5433/postgres npx tsx --conditions=react-server bench/memory.ts
 *
 * Synthetic memories (bench/memory-data.ts: a seeded Gaussian mixture on the unit sphere in 1536
 * dimensions) are loaded into the app's `memory` table, one deployment: a large agent with 10 % of the
 * rows, typical agents with 1 % each, filler agents with the rest. For each size in BENCH_MEMORY_SIZES
 * (default 100000,300000; a larger size adds rows to the smaller one's):
 *
 * 1. Bulk load with the HNSW index dropped (multi-row INSERTs), then VACUUM ANALYZE, then
 *    `CREATE INDEX memory_embedding_hnsw_idx` exactly as the migration defines it: time and sizes.
 * 2. Recall through the app's own `vectorCandidates` (server/memory/recall.ts, limit RECALL_CANDIDATES
 *    = 40) for the large agent and a typical agent: BENCH_MEMORY_QUERIES (default 200) new query
 *    vectors from the agent's topics after 20 warm-up queries, one at a time. The statements Prisma
 *    sends are captured (pg.Client#query) so they can be replayed exactly.
 * 3. Recall@10 (and candidate recall@40) against exact search: the same SELECT the app sent, replayed
 *    with `SET LOCAL enable_indexscan = off` (HNSW cannot then be used; EXPLAIN checks it).
 * 4. The plan PostgreSQL chose for the app's statement (EXPLAIN (ANALYZE, BUFFERS) of replays).
 * 5. Writes: single-row and 100-row INSERTs without and with the HNSW index.
 * 6. Copies of the app's transaction with the HNSW index forced (enable_sort off), and at the largest
 *    size hnsw.ef_search 40 / 100 / 200 for the large agent (not the app's setting); then an
 *    extrapolation to 1M rows, which this machine cannot build within the time budget.
 *
 * Debugging: BENCH_MEMORY_KEEP_DATABASE=1 leaves the database behind.
 * A fresh database is created on that server and dropped afterwards. Results: bench/results/memory.md.
 */
import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { applyMigrations } from "../server/db/migrate";
import { appBenchDatabase, machineFacts, ms, percentile } from "./lib";
import {
  AGENT_COUNT,
  DEFAULT_SEED,
  DIMENSIONS,
  FILLER_AGENTS,
  LARGE_SHARE,
  LOCAL_DIMS,
  NOISE,
  SyntheticMemories,
  TOPIC_SPREAD,
  TOPICS,
  TOPICS_PER_AGENT,
  TYPICAL_AGENTS,
  TYPICAL_SHARE,
  vectorLiteral,
  type SyntheticRow,
} from "./memory-data";

const DEFAULT_SIZES = "100000,300000";
const SIZES = (process.env.BENCH_MEMORY_SIZES ?? DEFAULT_SIZES)
  .split(",")
  .map((s) => Number(s.trim().replace(/_/g, "")))
  .sort((a, b) => a - b);
const QUERIES = Number(process.env.BENCH_MEMORY_QUERIES ?? 200);
const WARMUP = 20;
const EXPLAIN_SAMPLES = 10;
const MAINTENANCE_WORK_MEM = process.env.BENCH_MEMORY_MAINTENANCE_WORK_MEM ?? "4GB";
const SEED = Number(process.env.BENCH_MEMORY_SEED ?? DEFAULT_SEED);
/** Debugging: leave the database behind (its URL is printed) instead of dropping it. */
const KEEP_DATABASE = process.env.BENCH_MEMORY_KEEP_DATABASE === "1";
const LOAD_BATCH = 500;
const WRITE_SINGLE_ROWS = 500;
const WRITE_BATCH_ROWS = 1_000;
const WRITE_BATCH_SIZE = 100;
const EF_VARIANTS = [40, 100, 200];
const TARGET = { rows: 1_000_000, p95Ms: 20, recallAt10: 0.95 };
const EMBEDDER = "bench:synthetic";
const TEAM_ID = "bench-memory-team";
const HNSW_INDEX = "memory_embedding_hnsw_idx";
/** Row indexes of the rows the write test adds (and deletes again), far from the table's own. */
const WRITE_ROW_BASE = 50_000_000;
const CREATED_BASE = Date.UTC(2026, 0, 1);
const log = (line: string) => console.log(`[bench:memory] ${line}`);

if (SIZES.length === 0 || SIZES.some((n) => !Number.isInteger(n) || n < 1_000)) {
  throw new Error("BENCH_MEMORY_SIZES must be a comma-separated list of row counts of at least 1000, e.g. 100000,300000.");
}
const database = await appBenchDatabase(
  log,
  "needs a PostgreSQL server with pgvector (the embedded PGlite has neither the server's planner costs nor its parallel index build)",
);

// ---------------------------------------------------------------------------------------------
// Capturing what the app sends: every pg query of the Prisma client while `capture` is set, so the
// exact statement (text and parameters) of each recall can be replayed for EXPLAIN and exact search.
// ---------------------------------------------------------------------------------------------
type Statement = { text: string; values: unknown[] };
let capture: Statement[] | null = null;
const ownClients = new WeakSet<object>();
{
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: object, ...args: unknown[]) {
    if (capture && !ownClients.has(this)) {
      const first = args[0] as string | { text?: string; values?: unknown[] };
      if (typeof first === "string") capture.push({ text: first, values: Array.isArray(args[1]) ? (args[1] as unknown[]) : [] });
      else if (first?.text) capture.push({ text: first.text, values: first.values ?? [] });
    }
    return original.apply(this, args);
  };
}
const ownClient = async (url: string) => {
  const client = new pg.Client({ connectionString: url });
  ownClients.add(client);
  client.on("error", () => {});
  await client.connect();
  return client;
};
const isTransactionControl = (text: string) => /^\s*(BEGIN|COMMIT|ROLLBACK|START TRANSACTION)\b/i.test(text);

// ---------------------------------------------------------------------------------------------
// Helpers: statistics, plans.
// ---------------------------------------------------------------------------------------------
type Stats = { n: number; mean: number; p50: number; p95: number; p99: number; max: number };
const stats = (xs: number[]): Stats => ({
  n: xs.length,
  mean: xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length),
  p50: percentile(xs, 50),
  p95: percentile(xs, 95),
  p99: percentile(xs, 99),
  max: Math.max(...xs),
});
const median = (xs: number[]) => percentile(xs, 50);
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const mib = (bytes: number) => `${(bytes / 2 ** 20).toLocaleString("en-US", { maximumFractionDigits: 0 })} MiB`;
const loadAverage = () => os.loadavg()[0]!;

type PlanNode = {
  "Node Type": string;
  "Index Name"?: string;
  "Relation Name"?: string;
  "Sort Method"?: string;
  "Rows Removed by Filter"?: number;
  "Rows Removed by Index Recheck"?: number;
  "Actual Rows"?: number;
  "Total Cost"?: number;
  "Actual Loops"?: number;
  "Shared Hit Blocks"?: number;
  "Shared Read Blocks"?: number;
  Plans?: PlanNode[];
};
type PlanSummary = {
  shape: string;
  usesHnsw: boolean;
  rowsRemovedByFilter: number;
  sharedHit: number;
  sharedRead: number;
  executionMs: number;
  planningMs: number;
  /** The planner's estimate for the whole statement. */
  cost: number;
};
function planShape(node: PlanNode): string {
  let label = node["Node Type"];
  if (node["Index Name"]) label += ` using ${node["Index Name"]}`;
  else if (node["Relation Name"]) label += ` on ${node["Relation Name"]}`;
  if (node["Sort Method"]) label += ` (${node["Sort Method"]})`;
  const children = (node.Plans ?? []).map(planShape);
  if (children.length === 0) return label;
  if (children.length === 1) return `${label} → ${children[0]}`;
  return `${label} → [${children.join("; ")}]`;
}
function planWalk(node: PlanNode, visit: (n: PlanNode) => void) {
  visit(node);
  for (const child of node.Plans ?? []) planWalk(child, visit);
}
function summarizePlan(explained: { Plan: PlanNode; "Execution Time"?: number; "Planning Time"?: number }): PlanSummary {
  let usesHnsw = false;
  let removed = 0;
  planWalk(explained.Plan, (n) => {
    if (n["Index Name"] === HNSW_INDEX) usesHnsw = true;
    removed += (n["Rows Removed by Filter"] ?? 0) * (n["Actual Loops"] ?? 1);
  });
  return {
    shape: planShape(explained.Plan),
    usesHnsw,
    rowsRemovedByFilter: removed,
    sharedHit: explained.Plan["Shared Hit Blocks"] ?? 0,
    sharedRead: explained.Plan["Shared Read Blocks"] ?? 0,
    executionMs: explained["Execution Time"] ?? NaN,
    planningMs: explained["Planning Time"] ?? NaN,
    cost: explained.Plan["Total Cost"] ?? NaN,
  };
}
/** Distinct plan shapes with counts, and medians of the numbers. */
function summarizePlans(plans: PlanSummary[]) {
  const shapes = new Map<string, number>();
  for (const p of plans) shapes.set(p.shape, (shapes.get(p.shape) ?? 0) + 1);
  return {
    samples: plans.length,
    shapes: [...shapes.entries()].map(([shape, count]) => ({ shape, count })),
    usesHnsw: plans.filter((p) => p.usesHnsw).length,
    rowsRemovedByFilterP50: median(plans.map((p) => p.rowsRemovedByFilter)),
    rowsRemovedByFilterMax: Math.max(...plans.map((p) => p.rowsRemovedByFilter)),
    sharedHitP50: median(plans.map((p) => p.sharedHit)),
    sharedReadP50: median(plans.map((p) => p.sharedRead)),
    executionMsP50: median(plans.map((p) => p.executionMs)),
    planningMsP50: median(plans.map((p) => p.planningMs)),
    costP50: median(plans.map((p) => p.cost)),
  };
}
type PlansSummary = ReturnType<typeof summarizePlans>;

type Hit = { id: string; distance: number };
/** Recall@k of `got` (any order) against the exact nearest list (nearest first); ties at the k-th distance count. */
function recallAt(k: number, got: Hit[], exact: Hit[]) {
  const want = exact.slice(0, k);
  if (want.length === 0) return 1;
  const ids = new Set(want.map((h) => h.id));
  const kth = want.at(-1)!.distance;
  const top = [...got].sort((a, b) => a.distance - b.distance).slice(0, k);
  const hits = top.filter((h) => ids.has(h.id) || h.distance <= kth + 1e-9).length;
  return Math.min(hits, want.length) / want.length;
}

// ---------------------------------------------------------------------------------------------
// The run.
// ---------------------------------------------------------------------------------------------
const data = new SyntheticMemories(SEED);
const roles = [data.large, data.typical] as const;
const startedAt = new Date();
const wallStart = performance.now();
const elapsed = () => `${((performance.now() - wallStart) / 1000).toFixed(0)} s`;
const loadAverageStart = loadAverage();

type WriteResult = { rows: number; seconds: number; rowsPerSecond: number; latency: Stats };
/** Over the queries: mean, min, 5th percentile, and how many queries scored below 0.5. */
type Share = { mean: number; min: number; p5: number; below50: number };
type RecallRun = { latency: Stats; recallAt10: Share; candidateRecallAt40: Share; candidatesMin: number };
/** A copy of the app's transaction with settings of the benchmark's own (not what the app does). */
type Variant = RecallRun & { label: string; efSearch: number; forced: boolean; plan: PlansSummary };
type AgentResult = {
  role: "large" | "typical";
  agentId: string;
  rows: number;
  /** The app's vectorCandidates, limit RECALL_CANDIDATES. */
  app: RecallRun;
  appPlan: PlansSummary;
  exact: { latency: Stats; plan: PlansSummary; usesHnsw: boolean };
  /** HNSW forced (enable_sort off) at the app's ef_search, and at the largest size ef_search 40 / 100 / 200. */
  variants: Variant[];
};
type SizeResult = {
  rows: number;
  load: {
    rowsAdded: number;
    seconds: number;
    rowsPerSecond: number;
    generationSeconds: number;
    rowsPerStatement: number;
    vacuumAnalyzeSeconds: number;
  };
  index: {
    definition: string;
    buildSeconds: number;
    maintenanceWorkMem: string;
    maxParallelMaintenanceWorkers: string;
    notices: string[];
    indexBytes: number;
    tableBytes: number;
    toastBytes: number;
    otherIndexesBytes: number;
    totalBytes: number;
  };
  prewarmed: boolean;
  writes: {
    withoutHnsw: { single: WriteResult; batch: WriteResult };
    withHnsw: { single: WriteResult; batch: WriteResult };
  };
  agents: AgentResult[];
  loadAverage1m: { start: number; end: number };
};
const sizes: SizeResult[] = [];
let settings: Record<string, string> = {};
let pgvectorVersion = "";
let indexDefinition = "";
/** The app's constants (server/memory/recall.ts), read when it is imported. */
let appLimit = 40;
let appEfSearch: number | null = null;
/** Every numeric constant server/memory/recall.ts exports (RECALL_CANDIDATES, HNSW_EF_SEARCH, …), for the report. */
let appConstants: Record<string, number> = {};
/** The app's settings statement of one recall (as captured), for the report. */
let appSetupText = "";

const admin = await ownClient(database.url);
try {
  await applyMigrations(database.url);
  pgvectorVersion = (await admin.query<{ v: string }>("SELECT extversion AS v FROM pg_extension WHERE extname = 'vector'")).rows[0]!.v;
  const settingRows = await admin.query<{ name: string; setting: string }>(
    `SELECT name, current_setting(name) AS setting FROM pg_settings
      WHERE name IN ('shared_buffers', 'effective_cache_size', 'work_mem', 'maintenance_work_mem', 'max_wal_size',
                     'max_parallel_maintenance_workers', 'max_parallel_workers', 'max_parallel_workers_per_gather',
                     'max_worker_processes', 'jit', 'random_page_cost', 'synchronous_commit', 'full_page_writes',
                     'hnsw.ef_search', 'hnsw.iterative_scan', 'hnsw.max_scan_tuples')`,
  );
  settings = Object.fromEntries(settingRows.rows.map((r) => [r.name, r.setting]));
  indexDefinition = (await admin.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE indexname = $1", [HNSW_INDEX])).rows[0]
    ?.indexdef as string;
  if (!indexDefinition) throw new Error(`the migrations did not create ${HNSW_INDEX}`);
  log(`pgvector ${pgvectorVersion}; ${HNSW_INDEX}: ${indexDefinition}`);
  let prewarm = true;
  try {
    await admin.query("CREATE EXTENSION IF NOT EXISTS pg_prewarm");
  } catch {
    prewarm = false;
  }

  // One team, the agents (plain SQL: only the NOT NULL columns without defaults).
  await admin.query(`INSERT INTO team (id, name, slug) VALUES ($1, 'Memory bench', $1)`, [TEAM_ID]);
  for (const agent of data.agents) {
    await admin.query(`INSERT INTO agent (id, "teamId", name, goal, model, "updatedAt") VALUES ($1, $2, $3, 'benchmark', 'bench', now())`, [
      agent.id,
      TEAM_ID,
      agent.name,
    ]);
  }

  const recallModule = await import("../server/memory/recall");
  const { vectorCandidates, RECALL_CANDIDATES } = recallModule;
  appLimit = RECALL_CANDIDATES;
  appEfSearch = "HNSW_EF_SEARCH" in recallModule ? Number(recallModule.HNSW_EF_SEARCH) : null;
  appConstants = Object.fromEntries(
    Object.entries(recallModule as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === "number"),
  );
  const { db } = await import("../server/db/client");
  const { closeDatabasePool } = await import("../server/db/raw");
  const insertSql = `INSERT INTO memory ("agentId", "teamId", kind, content, embedding, embedder, importance, metadata, "createdAt", "updatedAt")
    SELECT a::uuid, $1, k::"MemoryKind", c, e::vector, $2, i, $3::jsonb, t::timestamp, t::timestamp
      FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::float8[], $9::text[]) AS r(a, k, c, e, i, t)`;
  const insertParams = (rows: SyntheticRow[], metadata: string) => [
    TEAM_ID,
    EMBEDDER,
    metadata,
    rows.map((r) => data.agents[r.agent]!.id),
    rows.map((r) => r.kind),
    rows.map((r) => r.content),
    rows.map((r) => vectorLiteral(r.vector)),
    rows.map((r) => r.importance),
    rows.map((r) => new Date(CREATED_BASE + (r.index % WRITE_ROW_BASE) * 30_000).toISOString().replace("T", " ").replace("Z", "")),
  ];
  const singleInsertSql = `INSERT INTO memory ("agentId", "teamId", kind, content, embedding, embedder, importance, metadata, "createdAt", "updatedAt")
    VALUES ($1::uuid, $2, $3::"MemoryKind", $4, $5::vector, $6, $7, $8::jsonb, now(), now())`;
  const WRITE_METADATA = '{"bench":"write"}';

  /** Single-row and 100-row INSERTs of new rows (each statement its own transaction). */
  async function writeTest(): Promise<{ single: WriteResult; batch: WriteResult }> {
    const rows = Array.from({ length: WRITE_SINGLE_ROWS + WRITE_BATCH_ROWS }, (_, i) => data.row(WRITE_ROW_BASE + i));
    const singleParams = rows
      .slice(0, WRITE_SINGLE_ROWS)
      .map((r) => [data.agents[r.agent]!.id, TEAM_ID, r.kind, r.content, vectorLiteral(r.vector), EMBEDDER, r.importance, WRITE_METADATA]);
    const batchParams: unknown[][] = [];
    for (let i = WRITE_SINGLE_ROWS; i < rows.length; i += WRITE_BATCH_SIZE)
      batchParams.push(insertParams(rows.slice(i, i + WRITE_BATCH_SIZE), WRITE_METADATA));
    const run = async (sql: string, params: unknown[][], rowsPer: number): Promise<WriteResult> => {
      const latencies: number[] = [];
      const started = performance.now();
      for (const p of params) {
        const t = performance.now();
        await admin.query(sql, p);
        latencies.push(performance.now() - t);
      }
      const seconds = (performance.now() - started) / 1000;
      return { rows: params.length * rowsPer, seconds, rowsPerSecond: (params.length * rowsPer) / seconds, latency: stats(latencies) };
    };
    const single = await run(singleInsertSql, singleParams, 1);
    const batch = await run(insertSql, batchParams, WRITE_BATCH_SIZE);
    return { single, batch };
  }

  /** One recall through the app, with the statements it sent. */
  async function appRecall(agentId: string, vector: Float32Array, limit: number) {
    capture = [];
    const t = performance.now();
    const candidates = await vectorCandidates({ agentId, teamId: TEAM_ID, embedderId: EMBEDDER, vector: Array.from(vector), limit });
    const latency = performance.now() - t;
    const statements = capture;
    capture = null;
    return { latency, candidates: candidates.map((c) => ({ id: c.id, distance: c.distance })), statements };
  }
  /** The app's statements of one recall: the settings it made (transaction-local) and the SELECT. */
  function splitStatements(statements: Statement[]) {
    // The app sends its settings and its query as one simple-protocol message ("settings;\nquery"):
    // split it back into its statements to replay and EXPLAIN them one by one.
    const expanded = statements.flatMap((s) =>
      s.values.length === 0 && s.text.includes(";\n") ? s.text.split(";\n").map((text) => ({ text, values: [] as unknown[] })) : [s],
    );
    const own = expanded.filter((s) => !isTransactionControl(s.text));
    const select = own.findLast((s) => s.text.includes("<=>"));
    if (!select) throw new Error(`vectorCandidates sent no statement with <=>: ${JSON.stringify(own.map((s) => s.text))}`);
    return { setup: own.filter((s) => s !== select), select };
  }
  /** Runs `statement` in a transaction after `setup`; with `explain`, as EXPLAIN (ANALYZE, BUFFERS). */
  async function replay(setup: (Statement | string)[], select: Statement, explain: boolean) {
    await admin.query("BEGIN");
    try {
      for (const s of setup) await (typeof s === "string" ? admin.query(s) : admin.query(s.text, s.values));
      if (explain) {
        const r = await admin.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(
          `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${select.text}`,
          select.values,
        );
        return { rows: [] as Hit[], plan: summarizePlan(r.rows[0]!["QUERY PLAN"][0]) };
      }
      const r = await admin.query<{ id: string; distance: number | string }>(select.text, select.values);
      return { rows: r.rows.map((x) => ({ id: x.id, distance: Number(x.distance) })), plan: null };
    } finally {
      await admin.query("COMMIT");
    }
  }
  const EXACT_SETUP = ["SET LOCAL enable_indexscan = off"];

  let loaded = 0;
  for (const [sizeIndex, size] of SIZES.entries()) {
    const isLast = sizeIndex === SIZES.length - 1;
    const loadAverageAtStart = loadAverage();
    log(`── ${fmt(size)} rows (${elapsed()})`);
    await admin.query(`DROP INDEX IF EXISTS ${HNSW_INDEX}`);
    await admin.query("DELETE FROM memory WHERE metadata @> $1::jsonb", [WRITE_METADATA]);

    // 1. Bulk load without the HNSW index; the next batch is generated while the server inserts this one.
    const rowsAdded = size - loaded;
    let generationMs = 0;
    const generate = (from: number, to: number) => {
      const t = performance.now();
      const rows: SyntheticRow[] = [];
      for (let i = from; i < to; i++) rows.push(data.row(i));
      const params = insertParams(rows, "{}");
      generationMs += performance.now() - t;
      return params;
    };
    const loadStart = performance.now();
    let next = generate(loaded, Math.min(size, loaded + LOAD_BATCH));
    for (let from = loaded; from < size; from += LOAD_BATCH) {
      const pending = admin.query(insertSql, next);
      const nextFrom = from + LOAD_BATCH;
      if (nextFrom < size) next = generate(nextFrom, Math.min(size, nextFrom + LOAD_BATCH));
      await pending;
      if ((nextFrom / LOAD_BATCH) % 100 === 0) log(`  loaded ${fmt(Math.min(nextFrom, size))} rows (${elapsed()})`);
    }
    const loadSeconds = (performance.now() - loadStart) / 1000;
    loaded = size;
    log(`  bulk load: ${fmt(rowsAdded)} rows in ${loadSeconds.toFixed(1)} s (${fmt(rowsAdded / loadSeconds)} rows/s)`);

    // 5a. Writes without the index (then removed again).
    const writesWithout = await writeTest();
    await admin.query("DELETE FROM memory WHERE metadata @> $1::jsonb", [WRITE_METADATA]);
    const vacuumStart = performance.now();
    await admin.query("VACUUM (ANALYZE) memory");
    const vacuumAnalyzeSeconds = (performance.now() - vacuumStart) / 1000;

    // 4. Index build, as the migration defines it.
    await admin.query(`SET maintenance_work_mem = '${MAINTENANCE_WORK_MEM}'`);
    const notices: string[] = [];
    const onNotice = (n: { message?: string }) => notices.push(n.message ?? "");
    admin.on("notice", onNotice);
    const buildStart = performance.now();
    await admin.query(indexDefinition);
    const buildSeconds = (performance.now() - buildStart) / 1000;
    admin.off("notice", onNotice);
    const maintenanceWorkMem = (await admin.query<{ v: string }>("SELECT current_setting('maintenance_work_mem') AS v")).rows[0]!.v;
    const parallelWorkers = (await admin.query<{ v: string }>("SELECT current_setting('max_parallel_maintenance_workers') AS v")).rows[0]!
      .v;
    await admin.query("RESET maintenance_work_mem");
    const sizesRow = (
      await admin.query<{ index: string; heap: string; toast: string; total: string; indexes: string }>(
        `SELECT pg_relation_size($1::regclass) AS index, pg_relation_size('memory') AS heap,
                coalesce(pg_total_relation_size(nullif(reltoastrelid, 0)), 0) AS toast,
                pg_total_relation_size('memory') AS total, pg_indexes_size('memory') AS indexes
           FROM pg_class WHERE oid = 'memory'::regclass`,
        [HNSW_INDEX],
      )
    ).rows[0]!;
    const index = {
      definition: indexDefinition,
      buildSeconds,
      maintenanceWorkMem,
      maxParallelMaintenanceWorkers: parallelWorkers,
      notices,
      indexBytes: Number(sizesRow.index),
      tableBytes: Number(sizesRow.heap),
      toastBytes: Number(sizesRow.toast),
      otherIndexesBytes: Number(sizesRow.indexes) - Number(sizesRow.index),
      totalBytes: Number(sizesRow.total),
    };
    log(
      `  CREATE INDEX: ${buildSeconds.toFixed(1)} s, ${mib(index.indexBytes)}${notices.length ? ` (notices: ${notices.join(" | ")})` : ""}`,
    );
    if (prewarm) {
      await admin.query("SELECT pg_prewarm('memory'), pg_prewarm($1)", [HNSW_INDEX]);
    }

    // 2–3. Recall for the large and the typical agent, through the app.
    const agents: AgentResult[] = [];
    for (const spec of roles) {
      const role = spec.role as "large" | "typical";
      const rows = Number(
        (await admin.query<{ n: string }>(`SELECT count(*) AS n FROM memory WHERE "agentId" = $1`, [spec.id])).rows[0]!.n,
      );
      // The app's recall and the copies (6.: HNSW forced at every size; other ef_search values for the large agent at the
      // largest size) take turns query by query, so other load on the machine falls on all of them alike.
      const efs = isLast && role === "large" ? EF_VARIANTS : [appEfSearch ?? 100];
      // The app's own settings statement first (whatever it sets), then the overrides.
      const setupFor = (setup: Statement[], ef: number) => [
        ...setup,
        `SELECT set_config('hnsw.ef_search', '${ef}', true)`,
        "SET LOCAL enable_sort = off",
      ];
      for (let j = 0; j < WARMUP; j++) {
        const warm = await appRecall(spec.id, data.query(spec.index, 1_000_000 + j).vector, RECALL_CANDIDATES);
        const { setup, select } = splitStatements(warm.statements);
        for (const ef of efs) await replay(setupFor(setup, ef), select, false);
      }
      const runs = [];
      const selects = [];
      const copies = efs.map(() => ({ latencies: [] as number[], got: [] as Hit[][] }));
      for (let j = 0; j < QUERIES; j++) {
        const run = await appRecall(spec.id, data.query(spec.index, j).vector, RECALL_CANDIDATES);
        runs.push(run);
        const { setup, select } = splitStatements(run.statements);
        selects.push({ setup, select });
        for (const [k, ef] of efs.entries()) {
          const t = performance.now();
          const { rows: got } = await replay(setupFor(setup, ef), select, false);
          copies[k]!.latencies.push(performance.now() - t);
          copies[k]!.got.push(got);
        }
      }
      appSetupText ||= selects[0]!.setup.map((x) => x.text.replace(/\s+/g, " ").trim()).join("; ");
      // Exact answers: the app's own statement, replayed with index scans off.
      const exact: Hit[][] = [];
      const exactLatency: number[] = [];
      for (const { select } of selects) {
        const t = performance.now();
        exact.push((await replay(EXACT_SETUP, select, false)).rows);
        exactLatency.push(performance.now() - t);
      }
      const exactPlans: PlanSummary[] = [];
      const appPlans: PlanSummary[] = [];
      const copyPlans: PlanSummary[][] = efs.map(() => []);
      for (const { setup, select } of selects.slice(0, EXPLAIN_SAMPLES)) {
        appPlans.push((await replay(setup, select, true)).plan!);
        exactPlans.push((await replay(EXACT_SETUP, select, true)).plan!);
        for (const [k, ef] of efs.entries()) copyPlans[k]!.push((await replay(setupFor(setup, ef), select, true)).plan!);
      }
      if (exactPlans.some((p) => p.usesHnsw)) throw new Error(`the exact query used ${HNSW_INDEX}: ${exactPlans[0]!.shape}`);
      const share = (xs: number[]): Share => ({
        mean: xs.reduce((a, b) => a + b, 0) / xs.length,
        min: Math.min(...xs),
        p5: percentile(xs, 5),
        below50: xs.filter((x) => x < 0.5).length,
      });
      const recallRun = (latencies: number[], got: Hit[][]): RecallRun => ({
        latency: stats(latencies),
        recallAt10: share(got.map((g, j) => recallAt(10, g, exact[j]!))),
        candidateRecallAt40: share(got.map((g, j) => recallAt(RECALL_CANDIDATES, g, exact[j]!))),
        candidatesMin: Math.min(...got.map((g) => g.length)),
      });
      const variants: Variant[] = efs.map((ef, k) => ({
        label: `ef_search ${ef}, HNSW forced (enable_sort off)`,
        efSearch: ef,
        forced: true,
        ...recallRun(copies[k]!.latencies, copies[k]!.got),
        plan: summarizePlans(copyPlans[k]!),
      }));
      for (const v of variants) {
        log(
          `  ${role} agent, copy with ${v.label}: p50 ${ms(v.latency.p50)}, p95 ${ms(v.latency.p95)}, ` +
            `recall@10 ${v.recallAt10.mean.toFixed(3)}, fewest candidates ${v.candidatesMin}, HNSW in ${v.plan.usesHnsw}/${v.plan.samples} plans`,
        );
      }
      const result: AgentResult = {
        role,
        agentId: spec.id,
        rows,
        app: recallRun(
          runs.map((r) => r.latency),
          runs.map((r) => r.candidates),
        ),
        appPlan: summarizePlans(appPlans),
        exact: { latency: stats(exactLatency), plan: summarizePlans(exactPlans), usesHnsw: false },
        variants,
      };
      agents.push(result);
      log(
        `  ${role} agent (${fmt(rows)} rows): app p50 ${ms(result.app.latency.p50)} p95 ${ms(result.app.latency.p95)}, ` +
          `recall@10 ${result.app.recallAt10.mean.toFixed(3)}; plan: ${result.appPlan.shapes.map((x) => x.shape).join(" | ")} (${elapsed()})`,
      );
    }

    // 5b. Writes with the index (removed again before the next size).
    const writesWith = await writeTest();
    log(
      `  writes: single ${fmt(writesWithout.single.rowsPerSecond)} → ${fmt(writesWith.single.rowsPerSecond)} rows/s, ` +
        `100-row ${fmt(writesWithout.batch.rowsPerSecond)} → ${fmt(writesWith.batch.rowsPerSecond)} rows/s (without → with HNSW)`,
    );
    sizes.push({
      rows: size,
      load: {
        rowsAdded,
        seconds: loadSeconds,
        rowsPerSecond: rowsAdded / loadSeconds,
        generationSeconds: generationMs / 1000,
        rowsPerStatement: LOAD_BATCH,
        vacuumAnalyzeSeconds,
      },
      index,
      prewarmed: prewarm,
      writes: { withoutHnsw: writesWithout, withHnsw: writesWith },
      agents,
      loadAverage1m: { start: loadAverageAtStart, end: loadAverage() },
    });
  }
  await db.$disconnect();
  await closeDatabasePool();
} finally {
  await admin.end().catch(() => {});
  if (KEEP_DATABASE) log(`kept the database (BENCH_MEMORY_KEEP_DATABASE): ${database.url}`);
  else await database.cleanup().catch((error: Error) => log(`cleanup failed: ${error.message}`));
}

// ---------------------------------------------------------------------------------------------
// Extrapolation to the target size and the report.
// ---------------------------------------------------------------------------------------------
const distribution = data.describeDistribution();
const largest = sizes.at(-1)!;
const previous = sizes.length > 1 ? sizes.at(-2)! : null;
type Fit = { value: number; exponent: number };
/** Power law through the two largest sizes (y = a·N^b); with one size measured, linear in N. */
function extrapolate(f: (s: SizeResult) => number, rows = TARGET.rows): Fit {
  const y2 = f(largest);
  if (!previous) return { value: y2 * (rows / largest.rows), exponent: 1 };
  const y1 = f(previous);
  const exponent = y1 > 0 && y2 > 0 ? Math.log(y2 / y1) / Math.log(largest.rows / previous.rows) : 1;
  return { value: y2 * (rows / largest.rows) ** exponent, exponent };
}
/** Recall: a straight line in log N through the two largest sizes, clamped to [0, 1]; with one size, unchanged. */
function extrapolateRecall(f: (s: SizeResult) => number, rows = TARGET.rows) {
  const y2 = f(largest);
  if (!previous) return y2;
  const slope = (y2 - f(previous)) / Math.log(largest.rows / previous.rows);
  return Math.max(0, Math.min(1, y2 + slope * Math.log(rows / largest.rows)));
}
type Role = "large" | "typical";
const agentOf = (s: SizeResult, role: Role) => s.agents.find((a) => a.role === role)!;
const forcedAtAppEf = (a: AgentResult) => a.variants.find((v) => v.efSearch === (appEfSearch ?? 100))!;
/**
 * The model: on the HNSW path a query's work grows with log N (the graph's depth; the agent's share of the rows stays the
 * same), on the exact path with the agent's rows, i.e. with N. Applied to the largest size measured.
 */
const modelled = (value: number, usesHnsw: boolean) =>
  usesHnsw ? (value * Math.log(TARGET.rows)) / Math.log(largest.rows) : (value * TARGET.rows) / largest.rows;
const extrapolated = (["large", "typical"] as const).map((role) => {
  const at = agentOf(largest, role);
  const hnsw = at.appPlan.usesHnsw > 0;
  return {
    role,
    rows: Math.round(TARGET.rows * (role === "large" ? LARGE_SHARE : TYPICAL_SHARE)),
    app: {
      usesHnsw: sizes.map((s) => agentOf(s, role).appPlan.usesHnsw > 0),
      model: {
        p50: modelled(at.app.latency.p50, hnsw),
        p95: modelled(at.app.latency.p95, hnsw),
        path: hnsw ? "log N" : "N, if the plan stays an exact sort",
      },
      fit: { p50: extrapolate((s) => agentOf(s, role).app.latency.p50), p95: extrapolate((s) => agentOf(s, role).app.latency.p95) },
      recallAt10: extrapolateRecall((s) => agentOf(s, role).app.recallAt10.mean),
    },
    forced: {
      model: { p50: modelled(forcedAtAppEf(at).latency.p50, true), p95: modelled(forcedAtAppEf(at).latency.p95, true) },
      recallAt10: extrapolateRecall((s) => forcedAtAppEf(agentOf(s, role)).recallAt10.mean),
    },
  };
});
const build = extrapolate((s) => s.index.buildSeconds);
const indexBytesPerRow = largest.index.indexBytes / largest.rows;
const tableBytesPerRow = (largest.index.tableBytes + largest.index.toastBytes) / largest.rows;
const meets = (p95: number, recall: number) => p95 <= TARGET.p95Ms && recall >= TARGET.recallAt10;
const metWord = (ok: boolean) => (ok ? "met" : "not met");
const measuredTarget = largest.rows >= TARGET.rows;
const verdictAt = (s: SizeResult) =>
  s.agents
    .map(
      (a) =>
        `${a.role} agent **${metWord(meets(a.app.latency.p95, a.app.recallAt10.mean))}** (p95 ${ms(a.app.latency.p95)}, recall@10 ${a.app.recallAt10.mean.toFixed(3)})`,
    )
    .join(", ");
const planChanged = (role: Role) => new Set(sizes.map((s) => agentOf(s, role).appPlan.usesHnsw > 0)).size > 1;
const targetSection = measuredTarget
  ? `**Target: p95 ≤ ${TARGET.p95Ms} ms with recall@10 ≥ ${TARGET.recallAt10} at ${fmt(TARGET.rows)} memories.** Measured at ${fmt(largest.rows)}: ${verdictAt(largest)}.`
  : `**Target: p95 ≤ ${TARGET.p95Ms} ms with recall@10 ≥ ${TARGET.recallAt10} at ${fmt(TARGET.rows)} memories — not measured at ${fmt(TARGET.rows)}.**
${fmt(TARGET.rows)} rows do not fit this machine's time budget (see "Extrapolation"), so the ${fmt(TARGET.rows)} figures below are
extrapolated from the sizes measured, not measured.

- At ${fmt(largest.rows)} rows, the largest size measured: ${verdictAt(largest)}.
- Extrapolated to ${fmt(TARGET.rows)} (an estimate, see "Extrapolation"): ${extrapolated
      .map(
        (e) =>
          `${e.role} agent (${fmt(e.rows)} rows) p95 ≈ ${ms(e.app.model.p95)}, recall@10 ≈ ${e.app.recallAt10.toFixed(3)}: **${metWord(meets(e.app.model.p95, e.app.recallAt10))}**${planChanged(e.role) ? " (its plan changed between the sizes measured, so the recall trend is especially rough)" : ""}`,
      )
      .join("; ")}.
- With the HNSW index forced for both (not what the app does everywhere): ${extrapolated
      .map(
        (e) =>
          `${e.role} agent p95 ≈ ${ms(e.forced.model.p95)}, recall@10 ≈ ${e.forced.recallAt10.toFixed(3)}: ${metWord(meets(e.forced.model.p95, e.forced.recallAt10))}`,
      )
      .join("; ")}.`;

const machine = machineFacts();
const benchUrl = "postgresql://postgres@127.0.0.1:5433/postgres";
const sizesPrefix = SIZES.join(",") === DEFAULT_SIZES ? "" : `BENCH_MEMORY_SIZES=${SIZES.join(",")} `;
const queriesPrefix = QUERIES === 200 ? "" : `BENCH_MEMORY_QUERIES=${QUERIES} `;
const command = `${sizesPrefix}${queriesPrefix}BENCH_DATABASE_URL=${benchUrl} npx tsx --conditions=react-server bench/memory.ts`;
const share = (r: Share) => `${r.mean.toFixed(3)} (min ${r.min.toFixed(1)}${r.below50 > 0 ? `; ${r.below50} below 0.5` : ""})`;
const planCell = (p: PlansSummary) =>
  p.shapes.map((x) => `${x.shape}${p.shapes.length > 1 ? ` (${x.count}/${p.samples})` : ""}`).join("; ");
const agentCell = (a: AgentResult) => `${a.role} (${fmt(a.rows)} rows)`;
const write = (w: WriteResult) => `${fmt(w.rowsPerSecond)} rows/s (p50 ${ms(w.latency.p50)}, p95 ${ms(w.latency.p95)} a statement)`;
const rowsOf = (f: (s: SizeResult, a: AgentResult) => string) => sizes.flatMap((s) => s.agents.map((a) => f(s, a))).join("\n");
const efTable = agentOf(largest, "large").variants;
const appUsesHnswAnywhere = sizes.some((s) => s.agents.some((a) => a.appPlan.usesHnsw > 0));

const report = `# Memory benchmark (issue 5)

Measured ${startedAt.toISOString()} on ${machine.line}; database: ${database.label}, pgvector ${pgvectorVersion}.
The run took ${((performance.now() - wallStart) / 60_000).toFixed(1)} min. Load average (1 min) ${loadAverageStart.toFixed(1)} at the start and ${loadAverage().toFixed(1)} at the end, on
${machine.cpuCount} CPUs (other work on the machine shows there; per size: ${sizes.map((s) => `${fmt(s.rows)} ${s.loadAverage1m.start.toFixed(1)} → ${s.loadAverage1m.end.toFixed(1)}`).join(", ")}).

Server: ${
  new URL(database.url).port === "5433"
    ? "the separate bench cluster on port 5433 (\`pg_createcluster 15 bench -p 5433 -- --auth=trust\`), tuned with \`ALTER SYSTEM SET shared_buffers = '4GB'\`, \`max_wal_size = '16GB'\`, \`effective_cache_size = '16GB'\` and a restart; everything else as installed"
    : `the PostgreSQL at ${new URL(database.url).host}, as installed (not tuned for this benchmark)`
}. In effect: shared_buffers ${settings.shared_buffers}, effective_cache_size ${settings.effective_cache_size}, work_mem ${settings.work_mem},
max_wal_size ${settings.max_wal_size}, max_parallel_maintenance_workers ${settings.max_parallel_maintenance_workers}, max_parallel_workers ${settings.max_parallel_workers},
max_parallel_workers_per_gather ${settings.max_parallel_workers_per_gather}, random_page_cost ${settings.random_page_cost}, jit ${settings.jit}, synchronous_commit ${settings.synchronous_commit}.
Index builds: \`SET maintenance_work_mem = '${largest.index.maintenanceWorkMem}'\` in the building session.

Rerun: \`${command}\`
(\`BENCH_DATABASE_URL=${benchUrl} npm run bench\` runs it after the executor and agent-loop benchmarks, with the default sizes).
Without \`BENCH_DATABASE_URL\` it is skipped. Knobs: \`BENCH_MEMORY_SIZES\` (default ${DEFAULT_SIZES}; each size adds rows to the one
before), \`BENCH_MEMORY_QUERIES\` (default 200), \`BENCH_MEMORY_MAINTENANCE_WORK_MEM\` (default 4GB), \`BENCH_MEMORY_SEED\`.

${targetSection}

## Recall through the app (\`vectorCandidates\`, limit ${appLimit})

Timed: \`vectorCandidates\` from server/memory/recall.ts, the function the agent loop calls (its constants: ${Object.entries(appConstants)
  .map(([k, v]) => `${k} ${v}`)
  .join(", ")}). It is one round trip on a plain pg pool (server/db/raw.ts): one simple-protocol message that PostgreSQL runs as
one implicit transaction, a settings statement, as captured

    ${appSetupText}

then the SELECT of the agent's ${appLimit} nearest live memories of embedder \`${EMBEDDER}\` (ORDER BY embedding <=> query LIMIT ${appLimit}). ${QUERIES} queries per agent, one at a time, after ${WARMUP} warm-up queries; each query is a new vector
from one of the agent's topics (not a row of the table). ${largest.prewarmed ? "After each build the table's heap and the HNSW index were read into shared buffers with `pg_prewarm` (the TOAST table, where the vectors are stored, was not; it stays in the OS cache)." : "No pg_prewarm (extension unavailable); only the warm-up queries."}

- recall@10: of the 10 nearest among the returned candidates, the share in the exact top 10 of the same agent (a tie at the
  10th distance counts).
- candidate recall@40: the share of the exact ${appLimit} nearest among the ${appLimit} candidates.
- exact: the statement the app sent, replayed in a transaction with \`SET LOCAL enable_indexscan = off\`, so the HNSW index
  cannot be used (its plans are below; every EXPLAIN sample was checked not to use ${HNSW_INDEX}). Its latency is on a plain
  pg connection (BEGIN, SET, SELECT, COMMIT).

| rows | agent | p50 | p95 | p99 | recall@10 (mean, min) | candidate recall@40 | plan uses HNSW | exact query p50 | exact p95 |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rowsOf((s, a) => `| ${fmt(s.rows)} | ${agentCell(a)} | ${ms(a.app.latency.p50)} | ${ms(a.app.latency.p95)} | ${ms(a.app.latency.p99)} | ${share(a.app.recallAt10)} | ${share(a.app.candidateRecallAt40)} | ${a.appPlan.usesHnsw}/${a.appPlan.samples} | ${ms(a.exact.latency.p50)} | ${ms(a.exact.latency.p95)} |`)}

Fewest candidates one recall returned: ${rowsOf((s, a) => `${fmt(s.rows)}/${a.role} ${a.app.candidatesMin}`).replace(/\n/g, ", ")} (of ${appLimit}).

### Plans

\`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)\` of the app's statement, replayed with the app's own settings in a transaction, for
the first ${EXPLAIN_SAMPLES} queries of each case (medians over those). "Forced HNSW cost" is the planner's estimate for the
same statement with \`enable_sort = off\` (then only the HNSW index scan delivers the order without a sort).

| rows | agent | plan of the app's statement | HNSW | rows removed by filter p50 (max) | buffers hit / read p50 | execution p50 | planner cost: chosen | forced HNSW |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rowsOf((s, a) => `| ${fmt(s.rows)} | ${agentCell(a)} | ${planCell(a.appPlan)} | ${a.appPlan.usesHnsw}/${a.appPlan.samples} | ${fmt(a.appPlan.rowsRemovedByFilterP50)} (${fmt(a.appPlan.rowsRemovedByFilterMax)}) | ${fmt(a.appPlan.sharedHitP50)} / ${fmt(a.appPlan.sharedReadP50)} | ${ms(a.appPlan.executionMsP50)} | ${fmt(a.appPlan.costP50)} | ${fmt(forcedAtAppEf(a).plan.costP50)} |`)}

Exact (reference) statement: ${rowsOf((s, a) => `${fmt(s.rows)}/${a.role}: ${planCell(a.exact.plan)}, execution p50 ${ms(a.exact.plan.executionMsP50)}`).replace(/\n/g, "; ")}.

## With the HNSW index forced (not what the app does)

A copy of the app's transaction on a plain pg connection: the app's settings statement as captured, then
\`set_config('hnsw.ef_search', '${appEfSearch ?? "?"}', true)\` and \`SET LOCAL enable_sort = off\` (so the HNSW index scan is the only way to get
the order), then the app's SELECT as captured, for the same queries; right after each of the app's calls, so that other
load on the machine falls on both alike. Where the app's plan already uses the index this is the same plan without Prisma; elsewhere it shows what the index would deliver${appUsesHnswAnywhere ? "" : " (PostgreSQL did not use it for the app's statement in any case measured)"}.

| rows | agent | p50 | p95 | p99 | recall@10 (mean, min) | candidate recall@40 | fewest candidates | HNSW in plan | rows removed by filter p50 (max) | execution p50 |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rowsOf((s, a) => {
  const v = forcedAtAppEf(a);
  return `| ${fmt(s.rows)} | ${agentCell(a)} | ${ms(v.latency.p50)} | ${ms(v.latency.p95)} | ${ms(v.latency.p99)} | ${share(v.recallAt10)} | ${share(v.candidateRecallAt40)} | ${v.candidatesMin} | ${v.plan.usesHnsw}/${v.plan.samples} | ${fmt(v.plan.rowsRemovedByFilterP50)} (${fmt(v.plan.rowsRemovedByFilterMax)}) | ${ms(v.plan.executionMsP50)} |`;
})}

## hnsw.ef_search trade-off (${fmt(largest.rows)} rows, large agent; NOT the app's setting)

The same copy with \`hnsw.ef_search\` set to each value (the app uses ${appEfSearch ?? "?"}), HNSW forced as above${
  agentOf(largest, "large").appPlan.usesHnsw > 0
    ? ""
    : " (the app's own plan does not use the index here, so for the app ef_search changes nothing)"
}.

| ef_search | p50 | p95 | p99 | recall@10 (mean, min) | candidate recall@40 | fewest candidates | rows removed by filter p50 | execution p50 |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${efTable
  .map(
    (v) =>
      `| ${v.efSearch} | ${ms(v.latency.p50)} | ${ms(v.latency.p95)} | ${ms(v.latency.p99)} | ${share(v.recallAt10)} | ${share(v.candidateRecallAt40)} | ${v.candidatesMin} | ${fmt(v.plan.rowsRemovedByFilterP50)} | ${ms(v.plan.executionMsP50)} |`,
  )
  .join("\n")}

## Index build and size

Rows are loaded with ${HNSW_INDEX} dropped; after \`VACUUM (ANALYZE) memory\` the index is created with the migration's own
definition, \`${indexDefinition}\`. Sizes by \`pg_relation_size\`.

| rows | build time | maintenance_work_mem | max_parallel_maintenance_workers | HNSW index | table heap | TOAST (vectors) | other indexes | total | VACUUM ANALYZE before |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${sizes
  .map(
    (s) =>
      `| ${fmt(s.rows)} | ${s.index.buildSeconds.toFixed(1)} s | ${s.index.maintenanceWorkMem} | ${s.index.maxParallelMaintenanceWorkers} | ${mib(s.index.indexBytes)} | ${mib(s.index.tableBytes)} | ${mib(s.index.toastBytes)} | ${mib(s.index.otherIndexesBytes)} | ${mib(s.index.totalBytes)} | ${s.load.vacuumAnalyzeSeconds.toFixed(1)} s |`,
  )
  .join("\n")}

Notices during the builds: ${sizes.some((s) => s.index.notices.length > 0) ? sizes.map((s) => `${fmt(s.rows)}: ${s.index.notices.join(" | ") || "none"}`).join("; ") : "none (the graph fitted in maintenance_work_mem)"}.
Per row: HNSW index ${fmt(indexBytesPerRow)} B, table with TOAST ${fmt(tableBytesPerRow)} B (one 1536-dimensional vector is 6,152 B; pgvector
stores it out of line in TOAST).

## Write throughput

Bulk load without the HNSW index: multi-row \`INSERT … SELECT … FROM unnest(…)\` of ${LOAD_BATCH} rows a statement (vectors as text
literals), one connection; Node generates the next batch while the server inserts the current one.

| rows after | rows added | time | rows/s | generating in Node (overlapped) |
| --- | --- | --- | --- | --- |
${sizes.map((s) => `| ${fmt(s.rows)} | ${fmt(s.load.rowsAdded)} | ${s.load.seconds.toFixed(1)} s | ${fmt(s.load.rowsPerSecond)} | ${s.load.generationSeconds.toFixed(1)} s |`).join("\n")}

Single-row INSERTs (${fmt(WRITE_SINGLE_ROWS)}, each its own transaction, synchronous_commit ${settings.synchronous_commit}) and ${WRITE_BATCH_SIZE}-row INSERTs (${fmt(WRITE_BATCH_ROWS)} rows), one
connection, into the table at that size: without the HNSW index (after the bulk load) and with it (after the recall measurements).
These rows are deleted again afterwards.

| rows | single-row, no HNSW | single-row, with HNSW | ${WRITE_BATCH_SIZE}-row, no HNSW | ${WRITE_BATCH_SIZE}-row, with HNSW |
| --- | --- | --- | --- | --- |
${sizes.map((s) => `| ${fmt(s.rows)} | ${write(s.writes.withoutHnsw.single)} | ${write(s.writes.withHnsw.single)} | ${write(s.writes.withoutHnsw.batch)} | ${write(s.writes.withHnsw.batch)} |`).join("\n")}

## Extrapolation to ${fmt(TARGET.rows)} memories (estimate, not measured)

${fmt(TARGET.rows)} rows were not run: at the rates above, loading them and building the index would take about
${((TARGET.rows / largest.load.rowsPerSecond + build.value) / 60).toFixed(0)} min on ${machine.cpuCount} cores, beyond this benchmark's ~20 minutes.
Latency, model: the largest size's p50 and p95 scaled by log N when its plan uses the HNSW index (the graph grows in depth;
the agent's share of the rows, and so the filter's selectivity, stays the same) and by N when it sorts the agent's rows
exactly. ${previous ? `Power-law fit: y = a·N^b through the two largest sizes (${fmt(previous.rows)} and ${fmt(largest.rows)}); it follows noise and plan changes, so it is shown only for comparison. Recall trend: a straight line in log N through the same two sizes, clamped to [0, 1].` : "With one size measured there is no trend; recall is carried over unchanged."}
Sizes: per row × ${fmt(TARGET.rows)}. All of it assumes the plan stays the same and the index and vectors stay in memory
(at ${fmt(TARGET.rows)} rows, index and TOAST together are ≈ ${mib((indexBytesPerRow + tableBytesPerRow) * TARGET.rows)}: more than shared_buffers, less than this machine's RAM).

| at ${fmt(TARGET.rows)} rows | app's plan used HNSW at | app p50 / p95, model | app p50 / p95, power-law fit (exponents) | app recall@10, trend | HNSW forced: p50 / p95, model | recall@10, trend |
| --- | --- | --- | --- | --- | --- | --- |
${extrapolated
  .map(
    (e) =>
      `| ${e.role} agent (${fmt(e.rows)} rows) | ${e.app.usesHnsw.map((u, i) => `${fmt(sizes[i]!.rows)}: ${u ? "yes" : "no"}`).join(", ")} | ${ms(e.app.model.p50)} / ${ms(e.app.model.p95)} (∝ ${e.app.model.path}) | ${ms(e.app.fit.p50.value)} / ${ms(e.app.fit.p95.value)} (${e.app.fit.p50.exponent.toFixed(2)} / ${e.app.fit.p95.exponent.toFixed(2)}) | ${e.app.recallAt10.toFixed(3)} | ${ms(e.forced.model.p50)} / ${ms(e.forced.model.p95)} | ${e.forced.recallAt10.toFixed(3)} |`,
  )
  .join("\n")}

Index build ≈ ${(build.value / 60).toFixed(0)} min (exponent ${build.exponent.toFixed(2)}); HNSW index ≈ ${mib(indexBytesPerRow * TARGET.rows)}; table with TOAST ≈ ${mib(tableBytesPerRow * TARGET.rows)}.
An in-memory build of ${fmt(TARGET.rows)} rows needs maintenance_work_mem of about the index size; with less, pgvector says so
in a notice and goes on building on disk, much more slowly. Recall queries on a cold or evicted index read it from disk.

## Notes for reading the numbers

- Client-side overhead: the app's p50 minus the server's execution p50 (EXPLAIN above) is ${rowsOf(
  (s, a) => `${fmt(s.rows)}/${a.role} ${ms(a.app.latency.p50 - a.appPlan.executionMsP50)}`,
).replace(/\n/g, ", ")}: the one round trip (settings and SELECT in one
  message), sending the query vector as text, and the settings statement's count of the agent's rows.
- The exact path (a sort of all the agent's rows) reads every one of the agent's vectors from TOAST, so it costs in proportion
  to the agent's memories (see the exact query column and its buffers).
- Rows per topic: each agent spreads its memories over ${TOPICS_PER_AGENT} topics, so the typical agent has ≈ ${sizes
  .map((s) => `${fmt(agentOf(s, "typical").rows / TOPICS_PER_AGENT)} at ${fmt(s.rows)}`)
  .join(", ")} memories on the query's topic. Where that is below the ${appLimit} candidates, an HNSW scan has to leave the topic
  (many rows removed by the filter) and the exact ${appLimit} nearest include near-ties from unrelated topics (low candidate recall@40).
- Queries with recall below 0.5: the candidates came from the wrong part of the HNSW graph (the exact nearest are on the
  query's topic, and the synthetic topics are sharply separated, unrelated cosine ≈ 0, so the graph has few links between
  them). Real embeddings are less cleanly clustered; treat these as a pessimistic case, not as noise.
- Latency tails: this machine was shared with other work while the benchmark ran (load average above); p95/p99 far above the
  server's execution time are mostly waiting for a CPU. Compare the execution times in the plan tables.

## The data (bench/memory-data.ts, seed ${SEED})

- ${TOPICS.toLocaleString("en-US")} topic centres: random unit vectors in ${DIMENSIONS} dimensions. Each topic also has ${LOCAL_DIMS} random unit
  directions of its own. A memory on topic t is normalize(c_t + Σ_j z_j·b_tj + s·g) with z_j ~ N(0, ${TOPIC_SPREAD}/${LOCAL_DIMS}) and
  g ~ N(0, I/${DIMENSIONS}), s² = ${NOISE}: memories on a topic spread along a few directions, as real embeddings do locally, plus
  isotropic noise (without the directions, all pairs within a topic would be almost equally far apart).
- Cosine similarity, measured on 2,000 pairs: same topic mean ${distribution.sameTopic.mean.toFixed(2)} (p5 ${distribution.sameTopic.p5.toFixed(2)}, p95 ${distribution.sameTopic.p95.toFixed(2)});
  unrelated mean ${distribution.unrelated.mean.toFixed(3)} (p5 ${distribution.unrelated.p5.toFixed(3)}, p95 ${distribution.unrelated.p95.toFixed(3)});
  a new query's nearest of 200 memories on its topic: mean ${distribution.nearestOf200SameTopic.mean.toFixed(2)}.
- ${AGENT_COUNT} agents in one team: the large agent holds ${LARGE_SHARE * 100} % of the rows, ${TYPICAL_AGENTS} typical agents ${TYPICAL_SHARE * 100} % each (the first one is
  measured), ${FILLER_AGENTS} filler agents the rest. Each agent draws its memories uniformly from ${TOPICS_PER_AGENT} of the topics, chosen at
  random (agents share a topic now and then). Rows of all agents are interleaved in insertion order, so every prefix of the
  table has the same shares; a larger size adds rows to the smaller one.
- Kinds 70 % episode, 20 % fact, 5 % summary, 5 % reflection; importance uniform in [0.1, 0.9]; all live (archivedAt null);
  embedder \`${EMBEDDER}\`. Vectors are sent as text literals with 7 decimals (absolute error ≤ 5·10⁻⁸); queries go through
  the app's own literal formatting.
`;

const outDir = path.join(import.meta.dirname, "results");
await writeFile(path.join(outDir, "memory.md"), report);
await writeFile(
  path.join(outDir, "memory.json"),
  JSON.stringify(
    {
      date: startedAt.toISOString(),
      command,
      machine: { cpuCount: machine.cpuCount, cpuModel: machine.cpuModel, memoryGiB: machine.memoryGiB, node: machine.node },
      database: { label: database.label, serverVersion: database.serverVersion, pgvector: pgvectorVersion, settings },
      app: { recallCandidates: appLimit, efSearch: appEfSearch },
      parameters: {
        sizes: SIZES,
        queries: QUERIES,
        warmup: WARMUP,
        explainSamples: EXPLAIN_SAMPLES,
        maintenanceWorkMem: MAINTENANCE_WORK_MEM,
        seed: SEED,
        embedder: EMBEDDER,
        loadBatch: LOAD_BATCH,
        writeSingleRows: WRITE_SINGLE_ROWS,
        writeBatchRows: WRITE_BATCH_ROWS,
        writeBatchSize: WRITE_BATCH_SIZE,
      },
      target: { ...TARGET, measured: measuredTarget },
      distribution: {
        topics: TOPICS,
        topicsPerAgent: TOPICS_PER_AGENT,
        localDims: LOCAL_DIMS,
        topicSpread: TOPIC_SPREAD,
        noise: NOISE,
        agents: AGENT_COUNT,
        ...distribution,
      },
      loadAverage1m: { start: loadAverageStart, end: loadAverage() },
      sizes,
      extrapolated: {
        rows: TARGET.rows,
        agents: extrapolated,
        buildSeconds: build,
        indexBytes: indexBytesPerRow * TARGET.rows,
        tableBytes: tableBytesPerRow * TARGET.rows,
      },
      totalSeconds: (performance.now() - wallStart) / 1000,
    },
    null,
    2,
  ),
);
log(`wrote bench/results/memory.md in ${elapsed()}`);
process.exit(0);
