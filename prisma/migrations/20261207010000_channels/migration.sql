-- Issue 21: channels (outgoing webhooks, Slack, Teams, Discord, Mattermost, e-mail) and the delivery ledger:
-- one row per (channel, message id), every attempt through it, so a message is sent at most once per
-- channel and a crash between sending and recording is seen by the next attempt (maybeDelivered).
-- CreateEnum
CREATE TYPE "ChannelKind" AS ENUM ('webhook', 'slack', 'teams', 'discord', 'mattermost', 'email');

-- CreateEnum
CREATE TYPE "DeliveryStatus" AS ENUM ('pending', 'sending', 'retrying', 'delivered', 'dead');


-- CreateTable
CREATE TABLE "channel" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "teamId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "ChannelKind" NOT NULL,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "secretsCiphertext" TEXT NOT NULL,
    "targetHint" TEXT NOT NULL DEFAULT '',
    "ratePerMinute" INTEGER NOT NULL DEFAULT 30,
    "isEnabled" BOOLEAN NOT NULL DEFAULT true,
    "lastTest" JSONB,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "channel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "channel_delivery" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "teamId" TEXT NOT NULL,
    "channelId" UUID NOT NULL,
    "messageId" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "agentId" UUID,
    "message" JSONB NOT NULL,
    "status" "DeliveryStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "attemptStartedAt" TIMESTAMP(3),
    "lastAttemptAt" TIMESTAMP(3),
    "maybeDelivered" BOOLEAN NOT NULL DEFAULT false,
    "attemptLog" JSONB NOT NULL DEFAULT '[]',
    "lastStatusCode" INTEGER,
    "lastError" TEXT,
    "nextAttemptAt" TIMESTAMP(3),
    "deliveredAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "channel_delivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "channel_teamId_name_key" ON "channel"("teamId", "name");

-- CreateIndex
CREATE INDEX "channel_delivery_teamId_createdAt_idx" ON "channel_delivery"("teamId", "createdAt" DESC);

-- CreateIndex
CREATE INDEX "channel_delivery_channelId_lastAttemptAt_idx" ON "channel_delivery"("channelId", "lastAttemptAt");

-- CreateIndex
CREATE UNIQUE INDEX "channel_delivery_channelId_messageId_key" ON "channel_delivery"("channelId", "messageId");


-- AddForeignKey
ALTER TABLE "channel" ADD CONSTRAINT "channel_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "channel_delivery" ADD CONSTRAINT "channel_delivery_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "channel_delivery" ADD CONSTRAINT "channel_delivery_channelId_fkey" FOREIGN KEY ("channelId") REFERENCES "channel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddColumn: the channels an agent's send_message delivers to (empty: the outbox only).
ALTER TABLE "agent" ADD COLUMN "messageChannelIds" UUID[] DEFAULT ARRAY[]::UUID[];
