-- AlterTable
ALTER TABLE "executor_run" ADD COLUMN     "concurrencyLimit" INTEGER;

-- AlterTable
ALTER TABLE "executor_job" ADD COLUMN     "admittedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "executor_cron" (
    "functionId" TEXT NOT NULL,
    "cron" TEXT NOT NULL,
    "nextRunAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "executor_cron_pkey" PRIMARY KEY ("functionId","cron")
);

-- CreateIndex
CREATE INDEX "executor_cron_nextRunAt_idx" ON "executor_cron"("nextRunAt");
