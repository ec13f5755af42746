// Retention of the delivery log: finished deliveries older than WEBHOOK_LOG_RETENTION_DAYS are
// deleted by the background sweep, in small batches so no statement holds many row locks for long.
// Pending ones are kept whatever their age: they are still the outbox.
import { prisma } from '../db/client.js';

const DELETE_BATCH = 5_000;

export async function pruneDeliveryLog(retentionDays: number, now = new Date()): Promise<number> {
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
