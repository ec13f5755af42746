// Disconnect: revoke the tokens at the provider (RFC 7009: the refresh token first, which also ends
// the grant's access tokens at most providers, then the access token), delete the connection, and
// tell subscribers. The local tokens go even when the provider cannot be reached.
import * as oidc from 'openid-client';
import { canManageConnection } from '../domain/access.js';
import type { ConnectionLookup, ConnectionReference } from '../domain/connection-lookup.js';
import type { ConnectionStore, ConnectionWithIntegration } from '../domain/connections.js';
import type { DomainEventBus } from '../domain/events.js';
import type { Viewer } from '../domain/viewer.js';
import type { AuditActor } from '../domain/audit.js';
import { ForbiddenError } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import { describe, type ProviderClient } from '../provider/provider-client.js';
import { connectionConfigOf } from '../provider/templates.js';

export interface DisconnectDeps {
  lookup: Pick<ConnectionLookup, 'find'>;
  store: ConnectionStore;
  providerClient: ProviderClient;
  events: DomainEventBus;
  logger: Logger;
}

export interface DisconnectOutcome {
  connectionId: string;
  revoked: boolean;
}

export async function disconnect(deps: DisconnectDeps, viewer: Viewer, reference: ConnectionReference, actor?: AuditActor): Promise<DisconnectOutcome> {
  const connection = await deps.lookup.find(viewer, reference);
  if (!canManageConnection(viewer, connection)) throw new ForbiddenError('Only an admin can disconnect a shared connection.');
  const started = performance.now();
  const revoked = await revokeTokens(deps, connection);
  // A concurrent disconnect of the same connection is not an error (and sends no second webhook).
  const change = await deps.store.remove(connection, 'disconnected', actor);
  deps.logger.info({ connectionId: connection.id, integration: connection.integration.slug, revoked }, 'connection disconnected');
  deps.events.emit('connection.disconnected', {
    operation: {
      kind: 'DISCONNECT',
      outcome: 'SUCCESS',
      connectionId: connection.id,
      integrationSlug: connection.integration.slug,
      ownerId: connection.ownerId ?? viewer.userId,
      durationMs: performance.now() - started,
      // Deleted either way; whether the provider confirmed the revocation is said here.
      error: revoked ? null : 'Revocation was not confirmed by the provider (none known, unreachable, or refused); the local tokens are deleted.',
    },
    change,
  });
  return { connectionId: connection.id, revoked };
}

/** True only when the provider confirmed revocation of every token the connection held. */
async function revokeTokens(deps: DisconnectDeps, connection: ConnectionWithIntegration): Promise<boolean> {
  const credentials = deps.store.open(connection);
  if (credentials?.type !== 'OAUTH2') return false;
  const tokens: Array<[string, 'refresh_token' | 'access_token']> = [];
  if (credentials.refreshToken) tokens.push([credentials.refreshToken, 'refresh_token']);
  if (credentials.accessToken) tokens.push([credentials.accessToken, 'access_token']);
  if (!tokens.length) return false;
  let configuration: oidc.Configuration;
  try {
    configuration = await deps.providerClient.configuration(connection.integration, connectionConfigOf(connection));
  } catch (error) {
    deps.logger.warn({ connectionId: connection.id, reason: describe(error) }, 'revocation skipped: provider configuration failed');
    return false;
  }
  if (!configuration.serverMetadata().revocation_endpoint) return false;
  let revoked = true;
  for (const [token, hint] of tokens) {
    try {
      await oidc.tokenRevocation(configuration, token, { token_type_hint: hint });
    } catch (error) {
      revoked = false;
      deps.logger.warn({ connectionId: connection.id, hint, reason: describe(error) }, 'token revocation failed');
    }
  }
  return revoked;
}
