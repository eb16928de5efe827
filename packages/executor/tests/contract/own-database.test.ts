import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness } from "../harness";

/**
 * The executor runs beside any app: on a database that holds nothing but what its own migrations make
 * (packages/executor/migrations), a real SDK app's function runs its steps to the end.
 */
const name = `executor_only_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
let h: Awaited<ReturnType<typeof startHarness>> | undefined;

beforeAll(async () => {
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${name}`;
  h = await startHarness(
    "contract-own-database",
    (inngest) => [
      inngest.createFunction({ id: "two-steps", triggers: [{ event: "test/own-database" }] }, async ({ event, step }) => {
        const a = await step.run("a", () => (event.data as { n: number }).n + 1);
        return step.run("b", () => a * 2);
      }),
    ],
    { databaseUrl: url.toString() },
  );
}, 60_000);

afterAll(async () => {
  await h?.stop();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

describe("an executor on a database of its own", () => {
  it("creates its tables and runs a function's steps", async () => {
    const { rows: tables } = await h!.executor.pool.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
    );
    expect(tables.map((t) => t.name)).toEqual([
      "executor_app",
      "executor_cron",
      "executor_event",
      "executor_function",
      "executor_job",
      "executor_run",
      "executor_schema_migration",
      "executor_step",
      "executor_wait",
    ]);
    const eventId = await h!.send("test/own-database", { n: 20 });
    const [run] = await h!.settled(eventId);
    expect(run!.status).toBe("Completed");
    expect(run!.output).toBe(42);
  });
});
