// verifyConnection and the scheduled health checks: run the credential check with the stored
// credentials (refreshed per AUTO first), record it, and store the verdict. A 401/403 that one
// refresh does not fix marks the connection ERROR (with the reason) and emits the status event; a
// later accepted check brings a connection that a check had marked ERROR back to HEALTHY.
//
// No transaction is held across the check: the verdict is stored with a compare-and-set on the
// connection's sequence, so a reconnect that happened meanwhile is never overwritten.
import type { Viewer } from '../auth/viewer.js';
import { errorText, recordOperation } from '../activity/recorder.js';
import { prisma } from '../db/client.js';
import { findConnection } from '../domain/connection-lookup.js';
import { announceChange, emitStatus, type Connection, type ConnectionWithIntegration } from '../domain/connections.js';
import { ProviderError, SwitchboardError, ValidationError } from '../errors.js';
import { logger } from '../logger.js';
import { connectionConfigOf } from '../provider/templates.js';
import { usableCredentials, usableCredentialsOf, type UsableCredentials } from '../tokens/refresh.js';
import { credentialCheckFor, runCredentialCheck, type CheckResult, type CredentialCheck } from './check.js';

/** statusMessage of a connection that a credential check marked ERROR (a later accepted check may clear it). */
export const CHECK_REJECTED_PREFIX = 'Credential check failed';

export interface VerifyOutcome {
  connection: Connection;
  ok: boolean;
  providerStatus: number | null;
}

export async function verifyConnection(viewer: Viewer, connectionId: string): Promise<VerifyOutcome> {
  const connection = await findConnection(viewer, { connectionId });
  return verifyStoredConnection(connection, { actingUserId: viewer.userId });
}

/**
 * Checks a stored connection. Returns ok: false when the provider refused the credentials; throws
 * ProviderError when the check says nothing either way (unreachable, 5xx, 429…), ValidationError when
 * no check is known, and what the refresh throws when the credentials cannot be made usable.
 */
export async function verifyStoredConnection(connection: ConnectionWithIntegration, options: { actingUserId?: string } = {}): Promise<VerifyOutcome> {
  const started = performance.now();
  const ownerId = connection.ownerId ?? options.actingUserId ?? null;
  const base = { kind: 'VERIFY' as const, connectionId: connection.id, integrationSlug: connection.integration.slug, ownerId };
  let check: CredentialCheck | null;
  try {
    check = await credentialCheckFor(connection.integration, { apiBaseUrl: connection.apiBaseUrl, connectionConfig: connectionConfigOf(connection) });
  } catch (error) {
    const failure = error instanceof SwitchboardError ? error : new ProviderError("The provider's configuration could not be loaded for a credential check.");
    recordOperation({ ...base, outcome: 'FAILURE', durationMs: performance.now() - started, error: failure.message });
    throw failure;
  }
  if (!check) throw ValidationError.field('connectionId', `No credential check is known for integration "${connection.integration.slug}".`);

  let usable: UsableCredentials;
  let result: CheckResult;
  try {
    usable = await usableCredentialsOf(connection, { policy: 'AUTO' });
    result = await runCredentialCheck(check, usable.credentials, connection.integration);
    const credentials = usable.credentials;
    if (result.verdict === 'rejected' && credentials?.type === 'OAUTH2' && credentials.refreshToken) {
      // The access token may have been revoked or rotated away: one refresh, one more check.
      usable = await usableCredentials(usable, { policy: 'AUTO', rejectedAccessToken: credentials.accessToken });
      result = await runCredentialCheck(check, usable.credentials, connection.integration);
    }
  } catch (error) {
    recordOperation({ ...base, outcome: 'FAILURE', method: check.method, path: check.url.pathname, durationMs: performance.now() - started, error: errorText(error) });
    // The refresh stored its own outcome (ERROR on invalid_grant, with the status event).
    throw error;
  }

  recordOperation({
    ...base,
    outcome: result.verdict === 'accepted' ? 'SUCCESS' : 'FAILURE',
    method: result.method,
    path: result.path,
    providerStatus: result.providerStatus,
    durationMs: performance.now() - started,
    error: result.reason,
  });
  if (result.verdict === 'inconclusive') {
    logger.info({ connectionId: connection.id, integration: connection.integration.slug, status: result.providerStatus }, 'credential check inconclusive');
    throw new ProviderError(result.reason ?? 'The credential check was inconclusive.', { providerStatus: result.providerStatus });
  }
  const stored = await storeVerdict(usable.connection, result);
  return { connection: stored, ok: result.verdict === 'accepted', providerStatus: result.providerStatus ?? null };
}

async function storeVerdict(seen: ConnectionWithIntegration, result: CheckResult): Promise<Connection> {
  const now = new Date();
  const accepted = result.verdict === 'accepted';
  const changeStatus = accepted
    ? seen.status === 'ERROR' && (seen.statusMessage ?? '').startsWith(CHECK_REJECTED_PREFIX)
    : seen.status !== 'ERROR';
  if (changeStatus) {
    const { count } = await prisma.connection.updateMany({
      where: { id: seen.id, sequence: seen.sequence },
      data: accepted
        ? { status: 'HEALTHY', statusMessage: null, lastVerifiedAt: now, sequence: { increment: 1 } }
        : { status: 'ERROR', statusMessage: `${CHECK_REJECTED_PREFIX}: ${result.reason}`, lastVerifiedAt: now, sequence: { increment: 1 }, nextRefreshAt: null },
    });
    if (count === 1) {
      const updated = await prisma.connection.findUniqueOrThrow({ where: { id: seen.id } });
      announceChange(updated);
      emitStatus(updated, seen.integration.slug, seen.status, accepted ? 'credential check passed' : updated.statusMessage);
      logger.info({ connectionId: seen.id, integration: seen.integration.slug, status: updated.status }, 'credential check changed the status');
      return updated;
    }
    // Changed meanwhile (reconnected, refreshed): what was checked is no longer what is stored.
  }
  const updated = await prisma.connection.updateMany({ where: { id: seen.id }, data: { lastVerifiedAt: now } });
  if (!updated.count) return { ...seen, lastVerifiedAt: now };
  return prisma.connection.findUniqueOrThrow({ where: { id: seen.id } });
}
