-- Bodies, payloads and answers are never filtered or joined on: the planner keeps no statistics for
-- them, so ANALYZE does not read and compare them (on the embedded database its maintenance job runs
-- ANALYZE on the one thread every statement waits for).
ALTER TABLE "ProviderWebhook" ALTER COLUMN "payload" SET STATISTICS 0, ALTER COLUMN "headers" SET STATISTICS 0;
ALTER TABLE "WebhookDelivery" ALTER COLUMN "body" SET STATISTICS 0, ALTER COLUMN "responseExcerpt" SET STATISTICS 0, ALTER COLUMN "error" SET STATISTICS 0;
