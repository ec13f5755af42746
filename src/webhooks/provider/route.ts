// The inbound route: POST {PROVIDER_WEBHOOK_BASE_URL}/webhooks/providers/{integration slug}. It answers
// within milliseconds: read the raw body (PROVIDER_WEBHOOK_MAX_BODY_BYTES), answer the URL handshakes,
// verify the signature as the catalog declares, store the webhook in one INSERT, acknowledge. Matching
// and forwarding happen afterwards from the database (forward.ts), so nothing is lost if the process
// dies right after answering. Refused ones are logged (outcome REJECTED, no payload) and get 401.
import { createHmac } from 'node:crypto';
import type http from 'node:http';
import { LRUCache } from 'lru-cache';
import type { ProviderWebhooksDeclaration } from '../../catalog/schema.js';
import type { Keyring } from '../../crypto/envelope.js';
import type { Database } from '../../db/database.js';
import type { ChangeFeed } from '../../domain/changes.js';
import type { DomainEventBus } from '../../domain/events.js';
import { revealClientSecret, revealProviderWebhookSecret, type Integration } from '../../domain/integrations.js';
import { newId } from '../../kernel/ids.js';
import type { Logger } from '../../kernel/log.js';
import { sendJson } from '../../kernel/respond.js';
import type { ProviderWebhookSettings } from '../settings.js';
import { PROVIDER_WEBHOOK_PREFIX, providerWebhooksOf } from './declaration.js';
import { firstValue, valuesAt } from './values.js';
import { verifyWebhook, type InboundWebhook } from './verify.js';
import { webhookRoutingKeys } from './webhook-keys.js';

export type ProviderWebhookOutcome = 'FORWARDED' | 'UNMATCHED' | 'REJECTED' | 'HANDSHAKE' | 'DUPLICATE';

/** Headers never kept or forwarded, whatever a declaration says: they carry signatures or credentials. */
const NEVER_KEPT = /^(authorization|cookie|proxy-authorization|x-api-key)$|signature|hmac|token/i;

interface CachedIntegration {
  integration: Integration;
  declaration: ProviderWebhooksDeclaration | undefined;
  /** Revealed once per cache entry (a decryption per webhook cost more than the rest of the check). */
  secrets: { providerWebhookSecret: string | undefined; clientSecret: string | undefined } | undefined;
}

/**
 * Reads the body up to `limit` bytes. Past it (a chunked body has no Content-Length to refuse it by),
 * nothing more is kept and 'too-large' comes back at once: the caller answers 413 on a connection that
 * is then closed, and what the client still sends is discarded as it arrives.
 */
function readRequestBody(req: http.IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData);
      req.off('end', onEnd);
      chunks.length = 0;
      req.resume();
      resolve('too-large');
    };
    const onEnd = () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', reject);
  });
}

export interface InboundDeps {
  db: Database;
  receipts: ProviderWebhookReceipts;
  keyring: Keyring;
  events: DomainEventBus;
  changes: ChangeFeed;
  settings: ProviderWebhookSettings;
  logger: Logger;
  /** A webhook was stored and waits for the forwarding job. */
  received(): void;
}

function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  const type = (contentType ?? '').toLowerCase();
  const text = raw.toString('utf8');
  if (type.includes('application/x-www-form-urlencoded')) {
    const form: Record<string, string | string[]> = {};
    for (const [key, value] of new URLSearchParams(text)) {
      const existing = form[key];
      form[key] = existing === undefined ? value : [existing, value].flat();
    }
    return form;
  }
  if (type.includes('json') || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

function sendText(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** A webhook to record: received (outcome null, for the forwarding job) or settled at once (refused, a handshake). */
export interface ReceivedRow {
  integration: Integration;
  outcome: ProviderWebhookOutcome | null;
  eventType: string | null;
  providerEventId: string | null;
  headers: Record<string, string>;
  payload: unknown;
  /** Its routing keys (webhook-keys.ts); none for one settled at once. */
  routingKeys?: string[];
}

/**
 * The receipts of a batch in one statement, outside Prisma (its planning was a good part of an
 * acknowledgement) and ahead of background statements on the embedded database (Database.executeFirst).
 */
const RECEIPT_INSERT = `
  INSERT INTO "ProviderWebhook" ("id", "integrationId", "outcome", "eventType", "providerEventId", "headers", "payload", "routingKeys", "forwardedAt")
  SELECT v."id", v."integrationId", v."outcome", v."eventType", v."providerEventId", v."headers", nullif(v."payload", 'null'::jsonb), v."routingKeys", v."forwardedAt"
  FROM jsonb_to_recordset($1::jsonb)
    AS v("id" text, "integrationId" text, "outcome" text, "eventType" text, "providerEventId" text, "headers" jsonb, "payload" jsonb,
      "routingKeys" text[], "forwardedAt" timestamp(3))`;

/** Rows one receipt INSERT writes at most. */
const RECEIPT_BATCH_MAX = 500;

export type ProviderWebhookReceipts = ReturnType<typeof createProviderWebhookReceipts>;

/**
 * Group commit of receipts: webhooks that arrive while an INSERT runs are written together by the next
 * one (one statement for many), each request answered only once its row is in the database.
 */
export function createProviderWebhookReceipts(db: Database) {
  let queued: Array<{ row: ReceivedRow; done: (error?: unknown) => void; alone?: boolean }> = [];
  let writing: Promise<void> | undefined;
  const writeQueued = async () => {
    while (queued.length) {
      const batch = queued.slice(0, queued[0]!.alone ? 1 : RECEIPT_BATCH_MAX);
      queued = queued.slice(batch.length);
      const now = new Date().toISOString();
      const rows = JSON.stringify(
        batch.map(({ row }) => ({
          id: newId(),
          integrationId: row.integration.id,
          outcome: row.outcome,
          eventType: row.eventType,
          providerEventId: row.providerEventId,
          headers: row.headers,
          payload: row.payload ?? null,
          routingKeys: row.routingKeys ?? [],
          forwardedAt: row.outcome ? now : null,
        })),
      );
      try {
        await db.executeFirst(RECEIPT_INSERT, [rows]);
        for (const entry of batch) entry.done();
      } catch (error) {
        // One row the database refuses (a payload it cannot store) must not fail the others: each alone.
        if (batch.length === 1) batch[0]!.done(error);
        else queued.unshift(...batch.map((entry) => ({ ...entry, alone: true })));
      }
    }
  };
  return {
    /** Resolves once the row is in the database. */
    write(row: ReceivedRow): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        queued.push({ row, done: (error) => (error ? reject(error) : resolve()) });
        writing ??= new Promise<void>((resolveTick) => setImmediate(resolveTick)).then(writeQueued).finally(() => {
          writing = undefined;
        });
      });
    },
    /** Resolves once nothing waits to be written (forwarding rounds give way to receipts). */
    async written(): Promise<void> {
      while (writing) await writing;
    },
  };
}

/** PostgreSQL's refusal of text it cannot hold: \u0000 in a jsonb value (22P05, untranslatable_character). */
const isUnstorableText = (error: unknown) => (error as { code?: unknown } | null)?.code === '22P05';

/** The `provider_webhooks` route's handler. */
export function providerWebhookHandler(deps: InboundDeps) {
  const { db, logger } = deps;
  // Integrations by slug for a few seconds (a busy provider sends many a second); dropped when one changes.
  const cache = new LRUCache<string, CachedIntegration | false>({ max: 1000, ttl: 5_000 });
  deps.changes.onIntegration(() => cache.clear());

  const integrationBySlug = async (slug: string): Promise<CachedIntegration | undefined> => {
    const cached = cache.get(slug);
    if (cached !== undefined) return cached || undefined;
    const integration = await db.prisma.integration.findUnique({ where: { slug } });
    const entry = integration ? { integration, declaration: providerWebhooksOf(integration), secrets: undefined } : false;
    cache.set(slug, entry);
    return entry || undefined;
  };

  const store = async (row: ReceivedRow) => {
    await deps.receipts.write(row);
    if (row.outcome) deps.events.emit('provider_webhook.recorded', { integrationSlug: row.integration.slug, outcome: row.outcome });
  };

  return async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    const slug = decodeURIComponent(url.pathname.slice(PROVIDER_WEBHOOK_PREFIX.length));
    const found = /^[a-z0-9][a-z0-9_-]{0,62}$/.test(slug) ? await integrationBySlug(slug) : undefined;
    if (!found?.declaration) return sendJson(res, 404, { error: 'NOT_FOUND', message: 'No integration receives provider webhooks here.' });
    const { integration, declaration } = found;

    // Dropbox checks the URL with a GET and a challenge to echo.
    if (req.method === 'GET' && declaration.handshake === 'dropbox' && url.searchParams.has('challenge')) {
      await store({ integration, outcome: 'HANDSHAKE', eventType: 'challenge', providerEventId: null, headers: {}, payload: null });
      return sendText(res, 200, url.searchParams.get('challenge')!.slice(0, 1024));
    }
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'METHOD_NOT_ALLOWED', message: 'Providers POST their webhooks here.' }, { allow: 'POST' });
    // Microsoft Graph checks a subscription's notificationUrl by a POST with validationToken, unsigned: echo it.
    if (declaration.handshake === 'microsoftGraph' && url.searchParams.has('validationToken')) {
      req.resume();
      await store({ integration, outcome: 'HANDSHAKE', eventType: 'validation', providerEventId: null, headers: {}, payload: null });
      return sendText(res, 200, url.searchParams.get('validationToken')!.slice(0, 1024));
    }

    const limit = deps.settings.maxBodyBytes;
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      req.resume();
      return sendJson(res, 413, { error: 'PAYLOAD_TOO_LARGE', message: `The body exceeds ${limit} bytes.` }, { connection: 'close' });
    }
    const rawBody = await readRequestBody(req, limit);
    if (rawBody === 'too-large')
      return sendJson(res, 413, { error: 'PAYLOAD_TOO_LARGE', message: `The body exceeds ${limit} bytes.` }, { connection: 'close' });
    const body = parseBody(rawBody, req.headers['content-type']);
    const request: InboundWebhook = {
      method: req.method,
      url: `${deps.settings.baseUrl}${url.pathname}${url.search}`,
      headers: req.headers,
      rawBody,
      body,
    };
    const secrets = (found.secrets ??= {
      providerWebhookSecret: revealProviderWebhookSecret(deps.keyring, integration),
      clientSecret: declaration.verification.secret === 'clientSecret' ? revealClientSecret(deps.keyring, integration) : undefined,
    });
    const verdict = verifyWebhook(declaration.verification, request, secrets);
    if (!verdict.ok) {
      logger.warn({ integration: integration.slug, reason: verdict.reason }, 'provider webhook refused');
      await store({ integration, outcome: 'REJECTED', eventType: null, providerEventId: null, headers: {}, payload: null });
      return sendJson(res, 401, { error: 'REJECTED', message: 'The webhook signature is missing, wrong or too old.' });
    }

    // Handshakes that are signed like any event: answered once verified (Zoom's would otherwise be an HMAC oracle).
    const record = body as Record<string, unknown> | null;
    if (declaration.handshake === 'slack' && record?.type === 'url_verification' && typeof record.challenge === 'string') {
      await store({ integration, outcome: 'HANDSHAKE', eventType: 'url_verification', providerEventId: null, headers: {}, payload: null });
      return sendJson(res, 200, { challenge: record.challenge });
    }
    if (declaration.handshake === 'zoom' && record?.event === 'endpoint.url_validation') {
      const plainToken = valuesAt(request, 'payload.plainToken')[0] ?? '';
      const encryptedToken = createHmac('sha256', secrets.providerWebhookSecret!).update(plainToken).digest('hex');
      await store({ integration, outcome: 'HANDSHAKE', eventType: 'endpoint.url_validation', providerEventId: null, headers: {}, payload: null });
      return sendJson(res, 200, { plainToken, encryptedToken });
    }

    const headers: Record<string, string> = {};
    for (const name of declaration.forwardHeaders) {
      const value = req.headers[name.toLowerCase()];
      if (value !== undefined && !NEVER_KEPT.test(name)) headers[name.toLowerCase()] = [value].flat().join(', ').slice(0, 1000);
    }
    try {
      await store({
        integration,
        outcome: null,
        eventType: firstValue(request, declaration.eventType),
        providerEventId: firstValue(request, declaration.eventId),
        headers,
        payload: body,
        routingKeys: webhookRoutingKeys(declaration, { headers, payload: body }),
      });
    } catch (error) {
      if (!isUnstorableText(error)) throw error;
      logger.warn({ integration: integration.slug }, 'provider webhook not recorded: its payload holds \\u0000, which PostgreSQL cannot store');
      return sendJson(res, 422, {
        error: 'PAYLOAD_NOT_STORABLE',
        message: 'The payload holds a \\u0000 character, which PostgreSQL cannot store in JSON; nothing was recorded.',
      });
    }
    deps.received();
    sendJson(res, 200, { ok: true });
  };
}
