// Finding the connection a request means, as the viewer may see it, and the hot path's cache of
// decrypted credentials: a proxied call with a fresh token costs no database round trip. Entries are
// dropped on every change of their connection or integration (events reach all instances through
// Redis when configured) and after CACHE_TTL_MS in any case.
import { decodeGlobalID } from '@pothos/plugin-relay';
import type { Viewer } from '../auth/viewer.js';
import { prisma } from '../db/client.js';
import { crossInstanceEventsFlowing, onConnectionChange, onEventsResumed, onIntegrationChange } from '../events.js';
import { NotFoundError, ValidationError } from '../errors.js';
import type { ConnectionWithIntegration, UsableCredentials } from './connections.js';
import { SHARED_OWNER_KEY, mayConnectIntegration, visibleConnectionsWhere } from './access.js';
import { openCredentials } from './connections.js';
import { integrationReferenceWhere, matchesIntegrationReference } from './integrations.js';

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

/** The connection, as the viewer may see it; another user's gives the same NotFoundError as a missing one. */
export async function findConnection(viewer: Viewer, reference: ConnectionReference): Promise<ConnectionWithIntegration> {
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
  if (!connection) throw new NotFoundError('No such connection.');
  return connection;
}

// ----------------------------------------------------------------------------- the hot path's cache

const CACHE_TTL_MS = 30_000;
const CACHE_MAX_ENTRIES = 50_000;

interface CacheEntry {
  usable: UsableCredentials;
  cachedAt: number;
}

const entries = new Map<string, CacheEntry>();
/** Cache keys by connection id, to drop them on change events. */
const keysByConnection = new Map<string, Set<string>>();
/**
 * The newest sequence announced per connection (Infinity once deleted): a read that raced with a
 * change and returns an older row is not cached.
 */
const announcedSequence = new Map<string, number>();

let listening = false;
function listenForChanges(): void {
  if (listening) return;
  listening = true;
  onConnectionChange((event) => {
    const sequence = event.deleted ? Infinity : event.sequence;
    if (sequence > (announcedSequence.get(event.connectionId) ?? 0)) announcedSequence.set(event.connectionId, sequence);
    if (announcedSequence.size > CACHE_MAX_ENTRIES) announcedSequence.delete(announcedSequence.keys().next().value!);
    forgetConnection(event.connectionId);
  });
  onIntegrationChange((event) => {
    for (const [key, entry] of entries) if (entry.usable.connection.integrationId === event.integrationId) forgetKey(key);
  });
  // Back from a Redis outage: changes made on other instances meanwhile were not heard.
  onEventsResumed(() => {
    entries.clear();
    keysByConnection.clear();
  });
}

function forgetKey(key: string): void {
  const entry = entries.get(key);
  if (!entry) return;
  entries.delete(key);
  keysByConnection.get(entry.usable.connection.id)?.delete(key);
}

export function forgetConnection(connectionId: string): void {
  for (const key of keysByConnection.get(connectionId) ?? []) entries.delete(key);
  keysByConnection.delete(connectionId);
}

function cacheKey(viewer: Viewer, reference: ConnectionReference): string {
  // A reference means a different connection for each viewer ("default" is the viewer's own, admins
  // included), and admins may see more by id: the key is the viewer, never the role alone.
  const who = `${viewer.isAdmin ? 'admin' : 'user'}:${viewer.userId}`;
  return `${who}\u0000${reference.connectionId ?? ''}\u0000${reference.integration ?? ''}\u0000${reference.connectionName ?? 'default'}`;
}

/**
 * The connection and its decrypted credentials, from memory when recently loaded and unchanged since.
 * A hit is returned as it is, not as a promise: the hot path awaits nothing it does not have to.
 */
export function findConnectionCached(viewer: Viewer, reference: ConnectionReference): UsableCredentials | Promise<UsableCredentials> {
  listenForChanges();
  const key = cacheKey(viewer, reference);
  const cached = entries.get(key);
  // While other instances' changes cannot reach this one (Redis down), every call reads the row.
  if (cached && Date.now() - cached.cachedAt < CACHE_TTL_MS && crossInstanceEventsFlowing()) return cached.usable;
  if (cached) forgetKey(key);
  return findConnection(viewer, reference).then((connection) => {
    const usable = { connection, credentials: openCredentials(connection) };
    remember(key, usable);
    return usable;
  });
}

/** Replaces what the cache holds for a connection after this instance changed it (e.g. refreshed it). */
export function rememberRefreshed(viewer: Viewer, reference: ConnectionReference, usable: UsableCredentials): void {
  remember(cacheKey(viewer, reference), usable);
}

function remember(key: string, usable: UsableCredentials): void {
  if (usable.connection.sequence < (announcedSequence.get(usable.connection.id) ?? 0)) return;
  if (entries.size >= CACHE_MAX_ENTRIES) {
    const oldest = entries.keys().next().value;
    if (oldest !== undefined) forgetKey(oldest);
  }
  forgetKey(key);
  entries.set(key, { usable, cachedAt: Date.now() });
  let keys = keysByConnection.get(usable.connection.id);
  if (!keys) keysByConnection.set(usable.connection.id, (keys = new Set()));
  keys.add(key);
}
