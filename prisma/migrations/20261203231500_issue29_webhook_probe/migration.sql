-- AlterTable
ALTER TABLE "WebhookEndpoint" ADD COLUMN     "probeAt" TIMESTAMP(3);
