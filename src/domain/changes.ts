// What every instance must hear about: a connection changed (new tokens, status, metadata) or was
// deleted, and an integration changed. Caches of decrypted credentials drop what changed, and status
// subscribers get the status events. The feed (src/realtime/change-feed.ts) carries them within the
// process and, with Redis, to the other instances. They hold ids, status, tags and sequence, never secrets.
import type { ConnectionStatus } from '../generated/prisma/client.js';

export interface ConnectionStatusEvent {
  connectionId: string;
  integrationId: string;
  integrationSlug: string;
  connectionName: string;
  ownerId: string | null;
  status: ConnectionStatus;
  previousStatus: ConnectionStatus | null;
  reason: string | null;
  /** The connection's tags (the app's own string pairs, never secrets), for webhooks and subscribers. */
  tags: Record<string, string>;
  sequence: number;
  at: string;
}

/** A connection changed or was deleted; `status` when its status changed too. */
export interface ConnectionChange {
  connectionId: string;
  integrationId: string;
  sequence: number;
  deleted: boolean;
  status?: ConnectionStatusEvent;
}

/** An integration changed or was deleted: cached configurations and credentials of it are stale. */
export interface IntegrationChange {
  integrationId: string;
}

/** A provider webhook was forwarded (or found no connection): its subscribers on every instance hear of it. */
export interface ProviderWebhookForwarded {
  id: string;
  integrationId: string;
  /** The matched connections with their owner keys (ownerId, or "" when shared). */
  connections: Array<{ id: string; ownerKey: string }>;
}

/** The feed of changes, across instances (implemented in src/realtime/). */
export interface ChangeFeed {
  announceConnection(change: ConnectionChange): void;
  announceIntegration(change: IntegrationChange): void;
  announceProviderWebhook(forwarded: ProviderWebhookForwarded): void;
  onConnection(listener: (change: ConnectionChange) => void): () => void;
  onIntegration(listener: (change: IntegrationChange) => void): () => void;
  onProviderWebhook(listener: (forwarded: ProviderWebhookForwarded) => void): () => void;
  /** Called when the link to other instances comes back after an outage: changes made meanwhile were missed. */
  onResumed(listener: () => void): () => void;
  /** Whether changes made on other instances reach this one now (always with one instance). */
  flowing(): boolean;
}
