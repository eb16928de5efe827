-- AlterTable
ALTER TABLE "agent" ADD COLUMN     "budgetAckKey" TEXT,
ADD COLUMN     "lastCallSignature" TEXT,
ADD COLUMN     "lastProgressCycle" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "repeatStreak" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "summaryThroughCycle" INTEGER NOT NULL DEFAULT 0;
