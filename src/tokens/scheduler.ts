// Background refresh: every interval (with jitter), claim batches of connections whose tokens expire
// within the lookahead and refresh them with bounded concurrency. Each batch is claimed by one short
// statement (UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING) that writes a refresh
// lease on every row, so each connection goes to one instance and no lock outlives the statement; the
// token requests happen afterwards, outside any transaction, through the same path as on-demand ones.
import { setTimeout as sleep } from 'node:timers/promises';
import { config } from '../config.js';
import { prisma } from '../db/client.js';
import { logger } from '../logger.js';
import { runEvery } from '../periodic.js';
import { describe } from '../provider/provider-client.js';
import { pruneDeliveryLog } from '../webhooks/delivery-log.js';
import { batchLeaseMs, newLeaseOwner, queueClaimedConnections, refreshClaimedConnection, releaseClaimedConnection, settleRefreshes, type ClaimedConnection } from './refresh.js';

/** Spread of the workers' start, so that a batch does not hit a provider in one burst. */
const START_JITTER_MS = 50;

export interface RefreshScheduler {
  /** Stops claiming and waits for refreshes in flight (background and on demand) to save their outcome. */
  stop(): Promise<void>;
}

export interface SweepResult {
  claimed: number;
  refreshed: number;
  failed: number;
}

/**
 * Claims up to `limit` due connections with a lease each, recording the attempt (the previous
 * attempt's "outcome unknown" flag is returned, since the claim overwrites it), then reads them.
 */
async function claimBatch(lookaheadSeconds: number, limit: number): Promise<ClaimedConnection[]> {
  const now = new Date();
  const owner = newLeaseOwner();
  const until = new Date(now.getTime() + batchLeaseMs());
  const claimed = await prisma.$queryRaw<Array<{ id: string; previousUnknown: boolean }>>`
    UPDATE "Connection" AS c
    SET "refreshOwner" = ${owner}, "refreshLeaseUntil" = ${until}, "refreshAttemptAt" = ${now}, "refreshOutcomeUnknown" = true
    FROM (
      SELECT "id", "refreshOutcomeUnknown" AS "previousUnknown" FROM "Connection"
      WHERE "status" IN ('HEALTHY', 'EXPIRED') AND "hasRefreshToken"
        AND "tokenExpiresAt" IS NOT NULL AND "tokenExpiresAt" < ${new Date(now.getTime() + lookaheadSeconds * 1000)}
        AND ("nextRefreshAt" IS NULL OR "nextRefreshAt" <= ${now})
        AND ("refreshLeaseUntil" IS NULL OR "refreshLeaseUntil" < ${now})
      ORDER BY "tokenExpiresAt"
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ) AS due
    WHERE c."id" = due."id"
    RETURNING c."id", due."previousUnknown"`;
  if (!claimed.length) return [];
  const rows = new Map(
    (await prisma.connection.findMany({ where: { id: { in: claimed.map((claim) => claim.id) } }, include: { integration: true } })).map((row) => [row.id, row]),
  );
  const batch: ClaimedConnection[] = [];
  for (const claim of claimed) {
    const connection = rows.get(claim.id);
    if (connection) batch.push({ id: claim.id, owner, until, previousUnknown: claim.previousUnknown, connection });
  }
  return batch;
}

/**
 * One sweep: claims due connections batch by batch and refreshes them, `concurrency` at a time, then
 * deletes expired pending authorizations and old webhook deliveries. `shouldStop` ends it between refreshes.
 */
export async function runRefreshSweep(options: {
  lookaheadSeconds: number;
  concurrency?: number;
  batchSize?: number;
  shouldStop?: () => boolean;
}): Promise<SweepResult> {
  const concurrency = options.concurrency ?? config.tokens.concurrency;
  const batchSize = options.batchSize ?? config.tokens.batchSize;
  const result: SweepResult = { claimed: 0, refreshed: 0, failed: 0 };
  const seen = new Set<string>();
  for (;;) {
    if (options.shouldStop?.()) break;
    const claims = await claimBatch(options.lookaheadSeconds, batchSize);
    // Tried once in this sweep already (and still due: it failed, or was given back): not again now.
    const again = claims.filter((claim) => seen.has(claim.id));
    await Promise.all(again.map((claim) => releaseClaimedConnection(claim)));
    const batch = claims.filter((claim) => !seen.has(claim.id));
    if (!batch.length) break;
    result.claimed += batch.length;
    for (const claim of batch) seen.add(claim.id);
    queueClaimedConnections(batch);
    const queue = [...batch];
    await Promise.all(
      Array.from({ length: Math.min(concurrency, queue.length) }, async (_, worker) => {
        // Workers start a little apart, so that a batch does not reach the provider as one burst.
        if (worker) await sleep(Math.random() * START_JITTER_MS);
        for (let next = queue.shift(); next; next = queue.shift()) {
          if (options.shouldStop?.()) {
            // Not started: hand the lease back so that another instance can take it at once.
            await releaseClaimedConnection(next);
            continue;
          }
          try {
            await refreshClaimedConnection(next, options.lookaheadSeconds * 1000);
            result.refreshed++;
          } catch (error) {
            // The refresh already recorded the outcome (status, backoff) on the connection.
            result.failed++;
            logger.debug({ connectionId: next.id, reason: describe(error) }, 'background refresh failed');
          }
        }
      }),
    );
    if (claims.length < batchSize) break;
  }
  await prisma.pendingAuthorization.deleteMany({ where: { expiresAt: { lt: new Date() } } });
  await prisma.connectSession.deleteMany({ where: { expiresAt: { lt: new Date() } } });
  await pruneDeliveryLog(config.webhooks.logRetentionDays);
  return result;
}

/** Starts sweeping every intervalSeconds (±20%); 0 turns it off. */
export function startRefreshScheduler(options: { intervalSeconds: number; lookaheadSeconds: number }): RefreshScheduler {
  const sweeps =
    options.intervalSeconds > 0
      ? runEvery(options.intervalSeconds * 1000, (shouldStop) =>
          runRefreshSweep({ ...options, shouldStop })
            .then((result) => {
              if (result.claimed) logger.info(result, 'background refresh sweep');
            })
            .catch((error: Error) => logger.warn({ err: { name: error.name, message: error.message } }, 'background refresh sweep failed')),
        )
      : undefined;
  return {
    async stop() {
      await sweeps?.stop();
      await settleRefreshes();
    },
  };
}
