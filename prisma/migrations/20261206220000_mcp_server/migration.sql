-- Issue 20 (first slice): a team's MCP servers, remote (Streamable HTTP or the older HTTP+SSE) or a local
-- command over stdio; header and environment values encrypted like provider keys (only their names in the
-- clear); what the last discovery found (tools, resources, prompts) and whether the server was up.
-- CreateTable
CREATE TABLE "mcp_server" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "teamId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "transport" TEXT NOT NULL,
    "url" TEXT,
    "headersCiphertext" TEXT,
    "headerNames" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "command" TEXT,
    "args" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "envCiphertext" TEXT,
    "envNames" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "status" TEXT NOT NULL DEFAULT 'unknown',
    "lastError" TEXT,
    "lastCheckedAt" TIMESTAMP(3),
    "discovery" JSONB,
    "discoveredAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "mcp_server_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "mcp_server_teamId_name_key" ON "mcp_server"("teamId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "mcp_server_teamId_slug_key" ON "mcp_server"("teamId", "slug");

-- AddForeignKey
ALTER TABLE "mcp_server" ADD CONSTRAINT "mcp_server_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "team"("id") ON DELETE CASCADE ON UPDATE CASCADE;
