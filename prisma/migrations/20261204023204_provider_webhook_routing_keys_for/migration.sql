-- AlterTable
ALTER TABLE "Integration" ADD COLUMN     "routingKeysFor" TEXT;

-- AlterTable
ALTER TABLE "ProviderWebhook" DROP COLUMN "leaseExpiresAt",
DROP COLUMN "leaseOwner";
