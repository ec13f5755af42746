-- CreateIndex
CREATE INDEX "PendingAuthorization_viewerId_expiresAt_idx" ON "PendingAuthorization"("viewerId", "expiresAt");
