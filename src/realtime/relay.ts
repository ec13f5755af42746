// Domain events that change a connection or an integration, and forwarded provider webhooks, go on the
// change feed, which carries them to this process's caches and subscriptions and to the other instances.
import type { ChangeFeed } from '../domain/changes.js';
import { changeOf, DOMAIN_EVENT_TYPES, type DomainEventBus } from '../domain/events.js';

export function relayChangesToFeed(events: DomainEventBus, changes: ChangeFeed): () => void {
  const stops = DOMAIN_EVENT_TYPES.map((type) =>
    events.on(type, (event) => {
      const change = changeOf(event);
      if (change) changes.announceConnection(change);
    }),
  );
  stops.push(events.on('integration.changed', (change) => changes.announceIntegration(change)));
  // Subscribers to providerWebhookReceived hear webhooks whichever instance forwarded them.
  stops.push(events.on('provider_webhook.forwarded', (forwarded) => changes.announceProviderWebhook(forwarded)));
  return () => stops.forEach((stop) => stop());
}
