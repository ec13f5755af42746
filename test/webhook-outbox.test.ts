// The webhook outbox and the delivery leases, at the database level: a message commits or rolls
// back with its change, a claim belongs to one owner until its lease expires, per-endpoint limits,
// automatic disabling, and the delivery log's retention.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { newId } from '../src/kernel/ids.js';
import type { ConnectionStatusEvent } from '../src/domain/changes.js';
import { claimDueDeliveries } from '../src/webhooks/deliveries.js';
import { enqueueConnectionEvent } from '../src/webhooks/outbox.js';
import { pruneDeliveryLog } from '../src/webhooks/retention.js';
import { claimAheadFor, startWebhookWorker } from '../src/webhooks/worker.js';
import { startUpstream } from './helpers/upstream.js';
import { database, keyring, prisma } from './helpers/database.js';
import { testApp, testConfig } from './helpers/server.js';

const config = testConfig();

describe('webhook outbox and leases', () => {
  const app = testApp();
  // Apps with the webhook settings some tests need (they share the file's database).
  const retryingApp = testApp({ webhooks: { retrySchedule: [60] } });
  const disablingApp = testApp({ webhooks: { retrySchedule: [], disableAfterDays: 5 } });
  const workerApp = testApp({ webhooks: { pollIntervalMs: 50, concurrency: 4, endpointConcurrency: 1, prefetch: 5 } });
  const wideApp = testApp({ webhooks: { pollIntervalMs: 50, concurrency: 24, endpointConcurrency: 24, prefetch: 0 } });

  const event = (connectionId: string): ConnectionStatusEvent => ({
    connectionId,
    integrationId: 'integration',
    integrationSlug: 'acme',
    connectionName: 'default',
    ownerId: 'u1',
    tags: {},
    status: 'HEALTHY',
    previousStatus: null,
    reason: 'connected',
    sequence: 1,
    at: new Date().toISOString(),
  });

  async function endpointRow() {
    const { endpoint } = await app.services.webhookEndpoints.create({ url: 'https://hooks.example.com/outbox' });
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
      claimDueDeliveries(prisma, { owner, limit: 10, endpointConcurrency: 4, inFlight: new Map(), leaseMs }).then((rows) =>
        rows.filter((row) => row.endpointId === endpoint.id),
      );
    const [first] = await claim('crashed', 1_000);
    expect(first).toMatchObject({ attempts: 1 });
    expect(await claim('other', 60_000)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const [second] = await claim('other', 60_000);
    expect(second).toMatchObject({ id: first!.id, messageId: first!.messageId, attempts: 2 });
    const outcome = { ok: true, responseStatus: 204, responseExcerpt: null, error: null, durationMs: 1 };
    expect(await app.deliveries.finishAttempt(first!, 'crashed', outcome)).toBeNull();
    expect(await app.deliveries.finishAttempt(second!, 'other', outcome)).toMatchObject({ status: 'SUCCEEDED', attempt: 2 });
  });

  it('records a batch of results with one UPDATE, each row checked on its own lease: a result whose lease another owner took is not recorded', async () => {
    const endpoint = await endpointRow();
    for (let index = 0; index < 3; index++) await prisma.$transaction((tx) => enqueueConnectionEvent(tx, event(newId())));
    const claimed = (await claimDueDeliveries(prisma, { owner: 'batcher', limit: 10, endpointConcurrency: 10, inFlight: new Map(), leaseMs: 60_000 })).filter(
      (row) => row.endpointId === endpoint.id,
    );
    expect(claimed).toHaveLength(3);
    const [kept, taken, failed] = claimed as [(typeof claimed)[0], (typeof claimed)[0], (typeof claimed)[0]];
    // Another instance took this one over (its lease expired): attempt 2 is theirs now.
    await prisma.webhookDelivery.update({ where: { id: taken.id }, data: { leaseOwner: 'other', attempts: 2 } });
    const statements: string[] = [];
    const stopListening = database.onQuery((sql) => statements.push(sql));
    const before = Date.now();
    const finished = await retryingApp.deliveries.finishAttempts(
      [
        { delivery: kept, outcome: { ok: true, responseStatus: 204, responseExcerpt: null, error: null, durationMs: 3 } },
        { delivery: taken, outcome: { ok: true, responseStatus: 204, responseExcerpt: null, error: null, durationMs: 3 } },
        { delivery: failed, outcome: { ok: false, responseStatus: 500, responseExcerpt: 'boom', error: 'HTTP 500', durationMs: 3 } },
      ],
      'batcher',
    );
    stopListening();
    expect(statements.filter((sql) => /UPDATE "WebhookDelivery"/.test(sql))).toHaveLength(1);
    expect(finished.map((attempt) => attempt?.status ?? null)).toEqual(['SUCCEEDED', null, 'PENDING']);
    const rows = new Map((await prisma.webhookDelivery.findMany({ where: { endpointId: endpoint.id } })).map((row) => [row.id, row]));
    expect(rows.get(kept.id)).toMatchObject({ status: 'SUCCEEDED', leaseOwner: null, responseStatus: 204, nextAttemptAt: null });
    expect(rows.get(kept.id)!.deliveredAt!.getTime()).toBeGreaterThanOrEqual(before - 1_000);
    expect(rows.get(taken.id)).toMatchObject({ status: 'PENDING', leaseOwner: 'other', attempts: 2, responseStatus: null });
    // The retry is due a minute (±10%) from now: the timestamps went in as UTC, as Prisma writes them.
    const retry = rows.get(failed.id)!;
    expect(retry).toMatchObject({ status: 'PENDING', leaseOwner: null, leaseExpiresAt: null, responseStatus: 500, responseExcerpt: 'boom', error: 'HTTP 500' });
    expect(retry.nextAttemptAt!.getTime() - before).toBeGreaterThanOrEqual(53_000);
    expect(retry.nextAttemptAt!.getTime() - before).toBeLessThanOrEqual(67_000);
  });

  it('hands unstarted claims back at once, uncounted; an older claim of the same delivery hands back nothing', async () => {
    const endpoint = await endpointRow();
    await prisma.$transaction((tx) => enqueueConnectionEvent(tx, event(newId())));
    const claim = () =>
      claimDueDeliveries(prisma, { owner: 'prefetcher', limit: 10, endpointConcurrency: 4, inFlight: new Map(), leaseMs: 60_000 }).then((rows) =>
        rows.filter((row) => row.endpointId === endpoint.id),
      );
    const [first] = await claim();
    expect(await app.deliveries.release([first!], 'prefetcher')).toBe(1);
    const [again] = await claim();
    expect(again).toMatchObject({ id: first!.id, attempts: 1, messageId: first!.messageId });
    // A newer claim took it (the older one's lease ran out while it waited): the older copy changes nothing.
    await prisma.webhookDelivery.update({ where: { id: again!.id }, data: { attempts: 2 } });
    expect(await app.deliveries.release([again!], 'prefetcher')).toBe(0);
    expect(await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: again!.id } })).toMatchObject({ leaseOwner: 'prefetcher', attempts: 2 });
  });

  it('claims deliveries ahead of its free slots; at stop it hands the unstarted ones back uncounted and records the one it sent', async () => {
    const receiver = await startUpstream();
    let answer: (() => void) | undefined;
    receiver.routes.set('/held', (_req, res) => {
      answer = () => void res.writeHead(204).end();
    });
    const { endpoint } = await app.services.webhookEndpoints.create({ url: `${receiver.url}/held` });
    onTestFinished(() => prisma.webhookEndpoint.deleteMany({ where: { id: endpoint.id } }).then(() => undefined));
    for (let index = 0; index < 3; index++) await prisma.$transaction((tx) => enqueueConnectionEvent(tx, event(newId())));
    const worker = startWebhookWorker({
      deliveries: workerApp.deliveries,
      outbound: workerApp.outbound,
      keyring,
      settings: workerApp.config.webhooks,
      changes: workerApp.changes,
      events: workerApp.events,
      logger: workerApp.logger,
      instanceId: workerApp.instanceId,
    });
    let stopped = false;
    onTestFinished(async () => {
      if (stopped) return;
      answer?.();
      await worker.stop();
    });
    await vi.waitFor(() => expect(answer).toBeDefined(), { timeout: 10_000, interval: 10 });
    // One slot for the endpoint: one request out, the other two claimed and waiting for it.
    const claimed = await prisma.webhookDelivery.findMany({ where: { endpointId: endpoint.id } });
    expect(claimed.map((row) => [row.status, row.attempts, row.leaseOwner !== null])).toEqual(Array(3).fill(['PENDING', 1, true]));
    expect(receiver.hits('/held')).toBe(1);
    const stopping = worker.stop();
    stopped = true;
    answer!();
    await stopping;
    const rows = await prisma.webhookDelivery.findMany({ where: { endpointId: endpoint.id } });
    expect(rows.map((row) => [row.status, row.attempts, row.leaseOwner]).sort()).toEqual([
      ['PENDING', 0, null],
      ['PENDING', 0, null],
      ['SUCCEEDED', 1, null],
    ]);
    expect(receiver.hits('/held')).toBe(1);
  });

  it("keeps no listener per attempt on a signal the worker's attempts share: more attempts in flight than Node's listener limit raise no leak warning", async () => {
    const receiver = await startUpstream();
    const held: Array<() => void> = [];
    receiver.routes.set('/wide', (_req, res) => {
      held.push(() => void res.writeHead(204).end());
    });
    const { endpoint } = await app.services.webhookEndpoints.create({ url: `${receiver.url}/wide` });
    onTestFinished(() => prisma.webhookEndpoint.deleteMany({ where: { id: endpoint.id } }).then(() => undefined));
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => void warnings.push(warning);
    process.on('warning', onWarning);
    onTestFinished(() => void process.off('warning', onWarning));
    const messages = 24;
    for (let index = 0; index < messages; index++) await prisma.$transaction((tx) => enqueueConnectionEvent(tx, event(newId())));
    const worker = startWebhookWorker({
      deliveries: wideApp.deliveries,
      outbound: wideApp.outbound,
      keyring,
      settings: wideApp.config.webhooks,
      changes: wideApp.changes,
      events: wideApp.events,
      logger: wideApp.logger,
      instanceId: wideApp.instanceId,
    });
    onTestFinished(async () => {
      for (const answer of held) answer();
      await worker.stop();
    });
    // Every attempt in flight at once, then answered.
    await vi.waitFor(() => expect(held).toHaveLength(messages), { timeout: 10_000, interval: 10 });
    for (const answer of held.splice(0)) answer();
    await vi.waitFor(async () => expect(await prisma.webhookDelivery.count({ where: { endpointId: endpoint.id, status: 'SUCCEEDED' } })).toBe(messages), {
      timeout: 10_000,
      interval: 20,
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning').map((warning) => warning.message)).toEqual([]);
  });

  it('claims ahead for an endpoint only what its slots can start while the claim holds: all for a quick or unknown one, few or none for a slow one', () => {
    const cfg = { prefetch: 32, endpointConcurrency: 4 };
    expect(claimAheadFor(undefined, cfg)).toBe(32);
    expect(claimAheadFor(30, cfg)).toBe(32);
    // 4 slots × 5 s of start window / 2 s an attempt.
    expect(claimAheadFor(2_000, cfg)).toBe(10);
    expect(claimAheadFor(15_000, cfg)).toBe(1);
    expect(claimAheadFor(30_000, { prefetch: 32, endpointConcurrency: 1 })).toBe(0);
  });

  it('claims no more per endpoint than its concurrency allows, counting attempts already in flight', async () => {
    const endpoint = await endpointRow();
    for (let index = 0; index < 5; index++) await prisma.$transaction((tx) => enqueueConnectionEvent(tx, event(newId())));
    const claim = (inFlight: Map<string, number>) =>
      claimDueDeliveries(prisma, { owner: 'me', limit: 10, endpointConcurrency: 3, inFlight, leaseMs: 60_000 }).then((rows) =>
        rows.filter((row) => row.endpointId === endpoint.id),
      );
    expect(await claim(new Map([[endpoint.id, 2]]))).toHaveLength(1);
    expect(await claim(new Map([[endpoint.id, 3]]))).toHaveLength(0);
    expect(await claim(new Map())).toHaveLength(3);
  });

  it('disables an endpoint whose attempts have all failed for WEBHOOK_DISABLE_AFTER_DAYS, and says why', async () => {
    const endpoint = await endpointRow();
    await prisma.webhookEndpoint.update({ where: { id: endpoint.id }, data: { failingSince: new Date(Date.now() - 6 * 86_400_000) } });
    await prisma.$transaction((tx) => enqueueConnectionEvent(tx, event(newId())));
    const [claimed] = (await claimDueDeliveries(prisma, { owner: 'me', limit: 10, endpointConcurrency: 4, inFlight: new Map(), leaseMs: 60_000 })).filter(
      (row) => row.endpointId === endpoint.id,
    );
    const finished = await disablingApp.deliveries.finishAttempt(claimed!, 'me', {
      ok: false,
      responseStatus: 500,
      responseExcerpt: 'boom',
      error: 'HTTP 500',
      durationMs: 1,
    });
    expect(finished).toMatchObject({ status: 'FAILED' });
    const row = await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
    expect(row).toMatchObject({ enabled: false, disabledReason: expect.stringMatching(/failed for 5 days/) });
  });

  it("a success clears the endpoint's failing state set by another instance in the result's own write, and makes its pending messages due", async () => {
    const endpoint = await endpointRow();
    for (let index = 0; index < 2; index++) await prisma.$transaction((tx) => enqueueConnectionEvent(tx, event(newId())));
    const [first, waiting] = await prisma.webhookDelivery.findMany({ where: { endpointId: endpoint.id }, orderBy: { createdAt: 'asc' } });
    // Another instance saw it fail: a probe time and a streak; the second message waits for its backoff.
    await prisma.webhookEndpoint.update({ where: { id: endpoint.id }, data: { failingSince: new Date(), probeAt: new Date(Date.now() + 60_000) } });
    await prisma.webhookDelivery.update({ where: { id: waiting!.id }, data: { nextAttemptAt: new Date(Date.now() + 3_600_000) } });
    const [claimed] = (await claimDueDeliveries(prisma, { owner: 'me', limit: 10, endpointConcurrency: 4, inFlight: new Map(), leaseMs: 60_000 })).filter(
      (row) => row.endpointId === endpoint.id,
    );
    expect(claimed!.id).toBe(first!.id);
    expect(
      await app.deliveries.finishAttempt(claimed!, 'me', { ok: true, responseStatus: 204, responseExcerpt: null, error: null, durationMs: 1 }),
    ).toMatchObject({
      status: 'SUCCEEDED',
    });
    expect(await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).toMatchObject({
      failingSince: null,
      probeAt: null,
      lastSuccessAt: expect.any(Date),
    });
    const caughtUp = await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: waiting!.id } });
    expect(caughtUp.nextAttemptAt!.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('a failure marks the endpoint failing with a probe time in the same write, and a later failure leaves both as they are', async () => {
    const endpoint = await endpointRow();
    for (let index = 0; index < 2; index++) await prisma.$transaction((tx) => enqueueConnectionEvent(tx, event(newId())));
    const claimed = (await claimDueDeliveries(prisma, { owner: 'me', limit: 10, endpointConcurrency: 4, inFlight: new Map(), leaseMs: 60_000 })).filter(
      (row) => row.endpointId === endpoint.id,
    );
    const failure = { ok: false, responseStatus: 500, responseExcerpt: null, error: 'HTTP 500', durationMs: 1 };
    await retryingApp.deliveries.finishAttempt(claimed[0]!, 'me', failure);
    const marked = await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
    expect(marked.failingSince).toBeInstanceOf(Date);
    expect(marked.probeAt).toBeInstanceOf(Date);
    await retryingApp.deliveries.finishAttempt(claimed[1]!, 'me', failure);
    expect(await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).toMatchObject({
      failingSince: marked.failingSince,
      probeAt: marked.probeAt,
    });
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
    // The retention job's work (webhook-log-retention; the refresh sweep no longer does it).
    await pruneDeliveryLog(prisma, config.webhooks.logRetentionDays);
    const left = await prisma.webhookDelivery.findMany({ where: { endpointId: endpoint.id }, orderBy: { createdAt: 'asc' } });
    expect(left.map((delivery) => delivery.status)).toEqual(['PENDING', 'SUCCEEDED']);
  });
});
