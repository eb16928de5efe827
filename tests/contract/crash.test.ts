import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Inngest } from "inngest";
import { serve } from "inngest/node";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const executorPort = 18288 + Math.floor(Math.random() * 1000);
const executorUrl = `http://127.0.0.1:${executorPort}`;
const children: ChildProcess[] = [];

/** The executor as a real process (`npm run executor`), so it can be SIGKILLed. */
async function startExecutorProcess(appUrl: string) {
  const child = spawn(
    process.execPath,
    ["--conditions=react-server", "--import", "tsx", "scripts/executor.ts", "-u", appUrl, "-p", String(executorPort)],
    {
      cwd: root,
      env: { ...process.env, EXECUTOR_LEASE_MS: "2000", EXECUTOR_BACKOFF_BASE_MS: "50", EXECUTOR_SYNC_INTERVAL_MS: "0" },
      stdio: "ignore",
    },
  );
  children.push(child);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await fetch(`${executorUrl}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return child;
    if (Date.now() > deadline) throw new Error("executor process did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
}

afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
});

describe("crashes", () => {
  it("a run sleeping when the executor is SIGKILLed completes after a restart, each step once", async () => {
    const effects = new Map<string, number>();
    const inngest = new Inngest({ id: "crash", isDev: true, baseUrl: executorUrl });
    const sleeper = inngest.createFunction({ id: "sleeper", triggers: [{ event: "crash/sleep" }] }, async ({ event, step }) => {
      await step.run("before", () => effects.set(`before:${event.id}`, (effects.get(`before:${event.id}`) ?? 0) + 1).size);
      await step.sleep("nap", "2s");
      await step.run("after", () => effects.set(`after:${event.id}`, (effects.get(`after:${event.id}`) ?? 0) + 1).size);
      return "done";
    });
    const app = http.createServer(serve({ client: inngest, functions: [sleeper] }));
    await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
    const appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/api/inngest`;

    const first = await startExecutorProcess(appUrl);
    await expect.poll(() => fetch(appUrl, { method: "PUT" }).then((r) => r.ok), { timeout: 10_000 }).toBe(true);
    const { ids } = await inngest.send({ name: "crash/sleep", data: {} });
    const eventId = ids[0]!;
    await expect.poll(() => effects.get(`before:${eventId}`) ?? 0, { timeout: 10_000 }).toBe(1);
    await new Promise((r) => setTimeout(r, 300)); // the run is now asleep in the database
    first.kill("SIGKILL");
    await new Promise((resolve) => first.once("exit", resolve));

    await startExecutorProcess(appUrl);
    await expect
      .poll(
        async () => {
          const res = await fetch(`${executorUrl}/v1/events/${eventId}/runs`);
          const body = (await res.json()) as { data: { status: string; output: unknown }[] };
          return body.data[0]?.status;
        },
        { timeout: 20_000, interval: 200 },
      )
      .toBe("Completed");
    expect(effects.get(`before:${eventId}`)).toBe(1);
    expect(effects.get(`after:${eventId}`)).toBe(1);
    await new Promise<void>((resolve) => app.close(() => resolve()));
    app.closeAllConnections();
  });
});
