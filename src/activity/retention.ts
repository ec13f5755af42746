// Retention: operations older than OPERATIONS_RETENTION_DAYS are deleted in batches. Ids are
// UUIDv7 taken when the operation ended, so "older than the cutoff" is a range of the primary key:
// each batch is an index range scan, and no batch holds locks for long.
import type { PrismaClient } from '../generated/prisma/client.js';
import { lowestIdAt } from '../kernel/ids.js';
import { periodicJob, type Job } from '../kernel/jobs.js';
import type { Logger } from '../kernel/log.js';
import type { ActivitySettings } from './settings.js';

const RETENTION_BATCH_SIZE = 5_000;

/** Deletes operations older than `retentionDays`, batch by batch; returns how many went. */
export async function deleteExpiredOperations(
  prisma: PrismaClient,
  options: { retentionDays: number; batchSize?: number; maxBatches?: number; now?: number; table?: 'Operation' | 'AuditEvent' },
): Promise<number> {
  if (options.retentionDays <= 0) return 0;
  const cutoff = lowestIdAt((options.now ?? Date.now()) - options.retentionDays * 86_400_000);
  const batchSize = options.batchSize ?? RETENTION_BATCH_SIZE;
  let deleted = 0;
  for (let batch = 0; batch < (options.maxBatches ?? 1_000); batch++) {
    // Both tables have UUIDv7 ids of the time they were written.
    const count =
      options.table === 'AuditEvent'
        ? await prisma.$executeRaw`
      DELETE FROM "AuditEvent" WHERE "id" IN (
        SELECT "id" FROM "AuditEvent" WHERE "id" < ${cutoff} ORDER BY "id" LIMIT ${batchSize}
      )`
        : await prisma.$executeRaw`
      DELETE FROM "Operation" WHERE "id" IN (
        SELECT "id" FROM "Operation" WHERE "id" < ${cutoff} ORDER BY "id" LIMIT ${batchSize}
      )`;
    deleted += count;
    if (count < batchSize) break;
  }
  return deleted;
}

/** The `operations-retention` job (OPERATIONS_RETENTION_INTERVAL_SECONDS; off with the log, or when operations are kept forever). */
export function operationsRetentionJob(prisma: PrismaClient, settings: ActivitySettings, logger: Logger): Job {
  return periodicJob({
    name: 'operations-retention',
    setting: 'OPERATIONS_RETENTION_INTERVAL_SECONDS',
    intervalMs: settings.retentionIntervalSeconds * 1000,
    enabled: settings.enabled && settings.retentionDays > 0,
    logger,
    run: async () => {
      const deleted = await deleteExpiredOperations(prisma, { retentionDays: settings.retentionDays });
      if (deleted) logger.info({ deleted }, 'old operations deleted');
    },
  });
}

/** The `audit-retention` job: audit events older than AUDIT_RETENTION_DAYS go (AUDIT_RETENTION_INTERVAL_SECONDS). */
export function auditRetentionJob(prisma: PrismaClient, settings: ActivitySettings, logger: Logger): Job {
  return periodicJob({
    name: 'audit-retention',
    setting: 'AUDIT_RETENTION_INTERVAL_SECONDS',
    intervalMs: settings.auditRetentionIntervalSeconds * 1000,
    enabled: settings.auditRetentionDays > 0,
    logger,
    run: async () => {
      const deleted = await deleteExpiredOperations(prisma, { retentionDays: settings.auditRetentionDays, table: 'AuditEvent' });
      if (deleted) logger.info({ deleted }, 'old audit events deleted');
    },
  });
}
