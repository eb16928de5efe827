-- The watchdog looks for spend reservations left by calls a crash cut off (server/agents/budget.ts
-- settleOrphanedReservations) every minute: a partial index keeps that a read of the few open
-- reservations, however long the ledger. Prisma cannot model partial indexes (HAND_WRITTEN_INDEXES in
-- tests/integration/migrations.test.ts).
CREATE INDEX "spend_entry_reserved_createdAt_idx" ON "spend_entry" ("createdAt") WHERE state = 'reserved';
