// Connection events: status changes (for subscribers) and every change of a connection (so that
// caches of decrypted credentials stay current). In-process by default; with REDIS_URL every event
// goes through Redis pub/sub, so all instances (this one included) receive it in one order.
// Events hold ids, status and sequence only, never secrets.
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import { config } from './config.js';
import type { ConnectionStatus } from './generated/prisma/client.js';
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

function redisTransport(url: string, channel: string): Transport {
  const options = { lazyConnect: false, maxRetriesPerRequest: null, enableAutoPipelining: true };
  const publisher = new Redis(url, options);
  const subscriber = new Redis(url, options);
  for (const client of [publisher, subscriber]) {
    client.on('error', (error: Error) => logger.warn({ err: { message: error.message } }, 'redis connection problem'));
  }
  const ready = subscriber.subscribe(channel).then(
    () => undefined,
    (error: Error) => logger.warn({ err: { message: error.message } }, 'redis subscribe failed'),
  );
  subscriber.on('message', (_channel: string, message: string) => {
    try {
      const { name, payload } = JSON.parse(message) as { name: EventName; payload: unknown };
      emitter.emit(name, payload);
    } catch {
      logger.warn('ignored a malformed event from redis');
    }
  });
  return {
    ready,
    publish: (name, payload) => {
      publisher.publish(channel, JSON.stringify({ name, payload })).catch((error: Error) => {
        // Pub/sub is best effort across instances; this instance still hears its own event.
        logger.warn({ err: { message: error.message } }, 'event not published to redis');
        emitter.emit(name, payload);
      });
    },
    close: async () => {
      await Promise.allSettled([publisher.quit(), subscriber.quit()]);
    },
  };
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
