// The `breaker-probe` job: with Redis, an open breaker's next probe is allowed when its probe key ends
// (REFRESH_BREAKER_PROBE_INTERVAL_MS after a failed probe), and Redis's answers say when that is. At
// that moment this job claims one due connection of the integration (a lease, as the sweep does) and
// refreshes it through the refresher, whose breaker ticket makes it the probe. Every instance that
// knows the time tries; one wins the probe key and the others are told "open" (with the new wait), so
// the deployment sends one probe per interval, as one instance does, however many instances run and
// however their sweeps fall.
import { performance } from 'node:perf_hooks';
import type { Job } from '../kernel/jobs.js';
import { describe } from '../provider/provider-client.js';
import type { Breaker } from './breaker.js';
import { claimBatch, type SweepDeps } from './refresh-sweep.js';
import type { TokenSettings } from './settings.js';

/** Redis answers the key's time left in whole milliseconds: a probe tried a little after that finds it gone. */
const AFTER_KEY_MS = 2;

/** Claims one due connection of the integration and refreshes it (the breaker decides whether it is the probe). */
async function probeOnce(deps: SweepDeps, integrationId: string, lookaheadSeconds: number): Promise<void> {
  const [claimed] = await claimBatch(deps, lookaheadSeconds, 1, integrationId);
  if (!claimed) return;
  deps.refresher.queueClaimedConnections([claimed]);
  try {
    await deps.refresher.refreshClaimedConnection(claimed, lookaheadSeconds * 1000);
  } catch (error) {
    // The refresh recorded its outcome (status, backoff) on the connection.
    deps.logger.debug({ connectionId: claimed.id, reason: describe(error) }, 'breaker probe failed');
  }
}

/** The `breaker-probe` job (REFRESH_BREAKER_PROBE_INTERVAL_MS; 0 turns it off, and with it the wait between probes). */
export function breakerProbeJob(deps: SweepDeps & { breaker: Breaker }, settings: TokenSettings): Job {
  return {
    name: 'breaker-probe',
    setting: 'REFRESH_BREAKER_PROBE_INTERVAL_MS',
    enabled: settings.breakerProbeIntervalMs > 0,
    start() {
      const { probes } = deps.breaker;
      const running = new Set<Promise<void>>();
      let stopped = false;
      let timer: NodeJS.Timeout | undefined;
      let armedAt = Infinity;

      const arm = (at: number | undefined) => {
        if (stopped || at === undefined || at >= armedAt) return;
        clearTimeout(timer);
        armedAt = at;
        timer = setTimeout(fire, Math.max(0, at - performance.now()) + AFTER_KEY_MS);
        timer.unref();
      };
      function fire() {
        armedAt = Infinity;
        if (stopped) return;
        for (const integrationId of probes.takeDue(performance.now())) {
          const probe = probeOnce(deps, integrationId, settings.lookaheadSeconds)
            .catch((error: unknown) => deps.logger.warn({ err: error, job: 'breaker-probe', integrationId }, 'background job failed'))
            .finally(() => running.delete(probe));
          running.add(probe);
        }
        arm(probes.nextAt());
      }

      const unwatch = probes.watch(arm);
      arm(probes.nextAt());
      return {
        async stop() {
          stopped = true;
          unwatch();
          clearTimeout(timer);
          await Promise.allSettled([...running]);
        },
      };
    },
  };
}
