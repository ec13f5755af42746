// The stream behind connectionStatusChanged: status events the viewer may see, filtered by
// integration or connection. Authorization is checked when subscribing (the filters must name things
// the viewer can see) and again for every event (own connections, shared ones; all for an admin).
// Fan-out: one listener on the event bus for all subscribers, which are indexed by the connection,
// integration or owner they can hear about, so an event only reaches the few that may want it; and
// the `connection` field's row is read once per event, shared by every subscriber that selects it.
import { Repeater } from 'graphql-yoga';
import type { Viewer } from '../auth/viewer.js';
import { NotFoundError } from '../errors.js';
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
  return new Repeater<ConnectionStatusEvent>(async (push, stop) => {
    const unregister = register({ viewer, integrationId, connectionId, push });
    openStreams.add(stop);
    recordSubscriptionChange(1);
    // Ends when the client goes away or the server closes: the subscriber goes with it.
    await stop;
    unregister();
    openStreams.delete(stop);
    recordSubscriptionChange(-1);
  });
}
