-- Issue 19: a provider knows its kind, extra headers (encrypted), its request timeout, how its endpoint
-- differs from OpenAI's API (found by a connection test) and that test's last result.
-- AlterTable
ALTER TABLE "model_provider" ADD COLUMN     "compat" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "headerNames" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "headersCiphertext" TEXT,
ADD COLUMN     "kind" TEXT NOT NULL DEFAULT 'other',
ADD COLUMN     "lastTest" JSONB,
ADD COLUMN     "timeoutMs" INTEGER NOT NULL DEFAULT 60000;
