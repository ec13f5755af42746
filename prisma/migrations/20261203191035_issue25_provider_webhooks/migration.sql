-- AlterTable
ALTER TABLE "Integration" ADD COLUMN     "providerWebhookSecretEnc" TEXT;

-- CreateTable
CREATE TABLE "ProviderWebhook" (
    "id" TEXT NOT NULL,
    "integrationId" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "eventType" TEXT,
    "providerEventId" TEXT,
    "outcome" TEXT,
    "connectionIds" TEXT[],
    "headers" JSONB NOT NULL DEFAULT '{}',
    "payload" JSONB,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "leaseOwner" TEXT,
    "leaseExpiresAt" TIMESTAMP(3),
    "forwardedAt" TIMESTAMP(3),
    "dedupKey" TEXT,

    CONSTRAINT "ProviderWebhook_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ProviderWebhook_dedupKey_key" ON "ProviderWebhook"("dedupKey");

-- CreateIndex
CREATE INDEX "ProviderWebhook_integrationId_id_idx" ON "ProviderWebhook"("integrationId", "id");

-- CreateIndex
CREATE INDEX "ProviderWebhook_outcome_receivedAt_idx" ON "ProviderWebhook"("outcome", "receivedAt");

-- CreateIndex
CREATE INDEX "ProviderWebhook_receivedAt_idx" ON "ProviderWebhook"("receivedAt");

-- CreateIndex
CREATE INDEX "ProviderWebhook_connectionIds_idx" ON "ProviderWebhook" USING GIN ("connectionIds");

-- AddForeignKey
ALTER TABLE "ProviderWebhook" ADD CONSTRAINT "ProviderWebhook_integrationId_fkey" FOREIGN KEY ("integrationId") REFERENCES "Integration"("id") ON DELETE CASCADE ON UPDATE CASCADE;
