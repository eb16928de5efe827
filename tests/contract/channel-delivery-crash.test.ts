import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { db } from "~/server/db/client";
import { encryptSecret } from "~/server/secrets/crypto";
import { createTestTeam } from "../factories/team";
import { startChannelReceiver, type ChannelReceiver } from "../fixtures/channel-receiver";
import { serveAppFunctions } from "./harness";

/**
 * Issue 21, point 2, through the real executor in its own process and the app's real channel-deliver
 * function: the executor is SIGKILLed while an attempt is being sent (the receiver takes 3 s to answer),
 * a new executor takes the run over after its lease, the step runs again, and the receiver still gets
 * each message exactly once; retries with backoff and a dead letter go through the same function.
 */
vi.hoisted(() => {
  process.env.LONGHAUL_PRIVATE_TOOL_HOSTS = "127.0.0.1";
  process.env.CHANNEL_MAX_ATTEMPTS = "3";
  process.env.CHANNEL_RETRY_BASE_MS = "300";
});

const root = path.resolve(import.meta.dirname, "../..");
const executorUrl = process.env.INNGEST_DEV!;
const children = new Set<ChildProcess>();
let receiver: ChannelReceiver;
let app: Awaited<ReturnType<typeof serveAppFunctions>> | undefined;

function startExecutorProcess() {
  const child = spawn(
    process.execPath,
    ["--conditions=react-server", "--import", "tsx", "scripts/executor.ts", "-p", new URL(executorUrl).port],
    {
      cwd: root,
      env: { ...process.env, EXECUTOR_LEASE_MS: "2000", EXECUTOR_BACKOFF_BASE_MS: "100", EXECUTOR_SYNC_INTERVAL_MS: "0" },
      stdio: "ignore",
    },
  );
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

async function kill(child: ChildProcess) {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 40_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const healthy = async () => (await fetch(`${executorUrl}/health`)).ok;

let executor: ChildProcess;

beforeAll(async () => {
  receiver = await startChannelReceiver();
  executor = startExecutorProcess();
  await waitFor(healthy, "the executor to start");
  app = await serveAppFunctions(() => undefined);
}, 60_000);

afterAll(async () => {
  await app?.close();
  // The jobs and schedules of this app on the shared database (serveAppFunctions' close needs a pool of the executor's).
  await db.$executeRaw`DELETE FROM executor_job WHERE "runId" IN (SELECT r.id FROM executor_run r JOIN executor_function f ON f.id = r."functionId" WHERE f."appId" = 'longhaul')`;
  await db.$executeRaw`DELETE FROM executor_cron WHERE "functionId" IN (SELECT id FROM executor_function WHERE "appId" = 'longhaul')`;
  for (const child of children) await kill(child);
  await receiver.close();
});

async function channelFor(teamId: string) {
  return db.channel.create({
    data: {
      teamId,
      name: "Ops hook",
      kind: "webhook",
      secretsCiphertext: encryptSecret(JSON.stringify({ url: `${receiver.url}/hook`, signingSecret: "whsec-crash-0123456789" }), teamId),
    },
  });
}

const statusOf = async (id: string) => (await db.channelDelivery.findUniqueOrThrow({ where: { id } })).status;

describe("channel deliveries through the executor", () => {
  it("a SIGKILL of the executor while an attempt is sending: the message reaches the receiver once", async () => {
    const { enqueueDelivery } = await import("~/server/channels/deliveries");
    const { team } = await createTestTeam();
    const channel = await channelFor(team.id);
    receiver.setMode({ kind: "ok", delayMs: 3000 });
    const queued = await enqueueDelivery({
      teamId: team.id,
      channelId: channel.id,
      messageId: "crash-1",
      source: "test",
      message: { title: "Crash", text: "mid-send" },
    });
    await receiver.waitForRequests(1, 30_000);
    await kill(executor);
    executor = startExecutorProcess();
    await waitFor(healthy, "the new executor to start");
    await waitFor(async () => (await statusOf(queued!.deliveryId)) === "delivered", "the delivery to be recorded");
    // The run goes on after the lease (2 s): its retried step finds the delivery recorded and sends nothing.
    await new Promise((r) => setTimeout(r, 6000));
    const forKey = receiver.requests.filter((r) => r.headers["idempotency-key"] === `${channel.id}:crash-1`);
    expect(forKey).toHaveLength(1);
    const row = await db.channelDelivery.findUniqueOrThrow({ where: { id: queued!.deliveryId } });
    expect(row).toMatchObject({ status: "delivered", attempts: 1, maybeDelivered: false });
  }, 90_000);

  it("retries through durable sleeps and dead-letters after the last attempt", async () => {
    const { enqueueDelivery } = await import("~/server/channels/deliveries");
    const { team } = await createTestTeam();
    const channel = await channelFor(team.id);
    receiver.setModes([{ kind: "retryAfter", seconds: 1 }, "error"]);
    const retried = await enqueueDelivery({
      teamId: team.id,
      channelId: channel.id,
      messageId: "retry-1",
      source: "test",
      message: { title: "Retry", text: "x" },
    });
    await waitFor(async () => (await statusOf(retried!.deliveryId)) === "delivered", "the retried delivery");
    const rows = receiver.requests.filter((r) => r.headers["idempotency-key"] === `${channel.id}:retry-1`);
    expect(rows.map((r) => r.mode)).toEqual(["retryAfter", "error", "ok"]);
    // The Retry-After was honoured: the second attempt came at least a second after the first.
    expect(rows[1]!.at.getTime() - rows[0]!.at.getTime()).toBeGreaterThanOrEqual(1000);

    receiver.setMode("error");
    const dead = await enqueueDelivery({
      teamId: team.id,
      channelId: channel.id,
      messageId: "dead-1",
      source: "test",
      message: { title: "Dead", text: "x" },
    });
    await waitFor(async () => (await statusOf(dead!.deliveryId)) === "dead", "the dead letter");
    expect(receiver.requests.filter((r) => r.headers["idempotency-key"] === `${channel.id}:dead-1`)).toHaveLength(3);
  }, 90_000);

  it("keeps to a channel's rate limit through durable sleeps: the third message of a minute waits for the first one's minute", async () => {
    const { enqueueDelivery } = await import("~/server/channels/deliveries");
    const { team } = await createTestTeam();
    const channel = await channelFor(team.id);
    await db.channel.update({ where: { id: channel.id }, data: { ratePerMinute: 2 } });
    receiver.setMode("ok");
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const queued = await enqueueDelivery({
        teamId: team.id,
        channelId: channel.id,
        messageId: `rate-${n}`,
        source: "test",
        message: { title: `Rate ${n}`, text: "x" },
      });
      ids.push(queued!.deliveryId);
    }
    await waitFor(async () => (await Promise.all(ids.map(statusOf))).every((s) => s === "delivered"), "all three deliveries", 90_000);
    const arrivals = receiver.requests
      .filter((r) => String(r.headers["idempotency-key"]).startsWith(`${channel.id}:rate-`))
      .map((r) => r.at.getTime())
      .sort((a, b) => a - b);
    expect(arrivals).toHaveLength(3);
    // Two within the first minute; the third only once the first one's minute is over.
    expect(arrivals[2]! - arrivals[0]!).toBeGreaterThanOrEqual(60_000);
  }, 120_000);
});
