// The stream behind connectionStatusChanged: status events the viewer may see, filtered by
// integration or connection. Authorization is checked when subscribing (the filters must name things
// the viewer can see) and again for every event (own connections, shared ones; all for an admin).
// Fan-out: one listener on the event bus for all subscribers, which are indexed by the connection,
// integration or owner they can hear about, so an event only reaches the few that may want it; and
// the `connection` field's row is read once per event, shared by every subscriber that selects it.
import type { Database } from '../db/database.js';
import { mayConnectIntegration, mayViewConnection } from '../domain/access.js';
import type { ChangeFeed, ConnectionStatusEvent } from '../domain/changes.js';
import type { ConnectionLookup } from '../domain/connection-lookup.js';
import type { Integrations } from '../domain/integrations.js';
import type { Viewer } from '../domain/viewer.js';
import type { Connection } from '../generated/prisma/client.js';
import { NotFoundError, QuotaExceededError } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import { PER_INSTANCE_LIMITS, type SharedLimits } from '../kernel/shared-limits.js';
import type { RealtimeSettings } from './settings.js';
import { createSubscriptionSlots, type SubscriptionSlots } from './subscription-slots.js';

export interface StatusStreamFilter {
  integration?: string | null;
  connectionId?: string | null;
}

function mayReceive(viewer: Viewer, event: Pick<ConnectionStatusEvent, 'ownerId'> & Partial<Pick<ConnectionStatusEvent, 'integrationId'>>): boolean {
  // A connect session hears only about the integrations it offers.
  if (viewer.connectSession && !mayConnectIntegration(viewer, { id: event.integrationId ?? '' })) return false;
  return viewer.isAdmin || event.ownerId === null || event.ownerId === viewer.userId;
}

type StatusSubscriber = StatusEventStream;

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
    subscriber.push(event);
  }
}

/** The subscribers of one app, indexed by what they may hear about, and the per-user slots they hold. */
class SubscriberIndex {
  /** Subscribers by what they listen to; each is in exactly one of these. */
  private readonly byConnection = new Map<string, Set<StatusSubscriber>>();
  private readonly byIntegration = new Map<string, Set<StatusSubscriber>>();
  /** Unfiltered non-admins by user id: they hear their own connections and shared ones. */
  private readonly byOwner = new Map<string, Set<StatusSubscriber>>();
  /** Unfiltered admins: they hear everything. */
  private readonly everything = new Set<StatusSubscriber>();
  /** Open streams: at shutdown they end cleanly (SSE gets its "complete"). */
  readonly open = new Set<StatusSubscriber>();
  /** Open subscriptions per user (SSE and WebSocket alike). */
  private readonly perUser = new Map<string, number>();
  private stopListening: (() => void) | undefined;

  constructor(
    private readonly changes: ChangeFeed,
    readonly settings: Pick<RealtimeSettings, 'maxSubscriptionsPerUser' | 'maxSubscriptionsPerConnectSession' | 'subscriptionQueueMax'>,
    readonly logger: Logger,
    readonly shared: SubscriptionSlots,
  ) {}

  private dispatch(event: ConnectionStatusEvent): void {
    deliver(this.byConnection.get(event.connectionId), event);
    deliver(this.byIntegration.get(event.integrationId), event);
    deliver(this.everything, event);
    if (event.ownerId !== null) deliver(this.byOwner.get(event.ownerId), event);
    else for (const subscribers of this.byOwner.values()) deliver(subscribers, event);
  }

  register(subscriber: StatusSubscriber): () => void {
    const remove =
      subscriber.connectionId !== undefined
        ? addTo(this.byConnection, subscriber.connectionId, subscriber)
        : subscriber.integrationId !== undefined
          ? addTo(this.byIntegration, subscriber.integrationId, subscriber)
          : subscriber.viewer.isAdmin
            ? (this.everything.add(subscriber), () => void this.everything.delete(subscriber))
            : addTo(this.byOwner, subscriber.viewer.userId, subscriber);
    // Delivered after the publisher's own call returns: a mutation that changes a status does not wait
    // for thousands of socket writes (setImmediate keeps the events' order).
    if (this.open.size === 0) {
      this.stopListening = this.changes.onConnection((change) => {
        if (change.status) setImmediate(() => this.dispatch(change.status!));
      });
    }
    this.open.add(subscriber);
    return () => {
      remove();
      this.open.delete(subscriber);
      if (this.open.size === 0) {
        this.stopListening?.();
        this.stopListening = undefined;
      }
    };
  }

  openSubscriptionCount(userId: string): number {
    return this.perUser.get(userId) ?? 0;
  }

  /**
   * Takes one of the viewer's subscription slots; the returned function gives it back (once). A
   * connect-session token has slots of its own (a few), so a leaked or busy token cannot use up its
   * end user's quota; the key cannot collide with a user id (user ids have no space). With Redis the
   * cap holds across instances too (subscription-slots.ts).
   */
  async claimSlot(viewer: Viewer): Promise<() => void> {
    const session = viewer.connectSession;
    const key = session ? `session ${session.id}` : viewer.userId;
    const limit = session ? this.settings.maxSubscriptionsPerConnectSession : this.settings.maxSubscriptionsPerUser;
    const refuse = () =>
      new QuotaExceededError(`This ${session ? 'connect session' : 'user'} already has ${limit} open subscriptions: close one first.`, limit);
    const open = this.openSubscriptionCount(key);
    if (open >= limit) throw refuse();
    this.perUser.set(key, open + 1);
    let released = false;
    const releaseHere = () => {
      if (released) return;
      released = true;
      const left = this.openSubscriptionCount(key) - 1;
      if (left > 0) this.perUser.set(key, left);
      else this.perUser.delete(key);
    };
    const releaseShared = await this.shared.claim(key, limit);
    if (!releaseShared) {
      releaseHere();
      throw refuse();
    }
    return () => {
      releaseShared();
      releaseHere();
    };
  }
}

interface StatusEventListener {
  event(event: ConnectionStatusEvent): void;
  end(): void;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * One subscriber's events: registered in the index while open (from the subscribe resolver on, so
 * "subscribed" means "hears events"). Pulled as an async iterator (a queue between the bus and
 * next()), or pushed to a listener (the WebSocket transport: no queue, no promise per event). An idle
 * subscriber costs this object, and its expiry timer for a JWT.
 */
class StatusEventStream implements AsyncIterableIterator<ConnectionStatusEvent> {
  private queue: ConnectionStatusEvent[] | undefined;
  private waiting: ((step: IteratorResult<ConnectionStatusEvent>) => void) | undefined;
  private ended = false;
  private expiry: NodeJS.Timeout | undefined;
  private readonly unregister: () => void;
  /** Set by a consumer that takes events pushed (src/http/shared-subscription-execution.ts): no queue, no promise. */
  private listener: StatusEventListener | undefined;

  constructor(
    private readonly index: SubscriberIndex,
    readonly viewer: Viewer,
    readonly integrationId: string | undefined,
    readonly connectionId: string | undefined,
    private readonly release: () => void,
  ) {
    // The stream ends when the credentials it was opened with expire (a JWT's exp; SSE and WebSocket).
    if (viewer.expiresAt !== undefined) {
      this.expiry = setTimeout(() => this.end(), Math.max(0, Math.min(viewer.expiresAt - Date.now(), 2 ** 31 - 1)));
      this.expiry.unref();
    }
    this.unregister = index.register(this);
  }

  push(event: ConnectionStatusEvent): void {
    if (this.ended) return;
    if (this.listener) {
      // Runs inside the publisher's call: one subscriber's failure must reach neither it nor the others.
      try {
        this.listener.event(event);
      } catch (error) {
        this.index.logger.error({ err: error }, 'status event delivery failed; the subscription ends');
        this.end();
      }
      return;
    }
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting({ done: false, value: event });
      return;
    }
    const queue = (this.queue ??= []);
    if (queue.length >= this.index.settings.subscriptionQueueMax) {
      // A consumer this far behind is not reading: end it rather than hold events without bound.
      this.index.logger.warn({ userId: this.viewer.userId, queued: queue.length }, 'status subscription ended: its consumer fell too far behind');
      this.queue = undefined;
      this.end();
      return;
    }
    queue.push(event);
  }

  /** Ends the stream (client gone, credentials expired, shutdown): the subscriber leaves the index, its slot is given back. Once. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.expiry);
    this.unregister();
    this.release();
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.(DONE);
    this.listener?.end();
  }

  /** From now on events go to the listener as they come (queued ones first), and the end too. */
  listen(listener: StatusEventListener): void {
    this.listener = listener;
    const queued = this.queue;
    this.queue = undefined;
    if (queued) for (const event of queued) listener.event(event);
    if (this.ended) listener.end();
  }

  next(): Promise<IteratorResult<ConnectionStatusEvent>> {
    const queued = this.queue?.shift();
    if (queued) return Promise.resolve({ done: false, value: queued });
    if (this.ended) return Promise.resolve(DONE);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<ConnectionStatusEvent>> {
    this.queue = undefined;
    this.end();
    return Promise.resolve(DONE);
  }

  throw(error?: unknown): Promise<IteratorResult<ConnectionStatusEvent>> {
    this.queue = undefined;
    this.end();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

export type StatusStreams = ReturnType<typeof createStatusStreams>;

/** The status subscriptions of an app: fed by its change feed, bounded per user and per subscriber. */
export function createStatusStreams(deps: {
  db: Database;
  changes: ChangeFeed;
  lookup: Pick<ConnectionLookup, 'find'>;
  integrations: Pick<Integrations, 'find'>;
  settings: Pick<RealtimeSettings, 'maxSubscriptionsPerUser' | 'maxSubscriptionsPerConnectSession' | 'subscriptionQueueMax'>;
  logger: Logger;
  /** Caps per deployment (Redis); per instance without. */
  limits?: SharedLimits;
}) {
  const slots = createSubscriptionSlots(deps.limits ?? PER_INSTANCE_LIMITS);
  const index = new SubscriberIndex(deps.changes, deps.settings, deps.logger, slots);
  /** The event's connection row, read once per event however many subscribers select it. */
  const connectionReads = new WeakMap<ConnectionStatusEvent, Promise<Connection | null>>();

  return {
    /** A new subscriber's stream, its filters checked against what the viewer may see. */
    async subscribe(viewer: Viewer, filter: StatusStreamFilter): Promise<AsyncIterable<ConnectionStatusEvent>> {
      let integrationId: string | undefined;
      if (filter.integration) {
        const integration = await deps.integrations.find(filter.integration);
        if (!integration || !mayConnectIntegration(viewer, integration)) throw new NotFoundError(`No integration "${filter.integration}".`);
        integrationId = integration.id;
      }
      let connectionId: string | undefined;
      if (filter.connectionId) {
        // Another user's connection gives the same NotFoundError as a missing one.
        const connection = await deps.lookup.find(viewer, { connectionId: filter.connectionId, integration: filter.integration });
        connectionId = connection.id;
      }
      return new StatusEventStream(index, viewer, integrationId, connectionId, await index.claimSlot(viewer));
    },

    /** The connection an event is about as the viewer may see it (null when gone or not visible). */
    async connectionOf(viewer: Viewer, event: ConnectionStatusEvent): Promise<Connection | null> {
      let read = connectionReads.get(event);
      if (!read) {
        read = deps.db.prisma.connection.findUnique({ where: { id: event.connectionId } });
        connectionReads.set(event, read);
        // A failed read is not shared with later subscribers: they try again.
        read.catch(() => connectionReads.delete(event));
      }
      const connection = await read;
      return connection && mayViewConnection(viewer, connection) ? connection : null;
    },

    /** Ends every open stream (shutdown); the transports then close their responses. */
    closeAll(): void {
      for (const stream of [...index.open]) stream.end();
      slots.stop();
    },

    /** How many status subscriptions this app holds (the subscriptions gauge; tests see that none leak). */
    subscriberCount: () => index.open.size,
    /** How many are open across the deployment (Redis), else on this instance. */
    deploymentSubscriberCount: async () => (await slots.deploymentCount()) ?? index.open.size,
    openSubscriptionCount: (userId: string) => index.openSubscriptionCount(userId),
  };
}
