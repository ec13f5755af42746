-- AlterTable
ALTER TABLE "ConnectSession" ADD COLUMN     "reusable" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "revokedAt" TIMESTAMP(3),
ADD COLUMN     "usedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "PendingAuthorization" ADD COLUMN     "authorizeUrl" TEXT,
ADD COLUMN     "browserBindingHash" TEXT,
ADD COLUMN     "connectSessionId" TEXT;

-- CreateIndex
CREATE INDEX "ConnectSession_endUserId_expiresAt_idx" ON "ConnectSession"("endUserId", "expiresAt");
