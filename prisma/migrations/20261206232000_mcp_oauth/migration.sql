-- Issue 20: OAuth sign-in for remote MCP servers (the MCP authorization specification, authorization-code
-- flow with PKCE). One encrypted JSON object per server holds the client registration, the tokens, the
-- authorization server's discovered metadata and a pending sign-in (its PKCE verifier, who started it,
-- until when); only the status, the reason, the token's expiry and the hash of a pending sign-in's state
-- are in the clear (the callback finds its server by that hash).
ALTER TABLE "mcp_server" ADD COLUMN "oauthCiphertext" TEXT;
ALTER TABLE "mcp_server" ADD COLUMN "authStatus" TEXT NOT NULL DEFAULT 'none';
ALTER TABLE "mcp_server" ADD COLUMN "authError" TEXT;
ALTER TABLE "mcp_server" ADD COLUMN "oauthExpiresAt" TIMESTAMP(3);
ALTER TABLE "mcp_server" ADD COLUMN "oauthStateHash" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "mcp_server_oauthStateHash_key" ON "mcp_server"("oauthStateHash");
