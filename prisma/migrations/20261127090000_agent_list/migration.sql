-- Issue 6: the agents list pages by keyset in every sort order, the id breaking ties
-- (server/agents/agent-list.ts), and searches name and goal by substring.
-- pg_trgm ships with PostgreSQL's contrib (a trusted extension since PG 13) and with PGlite
-- (registered in server/db/embedded.ts); Prisma does not manage extensions here (docs/decisions/003).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- DropIndex (superseded by the same columns with the id tiebreak)
DROP INDEX "agent_teamId_lastActiveAt_idx";

-- CreateIndex
CREATE INDEX "agent_teamId_lastActiveAt_createdAt_id_idx" ON "agent"("teamId", "lastActiveAt" DESC, "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "agent_teamId_createdAt_id_idx" ON "agent"("teamId", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "agent_teamId_spentUsd_id_idx" ON "agent"("teamId", "spentUsd" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "agent_name_idx" ON "agent" USING GIN ("name" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "agent_goal_idx" ON "agent" USING GIN ("goal" gin_trgm_ops);

-- CreateTable
CREATE TABLE "agent_spend_day" (
    "agentId" UUID NOT NULL,
    "teamId" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "costUsd" DECIMAL(18,8) NOT NULL DEFAULT 0,

    CONSTRAINT "agent_spend_day_pkey" PRIMARY KEY ("agentId","day")
);

-- AddForeignKey
ALTER TABLE "agent_spend_day" ADD CONSTRAINT "agent_spend_day_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Written by hand (Prisma cannot model triggers): agent_spend_day follows the ledger's committed
-- rows, in the same transaction as every ledger write. Only committed rows are spend (a reservation
-- counts once it is committed, a released one never); a row counts on the UTC day it was created, as
-- in the ledger. Statement-level triggers sum a whole statement's rows per agent and day first (a
-- bulk insert touches each day once), and the upsert lets concurrent writers of one day add up. A
-- delete only subtracts: when an agent is deleted its days go with it, and inserting would fail.
CREATE FUNCTION "agent_spend_day_follow_ledger"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "agent_spend_day" ("agentId", "teamId", "day", "costUsd")
    SELECT "agentId", min("teamId"), "createdAt"::date, sum("costUsd")
      FROM new_rows WHERE "state" = 'committed'
     GROUP BY "agentId", "createdAt"::date
    HAVING sum("costUsd") <> 0
    ON CONFLICT ("agentId", "day") DO UPDATE SET "costUsd" = "agent_spend_day"."costUsd" + EXCLUDED."costUsd";
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO "agent_spend_day" ("agentId", "teamId", "day", "costUsd")
    SELECT "agentId", min("teamId"), "createdAt"::date, sum("delta")
      FROM (SELECT "agentId", "teamId", "createdAt", "costUsd" AS "delta" FROM new_rows WHERE "state" = 'committed'
            UNION ALL
            SELECT "agentId", "teamId", "createdAt", -"costUsd" FROM old_rows WHERE "state" = 'committed') AS "changes"
     GROUP BY "agentId", "createdAt"::date
    HAVING sum("delta") <> 0
    ON CONFLICT ("agentId", "day") DO UPDATE SET "costUsd" = "agent_spend_day"."costUsd" + EXCLUDED."costUsd";
  ELSE
    UPDATE "agent_spend_day" AS d SET "costUsd" = d."costUsd" - gone."costUsd"
      FROM (SELECT "agentId", "createdAt"::date AS "day", sum("costUsd") AS "costUsd"
              FROM old_rows WHERE "state" = 'committed'
             GROUP BY "agentId", "createdAt"::date) AS gone
     WHERE d."agentId" = gone."agentId" AND d."day" = gone."day";
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "spend_entry_agent_spend_day_insert" AFTER INSERT ON "spend_entry"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "agent_spend_day_follow_ledger"();
CREATE TRIGGER "spend_entry_agent_spend_day_update" AFTER UPDATE ON "spend_entry"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "agent_spend_day_follow_ledger"();
CREATE TRIGGER "spend_entry_agent_spend_day_delete" AFTER DELETE ON "spend_entry"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "agent_spend_day_follow_ledger"();

-- The ledger written before this migration.
INSERT INTO "agent_spend_day" ("agentId", "teamId", "day", "costUsd")
SELECT "agentId", min("teamId"), "createdAt"::date, sum("costUsd")
  FROM "spend_entry"
 WHERE "state" = 'committed'
 GROUP BY "agentId", "createdAt"::date
HAVING sum("costUsd") <> 0;
