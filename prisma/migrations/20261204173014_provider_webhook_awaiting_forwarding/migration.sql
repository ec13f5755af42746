-- CreateIndex
CREATE INDEX "ProviderWebhook_awaiting_forwarding_idx" ON "ProviderWebhook"("receivedAt", "id") WHERE ("outcome" IS NULL);
