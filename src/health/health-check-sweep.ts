// Scheduled health checks: connections not used by a proxied call nor verified within the interval
// are checked again, a small batch per sweep, by whichever instance claims them. The claim is a
// lease (owner and expiry, taken with one conditional UPDATE … FOR UPDATE SKIP LOCKED); the checks
// run after it commits, and each verdict is stored with a compare-and-set (verify.ts). A lease that
// outlives its owner simply expires. The lease lasts one interval, so a connection whose check said
// nothing either way (provider down) waits an interval before the next try.
import { DATABASE_NOW } from '../db/clock.js';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { periodicJob, type Job } from '../kernel/jobs.js';
import type { Logger } from '../kernel/log.js';
import type { HealthSettings } from './settings.js';
import { CHECK_REJECTED_PREFIX, type Verifier } from './verify.js';

const PARALLEL_CHECKS = 4;

export interface HealthCheckSweepResult {
  claimed: number;
  accepted: number;
  rejected: number;
  failed: number;
}

export interface HealthCheckDeps {
  prisma: PrismaClient;
  verifier: Pick<Verifier, 'verifyStored'>;
  logger: Logger;
  /** This instance's id: the lease owner. */
  instanceId: string;
}

export async function runHealthCheckSweep(
  deps: HealthCheckDeps,
  options: { intervalSeconds: number; batchSize: number; owner?: string; now?: Date },
): Promise<HealthCheckSweepResult> {
  const { prisma } = deps;
  const owner = options.owner ?? deps.instanceId;
  // The database's clock unless a test sets the time: the lease is judged by every instance alike.
  const now = options.now ? Prisma.sql`${options.now}::timestamp(3)` : DATABASE_NOW;
  const cutoff = Prisma.sql`(${now} - ${options.intervalSeconds * 1000}::float8 * interval '1 millisecond')`;
  const leaseUntil = Prisma.sql`(${now} + ${Math.max(60, options.intervalSeconds) * 1000}::float8 * interval '1 millisecond')`;
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
          const outcome = await deps.verifier.verifyStored(connection);
          if (outcome.ok) result.accepted++;
          else result.rejected++;
        } catch (error) {
          // Recorded as an operation already; the lease keeps it away for an interval.
          result.failed++;
          deps.logger.debug({ connectionId: id, err: error }, 'health check failed');
        }
        // Release the owner; the expiry stays as the earliest next try.
        await prisma.connection.updateMany({ where: { id, healthCheckLeaseOwner: owner }, data: { healthCheckLeaseOwner: null } });
      }
    }),
  );
  return result;
}

/** The `health-checks` job: several sweeps per HEALTH_CHECK_INTERVAL_SECONDS, each a small batch, so the checks spread out instead of bursting. */
export function healthCheckJob(deps: HealthCheckDeps, settings: HealthSettings): Job {
  const interval = settings.intervalSeconds;
  return periodicJob({
    name: 'health-checks',
    setting: 'HEALTH_CHECK_INTERVAL_SECONDS',
    intervalMs: interval > 0 ? Math.min(60, Math.max(5, interval / 4)) * 1000 : 0,
    logger: deps.logger,
    run: async () => {
      const result = await runHealthCheckSweep(deps, { intervalSeconds: interval, batchSize: settings.batchSize });
      if (result.claimed) deps.logger.info(result, 'health check sweep');
    },
  });
}
