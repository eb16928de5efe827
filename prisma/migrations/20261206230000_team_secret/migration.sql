-- Issue 20, point 5: a team's secrets, referenced by name ({{secret:NAME}}) in the http_request tool.
-- The value is encrypted like provider keys (AES-256-GCM, the team id as associated data); only its
-- last four characters are kept in the clear, to tell secrets apart ("set, ends in …").
-- CreateTable
CREATE TABLE "team_secret" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "teamId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "valueCiphertext" TEXT NOT NULL,
    "valueLast4" TEXT NOT NULL,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "team_secret_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "team_secret_teamId_name_key" ON "team_secret"("teamId", "name");

-- AddForeignKey
ALTER TABLE "team_secret" ADD CONSTRAINT "team_secret_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "team_secret" ADD CONSTRAINT "team_secret_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;
