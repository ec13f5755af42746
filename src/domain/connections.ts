// The token store: connections with their credentials sealed to the row, created or updated in
// place. Every write of a connection goes through here: a status change commits together with what
// must be atomic with it (the webhook outbox registers a hook that runs inside its transaction), and
// the caller announces the change once, after the commit, as a domain event.
import { recordAudit, type AuditActor } from './audit.js';
import type { Keyring } from '../crypto/envelope.js';
import { DATABASE_NOW } from '../db/clock.js';
import type { Database, Transaction } from '../db/database.js';
import { Prisma, type Connection, type ConnectionStatus } from '../generated/prisma/client.js';
import { newId } from '../kernel/ids.js';
import { SHARED_OWNER_KEY } from './access.js';
import type { ConnectionChange, ConnectionStatusEvent } from './changes.js';
import type { DomainEventBus } from './events.js';
import type { Integration } from './integrations.js';
import { routingKeysOf } from './webhook-routing.js';

export type { Connection };

/** A connection's name: unique per integration and owner ("default", "work", "maria"). */
export const CONNECTION_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export type ConnectionWithIntegration = Connection & { integration: Integration };

/** A connection with its decrypted credentials, as a caller is about to use them. */
export interface UsableCredentials {
  connection: ConnectionWithIntegration;
  credentials: StoredCredentials | null;
}

/** What is sealed in Connection.credentialsEnc. */
export interface StoredCredentials {
  type: 'OAUTH2' | 'API_KEY' | 'BASIC' | 'OAUTH2_CLIENT_CREDENTIALS' | 'JWT_BEARER' | 'GITHUB_APP' | 'OAUTH1' | 'SELF_SIGNED_JWT' | 'TWO_STEP';
  accessToken?: string;
  refreshToken?: string;
  tokenType?: string;
  /** ISO time the access token expires. */
  expiresAt?: string;
  scope?: string;
  idToken?: string;
  apiKey?: string;
  username?: string;
  password?: string;
  /** The provider's token response without the tokens themselves (they are in the fields above). */
  raw?: Record<string, unknown>;
  /** JWT_BEARER: the signing key (PEM; never returned by the API), the identity asserted, the key's id. */
  privateKey?: string;
  clientEmail?: string;
  subject?: string;
  keyId?: string;
  /** GITHUB_APP: the installation the tokens are minted for. */
  installationId?: string;
  /** OAUTH1: the token secret that signs requests with the access token (accessToken). */
  tokenSecret?: string;
}

/** Credential types renewed by minting a new token (no user, no refresh token). */
const MINTED_TYPES = new Set<StoredCredentials['type']>(['OAUTH2_CLIENT_CREDENTIALS', 'JWT_BEARER', 'GITHUB_APP', 'SELF_SIGNED_JWT', 'TWO_STEP']);

/** Whether the credentials can be renewed without the user: a refresh token, or a machine grant. */
export function canRenew(credentials: StoredCredentials | null | undefined): boolean {
  return Boolean(credentials && (credentials.refreshToken || MINTED_TYPES.has(credentials.type)));
}

/** Whether a token request can replace these credentials' access token (OAuth 2.0 and machine grants). */
export function isRenewableType(credentials: StoredCredentials | null | undefined): credentials is StoredCredentials {
  return Boolean(credentials && (credentials.type === 'OAUTH2' || MINTED_TYPES.has(credentials.type)));
}

const credentialsContext = (connectionId: string) => ({ table: 'Connection', rowId: connectionId, field: 'credentials' });

export function sealCredentials(keyring: Keyring, connectionId: string, credentials: StoredCredentials): string {
  return keyring.encrypt(JSON.stringify(credentials), credentialsContext(connectionId));
}

export function openCredentials(keyring: Keyring, connection: Pick<Connection, 'id' | 'credentialsEnc'>): StoredCredentials | null {
  if (!connection.credentialsEnc) return null;
  return JSON.parse(keyring.decrypt(connection.credentialsEnc, credentialsContext(connection.id))) as StoredCredentials;
}

export interface AuthorizedConnectionInput {
  integration: Pick<Integration, 'id' | 'slug' | 'settings'>;
  /** null for a shared connection. */
  ownerId: string | null;
  name: string;
  credentials: StoredCredentials;
  scopes: string[];
  tokenExpiresAt: Date | null;
  refreshTokenExpiresAt?: Date | null;
  apiBaseUrl?: string | null;
  metadata?: Record<string, unknown>;
  /** Replace the connection's tags (a connect session's, createConnection's); undefined keeps them. */
  tags?: Record<string, string>;
  /** The connected account as the provider described it (the catalog's identity). */
  identity?: ConnectionIdentity | null;
}

/** The provider account a connection is for, read where the catalog entry's identity says. */
export interface ConnectionIdentity {
  accountId?: string;
  displayName?: string;
}

/** A new connection's columns from the provider's identity answer. */
function identityFields(identity: ConnectionIdentity | null | undefined) {
  return {
    providerAccountId: identity?.accountId ?? null,
    displayName: identity?.displayName ?? null,
    displayNameSource: identity?.displayName === undefined ? null : 'provider',
  };
}

type IdentityColumns = Pick<Connection, 'providerAccountId' | 'displayName' | 'displayNameSource'>;

/**
 * Stores the provider's identity answer on an existing connection, in one statement that decides on
 * the row itself: a display name the app set (displayNameSource "app", by updateConnection) is never
 * overwritten, even by a check that started before the app set it. Writes nothing when nothing
 * changed (every credential check reads the answer). Returns the columns when it wrote them.
 */
export async function writeIdentity(
  client: Pick<Transaction, '$queryRaw'>,
  connectionId: string,
  identity: ConnectionIdentity | null | undefined,
): Promise<IdentityColumns | null> {
  if (!identity) return null;
  const accountId = identity.accountId ?? null;
  const name = identity.displayName ?? null;
  const rows = await client.$queryRaw<IdentityColumns[]>`
    UPDATE "Connection" SET
      "providerAccountId" = COALESCE(${accountId}::text, "providerAccountId"),
      "displayName" = CASE WHEN ${name}::text IS NOT NULL AND "displayNameSource" IS DISTINCT FROM 'app' THEN ${name}::text ELSE "displayName" END,
      "displayNameSource" = CASE WHEN ${name}::text IS NOT NULL AND "displayNameSource" IS DISTINCT FROM 'app' THEN 'provider' ELSE "displayNameSource" END,
      "updatedAt" = ${DATABASE_NOW}
    WHERE "id" = ${connectionId}
      AND ("providerAccountId" IS DISTINCT FROM COALESCE(${accountId}::text, "providerAccountId")
        OR (${name}::text IS NOT NULL AND "displayNameSource" IS DISTINCT FROM 'app'
          AND ("displayName" IS DISTINCT FROM ${name}::text OR "displayNameSource" IS DISTINCT FROM 'provider')))
    RETURNING "providerAccountId", "displayName", "displayNameSource"`;
  return rows[0] ?? null;
}

export interface ConnectionStatusChange {
  /** The row as written. */
  connection: ConnectionWithIntegration;
  previousStatus: ConnectionStatus;
  /** The status event of the change; null when the status did not change. */
  statusEvent: ConnectionStatusEvent | null;
}

/** Work that must commit with a status change (the webhook outbox), run inside its transaction. */
export type StatusChangeHook = (tx: Transaction, event: ConnectionStatusEvent) => Promise<unknown>;

/** The change to announce for a written row (with its status event when the status changed). */
export function changeOf(
  connection: Pick<Connection, 'id' | 'integrationId' | 'sequence'>,
  statusEvent?: ConnectionStatusEvent | null,
  deleted = false,
): ConnectionChange {
  return {
    connectionId: connection.id,
    integrationId: connection.integrationId,
    sequence: connection.sequence,
    deleted,
    ...(statusEvent ? { status: statusEvent } : {}),
  };
}

/** The status event describing the connection as it is now (for subscribers and the webhook outbox). */
function statusEventOf(connection: Connection, integrationSlug: string, previousStatus: ConnectionStatus | null, reason: string | null): ConnectionStatusEvent {
  return {
    connectionId: connection.id,
    integrationId: connection.integrationId,
    integrationSlug,
    connectionName: connection.name,
    ownerId: connection.ownerId,
    status: connection.status,
    previousStatus,
    reason: reason ?? connection.statusMessage,
    tags: (connection.tags ?? {}) as Record<string, string>,
    sequence: connection.sequence,
    at: new Date().toISOString(),
  };
}

export type ConnectionStore = ReturnType<typeof createConnectionStore>;

export function createConnectionStore(deps: { db: Database; keyring: Keyring; events: DomainEventBus }) {
  const { prisma } = deps.db;
  const statusHooks: StatusChangeHook[] = [];

  /** Runs the registered hooks for a status change inside its transaction. */
  async function runStatusHooks(tx: Transaction, event: ConnectionStatusEvent): Promise<void> {
    for (const hook of statusHooks) await hook(tx, event);
  }

  /**
   * Stores a freshly authorized connection: creates it, or updates the one with the same name in
   * place (same id, sequence + 1, HEALTHY); then announces `connection.connected`, whose operation
   * names `actor` (the owner, or the user acting on a shared integration) and the flow's duration.
   */
  async function saveAuthorized(input: AuthorizedConnectionInput, actor: { userId: string; startedAt?: number }): Promise<Connection> {
    const ownerKey = input.ownerId ?? SHARED_OWNER_KEY;
    const now = new Date();
    const fields = (id: string) => ({
      status: 'HEALTHY' as const,
      statusMessage: null,
      scopes: input.scopes,
      tokenExpiresAt: input.tokenExpiresAt,
      refreshTokenExpiresAt: input.refreshTokenExpiresAt ?? null,
      lastAuthorizedAt: now,
      apiBaseUrl: input.apiBaseUrl ?? null,
      credentialsEnc: sealCredentials(deps.keyring, id, input.credentials),
      hasRefreshToken: canRenew(input.credentials),
      refreshFailures: 0,
      nextRefreshAt: null,
      // A refresh in flight for the old grant loses its compare-and-set: the new authorization wins.
      refreshOwner: null,
      refreshLeaseUntil: null,
      refreshOutcomeUnknown: false,
    });
    for (let attempt = 0; ; attempt++) {
      const existing = await prisma.connection.findUnique({
        where: { integrationId_ownerKey_name: { integrationId: input.integration.id, ownerKey, name: input.name } },
      });
      try {
        // The change and what must be atomic with it commit together (the outbox).
        const { saved, event } = await deps.db.transaction(async (tx) => {
          const metadata = existing ? { ...(existing.metadata as Record<string, unknown>), ...(input.metadata ?? {}) } : (input.metadata ?? {});
          // What the integration's provider webhooks are routed by, kept with the metadata it is read from.
          const routingKeys = routingKeysOf(input.integration, metadata);
          const saved = existing
            ? await tx.connection.update({
                where: { id: existing.id },
                data: {
                  ...fields(existing.id),
                  ...(input.tags ? { tags: input.tags } : {}),
                  metadata: metadata as Prisma.InputJsonObject,
                  routingKeys,
                  sequence: { increment: 1 },
                },
              })
            : await (async () => {
                const id = newId();
                return tx.connection.create({
                  data: {
                    id,
                    integrationId: input.integration.id,
                    ownerId: input.ownerId,
                    ownerKey,
                    name: input.name,
                    metadata: metadata as Prisma.InputJsonObject,
                    routingKeys,
                    tags: input.tags ?? {},
                    ...identityFields(input.identity),
                    ...fields(id),
                  },
                });
              })();
          const identity = existing ? await writeIdentity(tx, existing.id, input.identity) : null;
          if (identity) Object.assign(saved, identity);
          const event = statusEventOf(saved, input.integration.slug, existing?.status ?? null, existing ? 'reconnected' : 'connected');
          await runStatusHooks(tx, event);
          return { saved, event };
        });
        deps.events.emit('connection.connected', {
          operation: {
            kind: 'CONNECT',
            outcome: 'SUCCESS',
            connectionId: saved.id,
            integrationSlug: input.integration.slug,
            ownerId: input.ownerId ?? actor.userId,
            durationMs: actor.startedAt === undefined ? undefined : performance.now() - actor.startedAt,
          },
          change: changeOf(saved, event),
        });
        return saved;
      } catch (error) {
        // Two flows for the same name finished at once: the loser updates the winner's row.
        const raced = error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
        if (!raced || attempt > 0 || existing) throw error;
      }
    }
  }

  /**
   * The one place a refresh outcome or status change of an existing connection is written: a short
   * compare-and-set UPDATE (`where` carries the expected owner/sequence), never across a network
   * call. Returns null when the row no longer matches `where` (someone else changed it). The caller
   * announces the result (an event with changeOf) after it returns, that is after the commit.
   */
  async function writeChange(
    where: Prisma.ConnectionWhereUniqueInput,
    data: Prisma.ConnectionUpdateInput,
    change: { previousStatus: ConnectionStatus; reason?: string | null; integration?: Integration },
  ): Promise<ConnectionStatusChange | null> {
    const update = async (client: Pick<Transaction, 'connection'>): Promise<ConnectionStatusChange> => {
      const written = change.integration
        ? { ...(await client.connection.update({ where, data: { ...data, sequence: { increment: 1 } } })), integration: change.integration }
        : await client.connection.update({ where, data: { ...data, sequence: { increment: 1 } }, include: { integration: true } });
      const statusEvent =
        written.status === change.previousStatus ? null : statusEventOf(written, written.integration.slug, change.previousStatus, change.reason ?? null);
      return { connection: written, previousStatus: change.previousStatus, statusEvent };
    };
    try {
      // A status change gets a transaction, which the hooks join (the outbox); the common case, new
      // tokens with the status unchanged, is one statement.
      const statusMayChange = data.status !== undefined && data.status !== change.previousStatus;
      if (!statusMayChange) return await update(prisma);
      return await deps.db.transaction(async (tx) => {
        const written = await update(tx);
        if (written.statusEvent) await runStatusHooks(tx, written.statusEvent);
        return written;
      });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025') return null;
      throw error;
    }
  }

  /**
   * Deletes a connection, with its DISCONNECTED status event's hooks in the same transaction. Returns
   * the change to announce, or null when someone else deleted it first (nothing to announce twice).
   */
  /** Deletes the connection; with `actor`, the audit trail records who, in the same transaction. */
  async function remove(connection: ConnectionWithIntegration, reason: string, actor?: AuditActor): Promise<ConnectionChange | null> {
    const event = statusEventOf(
      { ...connection, status: 'DISCONNECTED', sequence: connection.sequence + 1 },
      connection.integration.slug,
      connection.status,
      reason,
    );
    const deleted = await deps.db.transaction(async (tx) => {
      // deleteMany: a concurrent delete of the same connection is not an error (and runs no second hook).
      const { count } = await tx.connection.deleteMany({ where: { id: connection.id } });
      if (count) await runStatusHooks(tx, event);
      if (count && actor) {
        await recordAudit(tx, actor, {
          action: 'connection.disconnected',
          target: ['Connection', connection.id],
          changes: { integration: { old: connection.integration.slug }, ownerId: { old: connection.ownerId } },
        });
      }
      return count > 0;
    });
    return deleted ? changeOf({ ...connection, sequence: connection.sequence + 1 }, event, true) : null;
  }

  return {
    seal: (connectionId: string, credentials: StoredCredentials) => sealCredentials(deps.keyring, connectionId, credentials),
    open: (connection: Pick<Connection, 'id' | 'credentialsEnc'>) => openCredentials(deps.keyring, connection),
    saveAuthorized,
    writeChange,
    remove,
    /** Registers work that commits with every status change (the webhook outbox). */
    onStatusChangeInTransaction(hook: StatusChangeHook): void {
      statusHooks.push(hook);
    },
  };
}
