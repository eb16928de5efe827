import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";
import { Counter, Gauge, Registry } from "prom-client";
import { db, Prisma } from "../db/client";
import { col } from "../db/columns";
import { rows, sqlRow, type RowOf } from "../db/rows";
import { AgentStatus } from "../db/generated/enums";
import { processMetrics } from "./process-metrics";

/**
 * The Prometheus endpoint (GET /api/metrics). Gauges are computed from the database at scrape time,
 * so every app process answers the same numbers whichever executors and app processes did the work;
 * the process's own counters (model calls, Node's runtime) follow them. Steps per second come from
 * each executor's own GET /metrics (steps it stored), since the database keeps no cheap step counter.
 * The queue (runs, due and leased jobs, lag) is the executor's: its own GET /metrics reports it (the
 * app reads nothing of the Inngest server's tables, docs/decisions/024).
 * Labels stay bounded: agent status, spend kind and team id; never agent or run ids.
 */

/** How long a metrics reader keeps a sum of the spend ledger (see createMetricsReader). */
const SPEND_MAX_AGE_MS = 60_000;

const spendRow = sqlRow("summing committed spend for metrics", {
  teamId: col.text,
  kind: col.text,
  usd: col.float,
  tokensIn: col.float,
  tokensOut: col.float,
});
type SpendRow = RowOf<typeof spendRow>;
const statusCountRow = sqlRow("counting agents by status for metrics", { status: col.text, n: col.int });
const activeRunsRow = sqlRow("counting running agent runs for metrics", { agentRuns: col.int });

export type DatabaseMetrics = {
  agentsByStatus: Record<string, number>;
  activeAgentRuns: number;
  spend: SpendRow[];
};

async function readSpend(): Promise<SpendRow[]> {
  return rows(
    db,
    spendRow,
    Prisma.sql`
    SELECT "teamId", kind::text AS kind, sum("costUsd")::float8 AS usd,
           sum("tokensIn")::float8 AS "tokensIn", sum("tokensOut")::float8 AS "tokensOut"
      FROM spend_entry WHERE state = 'committed' AND kind <> 'delegation' GROUP BY "teamId", kind ORDER BY "teamId", kind`,
  );
}

export async function readDatabaseMetrics({
  readSpendSums = readSpend,
}: { readSpendSums?: () => Promise<SpendRow[]> } = {}): Promise<DatabaseMetrics> {
  const [statuses, runs, spend] = await Promise.all([
    rows(db, statusCountRow, Prisma.sql`SELECT status::text AS status, count(*)::int AS n FROM agent GROUP BY status`),
    rows(db, activeRunsRow, Prisma.sql`SELECT count(*)::int AS "agentRuns" FROM agent_run WHERE status = 'running'`),
    readSpendSums(),
  ]);
  const agentsByStatus: Record<string, number> = Object.fromEntries(Object.values(AgentStatus).map((s) => [s, 0]));
  for (const row of statuses) agentsByStatus[row.status] = row.n;
  return {
    agentsByStatus,
    activeAgentRuns: runs[0]?.agentRuns ?? 0,
    spend,
  };
}

/**
 * What a metrics endpoint reads, with its own memo of the spend sums (summing the ledger scans every
 * committed row, so scrapes within `spendMaxAgeMs` share one sum). The memo belongs to the reader its
 * owner creates (the /api/metrics route holds one), not to the process.
 */
export function createMetricsReader({
  spendMaxAgeMs = SPEND_MAX_AGE_MS,
  now = Date.now,
}: { spendMaxAgeMs?: number; now?: () => number } = {}) {
  let memo: { at: number; rows: Promise<SpendRow[]> } | null = null;
  const readSpendSums = () => {
    if (!memo || now() - memo.at >= spendMaxAgeMs) {
      const pending = readSpend();
      memo = { at: now(), rows: pending };
      // A failed sum is not kept: the next scrape asks again.
      pending.catch(() => {
        if (memo?.rows === pending) memo = null;
      });
    }
    return memo.rows;
  };
  return { read: () => readDatabaseMetrics({ readSpendSums }) };
}
export type MetricsReader = ReturnType<typeof createMetricsReader>;

/** The database's numbers in Prometheus text format (a fresh registry per scrape: no stale label sets). */
export async function renderDatabaseMetrics(metrics: DatabaseMetrics): Promise<string> {
  const registry = new Registry();
  const registers = [registry];
  const agents = new Gauge({ name: "longhaul_agents", help: "Agents by status.", labelNames: ["status"] as const, registers });
  for (const [status, n] of Object.entries(metrics.agentsByStatus)) agents.set({ status }, n);
  new Gauge({ name: "longhaul_agent_runs_active", help: "Agent runs in progress (agent_run.status = running).", registers }).set(
    metrics.activeAgentRuns,
  );
  // Counters recomputed from the ledger: monotonic as long as ledger rows are not deleted (an agent
  // deleted with its spend reads as a counter reset, which rate() tolerates).
  const spendUsd = new Counter({
    name: "longhaul_spend_usd_total",
    help: "Committed spend in USD, by team and kind (model, embedding, tool).",
    labelNames: ["team_id", "kind"] as const,
    registers,
  });
  const tokens = new Counter({
    name: "longhaul_tokens_total",
    help: "Committed tokens, by team and direction (input, output).",
    labelNames: ["team_id", "direction"] as const,
    registers,
  });
  const tokensByTeam = new Map<string, { input: number; output: number }>();
  for (const row of metrics.spend) {
    spendUsd.inc({ team_id: row.teamId, kind: row.kind }, row.usd);
    const team = tokensByTeam.get(row.teamId) ?? { input: 0, output: 0 };
    team.input += row.tokensIn;
    team.output += row.tokensOut;
    tokensByTeam.set(row.teamId, team);
  }
  for (const [teamId, t] of tokensByTeam) {
    tokens.inc({ team_id: teamId, direction: "input" }, t.input);
    tokens.inc({ team_id: teamId, direction: "output" }, t.output);
  }
  return registry.metrics();
}

function isSameSecret(given: string, expected: string): boolean {
  // Hashing first gives equal lengths, so the comparison takes the same time whatever was sent.
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * GET /api/metrics. Off (404) unless a token is configured; then only `Authorization: Bearer <token>`
 * is answered. Behind a proxy a route handler cannot tell loopback from the world, and the numbers
 * name teams and their spend, so there is no unauthenticated mode.
 */
export async function serveMetrics(
  request: Request,
  { token, reader }: { token: string | undefined; reader: MetricsReader },
): Promise<Response> {
  if (!token) {
    return new Response("Metrics are off: set METRICS_TOKEN and scrape with `Authorization: Bearer <token>`.\n", {
      status: 404,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
  const given = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "")?.[1];
  if (!given || !isSameSecret(given, token)) {
    return new Response("A valid `Authorization: Bearer <METRICS_TOKEN>` header is required.\n", {
      status: 401,
      headers: { "content-type": "text/plain; charset=utf-8", "www-authenticate": 'Bearer realm="metrics"' },
    });
  }
  const fromDatabase = await renderDatabaseMetrics(await reader.read());
  const fromProcess = await processMetrics.registry.metrics();
  return new Response(`${fromDatabase}\n${fromProcess}`, {
    headers: { "content-type": processMetrics.registry.contentType, "cache-control": "no-store" },
  });
}
