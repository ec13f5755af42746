// Retention of the delivery log: finished deliveries older than WEBHOOK_LOG_RETENTION_DAYS are
// deleted by the job `webhook-log-retention`, in small batches so no statement holds many row locks for long.
// Pending ones are kept whatever their age: they are still the outbox. Provider webhooks (their
// payloads) follow the same retention.
import type { PrismaClient } from '../generated/prisma/client.js';
import { periodicJob, type Job } from '../kernel/jobs.js';
import type { Logger } from '../kernel/log.js';
import type { WebhookSettings } from './settings.js';

const DELETE_BATCH = 5_000;

export async function pruneDeliveryLog(prisma: PrismaClient, retentionDays: number, now = new Date()): Promise<number> {
  if (retentionDays <= 0) return 0;
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  let deleted = 0;
  for (;;) {
    const count = await prisma.$executeRaw`
      DELETE FROM "WebhookDelivery" WHERE "id" IN (
        SELECT "id" FROM "WebhookDelivery" WHERE "createdAt" < ${cutoff} AND "status" <> 'PENDING' LIMIT ${DELETE_BATCH}::int
      )`;
    deleted += count;
    if (count < DELETE_BATCH) return deleted;
  }
}

/** Provider webhooks older than the retention with their outcome settled (payloads go with them), in batches. */
async function pruneProviderWebhooks(prisma: PrismaClient, retentionDays: number, now = new Date()): Promise<number> {
  if (retentionDays <= 0) return 0;
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  let deleted = 0;
  for (;;) {
    const count = await prisma.$executeRaw`
      DELETE FROM "ProviderWebhook" WHERE "id" IN (
        SELECT "id" FROM "ProviderWebhook" WHERE "receivedAt" < ${cutoff} AND "outcome" IS NOT NULL LIMIT ${DELETE_BATCH}::int
      )`;
    deleted += count;
    if (count < DELETE_BATCH) return deleted;
  }
}

/** The `webhook-log-retention` job (WEBHOOK_LOG_RETENTION_INTERVAL_SECONDS; off when deliveries are kept forever). */
export function webhookLogRetentionJob(prisma: PrismaClient, settings: WebhookSettings, logger: Logger): Job {
  return periodicJob({
    name: 'webhook-log-retention',
    setting: 'WEBHOOK_LOG_RETENTION_INTERVAL_SECONDS',
    intervalMs: settings.logRetentionIntervalSeconds * 1000,
    enabled: settings.logRetentionDays > 0,
    logger,
    run: async () => {
      const deleted = await pruneDeliveryLog(prisma, settings.logRetentionDays);
      if (deleted) logger.info({ deleted }, 'old webhook deliveries deleted');
      const providerWebhooks = await pruneProviderWebhooks(prisma, settings.logRetentionDays);
      if (providerWebhooks) logger.info({ deleted: providerWebhooks }, 'old provider webhooks deleted');
    },
  });
}
