// The background refresh job: every REFRESH_INTERVAL_SECONDS (with jitter), claim batches of
// connections whose tokens expire within the lookahead (lease.ts: one short statement writes a lease
// on every row, so each connection goes to one instance and no lock outlives the statement) and
// refresh them with bounded concurrency, outside any transaction, through the same path as on-demand
// refreshes.
import { setTimeout as sleep } from 'node:timers/promises';
import type { PrismaClient } from '../generated/prisma/client.js';
import { periodicJob, type Job } from '../kernel/jobs.js';
import type { Logger } from '../kernel/log.js';
import { describe } from '../provider/provider-client.js';
import { claimDueConnections } from './lease.js';
import type { ClaimedConnection, Refresher } from './refresher.js';
import type { TokenSettings } from './settings.js';

/** Spread of the workers' start, so that a batch does not hit a provider in one burst. */
const START_JITTER_MS = 50;

export interface SweepResult {
  claimed: number;
  refreshed: number;
  failed: number;
}

export interface SweepDeps {
  prisma: PrismaClient;
  refresher: Refresher;
  logger: Logger;
}

/** Claims up to `limit` due connections (of one integration, if given) with a lease each, then reads them. */
export async function claimBatch(deps: SweepDeps, lookaheadSeconds: number, limit: number, integrationId?: string): Promise<ClaimedConnection[]> {
  const { owner, leaseMs, startBy } = deps.refresher.newBatchLease();
  const claimed = await claimDueConnections(deps.prisma, { owner, leaseMs, lookaheadSeconds, limit, integrationId });
  if (!claimed.length) return [];
  const rows = new Map(
    (await deps.prisma.connection.findMany({ where: { id: { in: claimed.map((claim) => claim.id) } }, include: { integration: true } })).map((row) => [
      row.id,
      row,
    ]),
  );
  const batch: ClaimedConnection[] = [];
  for (const claim of claimed) {
    const connection = rows.get(claim.id);
    if (connection) batch.push({ id: claim.id, owner, startBy, previousUnknown: claim.previousUnknown, connection });
  }
  return batch;
}

/**
 * One sweep: claims due connections batch by batch and refreshes them, `concurrency` at a time.
 * The next batch is claimed while the last few of the current one still run, so that the workers do
 * not wait for a batch's slowest refresh. `shouldStop` ends it between refreshes.
 */
export async function runRefreshSweep(
  deps: SweepDeps,
  options: { lookaheadSeconds: number; concurrency: number; batchSize: number; shouldStop?: () => boolean },
): Promise<SweepResult> {
  const { refresher } = deps;
  const result: SweepResult = { claimed: 0, refreshed: 0, failed: 0 };
  const seen = new Set<string>();
  const queue: ClaimedConnection[] = [];
  let moreDue = true;
  const claimErrors: unknown[] = [];
  let claiming: Promise<void> | undefined;

  const claimNext = async (): Promise<void> => {
    const claims = await claimBatch(deps, options.lookaheadSeconds, options.batchSize);
    // Tried once in this sweep already (and still due: it failed, or was given back): not again now.
    const again = claims.filter((claim) => seen.has(claim.id));
    await Promise.all(again.map((claim) => refresher.releaseClaimedConnection(claim)));
    const batch = claims.filter((claim) => !seen.has(claim.id));
    if (!batch.length || claims.length < options.batchSize) moreDue = false;
    result.claimed += batch.length;
    for (const claim of batch) seen.add(claim.id);
    refresher.queueClaimedConnections(batch);
    queue.push(...batch);
  };
  /** The claim under way, or a new one while more may be due; undefined when the sweep claims no more. */
  const claim = (): Promise<void> | undefined => {
    if (claiming) return claiming;
    if (!moreDue || options.shouldStop?.()) return undefined;
    claiming = claimNext()
      .catch((error: unknown) => {
        claimErrors.push(error);
        moreDue = false;
      })
      .finally(() => {
        claiming = undefined;
      });
    return claiming;
  };
  const take = async (): Promise<ClaimedConnection | undefined> => {
    for (;;) {
      const next = queue.shift();
      // The next batch is claimed while this one's last refreshes run: a claimed connection waits about one refresh to start.
      const pending = queue.length <= options.concurrency ? claim() : undefined;
      if (next) return next;
      if (!pending) return undefined;
      await pending;
    }
  };

  await claim();
  if (claimErrors.length) throw claimErrors[0];
  const workers = moreDue ? options.concurrency : Math.min(options.concurrency, queue.length);
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      // Workers start a little apart, so that the first batch does not reach the provider as one burst.
      if (worker) await sleep(Math.random() * START_JITTER_MS);
      for (let next = await take(); next; next = await take()) {
        if (options.shouldStop?.()) {
          // Not started: hand the lease back so that another instance can take it at once.
          await refresher.releaseClaimedConnection(next);
          continue;
        }
        try {
          await refresher.refreshClaimedConnection(next, options.lookaheadSeconds * 1000);
          result.refreshed++;
        } catch (error) {
          // The refresh already recorded the outcome (status, backoff) on the connection.
          result.failed++;
          deps.logger.debug({ connectionId: next.id, reason: describe(error) }, 'background refresh failed');
        }
      }
    }),
  );
  if (claimErrors.length) throw claimErrors[0];
  return result;
}

/** The `refresh-sweep` job (REFRESH_INTERVAL_SECONDS; 0 turns it off). */
export function refreshSweepJob(deps: SweepDeps, settings: TokenSettings): Job {
  return periodicJob({
    name: 'refresh-sweep',
    setting: 'REFRESH_INTERVAL_SECONDS',
    intervalMs: settings.intervalSeconds * 1000,
    logger: deps.logger,
    run: async (shouldStop) => {
      const result = await runRefreshSweep(deps, {
        lookaheadSeconds: settings.lookaheadSeconds,
        concurrency: settings.concurrency,
        batchSize: settings.batchSize,
        shouldStop,
      });
      if (result.claimed) deps.logger.info(result, 'background refresh sweep');
    },
  });
}
