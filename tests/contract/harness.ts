import http from "node:http";
import type { AddressInfo } from "node:net";
import type { InngestFunction } from "inngest";
import { serve } from "inngest/node";
import type { RunningExecutor } from "@longhaul/executor";

export { startTestExecutor } from "@longhaul/executor/testing";

/**
 * The app's own Inngest functions (inngest/index.ts) served by the SDK on a local port and synced to
 * `executor`. `close()` removes what the app left queued or scheduled on the shared test database
 * (its jobs and its cron schedules: the watchdog, scheduler and hibernator fire every minute or
 * hour), so later test files do not inherit them, then stops serving.
 */
export async function serveAppFunctions(executor: () => RunningExecutor | undefined) {
  const { inngest } = await import("~/inngest/client");
  const { functions } = await import("~/inngest");
  const app = http.createServer(serve({ client: inngest, functions: functions as InngestFunction.Any[] }));
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  const sync = await fetch(`http://127.0.0.1:${(app.address() as AddressInfo).port}/api/inngest`, { method: "PUT" });
  if (!sync.ok) throw new Error(`sync failed: ${sync.status} ${await sync.text()}`);
  return {
    async close() {
      const pool = executor()?.pool;
      await pool?.query(
        `DELETE FROM executor_job WHERE "runId" IN (SELECT r.id FROM executor_run r JOIN executor_function f ON f.id = r."functionId" WHERE f."appId" = 'longhaul')`,
      );
      await pool?.query(`DELETE FROM executor_cron WHERE "functionId" IN (SELECT id FROM executor_function WHERE "appId" = 'longhaul')`);
      app.closeAllConnections();
      await new Promise<void>((resolve) => app.close(() => resolve()));
    },
  };
}
