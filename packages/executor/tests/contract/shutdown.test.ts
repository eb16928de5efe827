import http from "node:http";
import type { AddressInfo } from "node:net";
import { Inngest, type InngestFunction } from "inngest";
import { serve } from "inngest/node";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunningExecutor } from "../../src/executor";
import type { WorkerOptions } from "../../src/worker";
import { startTestExecutor } from "../harness";

/**
 * Graceful shutdown (SIGTERM → executor.stop()): the executor stops taking work, lets the calls in
 * flight finish within the grace period, and releases the jobs of those that do not, so a second
 * executor takes them at once rather than after the lease (a minute here) expires.
 */

type Gate = { open: () => void; wait: Promise<void> };
function gate(): Gate {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { open, wait };
}

const LEASE_MS = 60_000;
const running: RunningExecutor[] = [];
const gates: Gate[] = [];
let app: http.Server | null = null;
let db: pg.Client;

beforeAll(async () => {
  db = new pg.Client({ connectionString: process.env.DATABASE_URL, options: "-c TimeZone=UTC" });
  await db.connect();
});

afterEach(async () => {
  for (const g of gates.splice(0)) g.open();
  await Promise.all(running.splice(0).map((e) => e.stop({ graceMs: 1000 })));
  if (app) {
    app.closeAllConnections();
    await new Promise<void>((resolve) => app!.close(() => resolve()));
    app = null;
  }
});

afterAll(async () => {
  await db.end();
});

async function executor(worker: Partial<WorkerOptions>) {
  const started = await startTestExecutor({ worker: { leaseMs: LEASE_MS, ...worker } });
  running.push(started);
  return started;
}

/** Stops an executor the test started (and forgets it, so cleanup does not stop it twice). */
async function stopExecutor(target: RunningExecutor, graceMs: number) {
  running.splice(running.indexOf(target), 1);
  await target.stop({ graceMs });
}

async function serveApp(appId: string, baseUrl: string, build: (inngest: Inngest.Any) => InngestFunction.Any[]) {
  const inngest = new Inngest({ id: appId, isDev: true, baseUrl });
  app = http.createServer(serve({ client: inngest, functions: build(inngest) }));
  await new Promise<void>((resolve) => app!.listen(0, "127.0.0.1", resolve));
  const appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/api/inngest`;
  const sync = await fetch(appUrl, { method: "PUT" });
  if (!sync.ok) throw new Error(`sync failed: ${sync.status} ${await sync.text()}`);
  return inngest;
}

async function runOf(eventId: string) {
  const { rows } = await db.query<{ id: string; status: string }>(`SELECT id, status FROM executor_run WHERE "eventId" = $1`, [eventId]);
  return rows[0] ?? null;
}

async function waitUntil<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("executor shutdown", () => {
  it("lets a step in flight finish during the grace period and stores its result (the HTTP server stays up for checkpoints)", async () => {
    const first = await executor({});
    const slow = gate();
    const started = gate();
    gates.push(slow);
    const bodies = { slow: 0, after: 0 };
    const inngest = await serveApp("shutdown-finish", first.url, (client) => [
      client.createFunction({ id: "slow-then-after", triggers: [{ event: "shutdown/finish" }] }, async ({ step }) => {
        await step.run("slow", async () => {
          bodies.slow++;
          started.open();
          await slow.wait;
          return "slow done";
        });
        await step.run("after", () => {
          bodies.after++;
          return "after done";
        });
        return "finished";
      }),
    ]);
    const { ids } = await inngest.send({ name: "shutdown/finish", data: {} });
    await started.wait;

    const stopping = stopExecutor(first, 10_000);
    await new Promise((r) => setTimeout(r, 200));
    // stop() has not returned: it waits for the call in flight.
    let hasStopped = false;
    void stopping.then(() => (hasStopped = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(hasStopped).toBe(false);
    slow.open();
    await stopping;

    const run = await runOf(ids[0]!);
    expect(run?.status).toBe("completed");
    const { rows: steps } = await db.query<{ stepId: string; status: string }>(
      `SELECT "stepId", status FROM executor_step WHERE "runId" = $1 AND status = 'completed'`,
      [run!.id],
    );
    expect(steps).toHaveLength(2);
    expect(bodies).toEqual({ slow: 1, after: 1 });
  });

  it("releases a job still in flight after the grace period, and a second executor finishes the run without waiting for the lease", async () => {
    // Checkpointing off: the app's client points at the first executor, which will be gone.
    const first = await executor({ checkpointing: false });
    const stuck = gate();
    const started = gate();
    gates.push(stuck);
    let slowBodies = 0;
    const inngest = await serveApp("shutdown-release", first.url, (client) => [
      client.createFunction({ id: "stuck-once", triggers: [{ event: "shutdown/release" }] }, async ({ step }) => {
        const value = await step.run("slow", async () => {
          slowBodies++;
          if (slowBodies === 1) {
            started.open();
            await stuck.wait; // the first attempt hangs past the grace period
          }
          return `attempt ${slowBodies}`;
        });
        await step.run("after", () => "after done");
        return value;
      }),
    ]);
    const { ids } = await inngest.send({ name: "shutdown/release", data: {} });
    await started.wait;
    const run = await waitUntil("the run", () => runOf(ids[0]!));

    const stopStarted = Date.now();
    await stopExecutor(first, 300);
    expect(Date.now() - stopStarted).toBeLessThan(5_000);
    // The job is free for anyone now, although its lease had a minute to go.
    const { rows: jobs } = await db.query<{ leasedBy: string | null; isDue: boolean }>(
      `SELECT "leasedBy", "runAt" <= (now() AT TIME ZONE 'UTC') AS "isDue" FROM executor_job WHERE "runId" = $1`,
      [run.id],
    );
    expect(jobs).toEqual([{ leasedBy: null, isDue: true }]);

    const secondStarted = Date.now();
    const second = await executor({ checkpointing: false });
    const finished = await waitUntil("the run to complete on the second executor", async () => {
      const current = await runOf(ids[0]!);
      return current?.status === "completed" ? current : null;
    });
    expect(finished.id).toBe(run.id);
    expect(Date.now() - secondStarted).toBeLessThan(LEASE_MS / 4);
    const { rows } = await db.query<{ output: unknown }>(`SELECT output FROM executor_run WHERE id = $1`, [run.id]);
    expect(rows[0]!.output).toBe("attempt 2");
    // The executor counts the steps it stores on its own /metrics (steps per second = their rate).
    const metrics = await (await fetch(`${second.url}/metrics`)).text();
    expect(Number(/^longhaul_executor_steps_total\{status="completed"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
  });
});
