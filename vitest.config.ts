import os from "node:os";
import path from "node:path";
import { defineConfig } from "vitest/config";

const root = import.meta.dirname;
const shared = {
  resolve: {
    alias: {
      "~": root,
      // Next enforces "server-only" at bundle time; under Vitest every module runs on the server.
      "server-only": path.join(root, "tests/fixtures/server-only.ts"),
    },
  },
};

/**
 * Integration files share one database (made fresh per run by scripts/test.ts) and isolate by team, so
 * they run several at a time, one per CPU by default (TEST_WORKERS overrides; more than the CPUs only
 * slowed them down on a 2-CPU machine: loading the server's modules and the app processes some files
 * start are CPU-bound). These few do not isolate and run afterwards, one at a time: the migration
 * check, the embedded database (a PostgreSQL inside the worker, CPU-bound) and the metrics scrapes
 * (the app's and the executor's queue gauges), which compare instance-wide counts with the database.
 */
const SERIAL_INTEGRATION = [
  "tests/integration/migrations.test.ts",
  "tests/integration/embedded-database.test.ts",
  "tests/integration/metrics.test.ts",
  "packages/executor/tests/integration/queue-metrics.test.ts",
];
const workers = Number(process.env.TEST_WORKERS) || Math.max(2, os.availableParallelism());

const integration = {
  environment: "node" as const,
  testTimeout: 60_000,
  hookTimeout: 120_000,
  globalSetup: ["tests/integration/global-setup.ts"],
};

export default defineConfig({
  test: {
    projects: [
      {
        ...shared,
        test: { name: "unit", include: ["tests/unit/**/*.test.ts", "packages/*/tests/unit/**/*.test.ts"], environment: "node" },
      },
      {
        ...shared,
        test: {
          ...integration,
          name: "integration",
          include: ["tests/integration/**/*.test.ts", "packages/*/tests/integration/**/*.test.ts"],
          exclude: SERIAL_INTEGRATION,
          maxWorkers: workers,
          sequence: { groupOrder: 0 },
        },
      },
      {
        ...shared,
        test: {
          ...integration,
          name: "integration-serial",
          include: SERIAL_INTEGRATION,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        ...shared,
        test: {
          // Serial: every executor a file starts claims jobs from the one shared queue (a file's jobs would
          // run on another file's executor, with its signing keys and its faults), the app's Inngest client
          // talks to one fixed port, and the crash tests kill processes and restart PostgreSQL.
          name: "contract",
          include: ["tests/contract/**/*.test.ts", "packages/*/tests/contract/**/*.test.ts"],
          // The app's Inngest client is created at import time from INNGEST_DEV: the agent-loop test
          // starts its executor on this address. (Other contract tests pass their own baseUrl.)
          // CONTRACT_EXECUTOR_PORT lets two contract runs share a machine.
          env: {
            INNGEST_DEV: `http://127.0.0.1:${process.env.CONTRACT_EXECUTOR_PORT ?? "18288"}`,
            OPENAI_API_KEY: "test-key",
            // The fake model server runs on 127.0.0.1 (as in scripts/test.ts); tools stay guarded.
            LONGHAUL_PRIVATE_MODEL_HOSTS: "127.0.0.1,localhost",
            MODEL_MAX_RETRIES: "0",
            MODEL_TIMEOUT_MS: "2000",
          },
          ...integration,
          fileParallelism: false,
        },
      },
    ],
  },
});
