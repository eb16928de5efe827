/**
 * `npm run bench:channels`: delivery latency from an agent's step to the receiver (issue 21, "must show").
 *
 *   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres node --conditions=react-server --import tsx bench/channels.ts
 *
 * The real stack: the project's executor (in this process, production settings), the app's Inngest
 * functions served by inngest/node and synced to it, PostgreSQL, and a webhook receiver on 127.0.0.1
 * (tests/fixtures/channel-receiver.ts, answering 200 at once). An agent's send_message runs as the loop's
 * act step runs it (`executeToolCall`: the outbox row, the effect ledger, one delivery per channel and the
 * event); the clock stops when the receiver has read the signed request. One message at a time
 * (BENCH_CHANNEL_SAMPLES, 200), then bursts of 50 messages sent at once. Results: bench/results/channels.md.
 */
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { InngestFunction } from "inngest";
import { serve } from "inngest/node";
import { executorOptionsFromEnv, startExecutor } from "@longhaul/executor";
import { applyMigrations } from "../server/db/migrate";
import { startChannelReceiver } from "../tests/fixtures/channel-receiver";
import { appBenchDatabase, machineFacts, ms, percentile } from "./lib";

const SAMPLES = Number(process.env.BENCH_CHANNEL_SAMPLES ?? 200);
const BURST = 50;
const BURSTS = 3;
const EXECUTOR_PORT = Number(process.env.BENCH_EXECUTOR_PORT ?? 19_520);
const log = (line: string) => console.log(`[bench:channels] ${line}`);

const database = await appBenchDatabase(log, "needs a PostgreSQL server");
process.env.INNGEST_DEV = `http://127.0.0.1:${EXECUTOR_PORT}`;
process.env.LONGHAUL_PRIVATE_TOOL_HOSTS = "127.0.0.1";
delete process.env.INNGEST_SIGNING_KEY;
delete process.env.INNGEST_EVENT_KEY;

const summary = (values: number[]) => ({
  p50: percentile(values, 50),
  p95: percentile(values, 95),
  p99: percentile(values, 99),
  max: Math.max(...values),
  n: values.length,
});

let cleanup = async () => {};
try {
  await applyMigrations(database.url);
  const { db } = await import("../server/db/client");
  const { closeDatabasePool } = await import("../server/db/raw");
  const { inngest } = await import("../inngest/client");
  const { functions } = await import("../inngest");
  const { createAgent } = await import("../server/agents/agents");
  const { encryptSecret } = await import("../server/secrets/crypto");
  const { executeToolCall } = await import("../server/tools/execute-tool");

  const receiver = await startChannelReceiver();
  const app = http.createServer(serve({ client: inngest, functions: functions as InngestFunction.Any[] }));
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  const executor = await startExecutor({
    ...executorOptionsFromEnv({}),
    databaseUrl: database.url,
    host: "127.0.0.1",
    port: EXECUTOR_PORT,
    sdkUrls: [],
    syncIntervalMs: 0,
  });
  const sync = await fetch(`http://127.0.0.1:${(app.address() as AddressInfo).port}/api/inngest`, { method: "PUT" });
  if (!sync.ok) throw new Error(`sync failed: ${sync.status} ${await sync.text()}`);
  cleanup = async () => {
    app.closeAllConnections();
    await new Promise<void>((resolve) => app.close(() => resolve()));
    await executor.stop();
    await receiver.close();
    await db.$disconnect();
    await closeDatabasePool();
  };

  const userId = `bench-${randomBytes(6).toString("hex")}`;
  const teamId = `bench-team-${randomBytes(6).toString("hex")}`;
  await db.user.create({ data: { id: userId, name: "Bench", email: `${userId}@example.test` } });
  await db.team.create({ data: { id: teamId, name: "Bench", slug: teamId } });
  const channel = await db.channel.create({
    data: {
      teamId,
      name: "Bench hook",
      kind: "webhook",
      ratePerMinute: 600,
      secretsCiphertext: encryptSecret(JSON.stringify({ url: `${receiver.url}/hook`, signingSecret: "bench-signing-secret" }), teamId),
    },
  });
  const agent = await createAgent({
    teamId,
    userId,
    input: {
      name: "Reporter",
      goal: "Send a report to the team's channel each cycle.",
      model: "simulator-1",
      budgetUsd: 1000,
      messageChannelIds: [channel.id],
      tools: [{ name: "send_message", enabled: true, approval: "never" }],
    },
  });
  let cycle = 0;
  const send = () =>
    executeToolCall({
      agentId: agent.id,
      teamId,
      cycle: ++cycle,
      callIndex: 0,
      name: "send_message",
      argumentsText: JSON.stringify({ subject: `Report ${cycle}`, body: "Nothing new." }),
    });
  const arrivalOf = async (subject: string, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = receiver.requests.find((r) => (r.json as { title?: string } | undefined)?.title === subject);
      if (found) return found.at.getTime();
      if (Date.now() > deadline) throw new Error(`${subject} never arrived`);
      await new Promise((r) => setTimeout(r, 1));
    }
  };

  // Warm-up: connections, the function's first run, JIT.
  for (let i = 0; i < 10; i++) {
    const t = cycle + 1;
    await send();
    await arrivalOf(`Report ${t}`);
  }
  const single: number[] = [];
  const toolStep: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const subject = `Report ${cycle + 1}`;
    const started = performance.timeOrigin + performance.now();
    await send();
    toolStep.push(performance.timeOrigin + performance.now() - started);
    single.push((await arrivalOf(subject)) - started);
  }
  log(`one at a time: p50 ${ms(percentile(single, 50))}, p95 ${ms(percentile(single, 95))}`);

  const burst: number[] = [];
  for (let b = 0; b < BURSTS; b++) {
    const started = Date.now();
    const subjects = await Promise.all(
      Array.from({ length: BURST }, async () => {
        const subject = `Report ${cycle + 1}`;
        await send();
        return subject;
      }),
    );
    for (const subject of subjects) burst.push((await arrivalOf(subject)) - started);
  }
  log(`bursts of ${BURST}: p50 ${ms(percentile(burst, 50))}, p95 ${ms(percentile(burst, 95))}`);
  const duplicates = receiver.requests.length - new Set(receiver.requests.map((r) => r.headers["idempotency-key"])).size;

  const results = {
    measuredAt: new Date().toISOString(),
    machine: machineFacts(),
    database: database.label,
    oneAtATime: summary(single),
    toolStep: summary(toolStep),
    bursts: { size: BURST, count: BURSTS, ...summary(burst) },
    receiverRequests: receiver.requests.length,
    duplicates,
  };
  const row = (label: string, r: { p50: number; p95: number; p99: number; max: number; n: number }) =>
    `| ${label} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} | ${ms(r.max)} | ${r.n} |`;
  const lines = [
    "# Channel delivery latency (`npm run bench:channels`)",
    "",
    `Measured ${results.measuredAt} on ${results.machine.line}; ${results.database}.`,
    "",
    "From the start of an agent's send_message step (as the loop's act step runs it: the outbox row, the effect",
    "ledger, the delivery row and its event) to the moment the webhook receiver has read the signed request.",
    "The executor runs in this process with its production settings; the receiver answers 200 at once.",
    "",
    "| | p50 | p95 | p99 | max | n |",
    "| --- | --- | --- | --- | --- | --- |",
    row("agent step → receiver, one message at a time", results.oneAtATime),
    row("of which the step itself (until the tool call returns)", results.toolStep),
    row(`agent step → receiver, ${BURST} messages sent at once`, results.bursts),
    "",
    `The receiver got ${results.receiverRequests} requests, ${duplicates} of them repeats of an idempotency key.`,
    "",
    "Rerun: `BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npm run bench:channels`.",
    "",
  ];
  const dir = path.join(import.meta.dirname, "results");
  await writeFile(path.join(dir, "channels.json"), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(path.join(dir, "channels.md"), lines.join("\n"));
  log("written to bench/results/channels.md");
} finally {
  await cleanup().catch(() => {});
  await database.cleanup().catch(() => {});
}
process.exit(0);
