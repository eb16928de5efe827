-- Issue 19: one embedder per team (docs/decisions/033). The team names a provider of its own and an
-- embedding model (both null: the offline embedder); providers no longer carry an embedding model.
ALTER TABLE "team" ADD COLUMN "embeddingProviderId" UUID,
                   ADD COLUMN "embeddingModel" TEXT,
                   ADD COLUMN "embeddingReembed" JSONB;

ALTER TABLE "team" ADD CONSTRAINT "team_embeddingProviderId_fkey" FOREIGN KEY ("embeddingProviderId") REFERENCES "model_provider"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- A team whose providers named embedding models keeps the one most of its memories are already
-- embedded with (fewest to re-embed), the oldest provider on a tie. Memories from the others' models
-- show as waiting on the providers page until re-embedded (`npm run memory:reembed` or the page's button).
UPDATE "team" AS t
   SET "embeddingProviderId" = pick.id, "embeddingModel" = pick."embeddingModel"
  FROM (SELECT DISTINCT ON (p."teamId") p."teamId", p.id, p."embeddingModel"
          FROM "model_provider" p
         WHERE p."embeddingModel" IS NOT NULL AND p."embeddingModel" <> ''
         ORDER BY p."teamId",
                  (SELECT count(*) FROM "memory" m WHERE m."teamId" = p."teamId" AND m.embedder = 'openai:' || p."embeddingModel") DESC,
                  p."createdAt", p.id) AS pick
 WHERE t.id = pick."teamId";

ALTER TABLE "model_provider" DROP COLUMN "embeddingModel";
