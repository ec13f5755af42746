// Finding the connection a request means, as the viewer may see it, and the hot path's cache of
// decrypted credentials: a proxied call with a fresh token costs no database round trip. Entries are
// dropped on every change of their connection or integration (events reach all instances through
// Redis when configured) and after CACHE_TTL_MS in any case.
import { decodeGlobalID } from '@pothos/plugin-relay';
import { LRUCache } from 'lru-cache';
import { lazy } from '../kernel/lazy.js';
import type { Database } from '../db/database.js';
import { NotFoundError, ValidationError } from '../kernel/errors.js';
import { SHARED_OWNER_KEY, mayConnectIntegration, visibleConnectionsWhere } from './access.js';
import type { ChangeFeed } from './changes.js';
import type { ConnectionStore, ConnectionWithIntegration, UsableCredentials } from './connections.js';
import { integrationReferenceWhere, matchesIntegrationReference } from './integrations.js';
import type { Viewer } from './viewer.js';

export interface ConnectionReference {
  /** Global ID or raw id. */
  connectionId?: string | null;
  /** Slug or ID; with connectionId it must match, without it the viewer's connection `connectionName`. */
  integration?: string | null;
  connectionName?: string | null;
}

/** Decodes a Connection global ID (or accepts a raw id). */
export function connectionIdFrom(reference: string): string {
  try {
    const { typename, id } = decodeGlobalID(reference);
    if (typename === 'Connection') return id;
  } catch {
    // not a global ID: a raw id
  }
  return reference;
}

const CACHE_TTL_MS = 30_000;
const CACHE_MAX_ENTRIES = 50_000;

export type ConnectionLookup = ReturnType<typeof createConnectionLookup>;

export function createConnectionLookup(deps: { db: Database; store: Pick<ConnectionStore, 'open'>; changes: ChangeFeed }) {
  const { prisma } = deps.db;

  /** The connection, as the viewer may see it; another user's gives the same NotFoundError as a missing one. */
  async function find(viewer: Viewer, reference: ConnectionReference): Promise<ConnectionWithIntegration> {
    let connection: ConnectionWithIntegration | null;
    if (reference.connectionId) {
      connection = await prisma.connection.findFirst({
        where: { id: connectionIdFrom(reference.connectionId), ...visibleConnectionsWhere(viewer) },
        include: { integration: true },
      });
      if (connection && reference.integration && !matchesIntegrationReference(connection.integration, reference.integration)) connection = null;
    } else if (reference.integration) {
      // One query: the viewer's connection of that name, or the shared one (an integration has only one kind).
      connection = await prisma.connection.findFirst({
        where: {
          integration: integrationReferenceWhere(reference.integration),
          ownerKey: { in: [viewer.userId, SHARED_OWNER_KEY] },
          name: reference.connectionName ?? 'default',
        },
        include: { integration: true },
      });
    } else {
      throw ValidationError.field('connectionId', 'Give a connectionId, or an integration (and a connectionName).');
    }
    if (connection && !mayConnectIntegration(viewer, connection.integration)) connection = null;
    if (!connection && reference.integration && !reference.connectionId) {
      // Only on a miss: say whether the integration itself is unknown (a typo) or only the connection.
      const integration = await prisma.integration.findFirst({ where: integrationReferenceWhere(reference.integration) });
      if (!integration || !mayConnectIntegration(viewer, integration)) throw new NotFoundError(`No integration "${reference.integration}".`);
      throw new NotFoundError(`No connection "${reference.connectionName ?? 'default'}" of integration "${reference.integration}".`);
    }
    if (!connection) throw new NotFoundError('No such connection.');
    return connection;
  }

  // --------------------------------------------------------------------------- the hot path's cache

  /** Cache keys by connection id, to drop them on change events. */
  const keysByConnection = new Map<string, Set<string>>();
  const entries = lazy(
    () =>
      new LRUCache<string, UsableCredentials>({
        max: CACHE_MAX_ENTRIES,
        ttl: CACHE_TTL_MS,
        // The clock read on each lookup: the default caches it with a 1 ms timer, a timer every few calls here.
        ttlResolution: 0,
        // Evicted, expired or replaced: the connection's key index forgets it too.
        dispose: (usable, key) => {
          const keys = keysByConnection.get(usable.connection.id);
          keys?.delete(key);
          if (keys?.size === 0) keysByConnection.delete(usable.connection.id);
        },
      }),
  );
  /**
   * The newest sequence announced per connection (Infinity once deleted): a read that raced with a
   * change and returns an older row is not cached.
   */
  const announcedSequence = lazy(() => new LRUCache<string, number>({ max: CACHE_MAX_ENTRIES }));

  function forgetConnection(connectionId: string): void {
    for (const key of [...(keysByConnection.get(connectionId) ?? [])]) entries().delete(key);
  }

  deps.changes.onConnection((change) => {
    const sequence = change.deleted ? Infinity : change.sequence;
    if (sequence > (announcedSequence().get(change.connectionId) ?? 0)) announcedSequence().set(change.connectionId, sequence);
    forgetConnection(change.connectionId);
  });
  deps.changes.onIntegration((change) => {
    for (const [key, usable] of entries().entries()) if (usable.connection.integrationId === change.integrationId) entries().delete(key);
  });
  // Back from a Redis outage: changes made on other instances meanwhile were not heard.
  deps.changes.onResumed(() => entries().clear());

  function cacheKey(viewer: Viewer, reference: ConnectionReference): string {
    // A reference means a different connection for each viewer ("default" is the viewer's own, admins
    // included), and admins may see more by id: the key is the viewer, never the role alone.
    // A session token sees fewer integrations than its user: its own entries.
    const who = viewer.connectSession ? `session:${viewer.connectSession.id}` : `${viewer.isAdmin ? 'admin' : 'user'}:${viewer.userId}`;
    return `${who}\u0000${reference.connectionId ?? ''}\u0000${reference.integration ?? ''}\u0000${reference.connectionName ?? 'default'}`;
  }

  function remember(key: string, usable: UsableCredentials): void {
    if (usable.connection.sequence < (announcedSequence().get(usable.connection.id) ?? 0)) return;
    entries().set(key, usable);
    let keys = keysByConnection.get(usable.connection.id);
    if (!keys) keysByConnection.set(usable.connection.id, (keys = new Set()));
    keys.add(key);
  }

  /**
   * The connection and its decrypted credentials, from memory when recently loaded and unchanged since.
   * A hit is returned as it is, not as a promise: the hot path awaits nothing it does not have to.
   */
  function findCached(viewer: Viewer, reference: ConnectionReference): UsableCredentials | Promise<UsableCredentials> {
    const key = cacheKey(viewer, reference);
    // While other instances' changes cannot reach this one (Redis down), every call reads the row.
    const cached = deps.changes.flowing() ? entries().get(key) : undefined;
    if (cached) return cached;
    return find(viewer, reference).then((connection) => {
      const usable = { connection, credentials: deps.store.open(connection) };
      remember(key, usable);
      return usable;
    });
  }

  return {
    find,
    findCached,
    /** Replaces what the cache holds for a connection after this instance changed it (e.g. refreshed it). */
    rememberRefreshed(viewer: Viewer, reference: ConnectionReference, usable: UsableCredentials): void {
      remember(cacheKey(viewer, reference), usable);
    },
    /** Makes the caches now (each allocates its capacity up front): the warm-up after ready, not the first request, pays for it. */
    warmUp(): void {
      entries();
      announcedSequence();
    },
  };
}
