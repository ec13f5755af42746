// Keeps Connection.routingKeys in step with the routes that define them. A connection's keys are
// written with its metadata (connect, import, updateConnection) for the routes of its integration's
// declaration at that moment; when the routes change (an admin's providerWebhooks set or cleared, a
// catalog template's routes changed by an upgrade) every connection of the integration is recomputed.
//
// Integration.routingKeysFor names the route targets the keys were computed for. An integration whose
// declaration's targets differ is recomputed in short batches (one SELECT and one UPDATE each, no
// transaction), then marked with a compare-and-set on its updatedAt: a crash midway leaves it unmarked,
// and the next start (or change) does it again; a change meanwhile makes it go round once more.
// Runs with the forwarding job, at start and whenever an integration changes (on any instance).
import type { Database } from '../../db/database.js';
import type { ChangeFeed } from '../../domain/changes.js';
import { routingKeysOf, routingTargetsOf } from '../../domain/webhook-routing.js';
import type { Integration } from '../../domain/integrations.js';
import type { Logger } from '../../kernel/log.js';

/** Connections recomputed per statement pair. */
const RECOMPUTE_BATCH = 500;

export interface RoutingKeysKeeper {
  /** Recomputes every integration whose routes changed since its keys were computed; resolves with how many connections changed. */
  catchUp(): Promise<number>;
  /** Starts catching up at start and on every integration change; stop() waits for the run in progress. */
  start(): { stop(): Promise<void> };
}

export function createRoutingKeysKeeper(deps: { db: Database; changes: ChangeFeed; logger: Logger }): RoutingKeysKeeper {
  const { db } = deps;
  let stopped = false;

  const recompute = async (integration: Pick<Integration, 'id' | 'settings'>): Promise<number> => {
    let changed = 0;
    let after = '';
    for (;;) {
      const rows = await db.prisma.connection.findMany({
        where: { integrationId: integration.id, id: { gt: after } },
        orderBy: { id: 'asc' },
        take: RECOMPUTE_BATCH,
        select: { id: true, metadata: true, routingKeys: true },
      });
      if (!rows.length) return changed;
      after = rows.at(-1)!.id;
      const updates = rows
        .map((row) => ({ id: row.id, before: row.routingKeys, keys: routingKeysOf(integration, row.metadata) }))
        .filter((row) => row.keys.join('\n') !== [...row.before].sort().join('\n'));
      if (updates.length) {
        // Only rows whose keys are still those read: a connection whose metadata changed meanwhile got its keys with it.
        changed += await db.prisma.$executeRaw`
          UPDATE "Connection" c SET "routingKeys" = v."keys"
          FROM jsonb_to_recordset(${JSON.stringify(updates)}::jsonb) AS v("id" text, "before" text[], "keys" text[])
          WHERE c."id" = v."id" AND c."routingKeys" = v."before"`;
      }
      if (stopped || rows.length < RECOMPUTE_BATCH) return changed;
    }
  };

  async function catchUp(): Promise<number> {
    let changed = 0;
    const integrations = await db.prisma.integration.findMany({ select: { id: true, slug: true, settings: true, routingKeysFor: true, updatedAt: true } });
    for (const integration of integrations) {
      if (stopped) break;
      const targets = routingTargetsOf(integration);
      if (targets === integration.routingKeysFor) continue;
      const count = await recompute(integration);
      changed += count;
      if (stopped) break;
      // Compare-and-set on updatedAt (left as it is): an integration changed meanwhile is recomputed again.
      await db.prisma.$executeRaw`
        UPDATE "Integration" SET "routingKeysFor" = ${targets} WHERE "id" = ${integration.id} AND "updatedAt" = ${integration.updatedAt}`;
      if (count) deps.logger.info({ integration: integration.slug, connections: count }, 'routing keys recomputed for changed webhook routes');
    }
    return changed;
  }

  return {
    catchUp,
    start() {
      let running: Promise<void> | undefined;
      let again = false;
      const run = () => {
        if (stopped) return;
        if (running) {
          again = true;
          return;
        }
        running = catchUp()
          .then(() => undefined)
          .catch((error: unknown) => deps.logger.warn({ err: error }, 'routing keys not recomputed'))
          .finally(() => {
            running = undefined;
            if (again) {
              again = false;
              run();
            }
          });
      };
      const unsubscribe = deps.changes.onIntegration(() => run());
      run();
      return {
        async stop() {
          stopped = true;
          unsubscribe();
          while (running) await running;
        },
      };
    },
  };
}
