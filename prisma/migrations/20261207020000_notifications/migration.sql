-- Issue 21: notifications. A team's rules (kinds to channels, at most one message per interval, the rest in one
-- digest) and a person's own e-mail rule; one notification row per event (written with the change that
-- raised it, dispatched after); and what each rule did with each notification (sent at once or parked for
-- its digest), so a retried or concurrent dispatch sends nothing twice.
-- CreateTable
CREATE TABLE "notification_rule" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "teamId" TEXT NOT NULL,
    "userId" TEXT,
    "name" TEXT NOT NULL,
    "kinds" TEXT[],
    "channelIds" UUID[],
    "minIntervalSeconds" INTEGER NOT NULL DEFAULT 0,
    "isEnabled" BOOLEAN NOT NULL DEFAULT true,
    "lastSentAt" TIMESTAMP(3),
    "digestDueAt" TIMESTAMP(3),
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "notification_rule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notification" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "teamId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "agentId" UUID,
    "approvalId" UUID,
    "title" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "data" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "dispatchedAt" TIMESTAMP(3),

    CONSTRAINT "notification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notification_pending" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "teamId" TEXT NOT NULL,
    "ruleId" UUID NOT NULL,
    "notificationId" UUID NOT NULL,
    "mode" TEXT NOT NULL,
    "sentInMessageId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "notification_pending_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "notification_rule_teamId_idx" ON "notification_rule"("teamId");

-- CreateIndex
CREATE UNIQUE INDEX "notification_rule_teamId_userId_key" ON "notification_rule"("teamId", "userId");

-- CreateIndex
CREATE INDEX "notification_teamId_createdAt_idx" ON "notification"("teamId", "createdAt" DESC);

-- CreateIndex
CREATE INDEX "notification_dispatchedAt_createdAt_idx" ON "notification"("dispatchedAt", "createdAt");

-- CreateIndex
CREATE INDEX "notification_pending_ruleId_sentInMessageId_idx" ON "notification_pending"("ruleId", "sentInMessageId");

-- CreateIndex
CREATE UNIQUE INDEX "notification_pending_ruleId_notificationId_key" ON "notification_pending"("ruleId", "notificationId");


-- AddForeignKey
ALTER TABLE "notification_rule" ADD CONSTRAINT "notification_rule_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "notification_rule" ADD CONSTRAINT "notification_rule_userId_fkey" FOREIGN KEY ("userId") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "notification" ADD CONSTRAINT "notification_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "notification_pending" ADD CONSTRAINT "notification_pending_ruleId_fkey" FOREIGN KEY ("ruleId") REFERENCES "notification_rule"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "notification_pending" ADD CONSTRAINT "notification_pending_notificationId_fkey" FOREIGN KEY ("notificationId") REFERENCES "notification"("id") ON DELETE CASCADE ON UPDATE CASCADE;
