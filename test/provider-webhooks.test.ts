// Provider webhooks: each provider's signature scheme checked against a fake that signs as the
// provider documents (GitHub's published example vector), handshakes, replays with an old timestamp,
// bodies changed after signing; routing to connections, forwarding through the outbox as
// provider.webhook, DUPLICATE, UNMATCHED, the log query, the subscription and the metric.
import { createHmac, randomBytes } from 'node:crypto';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { verifyWebhook } from '../src/webhooks/provider/verify.js';
import { webhookVerificationSchema } from '../src/catalog/schema.js';
import { providerTemplate } from '../src/catalog/index.js';
import { newId } from '../src/kernel/ids.js';
import { SHARED_OWNER_KEY } from '../src/domain/access.js';
import { routingKeysOf } from '../src/domain/webhook-routing.js';
import { openDatabase } from '../src/db/database.js';
import { loadConfig } from '../src/config.js';
import { EventBus } from '../src/kernel/event-bus.js';
import type { DomainEvents } from '../src/domain/events.js';
import { createProviderWebhookForwarder } from '../src/webhooks/provider/forward.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { prisma, testLogger } from './helpers/database.js';
import { adminHeaders, graphql, startTestServer, userHeaders } from './helpers/server.js';
import { startUpstream, type RecordedRequest } from './helpers/upstream.js';

const BASE = 'https://hooks.example.com';
const SECRET = 'provider-signing-secret-0123456789';
const CLIENT_SECRET = 'client-secret-of-the-app';
const now = () => Math.floor(Date.now() / 1000);
const hmac = (algorithm: string, key: string | Buffer, data: string | Buffer, encoding: 'hex' | 'base64' = 'hex') =>
  createHmac(algorithm, key).update(data).digest(encoding);

interface Signed {
  body: string;
  headers: Record<string, string>;
  query?: string;
  contentType?: string;
}

/** Each provider: how it signs (as its docs say), which secret it uses, a sample body. */
const PROVIDERS: Record<
  string,
  { secret: 'webhook' | 'client'; sign: (body: string, options: { at: number; url: string }) => Signed; body: string; contentType?: string }
> = {
  slack: {
    secret: 'webhook',
    body: JSON.stringify({ type: 'event_callback', team_id: 'T123', event_id: 'Ev1', event: { type: 'message', text: 'hi' } }),
    sign: (body, { at }) => ({
      body,
      headers: { 'x-slack-request-timestamp': String(at), 'x-slack-signature': `v0=${hmac('sha256', SECRET, `v0:${at}:${body}`)}` },
    }),
  },
  github: {
    secret: 'webhook',
    body: JSON.stringify({ action: 'opened', installation: { id: 42 } }),
    sign: (body) => ({
      body,
      headers: { 'x-hub-signature-256': `sha256=${hmac('sha256', SECRET, body)}`, 'x-github-event': 'issues', 'x-github-delivery': newId() },
    }),
  },
  stripe: {
    secret: 'webhook',
    body: JSON.stringify({ id: 'evt_1', type: 'customer.updated', account: 'acct_1' }),
    sign: (body, { at }) => ({ body, headers: { 'stripe-signature': `t=${at},v1=${hmac('sha256', SECRET, `${at}.${body}`)},v0=deadbeef` } }),
  },
  shopify: {
    secret: 'client',
    body: JSON.stringify({ id: 1, title: 'Shirt' }),
    sign: (body) => ({
      body,
      headers: {
        'x-shopify-hmac-sha256': hmac('sha256', CLIENT_SECRET, body, 'base64'),
        'x-shopify-shop-domain': 'acme.myshopify.com',
        'x-shopify-topic': 'products/update',
      },
    }),
  },
  hubspot: {
    secret: 'client',
    body: JSON.stringify([{ eventId: 7, subscriptionType: 'contact.creation', portalId: 99 }]),
    sign: (body, { at, url }) => {
      const ms = at * 1000;
      return {
        body,
        headers: { 'x-hubspot-request-timestamp': String(ms), 'x-hubspot-signature-v3': hmac('sha256', CLIENT_SECRET, `POST${url}${body}${ms}`, 'base64') },
      };
    },
  },
  linear: {
    secret: 'webhook',
    body: '',
    sign: (_body, { at }) => {
      const body = JSON.stringify({ type: 'Issue', action: 'create', organizationId: 'org1', webhookTimestamp: at * 1000 });
      return { body, headers: { 'linear-signature': hmac('sha256', SECRET, body), 'linear-delivery': newId() } };
    },
  },
  intercom: {
    secret: 'client',
    body: JSON.stringify({ type: 'notification_event', topic: 'conversation.user.created', id: 'notif_1', app_id: 'app1' }),
    sign: (body) => ({ body, headers: { 'x-hub-signature': `sha1=${hmac('sha1', CLIENT_SECRET, body)}` } }),
  },
  zoom: {
    secret: 'webhook',
    body: JSON.stringify({ event: 'meeting.started', payload: { account_id: 'zacc1' } }),
    sign: (body, { at }) => ({ body, headers: { 'x-zm-request-timestamp': String(at), 'x-zm-signature': `v0=${hmac('sha256', SECRET, `v0:${at}:${body}`)}` } }),
  },
  microsoft: {
    secret: 'webhook',
    body: '',
    // Graph repeats the subscription's clientState in every notification (no HMAC).
    sign: () => ({ body: JSON.stringify({ value: [{ clientState: SECRET, changeType: 'created', tenantId: 'contoso' }] }), headers: {} }),
  },
  twilio: {
    secret: 'webhook',
    body: '',
    contentType: 'application/x-www-form-urlencoded',
    // Twilio: the full URL, then each POST field sorted by name, name and value appended; HMAC-SHA1, base64.
    sign: (_body, { url }) => {
      const fields: Record<string, string> = { MessageSid: 'SM1', AccountSid: 'AC1', Body: 'Hello & bye', SmsStatus: 'received' };
      const data =
        url +
        Object.keys(fields)
          .sort()
          .map((key) => key + fields[key])
          .join('');
      return {
        body: new URLSearchParams(fields).toString(),
        contentType: 'application/x-www-form-urlencoded',
        headers: { 'x-twilio-signature': hmac('sha1', SECRET, data, 'base64') },
      };
    },
  },
  calendly: {
    secret: 'webhook',
    body: JSON.stringify({ event: 'invitee.created', created_by: 'https://api.calendly.com/users/U1', payload: {} }),
    sign: (body, { at }) => ({ body, headers: { 'calendly-webhook-signature': `t=${at},v1=${hmac('sha256', SECRET, `${at}.${body}`)}` } }),
  },
  dropbox: {
    secret: 'client',
    body: JSON.stringify({ list_folder: { accounts: ['dbid:A1'] }, delta: { users: [1] } }),
    sign: (body) => ({ body, headers: { 'x-dropbox-signature': hmac('sha256', CLIENT_SECRET, body) } }),
  },
};

describe('provider webhooks', async () => {
  const server = await startTestServer({
    providerWebhooks: { baseUrl: BASE, pollIntervalMs: 100 },
    webhooks: { pollIntervalMs: 100, retrySchedule: [1], timeoutMs: 2_000, allowPrivate: true },
  });
  const receiver = await startUpstream();

  async function createIntegration(provider: string, extra: Record<string, unknown> = {}) {
    const slug = uniqueSlug(provider);
    const answer = await graphql(
      server,
      `
        mutation ($input: CreateIntegrationInput!) {
          createIntegration(input: $input) {
            __typename
            ... on CreateIntegrationPayload {
              integration {
                slug
                providerWebhookUrl
                hasProviderWebhookSecret
              }
            }
            ... on Error {
              message
            }
          }
        }
      `,
      {
        input: {
          slug,
          provider,
          clientId: 'client-id',
          clientSecret: CLIENT_SECRET,
          ...(provider === 'twilio' ? { authType: 'BASIC', clientId: null, clientSecret: null } : {}),
          ...(provider === 'custom' ? { authType: 'API_KEY', clientId: null } : {}),
          providerWebhookSecret: SECRET,
          ...extra,
        },
      },
      adminHeaders,
    );
    expect(answer.data?.createIntegration.__typename, JSON.stringify(answer)).toBe('CreateIntegrationPayload');
    return answer.data.createIntegration.integration as { slug: string; providerWebhookUrl: string | null; hasProviderWebhookSecret: boolean };
  }

  const pathOf = (slug: string) => `/webhooks/providers/${slug}`;
  async function post(slug: string, signed: Signed, options: { query?: string; method?: string } = {}) {
    const response = await fetch(`${server.url}${pathOf(slug)}${options.query ?? ''}`, {
      method: options.method ?? 'POST',
      headers: { 'content-type': signed.contentType ?? 'application/json', ...signed.headers },
      body: options.method === 'GET' ? undefined : signed.body,
    });
    return { status: response.status, text: await response.text(), contentType: response.headers.get('content-type') };
  }

  describe('verification, per provider: a good signature is accepted, a bad one, a changed body and a stale timestamp get 401 REJECTED', () => {
    for (const [provider, spec] of Object.entries(PROVIDERS)) {
      it(provider, async () => {
        const integration = await createIntegration(provider);
        expect(integration.providerWebhookUrl).toBe(`${BASE}${pathOf(integration.slug)}`);
        expect(integration.hasProviderWebhookSecret).toBe(true);
        const url = `${BASE}${pathOf(integration.slug)}`;
        const good = spec.sign(spec.body, { at: now(), url });
        good.contentType ??= spec.contentType;
        expect((await post(integration.slug, good)).status).toBe(200);

        // Graph signs nothing: it repeats the clientState, so a changed body is one whose clientState is not the secret.
        const tampered =
          provider === 'microsoft'
            ? { ...good, body: good.body.replace(SECRET, `${SECRET}x`) }
            : { ...good, body: good.body.replace(/.$/, (last) => (last === '}' ? ' }' : `${last}x`)) };
        const refusal = await post(integration.slug, tampered);
        expect(refusal.status).toBe(401);
        expect(JSON.parse(refusal.text).error).toBe('REJECTED');

        const noSignature = { ...good, headers: Object.fromEntries(Object.entries(good.headers).filter(([name]) => !/signature|hmac/.test(name))) };
        if (provider === 'microsoft') noSignature.body = JSON.stringify({ value: [{ changeType: 'created' }] });
        expect((await post(integration.slug, noSignature)).status).toBe(401);

        const timestamped = ['slack', 'stripe', 'hubspot', 'linear', 'zoom', 'calendly'].includes(provider);
        if (timestamped) {
          const stale = spec.sign(spec.body, { at: now() - 3600, url });
          expect((await post(integration.slug, stale)).status, 'an hour-old timestamp is a replay').toBe(401);
        }
        const rows = await prisma.providerWebhook.findMany({ where: { integration: { slug: integration.slug } } });
        expect(rows.filter((row) => row.outcome === 'REJECTED').length).toBe(timestamped ? 3 : 2);
        expect(rows.filter((row) => row.outcome === 'REJECTED').every((row) => row.payload === null)).toBe(true);
      });
    }

    it("GitHub's published example vector verifies", () => {
      const verification = webhookVerificationSchema.parse(providerTemplate('github')!.providerWebhooks!.verification);
      const body = Buffer.from('Hello, World!');
      const request = {
        method: 'POST',
        url: BASE,
        rawBody: body,
        body: 'Hello, World!',
        headers: { 'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' },
      };
      expect(verifyWebhook(verification, request, { providerWebhookSecret: "It's a Secret to Everybody" })).toEqual({ ok: true });
      expect(verifyWebhook(verification, request, { providerWebhookSecret: 'another secret' }).ok).toBe(false);
    });

    it('Standard Webhooks (official library signs) and a generic HMAC with a named header, declared on a custom integration', async () => {
      const whsec = `whsec_${randomBytes(24).toString('base64')}`;
      const standard = await createIntegration('custom', {
        providerWebhookSecret: whsec,
        providerWebhooks: {
          verification: {
            header: 'webhook-signature',
            format: 'standard',
            encoding: 'base64',
            signed: '{id}.{timestamp}.{body}',
            idHeader: 'webhook-id',
            timestamp: { from: 'header:webhook-timestamp' },
            secretFormat: 'whsec',
          },
          eventType: ['type'],
          eventId: ['header:webhook-id'],
        },
      });
      const body = JSON.stringify({ type: 'thing.happened', data: {} });
      const id = `msg_${newId()}`;
      const signature = new Webhook(whsec).sign(id, new Date(), body);
      const headers = { 'webhook-id': id, 'webhook-timestamp': String(now()), 'webhook-signature': signature };
      expect((await post(standard.slug, { body, headers })).status).toBe(200);
      expect((await post(standard.slug, { body: `${body} `, headers })).status).toBe(401);
      const old = new Date(Date.now() - 3600_000);
      const staleHeaders = {
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(old.getTime() / 1000)),
        'webhook-signature': new Webhook(whsec).sign(id, old, body),
      };
      expect((await post(standard.slug, { body, headers: staleHeaders })).status).toBe(401);

      const generic = await createIntegration('custom', { providerWebhooks: { verification: { header: 'x-acme-signature', prefix: 'sha256=' } } });
      const genericBody = '{"hello":"world"}';
      expect((await post(generic.slug, { body: genericBody, headers: { 'x-acme-signature': `sha256=${hmac('sha256', SECRET, genericBody)}` } })).status).toBe(
        200,
      );
      expect((await post(generic.slug, { body: genericBody, headers: { 'x-acme-signature': `sha256=${hmac('sha256', 'wrong', genericBody)}` } })).status).toBe(
        401,
      );
    });

    it('an invalid declaration is a ValidationError, and an integration whose provider sends no webhooks has no URL (404 there)', async () => {
      const answer = await graphql(
        server,
        `
          mutation ($input: CreateIntegrationInput!) {
            createIntegration(input: $input) {
              __typename
              ... on ValidationError {
                fieldErrors {
                  field
                }
              }
            }
          }
        `,
        { input: { slug: uniqueSlug('bad'), provider: 'custom', authType: 'API_KEY', providerWebhooks: { verification: { kind: 'hmac' } } } },
        adminHeaders,
      );
      expect(answer.data.createIntegration.__typename).toBe('ValidationError');
      const none = await createIntegration('discord');
      expect(none.providerWebhookUrl).toBeNull();
      expect((await post(none.slug, { body: '{}', headers: {} })).status).toBe(404);
    });

    it('a body over PROVIDER_WEBHOOK_MAX_BODY_BYTES gets 413 and nothing is kept', async () => {
      const integration = await createIntegration('github');
      const body = JSON.stringify({ big: 'x'.repeat(1_100_000) });
      expect((await post(integration.slug, PROVIDERS.github!.sign(body, { at: now(), url: '' }))).status).toBe(413);
      expect(await prisma.providerWebhook.count({ where: { integration: { slug: integration.slug } } })).toBe(0);
    });

    it('a chunked body streamed past the limit gets a 413 answer, not a cut connection, and nothing is kept', async () => {
      const integration = await createIntegration('github');
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let sent = 0;
      // No Content-Length: the size shows only as the body streams in.
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= 2 * 1_048_576) return controller.close();
          sent += chunk.length;
          controller.enqueue(chunk);
        },
      });
      const response = await fetch(`${server.url}${pathOf(integration.slug)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=00' },
        body,
        duplex: 'half',
      } as RequestInit);
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({ error: 'PAYLOAD_TOO_LARGE' });
      expect(await prisma.providerWebhook.count({ where: { integration: { slug: integration.slug } } })).toBe(0);
    });
  });

  describe('handshakes', () => {
    it('Slack url_verification: the challenge is echoed once the request is verified', async () => {
      const integration = await createIntegration('slack');
      const body = JSON.stringify({ type: 'url_verification', challenge: 'chal-123', token: 'x' });
      const signed = PROVIDERS.slack!.sign(body, { at: now(), url: '' });
      const answer = await post(integration.slug, signed);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toEqual({ challenge: 'chal-123' });
      expect((await post(integration.slug, { ...signed, headers: { ...signed.headers, 'x-slack-signature': 'v0=00' } })).status).toBe(401);
      const rows = await prisma.providerWebhook.findMany({ where: { integration: { slug: integration.slug } } });
      expect(rows.map((row) => row.outcome).sort()).toEqual(['HANDSHAKE', 'REJECTED']);
    });

    it('Zoom endpoint.url_validation: encryptedToken is the HMAC of plainToken, only for a signed request', async () => {
      const integration = await createIntegration('zoom');
      const body = JSON.stringify({ event: 'endpoint.url_validation', payload: { plainToken: 'plain-1' } });
      const answer = await post(integration.slug, PROVIDERS.zoom!.sign(body, { at: now(), url: '' }));
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toEqual({ plainToken: 'plain-1', encryptedToken: hmac('sha256', SECRET, 'plain-1') });
      expect((await post(integration.slug, { body, headers: {} })).status, 'unsigned: no HMAC oracle').toBe(401);
    });

    it('Microsoft Graph validationToken is echoed as text/plain', async () => {
      const integration = await createIntegration('microsoft');
      const answer = await post(integration.slug, { body: '', headers: {} }, { query: '?validationToken=Validation%3A+Testing+client+application' });
      expect(answer.status).toBe(200);
      expect(answer.text).toBe('Validation: Testing client application');
      expect(answer.contentType).toMatch(/^text\/plain/);
    });

    it('Dropbox GET challenge is echoed as text/plain with nosniff', async () => {
      const integration = await createIntegration('dropbox');
      const response = await fetch(`${server.url}${pathOf(integration.slug)}?challenge=abc123`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('abc123');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    });
  });

  describe('routing and forwarding', () => {
    async function endpoint() {
      const path = `/app-${randomBytes(3).toString('hex')}`;
      receiver.routes.set(path, (_req, res) => void res.writeHead(204).end());
      const answer = await graphql(
        server,
        `
          mutation ($input: CreateWebhookEndpointInput!) {
            createWebhookEndpoint(input: $input) {
              ... on CreateWebhookEndpointPayload {
                webhookEndpoint {
                  id
                }
              }
            }
          }
        `,
        { input: { url: `${receiver.url}${path}`, eventTypes: ['PROVIDER_WEBHOOK'] } },
        adminHeaders,
      );
      const id = answer.data.createWebhookEndpoint.webhookEndpoint.id as string;
      onTestFinished(
        async () => void (await graphql(server, 'mutation ($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { __typename } }', { id }, adminHeaders)),
      );
      return path;
    }
    const received = (path: string) => receiver.requests.filter((request) => new URL(request.url, 'http://x').pathname === path);
    const bodyOf = (request: RecordedRequest) => JSON.parse(request.body.toString('utf8'));

    async function connection(integrationSlug: string, ownerId: string | null, metadata: Record<string, unknown>) {
      const integration = await prisma.integration.findUniqueOrThrow({ where: { slug: integrationSlug } });
      return prisma.connection.create({
        data: {
          id: newId(),
          integrationId: integration.id,
          ownerId,
          ownerKey: ownerId ?? SHARED_OWNER_KEY,
          name: `c-${newId()}`,
          scopes: [],
          metadata: metadata as object,
          // As the connect flows and updateConnection write them with the metadata.
          routingKeys: routingKeysOf(integration, metadata),
        },
      });
    }

    it('a Slack event for a workspace two users connected is forwarded once, with both connections and owners; a repeat is DUPLICATE', async () => {
      const path = await endpoint();
      const integration = await createIntegration('slack');
      const alice = await connection(integration.slug, 'alice', { team_id: 'T-TWO' });
      const bob = await connection(integration.slug, 'bob', { team_id: 'T-TWO' });
      await connection(integration.slug, 'carol', { team_id: 'T-OTHER' });
      const body = JSON.stringify({ type: 'event_callback', team_id: 'T-TWO', event_id: `Ev-${newId()}`, event: { type: 'message' } });
      expect((await post(integration.slug, PROVIDERS.slack!.sign(body, { at: now(), url: '' }))).status).toBe(200);
      expect((await post(integration.slug, PROVIDERS.slack!.sign(body, { at: now(), url: '' }))).status, 'Slack retries: acknowledged again').toBe(200);
      await vi.waitFor(() => expect(received(path).length).toBe(1), { timeout: 10_000, interval: 50 });
      const message = bodyOf(received(path)[0]!);
      expect(message.type).toBe('provider.webhook');
      expect(received(path)[0]!.headers['webhook-signature']).toMatch(/^v1,/);
      expect(message.data).toMatchObject({ integration: integration.slug, eventType: 'message', payload: JSON.parse(body) });
      expect(message.data.connections).toEqual(
        expect.arrayContaining([
          { connectionId: encodeGlobalID('Connection', alice.id), ownerId: 'alice', tags: {} },
          { connectionId: encodeGlobalID('Connection', bob.id), ownerId: 'bob', tags: {} },
        ]),
      );
      expect(message.data.connections).toHaveLength(2);
      await vi.waitFor(async () => {
        const rows = await prisma.providerWebhook.findMany({ where: { integration: { slug: integration.slug } }, orderBy: { id: 'asc' } });
        expect(rows.map((row) => row.outcome)).toEqual(['FORWARDED', 'DUPLICATE']);
      });
      // The delivery in the activity log: under the integration, about no one connection.
      await vi.waitFor(
        async () => {
          const operations = await prisma.operation.findMany({ where: { kind: 'WEBHOOK', integrationSlug: integration.slug } });
          expect(operations.map((operation) => [operation.outcome, operation.connectionId, operation.ownerId])).toEqual([['SUCCESS', null, null]]);
        },
        { timeout: 10_000, interval: 50 },
      );
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(received(path).length, 'the duplicate is not forwarded').toBe(1);
      expect(JSON.stringify(message)).not.toContain(SECRET);
    });

    it('a payload PostgreSQL cannot store (\\u0000) gets 422 PAYLOAD_NOT_STORABLE alone: webhooks written in the same batch are recorded and forwarded', async () => {
      const path = await endpoint();
      const integration = await createIntegration('slack');
      await connection(integration.slug, 'dana', { team_id: 'T-NUL' });
      const event = (text: string) => JSON.stringify({ type: 'event_callback', team_id: 'T-NUL', event_id: `Ev-${newId()}`, event: { type: 'message', text } });
      const bodies = [event('before'), event('nul \u0000 inside'), event('after'), event('last')];
      // Sent at once: the receipts go to the database together.
      const answers = await Promise.all(bodies.map((body) => post(integration.slug, PROVIDERS.slack!.sign(body, { at: now(), url: '' }))));
      expect(answers.map((answer) => answer.status)).toEqual([200, 422, 200, 200]);
      expect(JSON.parse(answers[1]!.text)).toMatchObject({ error: 'PAYLOAD_NOT_STORABLE' });
      await vi.waitFor(() => expect(received(path).length).toBe(3), { timeout: 10_000, interval: 50 });
      expect(
        received(path)
          .map((request) => bodyOf(request).data.payload.event.text)
          .sort(),
      ).toEqual(['after', 'before', 'last']);
      expect(await prisma.providerWebhook.count({ where: { integration: { slug: integration.slug } } })).toBe(3);
    });

    it('no matching connection: UNMATCHED, forwarded with no connection; Shopify routes by its shop-domain header', async () => {
      const path = await endpoint();
      const integration = await createIntegration('shopify');
      const shop = await connection(integration.slug, 'dana', { connectionConfig: { shop: 'acme' } });
      const first = PROVIDERS.shopify!.sign(JSON.stringify({ id: 1 }), { at: now(), url: '' });
      expect((await post(integration.slug, first)).status).toBe(200);
      const other = PROVIDERS.shopify!.sign(JSON.stringify({ id: 2 }), { at: now(), url: '' });
      other.headers['x-shopify-shop-domain'] = 'elsewhere.myshopify.com';
      expect((await post(integration.slug, other)).status).toBe(200);
      await vi.waitFor(() => expect(received(path).length).toBe(2), { timeout: 10_000, interval: 50 });
      const bodies = received(path).map(bodyOf);
      const matched = bodies.find((message) => message.data.payload.id === 1);
      const unmatched = bodies.find((message) => message.data.payload.id === 2);
      expect(matched.data.connections).toEqual([{ connectionId: encodeGlobalID('Connection', shop.id), ownerId: 'dana', tags: {} }]);
      expect(matched.data.headers['x-shopify-shop-domain']).toBe('acme.myshopify.com');
      expect(matched.data.headers['x-shopify-hmac-sha256']).toBeUndefined();
      expect(unmatched.data.connections).toEqual([]);
      const outcomes = await prisma.providerWebhook.findMany({ where: { integration: { slug: integration.slug } } });
      expect(outcomes.map((row) => row.outcome).sort()).toEqual(['FORWARDED', 'UNMATCHED']);
    });

    /** Subscribes to providerWebhookReceived over SSE as the user; the returned function reads up to the first event. */
    async function subscribeOverSse(baseUrl: string, userId: string) {
      const controller = new AbortController();
      onTestFinished(() => controller.abort());
      const stream = await fetch(`${baseUrl}/graphql`, {
        method: 'POST',
        signal: controller.signal,
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(await userHeaders(userId)) },
        body: JSON.stringify({ query: 'subscription { providerWebhookReceived { id eventType outcome connections { id } } }' }),
      });
      expect(stream.status).toBe(200);
      const reader = stream.body!.getReader();
      await new Promise((resolve) => setTimeout(resolve, 300));
      return async () => {
        let text = '';
        while (!text.includes('"providerWebhookReceived"')) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
        return text;
      };
    }

    it('routing reads the keys written with the metadata: updateConnection moves a connection to its new workspace', async () => {
      const integration = await createIntegration('slack');
      const moved = await connection(integration.slug, 'frank', { team_id: 'T-OLD' });
      const answer = await graphql(
        server,
        'mutation ($input: UpdateConnectionInput!) { updateConnection(input: $input) { __typename } }',
        { input: { connectionId: encodeGlobalID('Connection', moved.id), metadata: { team_id: 'T-NEW' } } },
        await userHeaders('frank'),
      );
      expect(answer.data.updateConnection.__typename).toBe('UpdateConnectionPayload');
      expect((await prisma.connection.findUniqueOrThrow({ where: { id: moved.id } })).routingKeys).toEqual(['metadata.team_id=T-NEW']);
      for (const team of ['T-OLD', 'T-NEW']) {
        const body = JSON.stringify({ type: 'event_callback', team_id: team, event_id: `Ev-${newId()}`, event: { type: 'message' } });
        expect((await post(integration.slug, PROVIDERS.slack!.sign(body, { at: now(), url: '' }))).status).toBe(200);
      }
      await vi.waitFor(
        async () => {
          const rows = await prisma.providerWebhook.findMany({ where: { integration: { slug: integration.slug } }, orderBy: { id: 'asc' } });
          expect(rows.map((row) => [row.outcome, row.connectionIds])).toEqual([
            ['UNMATCHED', []],
            ['FORWARDED', [moved.id]],
          ]);
        },
        { timeout: 10_000, interval: 100 },
      );
    });

    it('GitHub events route by installation.id; providerWebhooks lists them for the owner only; the subscription hears them; the metric counts them', async () => {
      const integration = await createIntegration('github');
      const erin = await connection(integration.slug, 'erin', { installationId: '4242' });
      // The subscription, over SSE: Erin hears webhooks matched to her connection.
      const firstEvent = await subscribeOverSse(server.url, 'erin');
      const body = JSON.stringify({ action: 'opened', installation: { id: 4242 } });
      expect((await post(integration.slug, PROVIDERS.github!.sign(body, { at: now(), url: '' }))).status).toBe(200);
      const text = await firstEvent();
      const event = JSON.parse(
        text
          .split('\n')
          .find((line) => line.startsWith('data:') && line.includes('providerWebhookReceived'))!
          .slice(5),
      );
      expect(event.data.providerWebhookReceived).toMatchObject({
        eventType: 'issues',
        outcome: 'FORWARDED',
        connections: [{ id: encodeGlobalID('Connection', erin.id) }],
      });

      const LIST = `query ($integration: String) { providerWebhooks(first: 10, integration: $integration) { totalCount edges { node { eventType providerEventId outcome payload connections { id } } } } }`;
      const mine = await graphql(server, LIST, { integration: integration.slug }, await userHeaders('erin'));
      expect(mine.data.providerWebhooks.totalCount).toBe(1);
      expect(mine.data.providerWebhooks.edges[0].node).toMatchObject({ eventType: 'issues', outcome: 'FORWARDED', payload: JSON.parse(body) });
      const theirs = await graphql(server, LIST, { integration: integration.slug }, await userHeaders('mallory'));
      expect(theirs.data.providerWebhooks.totalCount).toBe(0);
      const admin = await graphql(
        server,
        `
          ${LIST.replace('first: 10', 'first: 10, outcome: FORWARDED')}
        `,
        { integration: integration.slug },
        adminHeaders,
      );
      expect(admin.data.providerWebhooks.totalCount).toBe(1);

      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toContain(`switchboard_provider_webhooks_total{integration="${integration.slug}",outcome="FORWARDED"} 1`);
      expect(metrics).not.toContain(SECRET);
    });

    it("changing an integration's routes recomputes its connections' routing keys, and webhooks route by the new ones", async () => {
      const path = await endpoint();
      const declaration = (route: Array<{ from: string; to: string }>) => ({
        verification: { header: 'x-acme-signature', prefix: 'sha256=' },
        eventId: ['id'],
        route,
      });
      const integration = await createIntegration('custom', { providerWebhooks: declaration([{ from: 'account', to: 'metadata.account' }]) });
      const alice = await connection(integration.slug, 'alice', { account: 'A-1', workspace: 'W-1' });
      const bob = await connection(integration.slug, 'bob', { account: 'A-2' });
      expect(alice.routingKeys).toEqual(['metadata.account=A-1']);
      const answer = await graphql(
        server,
        'mutation ($input: UpdateIntegrationInput!) { updateIntegration(input: $input) { __typename } }',
        { input: { integration: integration.slug, providerWebhooks: declaration([{ from: 'workspace', to: 'metadata.workspace' }]) } },
        adminHeaders,
      );
      expect(answer.data.updateIntegration.__typename).toBe('UpdateIntegrationPayload');
      await vi.waitFor(
        async () => {
          const rows = await prisma.connection.findMany({ where: { id: { in: [alice.id, bob.id] } }, orderBy: { ownerId: 'asc' } });
          expect(rows.map((row) => row.routingKeys)).toEqual([['metadata.workspace=W-1'], []]);
          const stored = await prisma.integration.findUniqueOrThrow({ where: { slug: integration.slug } });
          expect(stored.routingKeysFor).toBe(JSON.stringify(['metadata.workspace']));
        },
        { timeout: 10_000, interval: 100 },
      );
      for (const body of [
        { id: `e-${newId()}`, workspace: 'W-1' },
        { id: `e-${newId()}`, account: 'A-1' },
      ].map((value) => JSON.stringify(value))) {
        const signed = { body, headers: { 'x-acme-signature': `sha256=${hmac('sha256', SECRET, body)}` } };
        expect((await post(integration.slug, signed)).status).toBe(200);
      }
      await vi.waitFor(() => expect(received(path).length).toBe(2), { timeout: 10_000, interval: 50 });
      const bodies = received(path).map(bodyOf);
      expect(bodies.find((message) => message.data.payload.workspace === 'W-1').data.connections).toEqual([
        { connectionId: encodeGlobalID('Connection', alice.id), ownerId: 'alice', tags: {} },
      ]);
      expect(bodies.find((message) => message.data.payload.account === 'A-1').data.connections, 'the old route no longer matches').toEqual([]);
    });

    it.skipIf(process.env.TEST_DATABASE !== 'postgresql')(
      'two instances forwarding the same received webhooks at once forward each event exactly once (PostgreSQL)',
      async () => {
        const path = await endpoint();
        const endpointRow = await prisma.webhookEndpoint.findFirstOrThrow({ where: { url: { endsWith: path } } });
        const integration = await createIntegration('slack');
        const stored = await prisma.integration.findUniqueOrThrow({ where: { slug: integration.slug } });
        await connection(integration.slug, 'gina', { team_id: 'T-RACE' });
        // Each event twice (a provider's retry), all received and waiting: two instances take them together.
        const events = Array.from({ length: 40 }, (_, index) => `Ev-race-${index}-${newId()}`);
        await prisma.providerWebhook.createMany({
          data: [...events, ...events].map((eventId) => ({
            id: newId(),
            integrationId: stored.id,
            eventType: 'message',
            providerEventId: eventId,
            payload: { type: 'event_callback', team_id: 'T-RACE', event_id: eventId },
            routingKeys: ['metadata.team_id=T-RACE'],
          })),
        });
        const settings = { ...server.config.providerWebhooks, batch: 7 };
        const instances = [
          openDatabase(loadConfig(process.env).database, { logger: testLogger }),
          openDatabase(loadConfig(process.env).database, { logger: testLogger }),
        ];
        onTestFinished(() => Promise.all(instances.map((db) => db.close())).then(() => undefined));
        const forwarders = instances.map((db) =>
          createProviderWebhookForwarder({ db, events: new EventBus<DomainEvents>(() => {}), settings, logger: testLogger }),
        );
        const pending = () => prisma.providerWebhook.count({ where: { integrationId: stored.id, outcome: null } });
        await Promise.all(
          forwarders.map(async (forwarder) => {
            while ((await pending()) > 0) await forwarder.runOnce();
          }),
        );
        const rows = await prisma.providerWebhook.findMany({ where: { integrationId: stored.id } });
        expect(rows.filter((row) => row.outcome === 'FORWARDED')).toHaveLength(events.length);
        expect(rows.filter((row) => row.outcome === 'DUPLICATE')).toHaveLength(events.length);
        expect(new Set(rows.filter((row) => row.outcome === 'FORWARDED').map((row) => row.providerEventId)).size).toBe(events.length);
        const messages = await prisma.webhookDelivery.findMany({ where: { endpointId: endpointRow.id }, select: { body: true } });
        const forwardedEvents = messages.map((message) => JSON.parse(message.body).data.providerEventId as string);
        expect(forwardedEvents.sort(), 'one message per event').toEqual([...events].sort());
        await vi.waitFor(() => expect(received(path).length).toBe(events.length), { timeout: 15_000, interval: 100 });
      },
      60_000,
    );

    it.skipIf(process.env.TEST_DATABASE !== 'postgresql' || !process.env.REDIS_URL)(
      'a subscriber on another instance hears a webhook this one forwarded (PostgreSQL and Redis shared)',
      async () => {
        // The other instance forwards nothing itself: what its subscriber hears came through Redis.
        const other = await startTestServer({ providerWebhooks: { baseUrl: BASE, pollIntervalMs: 0 } });
        onTestFinished(() => other.close());
        const integration = await createIntegration('github');
        const erin = await connection(integration.slug, 'erin-far', { installationId: '5151' });
        const firstEvent = await subscribeOverSse(other.url, 'erin-far');
        const body = JSON.stringify({ action: 'opened', installation: { id: 5151 } });
        expect((await post(integration.slug, PROVIDERS.github!.sign(body, { at: now(), url: '' }))).status).toBe(200);
        const text = await firstEvent();
        expect(text).toContain(encodeGlobalID('Connection', erin.id));
        expect(text).toContain('FORWARDED');
      },
      30_000,
    );
  });
});
