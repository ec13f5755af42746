// Collects connection status events as an app's subscribers receive them (through Redis when configured).
import { afterAll, vi } from 'vitest';
import type { App } from '../../src/app.js';
import type { ConnectionStatusEvent } from '../../src/domain/changes.js';

export async function collectStatusEvents(app: Pick<App, 'changes'>) {
  await app.changes.ready();
  const events: ConnectionStatusEvent[] = [];
  const stop = app.changes.onConnection((change) => {
    if (change.status) events.push(change.status);
  });
  afterAll(stop);
  return {
    events,
    of: (connectionId: string) => events.filter((event) => event.connectionId === connectionId),
    /** Waits until the connection has `count` events (events may travel through Redis). */
    async waitFor(connectionId: string, count: number) {
      await vi.waitFor(
        () => {
          if (events.filter((event) => event.connectionId === connectionId).length < count) throw new Error('waiting for events');
        },
        { timeout: 5_000, interval: 20 },
      );
      return events.filter((event) => event.connectionId === connectionId);
    },
  };
}

/** A HEALTHY "connected" status event of a connection, as the outbox writes webhook messages for. */
export function connectedEvent(connectionId: string, sequence = 1): ConnectionStatusEvent {
  return {
    connectionId,
    integrationId: 'integration',
    integrationSlug: 'acme',
    connectionName: 'default',
    ownerId: 'u1',
    status: 'HEALTHY',
    previousStatus: null,
    reason: 'connected',
    tags: {},
    sequence,
    at: new Date().toISOString(),
  };
}
