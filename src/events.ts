// Connection events: status changes (for subscribers) and every change of a connection (so that
// caches of decrypted credentials stay current). Subscribers in this process get an event at once;
// with REDIS_URL it also goes through Redis pub/sub to the other instances (each skips its own).
// Events hold ids, status and sequence only, never secrets.
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import { config } from './config.js';
import type { ConnectionStatus } from './generated/prisma/client.js';
import { instanceId } from './instance.js';
import { logger } from './logger.js';

export interface ConnectionStatusEvent {
  connectionId: string;
  integrationId: string;
  integrationSlug: string;
  connectionName: string;
  ownerId: string | null;
  status: ConnectionStatus;
  previousStatus: ConnectionStatus | null;
  reason: string | null;
  sequence: number;
  at: string;
}

/** A connection changed (new tokens, status, metadata) or was deleted. */
export interface ConnectionChangeEvent {
  connectionId: string;
  integrationId: string;
  sequence: number;
  deleted: boolean;
}

/** An integration changed or was deleted: cached configurations and credentials of it are stale. */
export interface IntegrationChangeEvent {
  integrationId: string;
}

interface Events {
  status: ConnectionStatusEvent;
  change: ConnectionChangeEvent;
  integration: IntegrationChangeEvent;
}
type EventName = keyof Events;

const emitter = new EventEmitter();
emitter.setMaxListeners(0);

interface Transport {
  publish(name: EventName, payload: unknown): void;
  /** Resolves once events from other instances are heard. */
  ready: Promise<void>;
  close(): Promise<void>;
}

function localTransport(): Transport {
  return {
    publish: (name, payload) => emitter.emit(name, payload),
    ready: Promise.resolve(),
    close: async () => {},
  };
}

/** Listeners told when the link to other instances comes back after an outage (see onEventsResumed). */
const resumedListeners = new Set<() => void>();
let crossInstanceLinkUp = true;

function redisTransport(url: string, channel: string): Transport {
  // No offline queue for publishes: while Redis is down an event would otherwise sit in ioredis'
  // memory and arrive late and out of order; local subscribers already have it.
  const publisher = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false, enableAutoPipelining: true });
  const subscriber = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: null });
  for (const client of [publisher, subscriber]) {
    client.on('error', (error: Error) => logger.warn({ err: { message: error.message } }, 'redis connection problem'));
  }
  let subscribedOnce = false;
  const ready = subscriber.subscribe(channel).then(
    () => {
      subscribedOnce = true;
    },
    (error: Error) => logger.warn({ err: { message: error.message } }, 'redis subscribe failed'),
  );
  subscriber.on('close', () => {
    if (!crossInstanceLinkUp) return;
    crossInstanceLinkUp = false;
    logger.warn('redis link down: events reach this instance only; cached credentials are bypassed until it is back');
  });
  // ioredis re-subscribes on reconnect and then emits "ready": changes other instances made meanwhile were not heard.
  subscriber.on('ready', () => {
    if (crossInstanceLinkUp) return;
    crossInstanceLinkUp = true;
    if (!subscribedOnce) return;
    logger.info('redis link back: dropping cached credentials that may have missed changes');
    for (const listener of resumedListeners) listener();
  });
  subscriber.on('message', (_channel: string, message: string) => {
    try {
      const { name, payload, from } = JSON.parse(message) as { name: EventName; payload: unknown; from?: string };
      // Our own events were delivered locally when published.
      if (from === instanceId) return;
      emitter.emit(name, payload);
    } catch {
      logger.warn('ignored a malformed event from redis');
    }
  });
  return {
    ready,
    publish: (name, payload) => {
      // Local subscribers first, at once, whatever the state of Redis.
      emitter.emit(name, payload);
      publisher.publish(channel, JSON.stringify({ name, payload, from: instanceId })).catch((error: Error) => {
        // Pub/sub is best effort across instances (see the README): other instances miss this event.
        logger.warn({ err: { message: error.message } }, 'event not published to redis');
      });
    },
    close: async () => {
      await Promise.allSettled([publisher.quit(), subscriber.quit()]);
      publisher.disconnect();
      subscriber.disconnect();
    },
  };
}

/**
 * Whether changes made on other instances reach this one now: always without Redis (one instance),
 * and with Redis while its link is up. Caches that rely on change events check it.
 */
export function crossInstanceEventsFlowing(): boolean {
  return !config.redisUrl || crossInstanceLinkUp;
}

/** Called when the Redis link comes back after an outage: changes made meanwhile were missed. */
export function onEventsResumed(listener: () => void): () => void {
  resumedListeners.add(listener);
  return () => resumedListeners.delete(listener);
}

let transport: Transport | undefined;
function currentTransport(): Transport {
  transport ??= config.redisUrl ? redisTransport(config.redisUrl, `${config.redisPrefix}:events`) : localTransport();
  return transport;
}

/** Connects to Redis now (when configured) and resolves once other instances' events are heard. */
export function eventsReady(): Promise<void> {
  return currentTransport().ready;
}

export async function closeEvents(): Promise<void> {
  const current = transport;
  transport = undefined;
  crossInstanceLinkUp = true;
  await current?.close();
}

function publish<Name extends EventName>(name: Name, payload: Events[Name]): void {
  currentTransport().publish(name, payload);
}

function listen<Name extends EventName>(name: Name, listener: (event: Events[Name]) => void): () => void {
  currentTransport();
  emitter.on(name, listener as (event: unknown) => void);
  return () => emitter.off(name, listener as (event: unknown) => void);
}

export const publishStatusEvent = (event: ConnectionStatusEvent) => publish('status', event);
export const onStatusEvent = (listener: (event: ConnectionStatusEvent) => void) => listen('status', listener);
export const publishConnectionChange = (event: ConnectionChangeEvent) => publish('change', event);
export const onConnectionChange = (listener: (event: ConnectionChangeEvent) => void) => listen('change', listener);
export const publishIntegrationChange = (event: IntegrationChangeEvent) => publish('integration', event);
export const onIntegrationChange = (listener: (event: IntegrationChangeEvent) => void) => listen('integration', listener);

/** How many status listeners (subscriptions, mostly) this process has: lets tests see that none leak. */
export function statusListenerCount(): number {
  return emitter.listenerCount('status');
}
