// Webhook workers a test starts beside an app, as more instances of it would run them: each on the
// app's deliveries, outbound layer, change feed and events, stopped when the test ends.
import { onTestFinished } from 'vitest';
import type { App } from '../../src/app.js';
import type { SharedLimits } from '../../src/kernel/shared-limits.js';
import { startWebhookWorker, type WebhookWorker } from '../../src/webhooks/worker.js';
import { keyring } from './database.js';

/** One worker per instance, with `settings` (and the instance's shared limits, when given). */
export function startWorkersOn(
  app: App,
  settings: App['config']['webhooks'],
  instances: Array<{ instanceId: string; limits?: SharedLimits }>,
): WebhookWorker[] {
  const workers = instances.map(({ instanceId, limits }) =>
    startWebhookWorker({
      deliveries: app.deliveries,
      outbound: app.outbound,
      keyring,
      settings,
      changes: app.changes,
      events: app.events,
      logger: app.logger,
      instanceId,
      limits,
    }),
  );
  onTestFinished(() => Promise.all(workers.map((worker) => worker.stop())).then(() => undefined));
  return workers;
}
