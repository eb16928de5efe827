-- Approval links (issue 21, docs/decisions/037): signed one-use links that decide an approval from an e-mail or
-- a chat message, and which Slack user is which Longhaul person (for Slack's interactive buttons).
-- CreateTable
CREATE TABLE "approval_link" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "teamId" TEXT NOT NULL,
    "approvalId" UUID NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "usedById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "approval_link_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "slack_user_link" (
    "teamId" TEXT NOT NULL,
    "slackUserId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "slack_user_link_pkey" PRIMARY KEY ("teamId","slackUserId")
);

-- CreateTable
CREATE TABLE "slack_link_request" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "teamId" TEXT NOT NULL,
    "slackUserId" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "slack_link_request_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "approval_link_tokenHash_key" ON "approval_link"("tokenHash");

-- CreateIndex
CREATE INDEX "approval_link_approvalId_idx" ON "approval_link"("approvalId");

-- CreateIndex
CREATE INDEX "slack_user_link_userId_idx" ON "slack_user_link"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "slack_link_request_tokenHash_key" ON "slack_link_request"("tokenHash");


-- AddForeignKey
ALTER TABLE "approval_link" ADD CONSTRAINT "approval_link_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "approval_link" ADD CONSTRAINT "approval_link_approvalId_fkey" FOREIGN KEY ("approvalId") REFERENCES "approval"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "slack_user_link" ADD CONSTRAINT "slack_user_link_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "slack_user_link" ADD CONSTRAINT "slack_user_link_userId_fkey" FOREIGN KEY ("userId") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "slack_link_request" ADD CONSTRAINT "slack_link_request_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "team"("id") ON DELETE CASCADE ON UPDATE CASCADE;
