-- Every cycle's think reads the agent's pinned memories (server/agents/loop-sql.ts readThinkState, and
-- recall): without an index that picks them out, PostgreSQL scanned the whole memory table for them
-- (8.5 ms at 40,000 memories). Few memories are pinned, so a partial index on them stays small.
-- Prisma cannot model partial indexes (HAND_WRITTEN_INDEXES in tests/integration/migrations.test.ts).
CREATE INDEX "memory_pinned_agentId_idx" ON "memory" ("agentId", importance DESC, "createdAt" DESC) WHERE "isPinned" AND "archivedAt" IS NULL;
