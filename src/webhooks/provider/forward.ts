// The job `provider-webhook-forwarding`: received webhooks (outcome null) are taken in rounds, each ONE
// SQL statement (ROUND below), so a round is atomic without a transaction held across statements: it
// claims a batch (rows locked FOR UPDATE SKIP LOCKED: instances take different ones, and a round that
// fails or dies leaves its rows received, free for the next), matches their routing keys (read at
// receipt) to connections' keys, marks copies of a provider event DUPLICATE, writes the outcomes and
// the outbox's `provider.webhook` messages (one delivery row per endpoint that wants them). A webhook
// is forwarded once or not at all.
import { newId } from '../../kernel/ids.js';
import { DATABASE_NOW } from '../../db/clock.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { Database } from '../../db/database.js';
import type { DomainEventBus } from '../../domain/events.js';
import type { Job } from '../../kernel/jobs.js';
import type { Logger } from '../../kernel/log.js';
import type { ProviderWebhookSettings } from '../settings.js';
import { providerWebhooksOf } from './declaration.js';
import type { ProviderWebhookOutcome } from './route.js';
import type { RoutingKeysKeeper } from './routing-keys.js';
import { webhookRoutingKeys } from './webhook-keys.js';

/**
 * Rounds start at least this far apart, so that webhooks arriving together are forwarded together (the
 * delivery worker claims once per round). A nudge when no round ran for this long starts one at once
 * (the first webhook after a quiet spell is not held back). Well within the app's patience.
 */
const GATHER_MS = 100;

/** How often webhooks received without routing keys (by an instance of the previous version) get theirs. */
const KEYLESS_CHECK_MS = 60_000;

/** A settled webhook, as the round's statement returns it. */
interface SettledRow {
  id: string;
  integrationId: string;
  slug: string;
  outcome: ProviderWebhookOutcome;
  connectionIds: string[];
  ownerKeys: string[];
}

/** The Relay global id, as encodeGlobalID writes it (base64 of "Type:id"; PostgreSQL breaks base64 lines at 76). */
const globalId = (type: string, column: string) => `replace(encode(convert_to('${type}:' || ${column}, 'UTF8'), 'base64'), E'\n', '')`;
/** A value as JSON text (null for SQL NULL). */
const json = (expression: string) => `coalesce(to_json(${expression})::text, 'null')`;
/** A UTC timestamp column as JavaScript's toISOString() writes it. */
const isoTime = (expression: string) => `to_json(to_char(${expression}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text`;

/**
 * The `provider.webhook` message as the app receives it, built by the database: the keys in this
 * order; headers, payload and tags as the database holds them (jsonb: their keys in its order, the
 * same order main's JSON.stringify of them read back gave; ", " and ": " between items).
 */
const MESSAGE_BODY = `'{"type":"provider.webhook","timestamp":' || ${isoTime(DATABASE_NOW.sql)} ||
  ',"data":{"providerWebhookId":' || to_json(${globalId('ProviderWebhook', 'm."id"')})::text ||
  ',"integration":' || to_json(m."slug")::text ||
  ',"eventType":' || ${json('m."eventType"')} ||
  ',"providerEventId":' || ${json('m."providerEventId"')} ||
  ',"receivedAt":' || ${isoTime('m."receivedAt"')} ||
  ',"connections":' || m."connectionsJson" ||
  ',"headers":' || m."headers"::text ||
  ',"payload":' || coalesce(m."payload"::text, 'null') || '}}'`;

/** One forwarded connection in the message: its global id, owner and tags (`{}` when none were set). */
const CONNECTION_JSON = `'{"connectionId":' || to_json(${globalId('Connection', 'c."id"')})::text ||
  ',"ownerId":' || ${json('c."ownerId"')} || ',"tags":' || coalesce(c."tags"::text, '{}') || '}'`;

/**
 * One forwarding round. Ids stay time-ordered UUIDv7s: one fresh id per round for the messages and one
 * for the deliveries, whose last 32 random bits are replaced by the row's number.
 */
function roundStatement(batch: number): Prisma.Sql {
  return Prisma.sql`
    WITH locked AS (
      SELECT w."id", w."integrationId", w."receivedAt", w."eventType", w."providerEventId", w."headers", w."payload", w."routingKeys"
      FROM "ProviderWebhook" w
      WHERE w."outcome" IS NULL AND w."routingKeys" IS NOT NULL
      ORDER BY w."receivedAt", w."id"
      LIMIT ${batch}::int
      FOR UPDATE SKIP LOCKED
    ), ranked AS (
      -- In arrival order: of two copies of an event, the first received is the one forwarded.
      SELECT l.*, i."slug",
        row_number() OVER (ORDER BY l."receivedAt", l."id") AS "n",
        CASE WHEN l."providerEventId" IS NOT NULL THEN l."integrationId" || ':' || l."providerEventId" END AS "key",
        row_number() OVER (PARTITION BY l."integrationId", l."providerEventId" ORDER BY l."receivedAt", l."id") AS "copy"
      FROM locked l JOIN "Integration" i ON i."id" = l."integrationId"
    ), decided AS (
      -- A copy within the batch, or of an event forwarded before (its key taken). One forwarded by another
      -- instance in the same moment fails this statement on the unique key: the retry finds it taken.
      SELECT r.*, (r."key" IS NOT NULL AND (r."copy" > 1 OR EXISTS (SELECT 1 FROM "ProviderWebhook" t WHERE t."dedupKey" = r."key"))) AS "duplicate"
      FROM ranked r
    ), matched AS (
      SELECT d.*, coalesce(m."ids", '{}') AS "connectionIds", coalesce(m."ownerKeys", '{}') AS "ownerKeys", coalesce(m."json", '[]') AS "connectionsJson"
      FROM decided d
      LEFT JOIN LATERAL (
        SELECT array_agg(c."id" ORDER BY c."id") AS "ids", array_agg(c."ownerKey" ORDER BY c."id") AS "ownerKeys",
          '[' || string_agg(${Prisma.raw(CONNECTION_JSON)}, ',' ORDER BY c."id") || ']' AS "json"
        FROM "Connection" c
        WHERE NOT d."duplicate" AND c."routingKeys" && d."routingKeys" AND c."integrationId" = d."integrationId" AND c."status" <> 'DISCONNECTED'
      ) m ON true
    ), settled AS (
      UPDATE "ProviderWebhook" w
      SET "outcome" = CASE WHEN m."duplicate" THEN 'DUPLICATE' WHEN cardinality(m."connectionIds") > 0 THEN 'FORWARDED' ELSE 'UNMATCHED' END,
        "connectionIds" = m."connectionIds",
        "dedupKey" = CASE WHEN m."duplicate" THEN NULL ELSE m."key" END,
        "forwardedAt" = ${DATABASE_NOW}, "attempts" = w."attempts" + 1
      FROM matched m
      WHERE w."id" = m."id"
      RETURNING w."id", w."outcome"
    ), messages AS (
      SELECT m."n", 'msg_' || replace(overlay(${newId()}::text placing lpad(to_hex(m."n"), 8, '0') from 29 for 8), '-', '') AS "messageId",
        ${Prisma.raw(MESSAGE_BODY)} AS "body"
      FROM matched m
      WHERE NOT m."duplicate"
    ), delivered AS (
      INSERT INTO "WebhookDelivery" ("id", "endpointId", "messageId", "eventType", "body", "nextAttemptAt", "createdAt", "updatedAt")
      SELECT overlay(${newId()}::text placing lpad(to_hex(row_number() OVER (ORDER BY msg."n", e."id")), 8, '0') from 29 for 8),
        e."id", msg."messageId", 'provider.webhook', msg."body", ${DATABASE_NOW}, ${DATABASE_NOW}, ${DATABASE_NOW}
      FROM messages msg CROSS JOIN "WebhookEndpoint" e
      WHERE e."enabled" AND (cardinality(e."eventTypes") = 0 OR 'provider.webhook' = ANY(e."eventTypes"))
      RETURNING 1
    )
    SELECT m."id", m."integrationId", m."slug", s."outcome", m."connectionIds", m."ownerKeys"
    FROM matched m JOIN settled s ON s."id" = m."id"
    ORDER BY m."n"`;
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
  /** Computes the routing keys of received webhooks stored without them; resolves with how many. */
  keyMissing(): Promise<number>;
  /** keyMissing() in the background, then a round for those it keyed. */
  keyMissingSoon(): void;
  stop(): Promise<void>;
}

export function createProviderWebhookForwarder(deps: ForwarderDeps): ProviderWebhookForwarder {
  const { db, logger } = deps;
  const batch = deps.settings.batch;

  const round = () => db.prisma.$queryRaw<SettledRow[]>(roundStatement(batch));

  async function keyMissing(): Promise<number> {
    let keyed = 0;
    for (;;) {
      const rows = await db.prisma.$queryRaw<Array<{ id: string; integrationId: string; headers: Record<string, string>; payload: unknown }>>`
        SELECT "id", "integrationId", "headers", "payload" FROM "ProviderWebhook"
        WHERE "outcome" IS NULL AND "routingKeys" IS NULL ORDER BY "receivedAt", "id" LIMIT 500`;
      if (!rows.length) return keyed;
      const integrations = await db.prisma.integration.findMany({ where: { id: { in: [...new Set(rows.map((row) => row.integrationId))] } } });
      const declarations = new Map(integrations.map((integration) => [integration.id, providerWebhooksOf(integration)]));
      const keys = rows.map((row) => ({ id: row.id, keys: webhookRoutingKeys(declarations.get(row.integrationId), row) }));
      keyed += await db.prisma.$executeRaw`
        UPDATE "ProviderWebhook" w SET "routingKeys" = v."keys"
        FROM jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) AS v("id" text, "keys" text[])
        WHERE w."id" = v."id" AND w."routingKeys" IS NULL`;
      if (rows.length < 500) return keyed;
    }
  }

  async function runOnce(): Promise<number> {
    let settled: SettledRow[];
    try {
      settled = await round();
    } catch (error) {
      // Another instance forwarded a copy of one of these events in the same moment (the unique dedupKey):
      // this round rolled back, and the next one finds the key taken and records DUPLICATE at once.
      if (!isUniqueViolation(error)) throw error;
      settled = await round();
    }
    for (const { id, integrationId, slug, outcome, connectionIds, ownerKeys } of settled) {
      deps.events.emit('provider_webhook.recorded', { integrationSlug: slug, outcome });
      if (outcome !== 'DUPLICATE') {
        deps.events.emit('provider_webhook.forwarded', {
          id,
          integrationId,
          connections: connectionIds.map((connectionId, index) => ({ id: connectionId, ownerKey: ownerKeys[index]! })),
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
        // database they also go ahead of queued statements, and a round's size is bounded by
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
    keyMissing,
    keyMissingSoon() {
      keyMissing()
        .then((count) => void (count && nudge()))
        .catch((error: unknown) => logger.warn({ err: error }, 'routing keys of received provider webhooks not computed'));
    },
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
      // Webhooks an instance of the previous version received (no routing keys) wait for theirs.
      const keyless = setInterval(() => forwarder.keyMissingSoon(), KEYLESS_CHECK_MS);
      keyless.unref();
      forwarder.keyMissingSoon();
      forwarder.nudge();
      const keeping = routingKeys.start();
      return {
        async stop() {
          clearInterval(timer);
          clearInterval(keyless);
          await Promise.all([forwarder.stop(), keeping.stop()]);
        },
      };
    },
  };
}
