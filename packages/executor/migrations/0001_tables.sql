-- The executor's tables as of its first own migration. Databases where Longhaul's app migrations
-- (prisma/migrations/20261125130000_executor and 20261125140000_executor_concurrency_cron) already
-- created them are adopted as they are: every statement here is skipped when its object exists.
-- Times are timestamp(3) without time zone, in UTC (the executor's sessions run in UTC).

DO $$
BEGIN
  IF to_regtype('"ExecutorRunStatus"') IS NULL THEN
    CREATE TYPE "ExecutorRunStatus" AS ENUM ('running', 'completed', 'failed', 'cancelled');
  END IF;
  IF to_regtype('"ExecutorStepStatus"') IS NULL THEN
    CREATE TYPE "ExecutorStepStatus" AS ENUM ('completed', 'failed', 'sleeping', 'waiting', 'invoking');
  END IF;
END $$;

-- An app (an SDK endpoint) and the functions it registered at its last sync.
CREATE TABLE IF NOT EXISTS "executor_app" (
  "id" TEXT NOT NULL,
  "url" TEXT NOT NULL,
  "sdkVersion" TEXT,
  "framework" TEXT,
  "lastSyncedAt" TIMESTAMP(3),
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" TIMESTAMP(3) NOT NULL,
  CONSTRAINT "executor_app_pkey" PRIMARY KEY ("id")
);

CREATE TABLE IF NOT EXISTS "executor_function" (
  "id" TEXT NOT NULL,
  "appId" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "url" TEXT NOT NULL,
  "triggers" JSONB NOT NULL,
  "config" JSONB NOT NULL,
  "maxAttempts" INTEGER NOT NULL DEFAULT 4,
  "warnings" JSONB NOT NULL DEFAULT '[]',
  "isArchived" BOOLEAN NOT NULL DEFAULT false,
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" TIMESTAMP(3) NOT NULL,
  CONSTRAINT "executor_function_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "executor_function_appId_fkey" FOREIGN KEY ("appId") REFERENCES "executor_app" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX IF NOT EXISTS "executor_function_appId_idx" ON "executor_function" ("appId");

-- Every event received (ts in epoch milliseconds, as the SDK sends it).
CREATE TABLE IF NOT EXISTS "executor_event" (
  "id" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "data" JSONB NOT NULL,
  "user" JSONB,
  "ts" BIGINT NOT NULL,
  "idempotencyKey" TEXT,
  "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "executor_event_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX IF NOT EXISTS "executor_event_idempotencyKey_key" ON "executor_event" ("idempotencyKey");
CREATE INDEX IF NOT EXISTS "executor_event_name_receivedAt_idx" ON "executor_event" ("name", "receivedAt");

-- A function run: its step stack and where it stands.
CREATE TABLE IF NOT EXISTS "executor_run" (
  "id" TEXT NOT NULL,
  "functionId" TEXT NOT NULL,
  "eventId" TEXT NOT NULL,
  "status" "ExecutorRunStatus" NOT NULL DEFAULT 'running',
  "stack" JSONB NOT NULL DEFAULT '[]',
  "requestVersion" INTEGER NOT NULL DEFAULT -1,
  "disableImmediateExecution" BOOLEAN NOT NULL DEFAULT false,
  "output" JSONB,
  "error" JSONB,
  "idempotencyKey" TEXT,
  "concurrencyKey" TEXT,
  "invokerRunId" TEXT,
  "invokerStepId" TEXT,
  "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "endedAt" TIMESTAMP(3),
  "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "concurrencyLimit" INTEGER,
  CONSTRAINT "executor_run_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "executor_run_functionId_fkey" FOREIGN KEY ("functionId") REFERENCES "executor_function" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "executor_run_eventId_fkey" FOREIGN KEY ("eventId") REFERENCES "executor_event" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX IF NOT EXISTS "executor_run_eventId_idx" ON "executor_run" ("eventId");
CREATE INDEX IF NOT EXISTS "executor_run_functionId_status_idx" ON "executor_run" ("functionId", "status");
CREATE INDEX IF NOT EXISTS "executor_run_status_startedAt_idx" ON "executor_run" ("status", "startedAt");

-- A finished (or sleeping, waiting, invoking) step of a run; its memo is what the SDK replays.
CREATE TABLE IF NOT EXISTS "executor_step" (
  "id" BIGSERIAL NOT NULL,
  "runId" TEXT NOT NULL,
  "stepId" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "op" TEXT NOT NULL,
  "status" "ExecutorStepStatus" NOT NULL,
  "attempts" INTEGER NOT NULL DEFAULT 1,
  "memo" JSONB,
  "error" JSONB,
  "outputSize" INTEGER NOT NULL DEFAULT 0,
  "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "endedAt" TIMESTAMP(3),
  CONSTRAINT "executor_step_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "executor_step_runId_fkey" FOREIGN KEY ("runId") REFERENCES "executor_run" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX IF NOT EXISTS "executor_step_runId_stepId_key" ON "executor_step" ("runId", "stepId");

-- The queue: one row per thing to do for a run, leased by one executor at a time.
CREATE TABLE IF NOT EXISTS "executor_job" (
  "id" BIGSERIAL NOT NULL,
  "runId" TEXT NOT NULL,
  "kind" TEXT NOT NULL,
  "stepId" TEXT NOT NULL,
  "attempt" INTEGER NOT NULL DEFAULT 0,
  "runAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "leasedBy" TEXT,
  "leaseExpiresAt" TIMESTAMP(3),
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "admittedAt" TIMESTAMP(3),
  CONSTRAINT "executor_job_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "executor_job_runId_fkey" FOREIGN KEY ("runId") REFERENCES "executor_run" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX IF NOT EXISTS "executor_job_runAt_idx" ON "executor_job" ("runAt");
CREATE INDEX IF NOT EXISTS "executor_job_runId_idx" ON "executor_job" ("runId");

-- A run waiting for an event (step.waitForEvent) until it expires.
CREATE TABLE IF NOT EXISTS "executor_wait" (
  "id" BIGSERIAL NOT NULL,
  "runId" TEXT NOT NULL,
  "stepId" TEXT NOT NULL,
  "eventName" TEXT NOT NULL,
  "expression" TEXT,
  "expiresAt" TIMESTAMP(3) NOT NULL,
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "executor_wait_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "executor_wait_runId_fkey" FOREIGN KEY ("runId") REFERENCES "executor_run" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX IF NOT EXISTS "executor_wait_eventName_idx" ON "executor_wait" ("eventName");
CREATE UNIQUE INDEX IF NOT EXISTS "executor_wait_runId_stepId_key" ON "executor_wait" ("runId", "stepId");

-- When each cron trigger fires next.
CREATE TABLE IF NOT EXISTS "executor_cron" (
  "functionId" TEXT NOT NULL,
  "cron" TEXT NOT NULL,
  "nextRunAt" TIMESTAMP(3) NOT NULL,
  "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "executor_cron_pkey" PRIMARY KEY ("functionId", "cron")
);
CREATE INDEX IF NOT EXISTS "executor_cron_nextRunAt_idx" ON "executor_cron" ("nextRunAt");
