import http from "node:http";
import type { AddressInfo } from "node:net";
import { Inngest, type InngestFunction } from "inngest";
import { serve } from "inngest/node";
import type { RunningExecutor } from "../src/executor";
import { startTestExecutor } from "../src/testing";

export { startTestExecutor };

function createClient(appId: string, baseUrl: string) {
  return new Inngest({ id: appId, isDev: true, baseUrl });
}
export type TestClient = ReturnType<typeof createClient>;

export type ApiRun = {
  run_id: string;
  function_id: string;
  status: string;
  output: unknown;
  run_started_at: string;
  ended_at: string | null;
};

/**
 * A real SDK app (inngest `serve` on a node http server) and a real executor on the test database,
 * talking HTTP to each other exactly as in production.
 */
export async function startHarness(
  appId: string,
  build: (inngest: TestClient) => InngestFunction.Any[],
  executorOptions: Parameters<typeof startTestExecutor>[0] = {},
) {
  const executor: RunningExecutor = await startTestExecutor(executorOptions);
  const inngest = createClient(appId, executor.url);
  const functions = build(inngest);
  const app = http.createServer(serve({ client: inngest, functions }));
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  const appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/api/inngest`;
  const sync = await fetch(appUrl, { method: "PUT" });
  if (!sync.ok) throw new Error(`sync failed: ${sync.status} ${await sync.text()}`);

  async function runsOf(eventId: string): Promise<ApiRun[]> {
    const res = await fetch(`${executor.url}/v1/events/${eventId}/runs`);
    return ((await res.json()) as { data: ApiRun[] }).data;
  }

  return {
    inngest,
    executor,
    appUrl,
    /** Sends one event and returns its id. */
    async send(name: string, data: Record<string, unknown> = {}, id?: string) {
      const { ids } = await inngest.send({ name, data, ...(id ? { id } : {}) });
      return ids[0]!;
    },
    runsOf,
    /** Waits until the event's runs (at least `count`) have all ended. */
    async settled(eventId: string, { count = 1, timeoutMs = 20_000 } = {}): Promise<ApiRun[]> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const runs = await runsOf(eventId);
        if (runs.length >= count && runs.every((r) => r.status !== "Running")) return runs;
        if (Date.now() > deadline) throw new Error(`runs of ${eventId} did not settle: ${JSON.stringify(runs)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      // Leave nothing behind for later test files sharing the database: this app's cron schedules
      // would keep firing (and its queued jobs retrying) against an app that no longer exists.
      await executor.pool.query(`UPDATE executor_function SET "isArchived" = true WHERE "appId" = $1`, [appId]);
      await executor.pool.query(`DELETE FROM executor_cron WHERE "functionId" IN (SELECT id FROM executor_function WHERE "appId" = $1)`, [
        appId,
      ]);
      await executor.pool.query(
        `DELETE FROM executor_job WHERE "runId" IN (SELECT r.id FROM executor_run r JOIN executor_function f ON f.id = r."functionId" WHERE f."appId" = $1)`,
        [appId],
      );
      await executor.stop();
      await new Promise<void>((resolve) => app.close(() => resolve()));
      app.closeAllConnections();
    },
  };
}
