-- CreateTable
CREATE TABLE "cycle_trace" (
    "agentId" UUID NOT NULL,
    "teamId" TEXT NOT NULL,
    "cycle" INTEGER NOT NULL,
    "runId" UUID,
    "spans" JSONB NOT NULL DEFAULT '[]',
    "prompt" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cycle_trace_pkey" PRIMARY KEY ("agentId","cycle")
);

-- CreateTable
CREATE TABLE "trace_blob" (
    "agentId" UUID NOT NULL,
    "teamId" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "data" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "trace_blob_pkey" PRIMARY KEY ("agentId","hash")
);


-- AddForeignKey
ALTER TABLE "cycle_trace" ADD CONSTRAINT "cycle_trace_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "trace_blob" ADD CONSTRAINT "trace_blob_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;
