-- AlterTable
ALTER TABLE "Connection" ADD COLUMN     "refreshAttemptAt" TIMESTAMP(3),
ADD COLUMN     "refreshLeaseUntil" TIMESTAMP(3),
ADD COLUMN     "refreshOutcomeUnknown" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "refreshOwner" TEXT;

-- CreateIndex
CREATE INDEX "Connection_status_tokenExpiresAt_idx" ON "Connection"("status", "tokenExpiresAt");

-- CreateIndex
CREATE INDEX "Connection_integrationId_status_idx" ON "Connection"("integrationId", "status");
