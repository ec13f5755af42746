-- AlterTable: no default, so that a receipt written without keys (an instance of the previous version,
-- during a rolling upgrade) is null, and the forwarding job computes its keys before forwarding it.
ALTER TABLE "ProviderWebhook" ADD COLUMN     "routingKeys" TEXT[];
