-- Durable embedding retries: attempts so far, the last failure's reason, and when the next try is due.
ALTER TABLE "memory" ADD COLUMN "embeddingAttempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "embeddingError" TEXT,
ADD COLUMN "embeddingRetryAt" TIMESTAMP(3);

-- The watchdog's sweep for memories left pending (hand-written: Prisma cannot model partial indexes).
CREATE INDEX "memory_pending_createdAt_idx" ON "memory" ("createdAt") WHERE "embedder" = 'pending';
