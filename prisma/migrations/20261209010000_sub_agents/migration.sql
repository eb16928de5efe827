-- Sub-agents (issue 23, docs/decisions/040): the agent tree, the delegation that started a child, and
-- the parent's ledger entry for the budget carved out for it.
CREATE TYPE "DelegationMode" AS ENUM ('wait', 'go_on');

ALTER TYPE "SpendKind" ADD VALUE 'delegation';

ALTER TABLE "agent" ADD COLUMN "parentId" UUID,
ADD COLUMN "depth" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "delegationKey" TEXT,
ADD COLUMN "delegationMode" "DelegationMode",
ADD COLUMN "parentCycle" INTEGER,
ADD COLUMN "delegationReservationId" BIGINT,
ADD COLUMN "delegationSettledAt" TIMESTAMP(3),
ADD COLUMN "pausedWithParent" BOOLEAN NOT NULL DEFAULT false;

CREATE UNIQUE INDEX "agent_delegationKey_key" ON "agent"("delegationKey");

CREATE INDEX "agent_parentId_idx" ON "agent"("parentId");

ALTER TABLE "agent" ADD CONSTRAINT "agent_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "agent"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Written by hand: agent_spend_day (the team's spend by agent and day) leaves out the parent's
-- `delegation` rows. They repeat what the child's own rows already count; only the parent's budget
-- counters (spentUsd, tokensUsed) take them, so a tree stays within the parent's limits.
CREATE OR REPLACE FUNCTION "agent_spend_day_follow_ledger"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "agent_spend_day" ("agentId", "teamId", "day", "costUsd")
    SELECT "agentId", min("teamId"), "createdAt"::date, sum("costUsd")
      FROM new_rows WHERE "state" = 'committed' AND "kind"::text <> 'delegation'
     GROUP BY "agentId", "createdAt"::date
    HAVING sum("costUsd") <> 0
    ON CONFLICT ("agentId", "day") DO UPDATE SET "costUsd" = "agent_spend_day"."costUsd" + EXCLUDED."costUsd";
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO "agent_spend_day" ("agentId", "teamId", "day", "costUsd")
    SELECT "agentId", min("teamId"), "createdAt"::date, sum("delta")
      FROM (SELECT "agentId", "teamId", "createdAt", "costUsd" AS "delta" FROM new_rows WHERE "state" = 'committed' AND "kind"::text <> 'delegation'
            UNION ALL
            SELECT "agentId", "teamId", "createdAt", -"costUsd" FROM old_rows WHERE "state" = 'committed' AND "kind"::text <> 'delegation') AS "changes"
     GROUP BY "agentId", "createdAt"::date
    HAVING sum("delta") <> 0
    ON CONFLICT ("agentId", "day") DO UPDATE SET "costUsd" = "agent_spend_day"."costUsd" + EXCLUDED."costUsd";
  ELSE
    UPDATE "agent_spend_day" AS d SET "costUsd" = d."costUsd" - gone."costUsd"
      FROM (SELECT "agentId", "createdAt"::date AS "day", sum("costUsd") AS "costUsd"
              FROM old_rows WHERE "state" = 'committed' AND "kind"::text <> 'delegation'
             GROUP BY "agentId", "createdAt"::date) AS gone
     WHERE d."agentId" = gone."agentId" AND d."day" = gone."day";
  END IF;
  RETURN NULL;
END;
$$;
