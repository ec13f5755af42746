-- CreateEnum
CREATE TYPE "OperationKind" AS ENUM ('CONNECT', 'REFRESH', 'PROXY', 'VERIFY', 'DISCONNECT', 'WEBHOOK');

-- CreateEnum
CREATE TYPE "OperationOutcome" AS ENUM ('SUCCESS', 'FAILURE');

-- AlterTable
ALTER TABLE "Connection" ADD COLUMN     "healthCheckLeaseOwner" TEXT,
ADD COLUMN     "healthCheckLeaseUntil" TIMESTAMP(3),
ADD COLUMN     "lastUsedAt" TIMESTAMP(3),
ADD COLUMN     "lastVerifiedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "Operation" (
    "id" TEXT NOT NULL,
    "kind" "OperationKind" NOT NULL,
    "outcome" "OperationOutcome" NOT NULL,
    "connectionId" TEXT,
    "integrationSlug" TEXT NOT NULL,
    "ownerId" TEXT,
    "method" TEXT,
    "path" TEXT,
    "providerStatus" INTEGER,
    "durationMs" DOUBLE PRECISION,
    "error" TEXT,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Operation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Operation_connectionId_id_idx" ON "Operation"("connectionId", "id");

-- CreateIndex
CREATE INDEX "Operation_ownerId_id_idx" ON "Operation"("ownerId", "id");

-- CreateIndex
CREATE INDEX "Operation_integrationSlug_id_idx" ON "Operation"("integrationSlug", "id");

-- CreateIndex
CREATE INDEX "Operation_kind_id_idx" ON "Operation"("kind", "id");

-- CreateIndex
CREATE INDEX "Connection_lastVerifiedAt_idx" ON "Connection"("lastVerifiedAt");
