// providerWebhookReceived: each forwarded provider webhook reaches the subscribers who may see one of
// its connections (admins: every one, unmatched too). Events carry ids; the row is read when delivered.
// They come through the change feed: with Redis, a subscriber hears the webhooks every instance forwards.
import { mayViewConnection } from '../../domain/access.js';
import type { ChangeFeed, ProviderWebhookForwarded } from '../../domain/changes.js';
import type { Viewer } from '../../domain/viewer.js';
import type { Database } from '../../db/database.js';

/** A subscriber that falls this far behind is ended rather than buffered without bound. */
const QUEUE_MAX = 1000;

export interface ProviderWebhookFilter {
  integrationId?: string;
  connectionId?: string;
}

interface Subscriber {
  viewer: Viewer;
  filter: ProviderWebhookFilter;
  push(id: string): void;
  end(): void;
}

function mayReceiveProviderWebhook(viewer: Viewer, event: ProviderWebhookForwarded, filter: ProviderWebhookFilter): boolean {
  if (filter.integrationId && event.integrationId !== filter.integrationId) return false;
  const connections = filter.connectionId ? event.connections.filter((connection) => connection.id === filter.connectionId) : event.connections;
  if (filter.connectionId && !connections.length) return false;
  if (viewer.isAdmin) return true;
  return connections.some((connection) => mayViewConnection(viewer, { ownerKey: connection.ownerKey, integrationId: event.integrationId }));
}

export type ProviderWebhookStreams = ReturnType<typeof createProviderWebhookStreams>;

export function createProviderWebhookStreams(deps: { db: Database; changes: Pick<ChangeFeed, 'onProviderWebhook'> }) {
  const subscribers = new Set<Subscriber>();
  deps.changes.onProviderWebhook((event) => {
    for (const subscriber of subscribers) if (mayReceiveProviderWebhook(subscriber.viewer, event, subscriber.filter)) subscriber.push(event.id);
  });

  return {
    /** The ids of the webhooks the viewer may hear about, as they are forwarded. */
    subscribe(viewer: Viewer, filter: ProviderWebhookFilter): AsyncIterableIterator<string> {
      const queue: string[] = [];
      let wake: (() => void) | undefined;
      let ended = false;
      const subscriber: Subscriber = {
        viewer,
        filter,
        push(id) {
          if (queue.length >= QUEUE_MAX) return subscriber.end();
          queue.push(id);
          wake?.();
        },
        end() {
          ended = true;
          subscribers.delete(subscriber);
          wake?.();
        },
      };
      subscribers.add(subscriber);
      const iterator: AsyncIterableIterator<string> = {
        async next() {
          while (!queue.length && !ended) await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          if (queue.length) return { value: queue.shift()!, done: false };
          return { value: undefined, done: true };
        },
        async return() {
          subscriber.end();
          return { value: undefined, done: true };
        },
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };
      return iterator;
    },
    closeAll() {
      for (const subscriber of [...subscribers]) subscriber.end();
    },
    subscriberCount: () => subscribers.size,
  };
}
