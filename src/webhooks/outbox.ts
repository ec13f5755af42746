// The webhook outbox: the messages for a change are written in the same transaction as the change,
// one delivery row per enabled endpoint that wants the event type. A change is never committed
// without its messages, and a change that rolls back leaves none. Delivery happens later, outside
// any transaction (see worker.ts). Only ids, names, status and tags go into a body, never a secret.
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { Transaction } from '../db/database.js';
import type { ConnectionStatusEvent } from '../domain/changes.js';
import type { ConnectionStore } from '../domain/connections.js';
import { DATABASE_NOW } from '../db/clock.js';
import { newId } from '../kernel/ids.js';
import { webhookEventTypeOf, type WebhookEventType } from './event-types.js';

/** A Prisma transaction client, as Database.transaction() hands it over. */
export type TransactionClient = Transaction;

export interface WebhookBody {
  type: WebhookEventType;
  timestamp: string;
  data: {
    connectionId: string;
    integration: string;
    connectionName: string;
    ownerId: string | null;
    status: ConnectionStatusEvent['status'];
    previousStatus: ConnectionStatusEvent['previousStatus'];
    reason: string | null;
    /** The connection's tags, so the app can route the message to its own records. */
    tags: Record<string, string>;
    sequence: number;
  };
}

function webhookBodyOf(type: WebhookEventType, event: ConnectionStatusEvent): WebhookBody {
  return {
    type,
    timestamp: event.at,
    data: {
      connectionId: encodeGlobalID('Connection', event.connectionId),
      integration: event.integrationSlug,
      connectionName: event.connectionName,
      ownerId: event.ownerId,
      status: event.status,
      previousStatus: event.previousStatus,
      reason: event.reason,
      tags: event.tags,
      sequence: event.sequence,
    },
  };
}

/** A Standard Webhooks message id: the webhook-id header, the same for every endpoint and attempt. */
function newMessageId(): string {
  return `msg_${newId().replaceAll('-', '')}`;
}

/**
 * Writes the webhook messages for a status event inside the caller's transaction, with one INSERT …
 * SELECT over the endpoints that want it (a change pays one statement for its messages). Returns how
 * many deliveries were queued (0 when the event is no webhook event or no endpoint wants it).
 */
export async function enqueueConnectionEvent(tx: TransactionClient, event: ConnectionStatusEvent): Promise<number> {
  const type = webhookEventTypeOf(event);
  if (!type) return 0;
  // A connection's messages are sent in order while they are due together (the catch-up after an outage).
  return enqueueMessage(tx, type, JSON.stringify(webhookBodyOf(type, event)), event.connectionId);
}

/** Writes one message (its body as sent) for every endpoint that wants `type`, inside the caller's transaction. */
async function enqueueMessage(tx: TransactionClient, type: WebhookEventType, body: string, orderingKey: string | null): Promise<number> {
  const messageId = newMessageId();
  // Row ids stay time-ordered UUIDv7s (the delivery log pages by them): one fresh id whose last 32
  // random bits are replaced by the row's number, unique per endpoint and, through the rest, per change.
  return tx.$executeRaw`
    INSERT INTO "WebhookDelivery" ("id", "endpointId", "messageId", "eventType", "body", "orderingKey", "nextAttemptAt", "createdAt", "updatedAt")
    SELECT overlay(${newId()} placing lpad(to_hex(row_number() OVER (ORDER BY e."id")), 8, '0') from 29 for 8),
      e."id", ${messageId}, ${type}, ${body}, ${orderingKey}, ${DATABASE_NOW}, ${DATABASE_NOW}, ${DATABASE_NOW}
    FROM "WebhookEndpoint" e
    WHERE e."enabled" AND (cardinality(e."eventTypes") = 0 OR ${type} = ANY(e."eventTypes"))`;
}

/** Makes every status change of the store commit with its webhook messages. */
export function registerWebhookOutbox(store: Pick<ConnectionStore, 'onStatusChangeInTransaction'>): void {
  store.onStatusChangeInTransaction(enqueueConnectionEvent);
}
