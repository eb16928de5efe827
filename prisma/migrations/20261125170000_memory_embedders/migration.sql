-- Issue 5: a provider may name an embedding model; memories are found by agent and embedder
-- (recall compares only vectors of one embedder; pending rows wait for a batch).
ALTER TABLE "model_provider" ADD COLUMN "embeddingModel" TEXT;

CREATE INDEX "memory_agentId_embedder_idx" ON "memory"("agentId", "embedder");
