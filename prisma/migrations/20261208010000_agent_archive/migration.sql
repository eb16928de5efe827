-- Archiving an agent (hidden from the default list, restorable), orthogonal to its status.
ALTER TABLE "agent" ADD COLUMN "archivedAt" TIMESTAMP(3);

-- The spend ledger outlives a deleted agent: no foreign key to agent (the entry keeps the agent's id,
-- the agent.delete audit entry its name). The team's foreign key still deletes them with the team.
ALTER TABLE "spend_entry" DROP CONSTRAINT "spend_entry_agentId_fkey";
