// The job `provider-webhook-forwarding`: received webhooks (outcome null) are taken in rounds, each one
// short transaction of database statements only (rows locked FOR UPDATE SKIP LOCKED, so instances take
// different ones and a crashed round's rows are free again at once), matched to connections by the
// catalog's routing, and forwarded through the outbox as `provider.webhook` in the same transaction as
// their outcome, so a webhook is forwarded once or not at all. The provider's event id deduplicates
// (DUPLICATE).
import { encodeGlobalID } from '@pothos/plugin-relay';
import { LRUCache } from 'lru-cache';
import type { ProviderWebhooksDeclaration } from '../../catalog/schema.js';
import type { Database, Transaction } from '../../db/database.js';
import { ROUTING_VALUE_MAX, routingKey } from '../../domain/webhook-routing.js';
import type { DomainEventBus } from '../../domain/events.js';
import type { Job } from '../../kernel/jobs.js';
import type { Logger } from '../../kernel/log.js';
import { enqueueMessages } from '../outbox.js';
import type { ProviderWebhookSettings } from '../settings.js';
import { providerWebhooksOf } from './declaration.js';
import type { ProviderWebhookOutcome } from './route.js';
import type { RoutingKeysKeeper } from './routing-keys.js';
import { valuesAt } from './values.js';

/**
 * Rounds start at least this far apart, so that webhooks arriving together are forwarded together: a
 * round costs a transaction of six statements however few it takes, and the delivery worker claims
 * once per round. A nudge when no round ran for this long starts one at once (the first webhook after
 * a quiet spell is not held back). Well within the app's patience (receipt to the app: seconds at most).
 */
const GATHER_MS = 100;

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

interface Settled {
  webhook: ClaimedWebhook;
  slug: string;
  outcome: ProviderWebhookOutcome;
  connections: MatchedConnection[];
}

/** The `provider.webhook` message as the app receives it. */
function messageBodyOf(webhook: ClaimedWebhook, slug: string, connections: MatchedConnection[], timestamp: string): string {
  return JSON.stringify({
    type: 'provider.webhook',
    timestamp,
    data: {
      providerWebhookId: encodeGlobalID('ProviderWebhook', webhook.id),
      integration: slug,
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
  });
}

/** A unique-constraint violation (PostgreSQL 23505), however the driver adapter wraps it. */
function isUniqueViolation(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 6; depth++) {
    const { code, message, cause, meta } = current as { code?: unknown; message?: unknown; cause?: unknown; meta?: { code?: unknown } };
    if (code === '23505' || code === 'P2002' || meta?.code === '23505') return true;
    if (typeof message === 'string' && /unique constraint|duplicate key value/i.test(message)) return true;
    current = cause ?? (current as { originalError?: unknown }).originalError;
  }
  return false;
}

export interface ForwarderDeps {
  db: Database;
  events: DomainEventBus;
  settings: ProviderWebhookSettings;
  logger: Logger;
  /** Resolves once the webhooks received so far are written (receipts go before forwarding rounds). */
  receiptsWritten?: () => Promise<void>;
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
  const batch = deps.settings.batch;
  // Integrations' slugs and declarations for a few seconds: a busy provider makes every round ask again.
  const integrationCache = new LRUCache<string, { slug: string; declaration: ProviderWebhooksDeclaration | undefined }>({ max: 1000, ttl: 5_000 });

  /** Connections per webhook: one lookup of the routing keys' index per integration for the whole batch. */
  const match = async (tx: Transaction, webhooks: ClaimedWebhook[], declarations: Map<string, ProviderWebhooksDeclaration | undefined>) => {
    const matched = new Map<string, Map<string, MatchedConnection>>(webhooks.map((webhook) => [webhook.id, new Map()]));
    const byIntegration = new Map<string, ClaimedWebhook[]>();
    for (const webhook of webhooks) byIntegration.set(webhook.integrationId, [...(byIntegration.get(webhook.integrationId) ?? []), webhook]);
    for (const [integrationId, group] of byIntegration) {
      const wanted = new Map<string, string[]>();
      for (const route of declarations.get(integrationId)?.route ?? []) {
        for (const webhook of group) {
          // Route values read from headers are those kept: the header must be among forwardHeaders to route by it.
          const values = valuesAt({ headers: webhook.headers, body: webhook.payload }, route.from)
            .map((value) => (route.stripSuffix && value.endsWith(route.stripSuffix) ? value.slice(0, -route.stripSuffix.length) : value))
            .filter((value) => value.length > 0 && value.length <= ROUTING_VALUE_MAX);
          for (const value of values) {
            const key = routingKey(route.to, value);
            wanted.set(key, [...(wanted.get(key) ?? []), webhook.id]);
          }
        }
      }
      if (!wanted.size) continue;
      const rows = await tx.$queryRaw<Array<MatchedConnection & { routingKeys: string[] }>>`
        SELECT c."id", c."ownerId", c."ownerKey", c."tags", c."routingKeys" FROM "Connection" c
        WHERE c."routingKeys" && ${[...wanted.keys()]}::text[] AND c."integrationId" = ${integrationId} AND c."status" <> 'DISCONNECTED'`;
      for (const row of rows) {
        const { routingKeys, ...connection } = row;
        for (const key of routingKeys) for (const webhookId of wanted.get(key) ?? []) matched.get(webhookId)!.set(connection.id, connection);
      }
    }
    return matched;
  };

  const integrationsOf = async (tx: Transaction, ids: string[]) => {
    const missing = ids.filter((id) => !integrationCache.has(id));
    if (missing.length) {
      const rows = await tx.integration.findMany({ where: { id: { in: missing } }, select: { id: true, slug: true, settings: true } });
      for (const row of rows) integrationCache.set(row.id, { slug: row.slug, declaration: providerWebhooksOf(row) });
    }
    return new Map(ids.map((id) => [id, integrationCache.get(id)]));
  };

  /**
   * One round in one short transaction (database statements only): the oldest received webhooks are
   * locked (FOR UPDATE SKIP LOCKED: another instance takes the next ones, a crashed round's are free
   * again at once), matched, settled in one UPDATE and their messages written in one INSERT.
   */
  const round = () =>
    db.transaction(async (tx) => {
      // In arrival order (ids are time-ordered): of two copies of an event, the first received is the one forwarded.
      const claimed = await tx.$queryRaw<ClaimedWebhook[]>`
        SELECT "id", "integrationId", "receivedAt", "eventType", "providerEventId", "headers", "payload" FROM "ProviderWebhook"
        WHERE "outcome" IS NULL ORDER BY "receivedAt", "id" LIMIT ${batch}::int FOR UPDATE SKIP LOCKED`;
      if (!claimed.length) return [];
      const integrations = await integrationsOf(tx, [...new Set(claimed.map((webhook) => webhook.integrationId))]);
      const declarations = new Map([...integrations].map(([id, entry]) => [id, entry?.declaration]));
      const matches = await match(tx, claimed, declarations);
      // Copies within the batch: the first keeps the key. Copies forwarded before: the UPDATE finds the key taken.
      const keysInBatch = new Set<string>();
      const decided = claimed.map((webhook) => {
        let dedupKey = webhook.providerEventId ? `${webhook.integrationId}:${webhook.providerEventId}` : null;
        const duplicate = dedupKey !== null && keysInBatch.has(dedupKey);
        if (dedupKey && !duplicate) keysInBatch.add(dedupKey);
        if (duplicate) dedupKey = null;
        const connections = duplicate ? [] : [...(matches.get(webhook.id)?.values() ?? [])];
        const outcome: ProviderWebhookOutcome = duplicate ? 'DUPLICATE' : connections.length ? 'FORWARDED' : 'UNMATCHED';
        return { webhook, outcome, connections, dedupKey };
      });
      const rows = JSON.stringify(
        decided.map((entry) => ({ id: entry.webhook.id, outcome: entry.outcome, connectionIds: entry.connections.map((c) => c.id), dedupKey: entry.dedupKey })),
      );
      const updated = await tx.$queryRaw<Array<{ id: string; outcome: ProviderWebhookOutcome }>>`
        UPDATE "ProviderWebhook" w
        SET "outcome" = CASE WHEN taken."dedupKey" IS NULL THEN v."outcome" ELSE 'DUPLICATE' END,
          "connectionIds" = CASE WHEN taken."dedupKey" IS NULL THEN v."connectionIds" ELSE '{}' END,
          "dedupKey" = CASE WHEN taken."dedupKey" IS NULL THEN v."dedupKey" END,
          "forwardedAt" = now(), "attempts" = w."attempts" + 1
        FROM jsonb_to_recordset(${rows}::jsonb) AS v("id" text, "outcome" text, "connectionIds" text[], "dedupKey" text)
        LEFT JOIN "ProviderWebhook" taken ON taken."dedupKey" = v."dedupKey"
        WHERE w."id" = v."id" AND w."outcome" IS NULL
        RETURNING w."id", w."outcome"`;
      const outcomes = new Map(updated.map((row) => [row.id, row.outcome]));
      const settled: Settled[] = [];
      const bodies: string[] = [];
      const timestamp = new Date().toISOString();
      for (const entry of decided) {
        const outcome = outcomes.get(entry.webhook.id);
        if (!outcome) continue;
        const slug = integrations.get(entry.webhook.integrationId)?.slug ?? 'unknown';
        if (outcome === 'DUPLICATE') {
          settled.push({ webhook: entry.webhook, slug, outcome, connections: [] });
          continue;
        }
        settled.push({ webhook: entry.webhook, slug, outcome, connections: entry.connections });
        bodies.push(messageBodyOf(entry.webhook, slug, entry.connections, timestamp));
      }
      // The messages commit with the outcomes, in one statement.
      await enqueueMessages(tx, 'provider.webhook', bodies);
      return settled;
    });

  async function runOnce(): Promise<number> {
    let settled: Settled[];
    try {
      settled = await round();
    } catch (error) {
      // Another instance forwarded a copy of one of these events in the same moment (the unique dedupKey):
      // this round rolled back, and the next one finds the key taken and records DUPLICATE at once.
      if (!isUniqueViolation(error)) throw error;
      settled = await round();
    }
    for (const { webhook, slug, outcome, connections } of settled) {
      deps.events.emit('provider_webhook.recorded', { integrationSlug: slug, outcome });
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
  /** When the last round started (this process's clock), for the spacing of rounds. */
  let lastRoundAt = 0;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const nudge = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      const sinceLast = Date.now() - lastRoundAt;
      if (sinceLast < GATHER_MS) await sleep(GATHER_MS - sinceLast);
      do {
        again = false;
        // Receipts first: a round waits while acknowledgements wait for their INSERT (on the embedded
        // database they also go ahead of the round's statements, and a round's size is bounded by
        // PROVIDER_WEBHOOK_BATCH so a receipt arriving during one waits little).
        await deps.receiptsWritten?.();
        lastRoundAt = Date.now();
        const count = await runOnce();
        // A full round may have left more behind: the next one at once. Else webhooks that arrived
        // meanwhile (a nudge each) wait to be gathered.
        if (count >= batch) again = true;
        else if (again) await sleep(Math.max(0, GATHER_MS - (Date.now() - lastRoundAt)));
        else break;
        await new Promise((resolve) => setImmediate(resolve));
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

/**
 * The `provider-webhook-forwarding` job (PROVIDER_WEBHOOK_POLL_INTERVAL_MS; 0 leaves forwarding to
 * other instances). It also keeps the connections' routing keys in step with the routes (routing-keys.ts).
 */
export function providerWebhookForwardingJob(forwarder: ProviderWebhookForwarder, routingKeys: RoutingKeysKeeper, settings: ProviderWebhookSettings): Job {
  return {
    name: 'provider-webhook-forwarding',
    setting: 'PROVIDER_WEBHOOK_POLL_INTERVAL_MS',
    enabled: settings.pollIntervalMs > 0,
    start() {
      const timer = setInterval(() => forwarder.nudge(), settings.pollIntervalMs);
      timer.unref();
      forwarder.nudge();
      const keeping = routingKeys.start();
      return {
        async stop() {
          clearInterval(timer);
          await Promise.all([forwarder.stop(), keeping.stop()]);
        },
      };
    },
  };
}
