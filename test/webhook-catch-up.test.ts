// Webhook catch-up after an endpoint outage: while it fails, its oldest pending message is sent as a
// probe every WEBHOOK_PROBE_INTERVAL_MS without spending that message's attempts; the first probe that
// succeeds makes the endpoint's pending messages due at once (at their creation times) instead of
// each waiting out its backoff (here a 60 s retry; the catch-up takes under 4 s, where probes alone would take 9 s).
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { newId } from '../src/kernel/ids.js';
import { enqueueConnectionEvent } from '../src/webhooks/outbox.js';
import { prisma } from './helpers/database.js';
import { testApp } from './helpers/server.js';
import { connectedEvent } from './helpers/events.js';
import { startUpstream } from './helpers/upstream.js';
import { startWorkersOn } from './helpers/webhook-workers.js';

describe('webhook catch-up', () => {
  it('probes a failing endpoint with its oldest message (attempts unspent); its success delivers the backlog in seconds', async () => {
    // A 60 s retry: without the catch-up, nothing would arrive for a minute after the outage.
    const app = testApp({ webhooks: { retrySchedule: [60, 300], probeIntervalMs: 300 } });
    const receiver = await startUpstream();
    let up = false;
    let probesWhileDown = 0;
    const received: Array<{ connectionId: string; sequence: number }> = [];
    receiver.routes.set('/hooks', (_req, res, body) => {
      if (!up) {
        probesWhileDown++;
        return void res.writeHead(503).end();
      }
      const { data } = JSON.parse(body.toString()) as { data: { connectionId: string; sequence: number } };
      received.push({ connectionId: data.connectionId, sequence: data.sequence });
      res.writeHead(204).end();
    });
    const { endpoint } = await app.services.webhookEndpoints.create({ url: `${receiver.url}/hooks` });
    onTestFinished(() => prisma.webhookEndpoint.deleteMany({ where: { id: endpoint.id } }).then(() => undefined));

    const connections = Array.from({ length: 10 }, () => newId());
    for (const sequence of [1, 2, 3]) {
      for (const connectionId of connections) {
        await prisma.$transaction((tx) => enqueueConnectionEvent(tx, connectedEvent(connectionId, sequence)));
      }
    }
    const settings = { ...app.config.webhooks, pollIntervalMs: 50, timeoutMs: 2_000 };
    startWorkersOn(app, settings, [{ instanceId: 'catch-up' }]);

    // The outage: every message fails once, then probes follow (more requests than messages).
    await vi.waitFor(() => expect(probesWhileDown).toBeGreaterThanOrEqual(30 + 3), { timeout: 15_000, interval: 50 });
    const rows = await prisma.webhookDelivery.findMany({ where: { endpointId: endpoint.id } });
    // Probes spent no attempt: every message has had exactly its first.
    expect(rows.map((row) => [row.status, row.attempts])).toEqual(Array(30).fill(['PENDING', 1]));

    up = true;
    const recovered = performance.now();
    await vi.waitFor(() => expect(received).toHaveLength(30), { timeout: 10_000, interval: 50 });
    const catchUpSeconds = (performance.now() - recovered) / 1000;
    // Probes alone would send one message per probe interval (30 × 0.3 s = 9 s); the catch-up sends them all at once.
    expect(catchUpSeconds).toBeLessThan(4);
    // The last results are recorded just after their answers.
    await vi.waitFor(async () => {
      const after = await prisma.webhookDelivery.findMany({ where: { endpointId: endpoint.id } });
      expect(after.every((row) => row.status === 'SUCCEEDED')).toBe(true);
    });
    expect((await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).probeAt).toBeNull();
  }, 40_000);

  it("sends a connection's messages one at a time, oldest first, when the catch-up makes them due together (two instances)", async () => {
    const app = testApp({ webhooks: { retrySchedule: [60, 300], probeIntervalMs: 200 } });
    const receiver = await startUpstream({ record: false });
    let up = false;
    const received: Array<{ connectionId: string; sequence: number }> = [];
    const open = new Map<string, number>();
    let mostOpenPerConnection = 0;
    receiver.routes.set('/ordered', (_req, res, body) => {
      if (!up) return void res.writeHead(503).end();
      const { data } = JSON.parse(body.toString()) as { data: { connectionId: string; sequence: number } };
      received.push({ connectionId: data.connectionId, sequence: data.sequence });
      open.set(data.connectionId, (open.get(data.connectionId) ?? 0) + 1);
      mostOpenPerConnection = Math.max(mostOpenPerConnection, open.get(data.connectionId)!);
      // Slow answers: a connection's later message sent beside an earlier one would be in flight with it.
      setTimeout(() => {
        open.set(data.connectionId, open.get(data.connectionId)! - 1);
        res.writeHead(204).end();
      }, 40);
    });
    const { endpoint } = await app.services.webhookEndpoints.create({ url: `${receiver.url}/ordered` });
    onTestFinished(() => prisma.webhookEndpoint.deleteMany({ where: { id: endpoint.id } }).then(() => undefined));
    const connections = Array.from({ length: 5 }, () => newId());
    for (const sequence of [1, 2, 3, 4]) {
      for (const connectionId of connections) await prisma.$transaction((tx) => enqueueConnectionEvent(tx, connectedEvent(connectionId, sequence)));
    }
    // Wide enough that, without the ordering, every pending message would be sent at once.
    const settings = { ...app.config.webhooks, pollIntervalMs: 50, timeoutMs: 2_000, concurrency: 32, endpointConcurrency: 20, prefetch: 20 };
    startWorkersOn(app, settings, [{ instanceId: 'ordered-a' }, { instanceId: 'ordered-b' }]);
    // Every message failed once (not due for a minute); the probes keep failing until the endpoint is up.
    await vi.waitFor(async () => expect(await prisma.webhookDelivery.count({ where: { endpointId: endpoint.id, attempts: 1, leaseOwner: null } })).toBe(20), {
      timeout: 10_000,
      interval: 50,
    });
    up = true;
    await vi.waitFor(() => expect(received).toHaveLength(20), { timeout: 10_000, interval: 50 });
    expect(mostOpenPerConnection).toBe(1);
    const sequences = new Map<string, number[]>();
    for (const { connectionId, sequence } of received) sequences.set(connectionId, [...(sequences.get(connectionId) ?? []), sequence]);
    expect(sequences.size).toBe(connections.length);
    for (const sent of sequences.values()) expect(sent).toEqual([1, 2, 3, 4]);
  }, 30_000);
});
