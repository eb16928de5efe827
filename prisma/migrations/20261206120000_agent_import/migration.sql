-- Imports in bounded batches (docs/decisions/021): the archive being written is `importing` (shown
-- nowhere) until its last batch; agent_import is the per-team lock, the progress and the hourly count.

-- AlterEnum
ALTER TYPE "AgentStatus" ADD VALUE 'importing';

-- CreateEnum
CREATE TYPE "ImportStatus" AS ENUM ('running', 'succeeded', 'failed');

-- CreateTable
CREATE TABLE "agent_import" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "teamId" TEXT NOT NULL,
    "createdById" TEXT,
    "agentId" UUID,
    "runningTeamId" TEXT,
    "status" "ImportStatus" NOT NULL DEFAULT 'running',
    "fileBytes" INTEGER NOT NULL,
    "rowsTotal" INTEGER NOT NULL DEFAULT 0,
    "rowsWritten" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeatAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "agent_import_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "agent_import_runningTeamId_key" ON "agent_import"("runningTeamId");

-- CreateIndex
CREATE INDEX "agent_import_teamId_startedAt_idx" ON "agent_import"("teamId", "startedAt");

-- CreateIndex
CREATE INDEX "agent_import_status_heartbeatAt_idx" ON "agent_import"("status", "heartbeatAt");

-- AddForeignKey
ALTER TABLE "agent_import" ADD CONSTRAINT "agent_import_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_import" ADD CONSTRAINT "agent_import_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_import" ADD CONSTRAINT "agent_import_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "agent"("id") ON DELETE SET NULL ON UPDATE CASCADE;
