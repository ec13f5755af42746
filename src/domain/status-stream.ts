// The stream behind connectionStatusChanged: status events the viewer may see, filtered by
// integration or connection. Authorization is checked when subscribing (the filters must name things
// the viewer can see) and again for every event (own connections, shared ones; all for an admin).
import { Repeater } from 'graphql-yoga';
import type { Viewer } from '../auth/viewer.js';
import { NotFoundError } from '../errors.js';
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
    unsubscribe();
    openStreams.delete(stop);
    recordSubscriptionChange(-1);
  });
}
