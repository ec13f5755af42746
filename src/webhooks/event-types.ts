// The webhook event types and how a connection status event maps to one. Kept free of I/O so the
// outbox (written from low in the stack) and the API share it.
import type { ConnectionStatusEvent } from '../domain/changes.js';

export const WEBHOOK_EVENT_TYPES = [
  'connection.created',
  'connection.reconnected',
  'connection.failed',
  'connection.recovered',
  'connection.deleted',
  'provider.webhook',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The GraphQL enum name of an event type: connection.created → CONNECTION_CREATED. */
export function eventTypeEnumName(type: WebhookEventType): string {
  return type.replace('.', '_').toUpperCase();
}

/** The webhook event a status change is, or null when it is none (e.g. a routine refresh). */
export function webhookEventTypeOf(event: Pick<ConnectionStatusEvent, 'status' | 'previousStatus' | 'reason'>): WebhookEventType | null {
  if (event.status === 'DISCONNECTED') return 'connection.deleted';
  if (event.previousStatus === null) return 'connection.created';
  if (event.reason === 'reconnected') return 'connection.reconnected';
  if ((event.status === 'EXPIRED' || event.status === 'ERROR') && event.previousStatus !== event.status) return 'connection.failed';
  if (event.status === 'HEALTHY' && (event.previousStatus === 'EXPIRED' || event.previousStatus === 'ERROR')) return 'connection.recovered';
  return null;
}
