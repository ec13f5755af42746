// The job `provider-webhook-forwarding`: received webhooks (outcome null) are claimed with a lease
// (a short conditional UPDATE; a crashed owner's lease expires and another instance takes them),
// matched to connections by the catalog's routing, and forwarded through the outbox as
// `provider.webhook`, each in the same transaction as its outcome (a compare-and-set on the lease), so
// a webhook is forwarded once or not at all. The provider's event id deduplicates (DUPLICATE).
import { randomBytes } from 'node:crypto';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { ProviderWebhooksDeclaration } from '../../catalog/schema.js';
import type { Database } from '../../db/database.js';
import type { DomainEventBus } from '../../domain/events.js';
import type { Job } from '../../kernel/jobs.js';
import type { Logger } from '../../kernel/log.js';
import { enqueueMessages } from '../outbox.js';
import type { ProviderWebhookSettings } from '../settings.js';
import { providerWebhooksOf } from './declaration.js';
import type { ProviderWebhookOutcome } from './route.js';
import { valuesAt } from './values.js';

/** How long a claim holds before another instance may take the webhook again. */
const LEASE_MS = 30_000;
/** How long a nudge waits before its round, so that webhooks arriving together are forwarded together. */
const GATHER_MS = 20;

interface ClaimedWebhook {
  id: string;
  integrationId: string;
  receivedAt: Date;
  eventType: string | null;
  providerEventId: string | null;
  headers: Record<string, string>;
  payload: unknown;
}

interface MatchedConnection {
  id: string;
  ownerId: string | null;
  ownerKey: string;
  /** The connection's tags, forwarded with it. */
  tags?: unknown;
}

/** The tags forwarded with a matched connection (every connection has them, `{}` when none were set). */
function forwardedTagsOf(connection: MatchedConnection): unknown {
  return connection.tags ?? {};
}

/** The connection's JSON path (inside metadata) that a route's `to` names. */
function metadataPathOf(to: string): string[] {
  const [root, ...rest] = to.split('.');
  return root === 'connectionConfig' ? ['connectionConfig', ...rest] : rest;
}

export interface ForwarderDeps {
  db: Database;
  events: DomainEventBus;
  settings: ProviderWebhookSettings;
  logger: Logger;
  instanceId: string;
}

export interface ProviderWebhookForwarder {
  /** Looks for received webhooks now. */
  nudge(): void;
  /** One round: claims, matches, forwards; resolves with how many it settled. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

export function createProviderWebhookForwarder(deps: ForwarderDeps): ProviderWebhookForwarder {
  const { db, logger } = deps;
  const owner = `${deps.instanceId}:provider-webhooks:${randomBytes(4).toString('hex')}`;

  const claim = () =>
    db.prisma.$queryRaw<ClaimedWebhook[]>`
      UPDATE "ProviderWebhook" SET "leaseOwner" = ${owner}, "leaseExpiresAt" = now() + ${`${LEASE_MS} milliseconds`}::interval, "attempts" = "attempts" + 1
      WHERE "id" IN (
        SELECT "id" FROM "ProviderWebhook"
        WHERE "outcome" IS NULL AND ("leaseExpiresAt" IS NULL OR "leaseExpiresAt" < now())
        ORDER BY "outcome", "receivedAt", "id" LIMIT ${deps.settings.batch}::int
        FOR UPDATE SKIP LOCKED
      )
      RETURNING "id", "integrationId", "receivedAt", "eventType", "providerEventId", "headers", "payload"`;

  /** Connections per webhook: one query per (integration, route) for the whole batch. */
  const match = async (webhooks: ClaimedWebhook[], declarations: Map<string, ProviderWebhooksDeclaration | undefined>) => {
    const matched = new Map<string, Map<string, MatchedConnection>>(webhooks.map((webhook) => [webhook.id, new Map()]));
    const byIntegration = new Map<string, ClaimedWebhook[]>();
    for (const webhook of webhooks) byIntegration.set(webhook.integrationId, [...(byIntegration.get(webhook.integrationId) ?? []), webhook]);
    for (const [integrationId, group] of byIntegration) {
      for (const route of declarations.get(integrationId)?.route ?? []) {
        const wanted = new Map<string, string[]>();
        for (const webhook of group) {
          const values = valuesAt({ headers: webhook.headers, body: webhook.payload }, route.from)
            .map((value) => (route.stripSuffix && value.endsWith(route.stripSuffix) ? value.slice(0, -route.stripSuffix.length) : value))
            .filter((value) => value.length > 0 && value.length <= 500);
          // Route values read from headers are those kept: the header must be among forwardHeaders to route by it.
          for (const value of values) wanted.set(value, [...(wanted.get(value) ?? []), webhook.id]);
        }
        if (!wanted.size) continue;
        const path = metadataPathOf(route.to);
        const rows = await db.prisma.$queryRaw<Array<MatchedConnection & { routeValue: string }>>`
          SELECT c."id", c."ownerId", c."ownerKey", c."tags", c."metadata" #>> ${path}::text[] AS "routeValue" FROM "Connection" c
          WHERE c."integrationId" = ${integrationId} AND c."status" <> 'DISCONNECTED'
            AND c."metadata" #>> ${path}::text[] = ANY(${[...wanted.keys()]}::text[])`;
        for (const row of rows) for (const webhookId of wanted.get(row.routeValue) ?? []) matched.get(webhookId)!.set(row.id, row);
      }
    }
    return matched;
  };

  async function runOnce(): Promise<number> {
    // In arrival order (ids are time-ordered): of two copies of an event, the first received is the one forwarded.
    const claimed = (await claim()).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (!claimed.length) return 0;
    const integrationIds = [...new Set(claimed.map((webhook) => webhook.integrationId))];
    const integrations = await db.prisma.integration.findMany({ where: { id: { in: integrationIds } }, select: { id: true, slug: true, settings: true } });
    const slugs = new Map(integrations.map((integration) => [integration.id, integration.slug]));
    const declarations = new Map(integrations.map((integration) => [integration.id, providerWebhooksOf(integration)]));
    const matches = await match(claimed, declarations);

    const settled: Array<{ webhook: ClaimedWebhook; outcome: ProviderWebhookOutcome; connections: MatchedConnection[] }> = [];
    await db.transaction(async (tx) => {
      const keys = claimed.filter((webhook) => webhook.providerEventId).map((webhook) => `${webhook.integrationId}:${webhook.providerEventId}`);
      const seen = new Set(
        keys.length
          ? (await tx.$queryRaw<Array<{ dedupKey: string }>>`SELECT "dedupKey" FROM "ProviderWebhook" WHERE "dedupKey" = ANY(${keys}::text[])`).map(
              (row) => row.dedupKey,
            )
          : [],
      );
      const decided = claimed.map((webhook) => {
        const dedupKey = webhook.providerEventId ? `${webhook.integrationId}:${webhook.providerEventId}` : null;
        const duplicate = dedupKey !== null && seen.has(dedupKey);
        if (dedupKey && !duplicate) seen.add(dedupKey);
        const connections = duplicate ? [] : [...(matches.get(webhook.id)?.values() ?? [])];
        const outcome: ProviderWebhookOutcome = duplicate ? 'DUPLICATE' : connections.length ? 'FORWARDED' : 'UNMATCHED';
        return { webhook, outcome, connections, dedupKey: duplicate ? null : dedupKey };
      });
      // One compare-and-set for the batch: a claim that expired and was taken again is not forwarded twice.
      const rows = JSON.stringify(
        decided.map((entry) => ({ id: entry.webhook.id, outcome: entry.outcome, connectionIds: entry.connections.map((c) => c.id), dedupKey: entry.dedupKey })),
      );
      const updated = await tx.$queryRaw<Array<{ id: string }>>`
        UPDATE "ProviderWebhook" w SET "outcome" = v."outcome", "connectionIds" = v."connectionIds", "forwardedAt" = now(),
          "dedupKey" = v."dedupKey", "leaseOwner" = NULL, "leaseExpiresAt" = NULL
        FROM jsonb_to_recordset(${rows}::jsonb) AS v("id" text, "outcome" text, "connectionIds" text[], "dedupKey" text)
        WHERE w."id" = v."id" AND w."leaseOwner" = ${owner} AND w."outcome" IS NULL
        RETURNING w."id"`;
      const kept = new Set(updated.map((row) => row.id));
      const bodies: string[] = [];
      for (const entry of decided) {
        if (!kept.has(entry.webhook.id)) continue;
        settled.push(entry);
        if (entry.outcome === 'DUPLICATE') continue;
        const { webhook, connections } = entry;
        bodies.push(
          JSON.stringify({
            type: 'provider.webhook',
            timestamp: new Date().toISOString(),
            data: {
              providerWebhookId: encodeGlobalID('ProviderWebhook', webhook.id),
              integration: slugs.get(webhook.integrationId) ?? null,
              eventType: webhook.eventType,
              providerEventId: webhook.providerEventId,
              receivedAt: new Date(webhook.receivedAt).toISOString(),
              connections: connections.map((connection) => {
                const tags = forwardedTagsOf(connection);
                return { connectionId: encodeGlobalID('Connection', connection.id), ownerId: connection.ownerId, ...(tags === undefined ? {} : { tags }) };
              }),
              headers: webhook.headers,
              payload: webhook.payload,
            },
          }),
        );
      }
      // The messages commit with the outcomes, in one statement.
      await enqueueMessages(tx, 'provider.webhook', bodies);
    });

    for (const { webhook, outcome, connections } of settled) {
      deps.events.emit('provider_webhook.recorded', { integrationSlug: slugs.get(webhook.integrationId) ?? 'unknown', outcome });
      if (outcome !== 'DUPLICATE') {
        deps.events.emit('provider_webhook.forwarded', {
          id: webhook.id,
          integrationId: webhook.integrationId,
          connections: connections.map((connection) => ({ id: connection.id, ownerKey: connection.ownerKey })),
        });
      }
    }
    if (settled.some((entry) => entry.outcome !== 'DUPLICATE')) deps.events.emit('webhook.due', { reason: 'provider_webhook' });
    return settled.length;
  }

  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  const nudge = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      // A moment's wait gathers the webhooks arriving together into one round (one claim, one transaction).
      await new Promise((resolve) => setTimeout(resolve, GATHER_MS));
      do {
        again = false;
        const count = await runOnce();
        if (count > 0) again = true;
      } while (again && !stopped);
    })()
      .catch((error: unknown) => logger.warn({ err: error }, 'provider webhook forwarding failed'))
      .finally(() => {
        running = undefined;
      });
  };
  return {
    nudge,
    runOnce,
    async stop() {
      stopped = true;
      await running;
    },
  };
}

/** The `provider-webhook-forwarding` job (PROVIDER_WEBHOOK_POLL_INTERVAL_MS; 0 leaves forwarding to other instances). */
export function providerWebhookForwardingJob(forwarder: ProviderWebhookForwarder, settings: ProviderWebhookSettings): Job {
  return {
    name: 'provider-webhook-forwarding',
    setting: 'PROVIDER_WEBHOOK_POLL_INTERVAL_MS',
    enabled: settings.pollIntervalMs > 0,
    start() {
      const timer = setInterval(() => forwarder.nudge(), settings.pollIntervalMs);
      timer.unref();
      forwarder.nudge();
      return {
        async stop() {
          clearInterval(timer);
          await forwarder.stop();
        },
      };
    },
  };
}
