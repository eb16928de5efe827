/**
 * What the outbound guard (server/security/outbound.ts, docs/decisions/019) costs a request: model calls
 * through the real openai SDK to the fake OpenAI-compatible server on 127.0.0.1, once through Node's own
 * fetch (how model.ts called before the guard) and once through the guard (undici's fetch with the
 * guarded Agent, 127.0.0.1 allowed by name as LONGHAUL_PRIVATE_MODEL_HOSTS would); and plain GETs that
 * open a new connection every time (the server closes each one), where the guard resolves and checks the
 * host on every connect. No database.
 *
 *   npx tsx --conditions=react-server bench/outbound.ts          results: bench/results/outbound.md
 */
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { OutboundGuard } from "../server/security/outbound";
import { startFakeOpenAI } from "../tests/fixtures/fake-openai";
import { machineFacts, ms, percentile } from "./lib";

const CALLS = Number(process.env.BENCH_OUTBOUND_CALLS ?? 2000);
const WARMUP = 200;
const log = (line: string) => console.log(`[bench] ${line}`);

// The app's modules read the environment when first imported; nothing here touches the database.
process.env.DATABASE_URL ??= "postgresql://unused@127.0.0.1/unused";
process.env.BETTER_AUTH_SECRET ??= randomBytes(32).toString("hex");
process.env.LOG_LEVEL = "warn";
const { callModel } = await import("../server/loop/model");
const { createOutboundGuard } = await import("../server/security/outbound");
const { parsePrivateHostList } = await import("../server/security/outbound-addresses");

const machine = machineFacts();
const fake = await startFakeOpenAI({ latencyMs: 0 });
fake.setResponder(() => ({ kind: "message", content: "ok" }));
const closing = http.createServer((_req, res) => res.setHeader("connection", "close").end("ok"));
await new Promise<void>((resolve) => closing.listen(0, "127.0.0.1", resolve));
const closingPort = (closing.address() as AddressInfo).port;

/** How model.ts reached the network before the guard: Node's own fetch, no check. */
const unguarded: OutboundGuard = { purpose: "model", fetch: (input, init) => fetch(input, init), close: async () => {} };
const guarded = createOutboundGuard("model", { allow: parsePrivateHostList("127.0.0.1,localhost") });

async function time(n: number, once: () => Promise<void>) {
  for (let i = 0; i < WARMUP; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await once();
    times.push(performance.now() - t0);
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95), n };
}

const request = {
  cycle: 1,
  model: "gpt-4o-mini",
  messages: [{ role: "user" as const, content: "hi" }],
  tools: [],
  maxOutputTokens: 50,
  temperature: 0,
};
const modelCall = (outbound: OutboundGuard) => async () => {
  const result = await callModel({ kind: "openai", baseURL: fake.baseURL, apiKey: "k" }, request, { maxRetries: 0, outbound });
  if (!result.ok) throw new Error(result.error);
};
const newConnection = (outbound: OutboundGuard, host: string) => async () => {
  const response = await outbound.fetch(`http://${host}:${closingPort}/`);
  if ((await response.text()) !== "ok") throw new Error("unexpected body");
};

const rows: { measure: string; unguarded: Awaited<ReturnType<typeof time>>; guarded: Awaited<ReturnType<typeof time>> }[] = [];
for (const [measure, make] of [
  ["model call through the openai SDK (kept-alive connection)", modelCall],
  ["GET on a new connection, host 127.0.0.1 (IP literal: checked, no lookup)", (g: OutboundGuard) => newConnection(g, "127.0.0.1")],
  ["GET on a new connection, host localhost (resolved and checked on connect)", (g: OutboundGuard) => newConnection(g, "localhost")],
] as const) {
  // Alternate the two so that neither gets a quieter machine.
  const before = await time(CALLS / 2, make(unguarded));
  const after = await time(CALLS / 2, make(guarded));
  const before2 = await time(CALLS / 2, make(unguarded));
  const after2 = await time(CALLS / 2, make(guarded));
  const merge = (a: typeof before, b: typeof before) => ({ p50: (a.p50 + b.p50) / 2, p95: (a.p95 + b.p95) / 2, n: a.n + b.n });
  rows.push({ measure, unguarded: merge(before, before2), guarded: merge(after, after2) });
  log(`${measure}: unguarded p50 ${ms(rows.at(-1)!.unguarded.p50)}, guarded p50 ${ms(rows.at(-1)!.guarded.p50)}`);
}
await guarded.close();
await fake.stop();
closing.close();

const at = new Date().toISOString();
const table = [
  "| measure | Node's fetch (before) | outbound guard | n each |",
  "| --- | --- | --- | --- |",
  ...rows.map(
    (r) =>
      `| ${r.measure} | p50 ${ms(r.unguarded.p50)}, p95 ${ms(r.unguarded.p95)} | p50 ${ms(r.guarded.p50)}, p95 ${ms(r.guarded.p95)} | ${r.guarded.n} |`,
  ),
].join("\n");
const report = `# Outbound guard benchmark

Measured ${at} on ${machine.line}. No database; the fake OpenAI-compatible server (tests/fixtures/fake-openai.ts, zero latency)
and a plain HTTP server that closes every connection run in this process on 127.0.0.1.

Rerun: \`npx tsx --conditions=react-server bench/outbound.ts\` (\`BENCH_OUTBOUND_CALLS\`, default ${CALLS}, split over two alternating rounds each, after ${WARMUP} warm-up calls).

${table}

Reading: "before" is Node's own fetch (its bundled undici 6 and global pool), which model.ts used before the guard;
"outbound guard" is undici 7's fetch with the guard's Agent (docs/decisions/019). p50 and p95 are the means of the
two rounds' percentiles.
`;
await writeFile(path.join(import.meta.dirname, "results", "outbound.md"), report);
await writeFile(path.join(import.meta.dirname, "results", "outbound.json"), JSON.stringify({ at, machine, rows }, null, 2));
log("wrote bench/results/outbound.md");
process.exit(0);
