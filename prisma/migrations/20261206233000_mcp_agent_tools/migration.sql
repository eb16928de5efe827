-- Issue 20: agents call MCP tools. What a call of a server's tools costs (reserved before, charged after;
-- null or 0: free), how long one call may take, and the approval kind for a call whose outcome is unknown
-- (the attempt died mid-call): a person retries it, marks it done or skips it.
ALTER TABLE "mcp_server" ADD COLUMN "callCostUsd" DECIMAL(18,8);
ALTER TABLE "mcp_server" ADD COLUMN "callTimeoutSeconds" INTEGER NOT NULL DEFAULT 120;
ALTER TYPE "ApprovalKind" ADD VALUE 'outcome';
-- A long call renews its key's heartbeat while it runs: a retried copy of the step waits for the receipt
-- only while the heartbeat is fresh (then the attempt died mid-call).
ALTER TABLE "tool_effect" ADD COLUMN "heartbeatAt" TIMESTAMP(3);
