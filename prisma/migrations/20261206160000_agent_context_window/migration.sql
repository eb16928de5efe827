-- Issue 19: an agent's model context window, set in the agent form (null: the known model's, else 8,192).
-- AlterTable
ALTER TABLE "agent" ADD COLUMN     "contextWindow" INTEGER;
