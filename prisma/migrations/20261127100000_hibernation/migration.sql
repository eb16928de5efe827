-- Issue 8, point 3: hibernation (docs/decisions/016). Events older than an idle agent's latest
-- snapshot move to compressed segments in cold storage; these rows say where they are.

-- AlterTable: cycles up to here lost their history to the retention policy (0 = none lost).
ALTER TABLE "agent" ADD COLUMN "coldDeletedThroughCycle" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "cold_segment" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "agentId" UUID NOT NULL,
    "teamId" TEXT NOT NULL,
    "fromSeq" INTEGER NOT NULL,
    "toSeq" INTEGER NOT NULL,
    "fromCycle" INTEGER NOT NULL,
    "toCycle" INTEGER NOT NULL,
    "key" TEXT NOT NULL,
    "bytes" INTEGER NOT NULL,
    "eventCount" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "toEventAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cold_segment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "cold_segment_key_key" ON "cold_segment"("key");

-- CreateIndex
CREATE INDEX "cold_segment_agentId_fromSeq_idx" ON "cold_segment"("agentId", "fromSeq");

-- CreateIndex
CREATE INDEX "cold_segment_toEventAt_idx" ON "cold_segment"("toEventAt");

-- AddForeignKey
ALTER TABLE "cold_segment" ADD CONSTRAINT "cold_segment_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cold_segment" ADD CONSTRAINT "cold_segment_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "team"("id") ON DELETE CASCADE ON UPDATE CASCADE;
