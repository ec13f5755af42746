// The webhook outbox and the delivery leases, at the database level: a message commits or rolls
// back with its change, a claim belongs to one owner until its lease expires, per-endpoint limits,
// automatic disabling, and the delivery log's retention.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { describe, expect, it, onTestFinished } from 'vitest';
import { config } from '../src/config.js';
import { prisma } from '../src/db/client.js';
import { newId } from '../src/domain/ids.js';
import type { ConnectionStatusEvent } from '../src/events.js';
import { runRefreshSweep } from '../src/tokens/scheduler.js';
import { createWebhookEndpoint } from '../src/webhooks/endpoints.js';
import { enqueueConnectionEvent } from '../src/webhooks/outbox.js';
import { claimDueDeliveries, finishAttempt } from '../src/webhooks/worker.js';

describe('webhook outbox and leases', () => {
  const event = (connectionId: string): ConnectionStatusEvent => ({
    connectionId,
    integrationId: 'integration',
    integrationSlug: 'acme',
    connectionName: 'default',
    ownerId: 'u1',
    status: 'HEALTHY',
    previousStatus: null,
    reason: 'connected',
    sequence: 1,
    at: new Date().toISOString(),
  });

  async function endpointRow() {
    const { endpoint } = await createWebhookEndpoint({ url: 'https://hooks.example.com/outbox' });
    onTestFinished(() => prisma.webhookEndpoint.deleteMany({ where: { id: endpoint.id } }).then(() => undefined));
    return endpoint;
  }

  it('writes the message with the change it reports, and nothing when that change rolls back', async () => {
    const endpoint = await endpointRow();
    const committed = newId();
    await prisma.$transaction(async (tx) => {
      await enqueueConnectionEvent(tx, event(committed));
    });
    const rolledBack = newId();
    await expect(
      prisma.$transaction(async (tx) => {
        await enqueueConnectionEvent(tx, event(rolledBack));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const bodies = (await prisma.webhookDelivery.findMany({ where: { endpointId: endpoint.id } })).map((row) => row.body);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toContain(encodeGlobalID('Connection', committed));
  });

  it('gives a claimed delivery to one owner; after its lease expires (a crash) another owner retries it, and the first cannot record', async () => {
    const endpoint = await endpointRow();
    await prisma.$transaction((tx) => enqueueConnectionEvent(tx, event(newId())));
    const claim = (owner: string, leaseMs: number) =>
      claimDueDeliveries({ owner, limit: 10, endpointConcurrency: 4, inFlight: new Map(), leaseMs }).then((rows) => rows.filter((row) => row.endpointId === endpoint.id));
    const [first] = await claim('crashed', 1_000);
    expect(first).toMatchObject({ attempts: 1 });
    expect(await claim('other', 60_000)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const [second] = await claim('other', 60_000);
    expect(second).toMatchObject({ id: first!.id, messageId: first!.messageId, attempts: 2 });
    const outcome = { ok: true, responseStatus: 204, responseExcerpt: null, error: null, durationMs: 1 };
    expect(await finishAttempt(first!, 'crashed', outcome, config.webhooks)).toBeNull();
    expect(await finishAttempt(second!, 'other', outcome, config.webhooks)).toMatchObject({ status: 'SUCCEEDED', attempt: 2 });
  });

  it('claims no more per endpoint than its concurrency allows, counting attempts already in flight', async () => {
    const endpoint = await endpointRow();
    for (let index = 0; index < 5; index++) await prisma.$transaction((tx) => enqueueConnectionEvent(tx, event(newId())));
    const claim = (inFlight: Map<string, number>) =>
      claimDueDeliveries({ owner: 'me', limit: 10, endpointConcurrency: 3, inFlight, leaseMs: 60_000 }).then((rows) => rows.filter((row) => row.endpointId === endpoint.id));
    expect(await claim(new Map([[endpoint.id, 2]]))).toHaveLength(1);
    expect(await claim(new Map([[endpoint.id, 3]]))).toHaveLength(0);
    expect(await claim(new Map())).toHaveLength(3);
  });

  it('disables an endpoint whose attempts have all failed for WEBHOOK_DISABLE_AFTER_DAYS, and says why', async () => {
    const endpoint = await endpointRow();
    await prisma.webhookEndpoint.update({ where: { id: endpoint.id }, data: { failingSince: new Date(Date.now() - 6 * 86_400_000) } });
    await prisma.$transaction((tx) => enqueueConnectionEvent(tx, event(newId())));
    const [claimed] = (await claimDueDeliveries({ owner: 'me', limit: 10, endpointConcurrency: 4, inFlight: new Map(), leaseMs: 60_000 })).filter(
      (row) => row.endpointId === endpoint.id,
    );
    const cfg = { ...config.webhooks, retrySchedule: [], disableAfterDays: 5 };
    const finished = await finishAttempt(claimed!, 'me', { ok: false, responseStatus: 500, responseExcerpt: 'boom', error: 'HTTP 500', durationMs: 1 }, cfg);
    expect(finished).toMatchObject({ status: 'FAILED' });
    const row = await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
    expect(row).toMatchObject({ enabled: false, disabledReason: expect.stringMatching(/failed for 5 days/) });
  });

  it('the background sweep deletes finished deliveries older than WEBHOOK_LOG_RETENTION_DAYS and keeps pending ones', async () => {
    const endpoint = await endpointRow();
    const old = new Date(Date.now() - (config.webhooks.logRetentionDays + 1) * 86_400_000);
    const row = (status: 'PENDING' | 'SUCCEEDED' | 'FAILED', createdAt: Date) => ({
      id: newId(),
      endpointId: endpoint.id,
      messageId: 'msg_x',
      eventType: 'connection.created',
      body: '{}',
      status,
      createdAt,
      nextAttemptAt: status === 'PENDING' ? new Date(Date.now() + 86_400_000) : null,
    });
    await prisma.webhookDelivery.createMany({ data: [row('SUCCEEDED', old), row('FAILED', old), row('PENDING', old), row('SUCCEEDED', new Date())] });
    await runRefreshSweep({ lookaheadSeconds: 0 });
    const left = await prisma.webhookDelivery.findMany({ where: { endpointId: endpoint.id }, orderBy: { createdAt: 'asc' } });
    expect(left.map((delivery) => delivery.status)).toEqual(['PENDING', 'SUCCEEDED']);
  });
});
