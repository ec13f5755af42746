// The stream behind connectionStatusChanged: status events the viewer may see, filtered by
// integration or connection. Authorization is checked when subscribing (the filters must name things
// the viewer can see) and again for every event (own connections, shared ones; all for an admin).
// Fan-out: one listener on the event bus for all subscribers, which are indexed by the connection,
// integration or owner they can hear about, so an event only reaches the few that may want it; and
// the `connection` field's row is read once per event, shared by every subscriber that selects it.
import { Repeater } from 'graphql-yoga';
import type { Viewer } from '../auth/viewer.js';
import { config } from '../config.js';
import { NotFoundError, QuotaExceededError } from '../errors.js';
import { onStatusEvent, type ConnectionStatusEvent } from '../events.js';
import { prisma } from '../db/client.js';
import type { Connection } from '../generated/prisma/client.js';
import { mayConnectIntegration, mayViewConnection } from './access.js';
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

interface StatusSubscriber {
  viewer: Viewer;
  integrationId: string | undefined;
  connectionId: string | undefined;
  push: (event: ConnectionStatusEvent) => unknown;
}

/** Subscribers by what they listen to; each is in exactly one of these. */
const byConnection = new Map<string, Set<StatusSubscriber>>();
const byIntegration = new Map<string, Set<StatusSubscriber>>();
/** Unfiltered non-admins by user id: they hear their own connections and shared ones. */
const byOwner = new Map<string, Set<StatusSubscriber>>();
/** Unfiltered admins: they hear everything. */
const everything = new Set<StatusSubscriber>();
let subscriberCount = 0;
let stopListening: (() => void) | undefined;

function addTo(index: Map<string, Set<StatusSubscriber>>, key: string, subscriber: StatusSubscriber): () => void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(subscriber);
  return () => {
    set.delete(subscriber);
    if (set.size === 0 && index.get(key) === set) index.delete(key);
  };
}

function deliver(subscribers: Iterable<StatusSubscriber> | undefined, event: ConnectionStatusEvent): void {
  if (!subscribers) return;
  for (const subscriber of subscribers) {
    if (subscriber.connectionId !== undefined && event.connectionId !== subscriber.connectionId) continue;
    if (subscriber.integrationId !== undefined && event.integrationId !== subscriber.integrationId) continue;
    if (!mayReceive(subscriber.viewer, event)) continue;
    void subscriber.push(event);
  }
}

function dispatch(event: ConnectionStatusEvent): void {
  deliver(byConnection.get(event.connectionId), event);
  deliver(byIntegration.get(event.integrationId), event);
  deliver(everything, event);
  if (event.ownerId !== null) deliver(byOwner.get(event.ownerId), event);
  else for (const subscribers of byOwner.values()) deliver(subscribers, event);
}

function register(subscriber: StatusSubscriber): () => void {
  const remove =
    subscriber.connectionId !== undefined
      ? addTo(byConnection, subscriber.connectionId, subscriber)
      : subscriber.integrationId !== undefined
        ? addTo(byIntegration, subscriber.integrationId, subscriber)
        : subscriber.viewer.isAdmin
          ? (everything.add(subscriber), () => void everything.delete(subscriber))
          : addTo(byOwner, subscriber.viewer.userId, subscriber);
  if (subscriberCount++ === 0) stopListening = onStatusEvent(dispatch);
  return () => {
    remove();
    if (--subscriberCount === 0) {
      stopListening?.();
      stopListening = undefined;
    }
  };
}

/** How many status subscriptions this process holds: lets tests and benches see that none leak. */
export function statusSubscriberCount(): number {
  return subscriberCount;
}

/** The event's connection row, read once per event however many subscribers select it. */
const connectionReads = new WeakMap<ConnectionStatusEvent, Promise<Connection | null>>();

/** The connection an event is about as the viewer may see it (null when gone or not visible). */
export async function connectionOfEvent(viewer: Viewer, event: ConnectionStatusEvent): Promise<Connection | null> {
  let read = connectionReads.get(event);
  if (!read) {
    read = prisma.connection.findUnique({ where: { id: event.connectionId } });
    connectionReads.set(event, read);
    // A failed read is not shared with later subscribers: they try again.
    read.catch(() => connectionReads.delete(event));
  }
  const connection = await read;
  return connection && mayViewConnection(viewer, connection) ? connection : null;
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
    const unregister = register({ viewer, integrationId, connectionId, push });
    openStreams.add(stop);
    recordSubscriptionChange(1);
    // Ends when the client goes away or the server closes: the subscriber goes with it.
    await stop;
    clearTimeout(expiry);
    unregister();
    release();
    openStreams.delete(stop);
    recordSubscriptionChange(-1);
  });
  return releasingOnEnd(events, release);
}
