-- AlterTable
ALTER TABLE "WebhookDelivery" ADD COLUMN     "orderingKey" TEXT;

-- CreateIndex
CREATE INDEX "WebhookDelivery_endpointId_orderingKey_createdAt_idx" ON "WebhookDelivery"("endpointId", "orderingKey", "createdAt");
