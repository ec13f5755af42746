// The forwarding round (forward.ts): one statement claims received webhooks, matches their routing keys
// to connections, marks copies DUPLICATE and writes the outcomes with the outbox's messages. Run here
// directly on the test file's database (embedded or PostgreSQL), with rows as the inbound route stores them.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { describe, expect, it } from 'vitest';
import { SHARED_OWNER_KEY } from '../src/domain/access.js';
import type { DomainEvents } from '../src/domain/events.js';
import { routingKeysOf } from '../src/domain/webhook-routing.js';
import { EventBus } from '../src/kernel/event-bus.js';
import { newId } from '../src/kernel/ids.js';
import { createProviderWebhookForwarder } from '../src/webhooks/provider/forward.js';
import { providerWebhooksOf } from '../src/webhooks/provider/declaration.js';
import { webhookRoutingKeys } from '../src/webhooks/provider/webhook-keys.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { database, prisma, testLogger } from './helpers/database.js';

const settings = { baseUrl: 'https://hooks.example.com', maxBodyBytes: 1_048_576, pollIntervalMs: 0, batch: 100 };

describe('provider webhook forwarding round', () => {
  const events = new EventBus<DomainEvents>(() => {});
  const forwarded: Array<DomainEvents['provider_webhook.forwarded']> = [];
  events.on('provider_webhook.forwarded', (event) => void forwarded.push(event));
  const forwarder = createProviderWebhookForwarder({ db: database, events, settings, logger: testLogger });

  async function slackIntegration() {
    return prisma.integration.create({
      data: { id: newId(), slug: uniqueSlug('slack'), name: 'Slack', provider: 'slack', scopes: [], settings: { template: 'slack' } },
    });
  }
  async function connection(integration: { id: string; settings: unknown }, ownerId: string, metadata: Record<string, unknown>, extra: object = {}) {
    return prisma.connection.create({
      data: {
        id: newId(),
        integrationId: integration.id,
        ownerId,
        ownerKey: ownerId || SHARED_OWNER_KEY,
        name: `c-${newId()}`,
        scopes: [],
        metadata: metadata as object,
        routingKeys: routingKeysOf(integration as never, metadata),
        ...extra,
      },
    });
  }
  /** A webhook as the inbound route stores it: received, its routing keys read at receipt. */
  async function received(integration: { id: string; settings: unknown }, payload: { team_id: string; event_id?: string }, keys = true) {
    const row = await prisma.providerWebhook.create({
      data: {
        id: newId(),
        integrationId: integration.id,
        eventType: 'message',
        providerEventId: payload.event_id ?? null,
        headers: { 'x-slack-retry-num': '1' },
        payload,
        ...(keys ? { routingKeys: webhookRoutingKeys(providerWebhooksOf(integration as never), { headers: {}, payload }) } : {}),
      },
    });
    return row;
  }
  async function endpoint(eventTypes: string[]) {
    return prisma.webhookEndpoint.create({ data: { id: newId(), url: `http://127.0.0.1:9/${newId()}`, eventTypes, secretEnc: 'unused-here' } });
  }
  const settle = async () => {
    while ((await forwarder.runOnce()) > 0);
  };

  it('matches two connections, leaves an unmatched one without, marks copies DUPLICATE, and writes one message per endpoint wanting it', async () => {
    const wants = await endpoint(['provider.webhook']);
    const wantsAll = await endpoint([]);
    const other = await endpoint(['connection.created']);
    const integration = await slackIntegration();
    const alice = await connection(integration, 'alice', { team_id: 'T-TWO' });
    const bob = await connection(integration, 'bob', { team_id: 'T-TWO' }, { tags: { team: 'blue' } });
    await connection(integration, 'dora', { team_id: 'T-TWO' }, { status: 'DISCONNECTED' });
    const eventId = `Ev-${newId()}`;
    const first = await received(integration, { team_id: 'T-TWO', event_id: eventId });
    const copy = await received(integration, { team_id: 'T-TWO', event_id: eventId });
    const unmatched = await received(integration, { team_id: 'T-NONE' });
    await settle();
    const later = await received(integration, { team_id: 'T-TWO', event_id: eventId });
    await settle();

    const rows = new Map((await prisma.providerWebhook.findMany({ where: { integrationId: integration.id } })).map((row) => [row.id, row]));
    expect(rows.get(first.id)).toMatchObject({
      outcome: 'FORWARDED',
      connectionIds: [alice.id, bob.id].sort(),
      dedupKey: `${integration.id}:${eventId}`,
      attempts: 1,
    });
    expect(rows.get(copy.id), 'a copy in the same round').toMatchObject({ outcome: 'DUPLICATE', connectionIds: [], dedupKey: null });
    expect(rows.get(later.id), 'a copy in a later round').toMatchObject({ outcome: 'DUPLICATE', connectionIds: [] });
    expect(rows.get(unmatched.id)).toMatchObject({ outcome: 'UNMATCHED', connectionIds: [] });

    const deliveries = await prisma.webhookDelivery.findMany({ where: { endpointId: { in: [wants.id, wantsAll.id, other.id] } } });
    expect(deliveries.filter((delivery) => delivery.endpointId === other.id)).toEqual([]);
    expect(deliveries).toHaveLength(4);
    for (const delivery of deliveries) {
      expect(delivery).toMatchObject({ eventType: 'provider.webhook', status: 'PENDING', attempts: 0 });
      expect(delivery.messageId).toMatch(/^msg_[0-9a-f]{32}$/);
      expect(delivery.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
    expect(new Set(deliveries.map((delivery) => delivery.id)).size).toBe(4);
    const byMessage = new Map<string, typeof deliveries>();
    for (const delivery of deliveries) byMessage.set(delivery.messageId, [...(byMessage.get(delivery.messageId) ?? []), delivery]);
    expect(byMessage.size, 'one message per forwarded webhook, the same id for every endpoint').toBe(2);
    for (const copies of byMessage.values()) expect(new Set(copies.map((delivery) => delivery.body)).size).toBe(1);

    const bodies = [...byMessage.values()].map((copies) => JSON.parse(copies[0]!.body));
    const matched = bodies.find((body) => body.data.providerEventId === eventId);
    expect(matched).toEqual({
      type: 'provider.webhook',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      data: {
        providerWebhookId: encodeGlobalID('ProviderWebhook', first.id),
        integration: integration.slug,
        eventType: 'message',
        providerEventId: eventId,
        receivedAt: first.receivedAt.toISOString(),
        connections: [alice, bob]
          .sort((a, b) => a.id.localeCompare(b.id))
          .map((connection) => ({ connectionId: encodeGlobalID('Connection', connection.id), ownerId: connection.ownerId, tags: connection.tags })),
        headers: { 'x-slack-retry-num': '1' },
        payload: { team_id: 'T-TWO', event_id: eventId },
      },
    });
    expect(Object.keys(matched), 'the envelope in the order of the contract').toEqual(['type', 'timestamp', 'data']);
    expect(bodies.find((body) => body.data.providerEventId === null).data).toMatchObject({
      providerWebhookId: encodeGlobalID('ProviderWebhook', unmatched.id),
      connections: [],
      payload: { team_id: 'T-NONE' },
    });
    expect(forwarded.find((event) => event.id === first.id)).toEqual({
      id: first.id,
      integrationId: integration.id,
      connections: expect.arrayContaining([
        { id: alice.id, ownerKey: 'alice' },
        { id: bob.id, ownerKey: 'bob' },
      ]),
    });
    expect(forwarded.some((event) => event.id === copy.id || event.id === later.id)).toBe(false);
  });

  it('a round that fails midway leaves its webhooks received, with no message; the next round forwards each once', async () => {
    const wants = await endpoint(['provider.webhook']);
    const integration = await slackIntegration();
    await connection(integration, 'erin', { team_id: 'T-CRASH' });
    const webhooks = [await received(integration, { team_id: 'T-CRASH', event_id: `Ev-${newId()}` }), await received(integration, { team_id: 'T-CRASH' })];
    // The database refuses the round's outbox rows: the statement fails after claiming, matching and settling.
    const trigger = `refuse_${newId().replaceAll('-', '').slice(0, 12)}`;
    await prisma.$executeRawUnsafe(`CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$`);
    await prisma.$executeRawUnsafe(`CREATE TRIGGER ${trigger} BEFORE INSERT ON "WebhookDelivery" FOR EACH ROW EXECUTE FUNCTION ${trigger}()`);
    try {
      await expect(forwarder.runOnce()).rejects.toThrow(/refused by the test/);
    } finally {
      await prisma.$executeRawUnsafe(`DROP TRIGGER ${trigger} ON "WebhookDelivery"`);
      await prisma.$executeRawUnsafe(`DROP FUNCTION ${trigger}()`);
    }
    const left = await prisma.providerWebhook.findMany({ where: { id: { in: webhooks.map((webhook) => webhook.id) } } });
    expect(left.map((row) => ({ outcome: row.outcome, attempts: row.attempts, dedupKey: row.dedupKey }))).toEqual([
      { outcome: null, attempts: 0, dedupKey: null },
      { outcome: null, attempts: 0, dedupKey: null },
    ]);
    expect(await prisma.webhookDelivery.count({ where: { endpointId: wants.id } })).toBe(0);

    await settle();
    const settled = await prisma.providerWebhook.findMany({ where: { id: { in: webhooks.map((webhook) => webhook.id) } } });
    expect(settled.map((row) => row.outcome)).toEqual(['FORWARDED', 'FORWARDED']);
    expect(settled.map((row) => row.attempts)).toEqual([1, 1]);
    expect(await prisma.webhookDelivery.count({ where: { endpointId: wants.id } })).toBe(2);
    await settle();
    expect(await prisma.webhookDelivery.count({ where: { endpointId: wants.id } }), 'nothing forwarded twice').toBe(2);
  });

  it('a webhook stored without routing keys (by an instance of the previous version) waits for them, then routes', async () => {
    const integration = await slackIntegration();
    const frank = await connection(integration, 'frank', { team_id: 'T-OLD' });
    const old = await received(integration, { team_id: 'T-OLD' }, false);
    await settle();
    expect((await prisma.providerWebhook.findUniqueOrThrow({ where: { id: old.id } })).outcome, 'not forwarded as unmatched').toBeNull();
    expect(await forwarder.keyMissing()).toBe(1);
    await settle();
    expect(await prisma.providerWebhook.findUniqueOrThrow({ where: { id: old.id } })).toMatchObject({ outcome: 'FORWARDED', connectionIds: [frank.id] });
  });
});
