-- AlterTable
ALTER TABLE "agent" ADD COLUMN     "budgetAckKey" TEXT,
ADD COLUMN     "lastCallSignature" TEXT,
ADD COLUMN     "lastProgressCycle" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "repeatStreak" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "summaryThroughCycle" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "spend_entry" ADD COLUMN     "reservationKey" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "spend_entry_reservationKey_key" ON "spend_entry"("reservationKey");

-- CreateIndex
CREATE INDEX "memory_agentId_createdAt_idx" ON "memory"("agentId", "createdAt");

-- CreateIndex
CREATE INDEX "spend_entry_agentId_state_idx" ON "spend_entry"("agentId", "state");
