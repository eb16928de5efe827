import http from "node:http";
import type { AddressInfo } from "node:net";
import { Inngest } from "inngest";
import { serve } from "inngest/node";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import type { RunningExecutor } from "../../src/executor";
import { startTestExecutor } from "../harness";

const executors: RunningExecutor[] = [];
let app: http.Server | undefined;

afterAll(async () => {
  await Promise.all(executors.map((e) => e.stop()));
  if (app) {
    app.closeAllConnections();
    await new Promise<void>((resolve) => app!.close(() => resolve()));
  }
});

describe("two executors on one database", () => {
  it("run 200 runs with no step executed twice, both doing work", async () => {
    for (let i = 0; i < 2; i++) {
      executors.push(await startTestExecutor({ poolSize: 4, worker: { concurrency: 8, idlePollMs: 20, backoffBaseMs: 20 } }));
    }
    const effects = new Map<string, number>();
    const record = (key: string) => effects.set(key, (effects.get(key) ?? 0) + 1);
    const inngest = new Inngest({ id: "multi", isDev: true, baseUrl: executors[0]!.url });
    const fn = inngest.createFunction({ id: "work", triggers: [{ event: "multi/work" }] }, async ({ event, step }) => {
      await step.run("one", () => record(`one:${event.id}`));
      await step.run("two", () => record(`two:${event.id}`));
      return "done";
    });
    app = http.createServer(serve({ client: inngest, functions: [fn] }));
    await new Promise<void>((resolve) => app!.listen(0, "127.0.0.1", resolve));
    const appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/api/inngest`;
    expect((await fetch(appUrl, { method: "PUT" })).ok).toBe(true);

    const { ids } = await inngest.send(Array.from({ length: 200 }, (_, i) => ({ name: "multi/work", data: { i } })));
    expect(ids).toHaveLength(200);

    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    await expect
      .poll(
        async () => {
          const { rows } = await client.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM executor_run WHERE "eventId" = ANY($1) AND status = 'completed'`,
            [ids],
          );
          return rows[0]!.n;
        },
        { timeout: 60_000, interval: 250 },
      )
      .toBe(200);
    await client.end();

    for (const id of ids) {
      expect(effects.get(`one:${id}`)).toBe(1);
      expect(effects.get(`two:${id}`)).toBe(1);
    }
    expect(executors[0]!.worker.processedJobs).toBeGreaterThan(0);
    expect(executors[1]!.worker.processedJobs).toBeGreaterThan(0);
  });
});
