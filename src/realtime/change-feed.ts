// The change feed (src/domain/changes.ts) of an app: changes announced here reach listeners in this
// process at once and, with REDIS_URL, the other instances through Redis pub/sub (each skips its own).
// Best effort across instances: while Redis is down, listeners here still hear local changes, and
// caches that rely on the feed are told (flowing() is false; onResumed when it comes back).
import { EventEmitter } from 'node:events';
import type { ChangeFeed, ConnectionChange, IntegrationChange, ProviderWebhookForwarded } from '../domain/changes.js';
import { loadRedis } from '../kernel/ioredis.js';
import type { Logger } from '../kernel/log.js';

interface Messages {
  connection: ConnectionChange;
  integration: IntegrationChange;
  providerWebhook: ProviderWebhookForwarded;
}
type MessageName = keyof Messages;

export interface RunningChangeFeed extends ChangeFeed {
  /** Resolves once other instances' changes are heard (at once without Redis). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export function createChangeFeed(options: { redisUrl?: string; channel: string; instanceId: string; logger: Logger }): RunningChangeFeed {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const resumedListeners = new Set<() => void>();
  const on = <Name extends MessageName>(name: Name, listener: (message: Messages[Name]) => void) => {
    emitter.on(name, listener as (message: unknown) => void);
    return () => void emitter.off(name, listener as (message: unknown) => void);
  };
  const common = {
    onConnection: (listener: (change: ConnectionChange) => void) => on('connection', listener),
    onIntegration: (listener: (change: IntegrationChange) => void) => on('integration', listener),
    onProviderWebhook: (listener: (forwarded: ProviderWebhookForwarded) => void) => on('providerWebhook', listener),
    onResumed(listener: () => void) {
      resumedListeners.add(listener);
      return () => void resumedListeners.delete(listener);
    },
  };
  if (!options.redisUrl) {
    return {
      ...common,
      announceConnection: (change) => void emitter.emit('connection', change),
      announceIntegration: (change) => void emitter.emit('integration', change),
      announceProviderWebhook: (forwarded) => void emitter.emit('providerWebhook', forwarded),
      flowing: () => true,
      ready: () => Promise.resolve(),
      close: async () => {},
    };
  }

  const { logger, channel, instanceId } = options;
  const redisUrl = options.redisUrl;
  let linkUp = true;
  let subscribedOnce = false;
  // ioredis loads only where REDIS_URL is set; until it has, a publish fails as it would while connecting.
  const clients = loadRedis().then((Redis) => {
    // No offline queue for publishes: while Redis is down a change would otherwise sit in ioredis'
    // memory and arrive late and out of order; local listeners already have it.
    const publisher = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false, enableAutoPipelining: true });
    const subscriber = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: null });
    for (const client of [publisher, subscriber]) client.on('error', (error: unknown) => logger.warn({ err: error }, 'redis connection problem'));
    const subscribed = subscriber.subscribe(channel).then(
      () => {
        subscribedOnce = true;
      },
      (error: unknown) => logger.warn({ err: error }, 'redis subscribe failed'),
    );
    subscriber.on('close', () => {
      if (!linkUp) return;
      linkUp = false;
      logger.warn('redis link down: changes reach this instance only; cached credentials are bypassed until it is back');
    });
    // ioredis re-subscribes on reconnect and then emits "ready": changes other instances made meanwhile were not heard.
    subscriber.on('ready', () => {
      if (linkUp) return;
      linkUp = true;
      if (!subscribedOnce) return;
      logger.info('redis link back: dropping cached credentials that may have missed changes');
      for (const listener of resumedListeners) listener();
    });
    subscriber.on('message', (_channel: string, message: string) => {
      try {
        const { name, payload, from } = JSON.parse(message) as { name: MessageName; payload: unknown; from?: string };
        // Our own changes were delivered locally when announced.
        if (from === instanceId) return;
        emitter.emit(name, payload);
      } catch {
        logger.warn('ignored a malformed change from redis');
      }
    });
    return { publisher, subscriber, subscribed };
  });
  let publisher: Awaited<typeof clients>['publisher'] | undefined;
  void clients.then((made) => (publisher = made.publisher));
  const announce = (name: MessageName, payload: Messages[MessageName]) => {
    // Local listeners first, at once, whatever the state of Redis.
    emitter.emit(name, payload);
    const message = JSON.stringify({ name, payload, from: instanceId });
    (publisher ? publisher.publish(channel, message) : clients.then((made) => made.publisher.publish(channel, message))).catch((error: unknown) => {
      // Pub/sub is best effort across instances (see docs/calling-apis.md, "Tokens under faults"): other instances miss this change.
      logger.warn({ err: error }, 'change not published to redis');
    });
  };
  return {
    ...common,
    announceConnection: (change) => announce('connection', change),
    announceIntegration: (change) => announce('integration', change),
    announceProviderWebhook: (forwarded) => announce('providerWebhook', forwarded),
    flowing: () => linkUp,
    ready: () => clients.then((made) => made.subscribed),
    async close() {
      const { publisher, subscriber } = await clients;
      await Promise.allSettled([publisher.quit(), subscriber.quit()]);
      publisher.disconnect();
      subscriber.disconnect();
    },
  };
}
