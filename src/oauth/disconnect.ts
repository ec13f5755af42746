// Disconnect: revoke the tokens at the provider (RFC 7009: the refresh token first, which also ends
// the grant's access tokens at most providers, then the access token), delete the connection, and
// tell subscribers. The local tokens go even when the provider cannot be reached.
import * as oidc from 'openid-client';
import type { Viewer } from '../auth/viewer.js';
import { transaction } from '../db/transaction.js';
import { canManageConnection } from '../domain/access.js';
import { findConnection, type ConnectionReference } from '../domain/connection-lookup.js';
import { announceChange, openCredentials, statusEventOf } from '../domain/connections.js';
import { publishStatusEvent } from '../events.js';
import { ForbiddenError } from '../errors.js';
import { logger } from '../logger.js';
import { recordOperation } from '../activity/recorder.js';
import { describe, providerConfiguration } from '../provider/provider-client.js';
import type { ConnectionWithIntegration } from '../domain/connections.js';
import { connectionConfigOf } from '../provider/templates.js';
import { enqueueConnectionEvent } from '../webhooks/outbox.js';

export interface DisconnectOutcome {
  connectionId: string;
  revoked: boolean;
}

export async function disconnect(viewer: Viewer, reference: ConnectionReference): Promise<DisconnectOutcome> {
  const connection = await findConnection(viewer, reference);
  if (!canManageConnection(viewer, connection)) throw new ForbiddenError('Only an admin can disconnect a shared connection.');
  const started = performance.now();
  const revoked = await revokeTokens(connection);
  const event = statusEventOf({ ...connection, status: 'DISCONNECTED', sequence: connection.sequence + 1 }, connection.integration.slug, connection.status, 'disconnected');
  await transaction(async (tx) => {
    // deleteMany: a concurrent disconnect of the same connection is not an error (and sends no second webhook).
    const { count } = await tx.connection.deleteMany({ where: { id: connection.id } });
    if (count) await enqueueConnectionEvent(tx, event);
  });
  announceChange(connection, true);
  publishStatusEvent(event);
  logger.info({ connectionId: connection.id, integration: connection.integration.slug, revoked }, 'connection disconnected');
  recordOperation({
    kind: 'DISCONNECT',
    outcome: 'SUCCESS',
    connectionId: connection.id,
    integrationSlug: connection.integration.slug,
    ownerId: connection.ownerId ?? viewer.userId,
    durationMs: performance.now() - started,
    // Deleted either way; whether the provider confirmed the revocation is said here.
    error: revoked ? null : 'Revocation was not confirmed by the provider (none known, unreachable, or refused); the local tokens are deleted.',
  });
  return { connectionId: connection.id, revoked };
}

/** True only when the provider confirmed revocation of every token the connection held. */
async function revokeTokens(connection: ConnectionWithIntegration): Promise<boolean> {
  const credentials = openCredentials(connection);
  if (credentials?.type !== 'OAUTH2') return false;
  const tokens: Array<[string, 'refresh_token' | 'access_token']> = [];
  if (credentials.refreshToken) tokens.push([credentials.refreshToken, 'refresh_token']);
  if (credentials.accessToken) tokens.push([credentials.accessToken, 'access_token']);
  if (!tokens.length) return false;
  let configuration: oidc.Configuration;
  try {
    configuration = await providerConfiguration(connection.integration, connectionConfigOf(connection));
  } catch (error) {
    logger.warn({ connectionId: connection.id, reason: describe(error) }, 'revocation skipped: provider configuration failed');
    return false;
  }
  if (!configuration.serverMetadata().revocation_endpoint) return false;
  let revoked = true;
  for (const [token, hint] of tokens) {
    try {
      await oidc.tokenRevocation(configuration, token, { token_type_hint: hint });
    } catch (error) {
      revoked = false;
      logger.warn({ connectionId: connection.id, hint, reason: describe(error) }, 'token revocation failed');
    }
  }
  return revoked;
}
