// Collects connection status events as subscribers would receive them (through Redis when configured).
import { eventsReady, onStatusEvent, type ConnectionStatusEvent } from '../../src/events.js';
import { afterAll, vi } from 'vitest';

export async function collectStatusEvents() {
  await eventsReady();
  const events: ConnectionStatusEvent[] = [];
  const stop = onStatusEvent((event) => events.push(event));
  afterAll(stop);
  return {
    events,
    of: (connectionId: string) => events.filter((event) => event.connectionId === connectionId),
    /** Waits until the connection has `count` events (events may travel through Redis). */
    async waitFor(connectionId: string, count: number) {
      await vi.waitFor(() => {
        if (events.filter((event) => event.connectionId === connectionId).length < count) throw new Error('waiting for events');
      }, { timeout: 5_000, interval: 20 });
      return events.filter((event) => event.connectionId === connectionId);
    },
  };
}
