-- Issue 19: prices per provider and model, set by the team; an agent on a model without a price (here or
-- in the instance's table) cannot start.
-- CreateTable
CREATE TABLE "model_price" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "teamId" TEXT NOT NULL,
    "providerId" UUID NOT NULL,
    "model" TEXT NOT NULL,
    "inputPerMillion" DECIMAL(18,8) NOT NULL,
    "outputPerMillion" DECIMAL(18,8) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "model_price_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "model_price_teamId_idx" ON "model_price"("teamId");

-- CreateIndex
CREATE UNIQUE INDEX "model_price_providerId_model_key" ON "model_price"("providerId", "model");

-- AddForeignKey
ALTER TABLE "model_price" ADD CONSTRAINT "model_price_providerId_fkey" FOREIGN KEY ("providerId") REFERENCES "model_provider"("id") ON DELETE CASCADE ON UPDATE CASCADE;
