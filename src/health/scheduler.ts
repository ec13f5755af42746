// Scheduled health checks: connections not used by a proxied call nor verified within the interval
// are checked again, a small batch per sweep, by whichever instance claims them. The claim is a
// lease (owner and expiry, taken with one conditional UPDATE … FOR UPDATE SKIP LOCKED); the checks
// run after it commits, and each verdict is stored with a compare-and-set (verify.ts). A lease that
// outlives its owner simply expires. The lease lasts one interval, so a connection whose check said
// nothing either way (provider down) waits an interval before the next try.
import { randomUUID } from 'node:crypto';
import { prisma } from '../db/client.js';
import { logger } from '../logger.js';
import { CHECK_REJECTED_PREFIX, verifyStoredConnection } from './verify.js';

const PARALLEL_CHECKS = 4;

export interface HealthCheckSweepResult {
  claimed: number;
  accepted: number;
  rejected: number;
  failed: number;
}

/** This instance's lease owner id. */
export const HEALTH_CHECK_OWNER = `instance-${randomUUID()}`;

export async function runHealthCheckSweep(options: { intervalSeconds: number; batchSize: number; owner?: string; now?: Date }): Promise<HealthCheckSweepResult> {
  const now = options.now ?? new Date();
  const owner = options.owner ?? HEALTH_CHECK_OWNER;
  const cutoff = new Date(now.getTime() - options.intervalSeconds * 1000);
  const leaseUntil = new Date(now.getTime() + Math.max(60, options.intervalSeconds) * 1000);
  const claimed = await prisma.$queryRaw<Array<{ id: string }>>`
    UPDATE "Connection" SET "healthCheckLeaseOwner" = ${owner}, "healthCheckLeaseUntil" = ${leaseUntil}
    WHERE "id" IN (
      SELECT c."id" FROM "Connection" c
      WHERE c."credentialsEnc" IS NOT NULL
        AND (c."status" IN ('HEALTHY', 'EXPIRED') OR (c."status" = 'ERROR' AND c."statusMessage" LIKE ${`${CHECK_REJECTED_PREFIX}%`}))
        AND (c."lastVerifiedAt" IS NULL OR c."lastVerifiedAt" < ${cutoff})
        AND (c."lastUsedAt" IS NULL OR c."lastUsedAt" < ${cutoff})
        AND (c."lastAuthorizedAt" IS NULL OR c."lastAuthorizedAt" < ${cutoff})
        AND (c."healthCheckLeaseUntil" IS NULL OR c."healthCheckLeaseUntil" <= ${now})
        -- Only integrations with a check (in a subquery, so that only connection rows are locked).
        AND EXISTS (SELECT 1 FROM "Integration" i WHERE i."id" = c."integrationId"
          AND (i."settings" -> 'verify' IS NOT NULL OR (i."authType" = 'OAUTH2' AND (i."userinfoUrl" IS NOT NULL OR i."issuer" IS NOT NULL))))
      ORDER BY c."lastVerifiedAt" ASC NULLS FIRST
      LIMIT ${options.batchSize}
      FOR UPDATE SKIP LOCKED
    )
    RETURNING "id"`;
  const result: HealthCheckSweepResult = { claimed: claimed.length, accepted: 0, rejected: 0, failed: 0 };
  const queue = claimed.map((row) => row.id);
  await Promise.all(
    Array.from({ length: Math.min(PARALLEL_CHECKS, queue.length) }, async () => {
      for (let id = queue.shift(); id; id = queue.shift()) {
        const connection = await prisma.connection.findFirst({ where: { id, healthCheckLeaseOwner: owner }, include: { integration: true } });
        if (!connection) continue;
        try {
          const outcome = await verifyStoredConnection(connection);
          if (outcome.ok) result.accepted++;
          else result.rejected++;
        } catch (error) {
          // Recorded as an operation already; the lease keeps it away for an interval.
          result.failed++;
          logger.debug({ connectionId: id, err: { name: (error as Error).name, message: (error as Error).message } }, 'health check failed');
        }
        // Release the owner; the expiry stays as the earliest next try.
        await prisma.connection.updateMany({ where: { id, healthCheckLeaseOwner: owner }, data: { healthCheckLeaseOwner: null } });
      }
    }),
  );
  return result;
}
