/**
 * `npm run bench:api`: what the public API (/api/v1) adds to a call, measured through its real handler
 * (the token in one query, the per-token rate limit, trpc-to-openapi routing, input and output validation, the error
 * shape) against the same procedure called through the dashboard's tRPC caller, and a page of 50 agents.
 *
 *   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres NODE_ENV=production \
 *     node --conditions=react-server --import tsx bench/api.ts
 *
 * NODE_ENV=production as `npm start` runs (outside production trpc-to-openapi also rebuilds its
 * OpenAPI document on every request to check the router; the second table shows that cost).
 * No target in the issue; results: bench/results/api.md.
 */
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { applyMigrations } from "../server/db/migrate";
import { appBenchDatabase, machineFacts, ms, timeCalls } from "./lib";

const SAMPLES = Number(process.env.BENCH_API_SAMPLES ?? 300);
const AGENTS = 200;
const log = (line: string) => console.log(`[bench:api] ${line}`);
const database = await appBenchDatabase(log, "needs a PostgreSQL server");
process.env.API_RATE_LIMIT_PER_MINUTE = "1000000";

type R = { p50: number; p95: number; p99: number; n: number };
const started = new Date();
const results: Record<string, R | string | number> = {};
try {
  await applyMigrations(database.url);
  const { db } = await import("../server/db/client");
  const { createCaller } = await import("../server/api/root");
  const { createApiToken } = await import("../server/api-tokens/tokens");
  const { handlePublicApi } = await import("../server/api/v1/handler");
  const { publicApiDocument } = await import("../server/api/v1/openapi");

  const userId = `bench-${randomBytes(6).toString("hex")}`;
  const teamId = `bench-team-${randomBytes(6).toString("hex")}`;
  await db.user.create({ data: { id: userId, name: "Bench", email: `${userId}@example.test`, emailVerified: true } });
  await db.team.create({ data: { id: teamId, name: "Bench", slug: teamId } });
  await db.member.create({ data: { id: randomBytes(12).toString("hex"), teamId, userId, role: "owner" } });
  for (let i = 0; i < AGENTS; i++) {
    await db.agent.create({
      data: { teamId, name: `Agent ${i}`, goal: "Watch the status page and report changes.", model: "simulator-1", budgetUsd: 5 },
    });
  }
  const agent = await db.agent.findFirstOrThrow({ where: { teamId }, select: { id: true } });
  const { token } = await createApiToken({ teamId, userId, role: "owner", input: { name: "bench", role: "member" } });
  const caller = createCaller({
    db,
    headers: new Headers(),
    user: { id: userId, name: "Bench", email: `${userId}@example.test` },
    sessionId: "bench",
    activeTeamId: teamId,
    apiToken: null,
  });
  const headers = { authorization: `Bearer ${token}` };
  const get = async (p: string) => {
    const response = await handlePublicApi(new Request(`http://bench.test/api/v1${p}`, { headers }));
    if (response.status !== 200) throw new Error(`${p}: ${response.status} ${await response.text()}`);
    await response.text();
  };

  const time = (label: string, fn: () => Promise<unknown>) => timeCalls(label, SAMPLES, fn, log);

  results.trpcGet = await time("tRPC caller agent.byId", () => caller.agent.byId({ id: agent.id }));
  results.apiGet = await time("GET /api/v1/agents/{id}", () => get(`/agents/${agent.id}`));
  results.trpcList = await time("tRPC caller agent.list (50)", () => caller.agent.list({ limit: 50 }));
  results.apiList = await time("GET /api/v1/agents?limit=50", () => get("/agents?limit=50"));
  results.document = await time("building the OpenAPI document", async () => publicApiDocument());
  results.nodeEnv = process.env.NODE_ENV ?? "(unset)";
} catch (error) {
  console.error(error);
  await database.cleanup();
  process.exit(1);
} finally {
  await database.cleanup();
}

const r = (key: string) => results[key] as R;
const row = (label: string, x: R) => `| ${label} | ${ms(x.p50)} | ${ms(x.p95)} | ${ms(x.p99)} |`;
const md = `# Public API benchmark

Measured ${started.toISOString()} on ${machineFacts().line}; database: ${database.label}; NODE_ENV=${String(results.nodeEnv)}.
Load average (1 min) at the end: ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs (other work on the machine shows there).

Rerun: \`BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres NODE_ENV=production node --conditions=react-server --import tsx bench/api.ts\`
(\`BENCH_API_SAMPLES\`). ${SAMPLES} calls each after 20 warm-up calls, one at a time, in process (no HTTP socket): the
API's handler (server/api/v1/handler.ts: token hash lookup and creator's role, one rate-limit upsert, routing,
zod input and output, the answer's JSON) against the dashboard's server-side tRPC caller for the same read.

| call | p50 | p95 | p99 |
| --- | --- | --- | --- |
${row("dashboard tRPC caller, agent.byId", r("trpcGet"))}
${row("GET /api/v1/agents/{id}", r("apiGet"))}
${row("dashboard tRPC caller, agent.list (50 of 200)", r("trpcList"))}
${row("GET /api/v1/agents?limit=50", r("apiList"))}
${row("building the OpenAPI document (GET /api/v1/openapi.json)", r("document"))}

The API's own cost is the difference of the rows: the token (one query: the token, its team and its creator's role now, where the dashboard reads the membership), the
rate-limit upsert, and the handler. Outside production (npm run dev, the test runner) trpc-to-openapi also builds the
document on every request to check the router, which adds about the last row's time to each call.
`;
const dir = path.join(import.meta.dirname, "results");
await writeFile(path.join(dir, "api.md"), md);
await writeFile(path.join(dir, "api.json"), JSON.stringify({ measuredAt: started, machine: machineFacts(), ...results }, null, 2));
log("wrote bench/results/api.md");
process.exit(0);
