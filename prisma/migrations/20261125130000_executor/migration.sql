-- CreateEnum
CREATE TYPE "ExecutorRunStatus" AS ENUM ('running', 'completed', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "ExecutorStepStatus" AS ENUM ('completed', 'failed', 'sleeping', 'waiting', 'invoking');

-- CreateTable
CREATE TABLE "executor_app" (
    "id" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "sdkVersion" TEXT,
    "framework" TEXT,
    "lastSyncedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "executor_app_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "executor_function" (
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

    CONSTRAINT "executor_function_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "executor_event" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "user" JSONB,
    "ts" BIGINT NOT NULL,
    "idempotencyKey" TEXT,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "executor_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "executor_run" (
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

    CONSTRAINT "executor_run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "executor_step" (
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

    CONSTRAINT "executor_step_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "executor_job" (
    "id" BIGSERIAL NOT NULL,
    "runId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "runAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leasedBy" TEXT,
    "leaseExpiresAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "executor_job_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "executor_wait" (
    "id" BIGSERIAL NOT NULL,
    "runId" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "eventName" TEXT NOT NULL,
    "expression" TEXT,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "executor_wait_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "executor_function_appId_idx" ON "executor_function"("appId");

-- CreateIndex
CREATE UNIQUE INDEX "executor_event_idempotencyKey_key" ON "executor_event"("idempotencyKey");

-- CreateIndex
CREATE INDEX "executor_event_name_receivedAt_idx" ON "executor_event"("name", "receivedAt");

-- CreateIndex
CREATE INDEX "executor_run_eventId_idx" ON "executor_run"("eventId");

-- CreateIndex
CREATE INDEX "executor_run_functionId_status_idx" ON "executor_run"("functionId", "status");

-- CreateIndex
CREATE INDEX "executor_run_status_startedAt_idx" ON "executor_run"("status", "startedAt");

-- CreateIndex
CREATE UNIQUE INDEX "executor_step_runId_stepId_key" ON "executor_step"("runId", "stepId");

-- CreateIndex
CREATE INDEX "executor_job_runAt_idx" ON "executor_job"("runAt");

-- CreateIndex
CREATE INDEX "executor_job_runId_idx" ON "executor_job"("runId");

-- CreateIndex
CREATE INDEX "executor_wait_eventName_idx" ON "executor_wait"("eventName");

-- CreateIndex
CREATE UNIQUE INDEX "executor_wait_runId_stepId_key" ON "executor_wait"("runId", "stepId");

-- AddForeignKey
ALTER TABLE "executor_function" ADD CONSTRAINT "executor_function_appId_fkey" FOREIGN KEY ("appId") REFERENCES "executor_app"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "executor_run" ADD CONSTRAINT "executor_run_functionId_fkey" FOREIGN KEY ("functionId") REFERENCES "executor_function"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "executor_run" ADD CONSTRAINT "executor_run_eventId_fkey" FOREIGN KEY ("eventId") REFERENCES "executor_event"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "executor_step" ADD CONSTRAINT "executor_step_runId_fkey" FOREIGN KEY ("runId") REFERENCES "executor_run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "executor_job" ADD CONSTRAINT "executor_job_runId_fkey" FOREIGN KEY ("runId") REFERENCES "executor_run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "executor_wait" ADD CONSTRAINT "executor_wait_runId_fkey" FOREIGN KEY ("runId") REFERENCES "executor_run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
