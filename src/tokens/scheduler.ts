// Background refresh: every interval (with jitter), claim a batch of connections whose tokens expire
// within the lookahead and refresh them. The claim (FOR UPDATE SKIP LOCKED, then nextRefreshAt moved
// ahead) gives each connection to one instance; the refresh itself still takes the row lock and
// re-checks freshness, so a claim that overlaps an on-demand refresh costs nothing twice.
import { config } from '../config.js';
import { prisma } from '../db/client.js';
import { logger } from '../logger.js';
import { describe } from '../provider/provider-client.js';
import { pruneDeliveryLog } from '../webhooks/delivery-log.js';
import { refreshConnectionTokens } from './refresh.js';

const BATCH_SIZE = 50;
const PARALLEL_REFRESHES = 4;
/** How long a claim keeps other instances away from a connection. */
const CLAIM_MS = 2 * 60_000;

export interface RefreshScheduler {
  stop(): Promise<void>;
}

/** One sweep: claims due connections, refreshes them, deletes expired pending authorizations and old webhook deliveries. */
export async function runRefreshSweep(options: { lookaheadSeconds: number }): Promise<{ claimed: number; refreshed: number; failed: number }> {
  const now = new Date();
  const claimed = await prisma.$queryRaw<Array<{ id: string; sequence: number }>>`
    UPDATE "Connection" SET "nextRefreshAt" = ${new Date(now.getTime() + CLAIM_MS)}
    WHERE "id" IN (
      SELECT "id" FROM "Connection"
      WHERE "hasRefreshToken" AND "status" IN ('HEALTHY', 'EXPIRED')
        AND "tokenExpiresAt" IS NOT NULL AND "tokenExpiresAt" < ${new Date(now.getTime() + options.lookaheadSeconds * 1000)}
        AND ("nextRefreshAt" IS NULL OR "nextRefreshAt" <= ${now})
      ORDER BY "tokenExpiresAt"
      LIMIT ${BATCH_SIZE}
      FOR UPDATE SKIP LOCKED
    )
    RETURNING "id", "sequence"`;
  let refreshed = 0;
  let failed = 0;
  const queue = [...claimed];
  await Promise.all(
    Array.from({ length: Math.min(PARALLEL_REFRESHES, queue.length) }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        try {
          await refreshConnectionTokens(next.id, next.sequence, { policy: 'AUTO', marginMs: options.lookaheadSeconds * 1000 });
          refreshed++;
        } catch (error) {
          // The refresh already recorded the outcome (status, backoff) on the connection.
          failed++;
          logger.debug({ connectionId: next.id, reason: describe(error) }, 'background refresh failed');
        }
      }
    }),
  );
  await prisma.pendingAuthorization.deleteMany({ where: { expiresAt: { lt: now } } });
  await pruneDeliveryLog(config.webhooks.logRetentionDays, now);
  return { claimed: claimed.length, refreshed, failed };
}

/** Starts sweeping every intervalSeconds (±20%); 0 turns it off. */
export function startRefreshScheduler(options: { intervalSeconds: number; lookaheadSeconds: number }): RefreshScheduler {
  if (options.intervalSeconds <= 0) return { stop: async () => {} };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    const delay = options.intervalSeconds * 1000 * (0.8 + Math.random() * 0.4);
    timer = setTimeout(() => {
      running = runRefreshSweep(options)
        .then((result) => {
          if (result.claimed) logger.info(result, 'background refresh sweep');
        })
        .catch((error: Error) => logger.warn({ err: { name: error.name, message: error.message } }, 'background refresh sweep failed'))
        .finally(schedule);
    }, delay);
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
