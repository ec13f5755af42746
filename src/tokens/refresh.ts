// Token lifecycle: refresh on demand (NONE / AUTO / FORCE), exactly once however many callers and
// instances find a token expired together, and the connection's status after each outcome.
//
// Exactly once: callers in one process share one in-flight refresh per connection; across
// instances the refresh runs inside a transaction holding the row lock (SELECT … FOR UPDATE), and
// whoever gets the lock second re-reads the row and finds it already fresh. The lock belongs to the
// transaction, so no other holder can release it.
import * as oidc from 'openid-client';
import { prisma } from '../db/client.js';
import {
  announceChange,
  emitStatus,
  openCredentials,
  sealCredentials,
  type Connection,
  type ConnectionWithIntegration,
  type StoredCredentials,
  type UsableCredentials,
} from '../domain/connections.js';
import { ProviderError, ReauthorizationRequiredError, type SwitchboardError } from '../errors.js';
import type { ConnectionStatus } from '../generated/prisma/client.js';
import { logger } from '../logger.js';
import { recordOperation } from '../activity/recorder.js';
import { describe, providerConfiguration, providerErrorFrom } from '../provider/provider-client.js';
import { connectionConfigOf } from '../provider/templates.js';

export type RefreshPolicy = 'NONE' | 'AUTO' | 'FORCE';

/** AUTO refreshes a token that expires within this margin ("about to expire"). */
export const EXPIRY_MARGIN_MS = 60_000;
/** How long a caller waits for another instance's refresh of the same connection. */
const LOCK_WAIT_MS = 30_000;

export type { ConnectionWithIntegration, UsableCredentials };

/** Why a refresh is wanted; after waiting for the lock, the row is checked against it again. */
export interface RefreshRequest {
  policy: RefreshPolicy;
  /** The access token the provider just rejected (HTTP 401): refresh unless it was already replaced. */
  rejectedAccessToken?: string;
  /** AUTO: how close to expiry counts as "about to expire" (default EXPIRY_MARGIN_MS). */
  marginMs?: number;
}

export function isExpired(connection: Pick<Connection, 'tokenExpiresAt'>, marginMs = 0, now = Date.now()): boolean {
  return connection.tokenExpiresAt !== null && connection.tokenExpiresAt.getTime() - now <= marginMs;
}

function refreshWanted(connection: Connection, credentials: StoredCredentials | null, request: RefreshRequest): boolean {
  if (request.policy === 'NONE' || credentials?.type !== 'OAUTH2') return false;
  if (request.rejectedAccessToken !== undefined) return credentials.accessToken === request.rejectedAccessToken;
  return request.policy === 'FORCE' || isExpired(connection, request.marginMs ?? EXPIRY_MARGIN_MS);
}

/**
 * The credentials to use now: `current` itself when they do, or refreshed first where the policy (or
 * a rejected token) asks for it.
 */
export function usableCredentials(current: UsableCredentials, request: RefreshRequest): UsableCredentials | Promise<UsableCredentials> {
  if (!refreshWanted(current.connection, current.credentials, request)) return current;
  return refreshConnectionTokens(current.connection.id, current.connection.sequence, request);
}

/** usableCredentials for a connection row as loaded from the database. */
export async function usableCredentialsOf(connection: ConnectionWithIntegration, request: RefreshRequest): Promise<UsableCredentials> {
  return usableCredentials({ connection, credentials: openCredentials(connection) }, request);
}

const inFlight = new Map<string, Promise<UsableCredentials>>();

/**
 * Refreshes the connection's tokens unless someone else already did since `seenSequence`. Callers in
 * this process join one in-flight refresh; other instances wait for the row lock.
 */
export function refreshConnectionTokens(connectionId: string, seenSequence: number, request: RefreshRequest): Promise<UsableCredentials> {
  const running = inFlight.get(connectionId);
  if (running) return running;
  const refresh = refreshUnderLock(connectionId, seenSequence, request).finally(() => inFlight.delete(connectionId));
  inFlight.set(connectionId, refresh);
  return refresh;
}

type LockedOutcome =
  | { kind: 'current'; connection: ConnectionWithIntegration; credentials: StoredCredentials | null }
  | { kind: 'refreshed'; connection: ConnectionWithIntegration; credentials: StoredCredentials; previousStatus: ConnectionStatus }
  | { kind: 'failed'; connection: ConnectionWithIntegration | null; previousStatus: ConnectionStatus; error: SwitchboardError }
  | { kind: 'gone' };

async function refreshUnderLock(connectionId: string, seenSequence: number, request: RefreshRequest): Promise<UsableCredentials> {
  const started = performance.now();
  const outcome = await prisma.$transaction(
    async (tx): Promise<LockedOutcome> => {
      await tx.$queryRaw`SELECT 1 FROM "Connection" WHERE "id" = ${connectionId} FOR UPDATE`;
      const row = await tx.connection.findUnique({ where: { id: connectionId }, include: { integration: true } });
      if (!row) return { kind: 'gone' };
      const credentials = openCredentials(row);
      // Someone refreshed (or reconnected) while we waited: use theirs if it answers the request.
      if (row.sequence !== seenSequence && !refreshWanted(row, credentials, { ...request, policy: request.policy === 'FORCE' ? 'AUTO' : request.policy })) {
        return { kind: 'current', connection: row, credentials };
      }
      if (!credentials || credentials.type !== 'OAUTH2') return { kind: 'current', connection: row, credentials };

      if (row.status === 'ERROR') {
        // The provider already refused these credentials: no new token request until reconnected.
        return { kind: 'failed', connection: null, previousStatus: row.status, error: reauthorization(row) };
      }
      if (!credentials.refreshToken) {
        if (!isExpired(row) && request.rejectedAccessToken === undefined) {
          if (request.policy === 'FORCE') {
            return failed(row, new ProviderError('The connection has no refresh token to refresh with.', { providerError: 'no_refresh_token' }));
          }
          return { kind: 'current', connection: row, credentials };
        }
        recordOperation({ kind: 'REFRESH', outcome: 'FAILURE', connectionId: row.id, integrationSlug: row.integration.slug, ownerId: row.ownerId, error: 'The access token expired and there is no refresh token.' });
        return requireReauthorization(tx, row, 'The access token expired and there is no refresh token: connect again.');
      }

      let tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
      try {
        tokens = await oidc.refreshTokenGrant(await providerConfiguration(row.integration, connectionConfigOf(row)), credentials.refreshToken);
      } catch (error) {
        logger.warn({ connectionId: row.id, integration: row.integration.slug, reason: describe(error) }, 'token refresh failed');
        recordOperation({ kind: 'REFRESH', outcome: 'FAILURE', connectionId: row.id, integrationSlug: row.integration.slug, ownerId: row.ownerId, providerStatus: providerErrorFrom(error, 'refresh the token').details.providerStatus, durationMs: performance.now() - started, error: providerErrorFrom(error, 'refresh the token').message });
        if (isInvalidGrant(error)) {
          return requireReauthorization(tx, row, 'The provider rejected the refresh token (invalid_grant): connect again.');
        }
        // Transient or not ours to fix (network, timeout, 5xx, invalid_client): keep the tokens, back off,
        // and say EXPIRED once the access token can no longer be used.
        const failures = row.refreshFailures + 1;
        const expired = isExpired(row);
        const updated = await tx.connection.update({
          where: { id: row.id },
          data: {
            refreshFailures: failures,
            nextRefreshAt: new Date(Date.now() + backoffMs(failures)),
            ...(expired && row.status !== 'EXPIRED' ? { status: 'EXPIRED', statusMessage: `Refresh failed: ${providerErrorFrom(error, 'refresh').message}` } : {}),
            sequence: { increment: 1 },
          },
          include: { integration: true },
        });
        // A token that still works is better than an error, unless a refresh was demanded.
        if (!expired && request.policy !== 'FORCE' && request.rejectedAccessToken === undefined) {
          return { kind: 'current', connection: updated, credentials };
        }
        return { kind: 'failed', connection: updated, previousStatus: row.status, error: providerErrorFrom(error, 'refresh the token') };
      }

      const refreshed = credentialsFromRefresh(credentials, tokens);
      const scopes = tokens.scope ? tokens.scope.split(/[\s,]+/).filter(Boolean) : row.scopes;
      const updated = await tx.connection.update({
        where: { id: row.id },
        data: {
          credentialsEnc: sealCredentials(row.id, refreshed),
          hasRefreshToken: Boolean(refreshed.refreshToken),
          tokenExpiresAt: refreshed.expiresAt ? new Date(refreshed.expiresAt) : null,
          lastRefreshedAt: new Date(),
          scopes,
          status: 'HEALTHY',
          statusMessage: null,
          refreshFailures: 0,
          nextRefreshAt: null,
          sequence: { increment: 1 },
        },
        include: { integration: true },
      });
      return { kind: 'refreshed', connection: updated, credentials: refreshed, previousStatus: row.status };
    },
    { maxWait: LOCK_WAIT_MS, timeout: LOCK_WAIT_MS * 2 },
  );

  // Events go out after the commit, so nobody re-reads the row before it changed.
  switch (outcome.kind) {
    case 'gone':
      throw new ReauthorizationRequiredError('The connection no longer exists.');
    case 'current':
      return { connection: outcome.connection, credentials: outcome.credentials };
    case 'refreshed':
      announceChange(outcome.connection);
      if (outcome.previousStatus !== 'HEALTHY') emitStatus(outcome.connection, outcome.connection.integration.slug, outcome.previousStatus, 'refreshed');
      logger.info({ connectionId: outcome.connection.id, sequence: outcome.connection.sequence }, 'token refreshed');
      recordOperation({ kind: 'REFRESH', outcome: 'SUCCESS', connectionId: outcome.connection.id, integrationSlug: outcome.connection.integration.slug, ownerId: outcome.connection.ownerId, durationMs: performance.now() - started });
      return { connection: outcome.connection, credentials: outcome.credentials };
    case 'failed':
      if (outcome.connection) {
        announceChange(outcome.connection);
        if (outcome.connection.status !== outcome.previousStatus) {
          emitStatus(outcome.connection, outcome.connection.integration.slug, outcome.previousStatus, outcome.connection.statusMessage);
        }
      }
      throw outcome.error;
  }
}

type Transaction = Parameters<Parameters<typeof prisma.$transaction>[0]>[0];

/** Marks the connection ERROR (no refresh is tried again until it is reconnected) inside the locked transaction. */
async function requireReauthorization(tx: Transaction, row: ConnectionWithIntegration, statusMessage: string): Promise<LockedOutcome> {
  const updated = await tx.connection.update({
    where: { id: row.id },
    data: { status: 'ERROR', statusMessage, sequence: { increment: 1 }, nextRefreshAt: null },
    include: { integration: true },
  });
  return { kind: 'failed', connection: updated, previousStatus: row.status, error: reauthorization(updated) };
}

function failed(row: ConnectionWithIntegration, error: SwitchboardError): LockedOutcome {
  return { kind: 'failed', connection: null, previousStatus: row.status, error };
}

function reauthorization(connection: Connection): ReauthorizationRequiredError {
  return new ReauthorizationRequiredError(connection.statusMessage ?? 'The provider rejected the credentials: connect again.', connection.id);
}

function isInvalidGrant(error: unknown): boolean {
  return error instanceof oidc.ResponseBodyError && error.error === 'invalid_grant';
}

/** 30 s, 1 min, 2 min … up to 30 min, with ±20% jitter so instances do not retry in step. */
export function backoffMs(failures: number): number {
  const base = Math.min(30_000 * 2 ** Math.max(0, failures - 1), 30 * 60_000);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** Merges a refresh response into stored credentials; a response without a refresh token keeps the old one. */
export function credentialsFromRefresh(previous: StoredCredentials, tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): StoredCredentials {
  const expiresIn = tokens.expiresIn();
  const { access_token, refresh_token, id_token, token_type, expires_in, scope, ...raw } = tokens;
  void expires_in;
  return {
    ...previous,
    accessToken: access_token,
    refreshToken: refresh_token ?? previous.refreshToken,
    tokenType: token_type ?? previous.tokenType,
    expiresAt: typeof expiresIn === 'number' && expiresIn > 0 ? new Date(Date.now() + expiresIn * 1000).toISOString() : undefined,
    scope: scope ?? previous.scope,
    idToken: id_token ?? previous.idToken,
    raw: { ...(previous.raw ?? {}), ...Object.fromEntries(Object.entries(raw).filter(([, value]) => typeof value !== 'function')) },
  };
}
