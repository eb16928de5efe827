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
          name: "integration",
          include: ["tests/integration/**/*.test.ts", "packages/*/tests/integration/**/*.test.ts"],
          environment: "node",
          // Tests share one database (made fresh per run by scripts/test.ts) and isolate by team.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
          globalSetup: ["tests/integration/global-setup.ts"],
        },
      },
      {
        ...shared,
        test: {
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
          environment: "node",
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
          globalSetup: ["tests/integration/global-setup.ts"],
        },
      },
    ],
  },
});
