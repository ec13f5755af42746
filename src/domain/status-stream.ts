// The stream behind connectionStatusChanged: status events the viewer may see, filtered by
// integration or connection. Authorization is checked when subscribing (the filters must name things
// the viewer can see) and again for every event (own connections, shared ones; all for an admin).
import { Repeater } from 'graphql-yoga';
import type { Viewer } from '../auth/viewer.js';
import { config } from '../config.js';
import { NotFoundError, QuotaExceededError } from '../errors.js';
import { onStatusEvent, type ConnectionStatusEvent } from '../events.js';
import { mayConnectIntegration } from './access.js';
import { findConnection } from './connection-lookup.js';
import { findIntegration } from './integrations.js';
import { recordSubscriptionChange } from '../metrics/index.js';

/** Open streams' stop functions: at shutdown they end cleanly (SSE gets its "complete"). */
const openStreams = new Set<() => void>();

/** Ends every open status stream (server shutdown); the transports then close their responses. */
export function closeStatusStreams(): void {
  for (const stopStream of openStreams) stopStream();
}

export interface StatusStreamFilter {
  integration?: string | null;
  connectionId?: string | null;
}

export function mayReceive(viewer: Viewer, event: Pick<ConnectionStatusEvent, 'ownerId'> & Partial<Pick<ConnectionStatusEvent, 'integrationId'>>): boolean {
  // A connect session hears only about the integrations it offers.
  if (viewer.connectSession && !mayConnectIntegration(viewer, { id: event.integrationId ?? '' })) return false;
  return viewer.isAdmin || event.ownerId === null || event.ownerId === viewer.userId;
}

/** Open subscriptions per user on this instance (SSE and WebSocket alike). */
const openSubscriptions = new Map<string, number>();

export function openSubscriptionCount(userId: string): number {
  return openSubscriptions.get(userId) ?? 0;
}

/** Takes one of the viewer's subscription slots; the returned function gives it back (once). */
function claimSubscriptionSlot(viewer: Viewer): () => void {
  const limit = config.security.maxSubscriptionsPerUser;
  const open = openSubscriptionCount(viewer.userId);
  if (open >= limit) throw new QuotaExceededError(`This user already has ${limit} open subscriptions: close one first.`, limit);
  openSubscriptions.set(viewer.userId, open + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = openSubscriptionCount(viewer.userId) - 1;
    if (left > 0) openSubscriptions.set(viewer.userId, left);
    else openSubscriptions.delete(viewer.userId);
  };
}

/** The iterator, giving its slot back however it ends: done, returned (client gone) or thrown into, started or not. */
function releasingOnEnd<T>(iterator: AsyncIterableIterator<T>, release: () => void): AsyncIterableIterator<T> {
  return {
    async next() {
      const result = await iterator.next();
      if (result.done) release();
      return result;
    },
    async return(value?: unknown) {
      release();
      return iterator.return ? iterator.return(value) : { done: true, value: value as never };
    },
    async throw(error?: unknown) {
      release();
      if (iterator.throw) return iterator.throw(error);
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

export async function statusEventsFor(viewer: Viewer, filter: StatusStreamFilter): Promise<AsyncIterable<ConnectionStatusEvent>> {
  let integrationId: string | undefined;
  if (filter.integration) {
    const integration = await findIntegration(filter.integration);
    if (!integration || !mayConnectIntegration(viewer, integration)) throw new NotFoundError(`No integration "${filter.integration}".`);
    integrationId = integration.id;
  }
  let connectionId: string | undefined;
  if (filter.connectionId) {
    // Another user's connection gives the same NotFoundError as a missing one.
    const connection = await findConnection(viewer, { connectionId: filter.connectionId, integration: filter.integration });
    connectionId = connection.id;
  }
  const release = claimSubscriptionSlot(viewer);
  const events = new Repeater<ConnectionStatusEvent>(async (push, stop) => {
    // The stream ends when the credentials it was opened with expire (a JWT's exp; SSE and WebSocket).
    const expiry = viewer.expiresAt === undefined ? undefined : setTimeout(() => stop(), Math.max(0, Math.min(viewer.expiresAt - Date.now(), 2 ** 31 - 1)));
    const unsubscribe = onStatusEvent((event) => {
      if (connectionId !== undefined && event.connectionId !== connectionId) return;
      if (integrationId !== undefined && event.integrationId !== integrationId) return;
      if (!mayReceive(viewer, event)) return;
      void push(event);
    });
    openStreams.add(stop);
    recordSubscriptionChange(1);
    // Ends when the client goes away or the server closes: the listener goes with it.
    await stop;
    clearTimeout(expiry);
    unsubscribe();
    release();
    openStreams.delete(stop);
    recordSubscriptionChange(-1);
  });
  return releasingOnEnd(events, release);
}
