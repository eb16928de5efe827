-- Issue 19, point 5: model-written summaries (docs/decisions/032). A team may choose which of its
-- providers and models writes rolling summaries and consolidated memories (null: each agent's own
-- model); a summary call is charged in the spend ledger as its own kind.

-- AlterEnum
ALTER TYPE "SpendKind" ADD VALUE 'summary';

-- AlterTable
ALTER TABLE "team" ADD COLUMN     "summarizerProviderId" UUID,
ADD COLUMN     "summarizerModel" TEXT;

-- AddForeignKey
ALTER TABLE "team" ADD CONSTRAINT "team_summarizerProviderId_fkey" FOREIGN KEY ("summarizerProviderId") REFERENCES "model_provider"("id") ON DELETE SET NULL ON UPDATE CASCADE;
