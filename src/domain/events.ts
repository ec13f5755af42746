// What happened, announced once per act after its commit, on the app's event bus. The side effects
// subscribe: the activity log and metrics (src/activity/, src/metrics/), the change feed that keeps
// caches and subscriptions current on every instance (src/realtime/), the webhook worker's nudge.
// Events carry ids, names, statuses and words, never a secret.
import type { EventBus } from '../kernel/event-bus.js';
import type { ConnectionChange, IntegrationChange, ProviderWebhookForwarded } from './changes.js';

export type { ProviderWebhookForwarded };

export type OperationKind = 'CONNECT' | 'REFRESH' | 'PROXY' | 'VERIFY' | 'DISCONNECT' | 'WEBHOOK';
export type OperationOutcome = 'SUCCESS' | 'FAILURE';

/** An act on a connection, as the activity log records it (an Operation row). */
export interface Operation {
  kind: OperationKind;
  outcome: OperationOutcome;
  connectionId?: string | null;
  integrationSlug: string;
  /** The user it was done for (the owner, or the user acting on a shared connection). */
  ownerId?: string | null;
  /** For calls to the provider: the method and the path, never the query string. */
  method?: string | null;
  path?: string | null;
  providerStatus?: number | null;
  durationMs?: number | null;
  /** In words, never a secret (messages of SwitchboardError are written for API users). */
  error?: string | null;
  /** Calls made by an MCP tool: the tool's name. */
  tool?: string | null;
}

export type WebhookAttemptOutcome = 'success' | 'retry_scheduled' | 'failed' | 'interrupted' | 'lease_lost';

export interface DomainEvents {
  /** A connection was authorized and stored (a browser flow, an import, a machine grant). */
  'connection.connected': { operation: Operation; change: ConnectionChange };
  /** Connecting failed: refused, or the provider did not give tokens. Nothing was stored. */
  'connection.connect_failed': { operation: Operation };
  /** A token request renewed the connection's credentials (or, on failure, why not; and what was written). */
  'connection.refreshed': { operation: Operation; change: ConnectionChange };
  'connection.refresh_failed': {
    operation: Operation;
    /** What the provider said: `rejected` (invalid_grant: connect again), `transient`, or `not_sent`. */
    result: 'rejected' | 'transient' | 'not_sent';
    change: ConnectionChange | null;
  };
  /** The stored credentials were checked with the provider (verifyConnection, health checks, imports). */
  'connection.checked': { operation: Operation; change: ConnectionChange | null };
  /** `change` is null when another request deleted it first (and announced it). */
  'connection.disconnected': { operation: Operation; change: ConnectionChange | null };
  /** A connection was written for another reason (a status note while backing off, a verdict kept). */
  'connection.changed': { change: ConnectionChange };
  /** A proxied call ended; `connected` false when it failed before a connection was found. */
  'proxy.called': { operation: Operation; connected: boolean; seconds: number };
  'integration.changed': IntegrationChange;
  /** Deliveries are due now (a redelivery, an endpoint enabled again): the worker need not wait for its poll. */
  'webhook.due': { reason: 'redelivery' | 'endpoint_enabled' | 'provider_webhook' | 'endpoint_recovered' };
  /** A provider's webhook got its outcome (refused, a handshake, forwarded, unmatched, a duplicate): the metrics count it. */
  'provider_webhook.recorded': { integrationSlug: string; outcome: 'FORWARDED' | 'UNMATCHED' | 'REJECTED' | 'HANDSHAKE' | 'DUPLICATE' };
  /** A provider's webhook was forwarded (its outbox rows committed): subscribers who may see its connections hear it. */
  'provider_webhook.forwarded': ProviderWebhookForwarded;
  /** A webhook delivery attempt's result was recorded (or lost its lease). */
  'webhook.attempted': {
    eventType: string;
    outcome: WebhookAttemptOutcome;
    durationMs: number;
    /** The activity log's view of it; absent for outcomes it does not record (interrupted, lease lost). */
    operation?: Operation;
  };
}

export type DomainEventBus = EventBus<DomainEvents>;

/** Ids only: subscribers read the row, filtered by what each viewer may see. */
/** The operation an event records, if any: the one mapping that the activity log and metrics share. */
export function operationOf<Type extends keyof DomainEvents>(event: DomainEvents[Type]): Operation | undefined {
  return (event as { operation?: Operation }).operation;
}

/** The connection change an event announces, if any. */
export function changeOf<Type extends keyof DomainEvents>(event: DomainEvents[Type]): ConnectionChange | null | undefined {
  return (event as { change?: ConnectionChange | null }).change;
}

/** Every event type, for subscribers that look at all of them. */
export const DOMAIN_EVENT_TYPES = [
  'connection.connected',
  'connection.connect_failed',
  'connection.refreshed',
  'connection.refresh_failed',
  'connection.checked',
  'connection.disconnected',
  'connection.changed',
  'proxy.called',
  'integration.changed',
  'webhook.due',
  'webhook.attempted',
  'provider_webhook.recorded',
  'provider_webhook.forwarded',
] as const satisfies ReadonlyArray<keyof DomainEvents>;

/** Announces a connect that stored nothing (the activity log's CONNECT failure). */
export function connectFailed(events: DomainEventBus, operation: Omit<Operation, 'kind' | 'outcome'>): void {
  events.emit('connection.connect_failed', { operation: { kind: 'CONNECT', outcome: 'FAILURE', ...operation } });
}
