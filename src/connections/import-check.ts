// The provider's check of credentials being imported (catalog `verify`, or OpenID Connect userinfo):
// a rejection refuses the import; a check that says nothing either way lets it through.
import type { Operation } from '../domain/events.js';
import { connectFailed } from '../domain/events.js';
import type { Connection, ConnectionIdentity, StoredCredentials } from '../domain/connections.js';
import type { Integration } from '../domain/integrations.js';
import { credentialCheckFor, runCredentialCheck, type CheckResult, type CredentialCheck } from '../health/check.js';
import { identityFromAnswer, identitySettingsOf } from '../health/identity.js';
import { ProviderError, SwitchboardError } from '../kernel/errors.js';
import { describe } from '../provider/provider-client.js';
import type { ConnectionConfig } from '../provider/templates.js';
import type { ImportDeps } from './import-input.js';

/**
 * Checks imported credentials where a check is known. A rejection is a ProviderError (and an operation
 * without a connection); a check that says nothing either way (provider down) lets the import through.
 */
export async function checkImport(
  deps: ImportDeps,
  integration: Integration,
  credentials: StoredCredentials,
  connection: { apiBaseUrl: string | null; connectionConfig: ConnectionConfig; ownerId: string | null },
): Promise<(CheckResult & { identity: ConnectionIdentity | null }) | null> {
  let result: CheckResult;
  let source: CredentialCheck['source'];
  try {
    const check = await credentialCheckFor(deps.checks, integration, connection);
    if (!check) return null;
    source = check.source;
    // The check's answer names the account where the catalog's identity says so.
    result = await runCredentialCheck(deps.checks, check, credentials, integration, { readAnswer: identitySettingsOf(integration)?.from === source });
  } catch (error) {
    // No usable check (no API base URL, discovery failed): nothing to say about the credentials.
    deps.logger.info(
      { integration: integration.slug, reason: error instanceof SwitchboardError ? error.message : describe(error) },
      'imported credentials not checked',
    );
    return null;
  }
  if (result.verdict === 'rejected') {
    deps.events.emit('connection.checked', { operation: checkOperation(result, integration.slug, connection.ownerId), change: null });
    connectFailed(deps.events, { integrationSlug: integration.slug, ownerId: connection.ownerId, error: result.reason });
    throw new ProviderError(`The provider rejected the imported credentials: ${result.reason}`, {
      providerStatus: result.providerStatus,
      providerError: 'credentials_rejected',
    });
  }
  if (result.verdict === 'inconclusive')
    deps.logger.info({ integration: integration.slug, reason: result.reason }, 'imported credentials could not be checked');
  return { ...result, identity: result.verdict === 'accepted' ? identityFromAnswer(integration, source, result.answer) : null };
}

function checkOperation(result: CheckResult, integrationSlug: string, ownerId: string | null): Operation {
  return {
    kind: 'VERIFY',
    outcome: result.verdict === 'accepted' ? 'SUCCESS' : 'FAILURE',
    integrationSlug,
    ownerId,
    method: result.method,
    path: result.path,
    providerStatus: result.providerStatus,
    durationMs: result.durationMs,
    error: result.reason,
  };
}

/** After the connection is stored: the check's operation is recorded on it, and an accepted check dates it. */
export async function recordImportCheck(
  deps: ImportDeps,
  connection: Connection,
  checked: CheckResult | null,
  integrationSlug: string,
  ownerId: string,
): Promise<Connection> {
  if (!checked) return connection;
  deps.events.emit('connection.checked', { operation: { ...checkOperation(checked, integrationSlug, ownerId), connectionId: connection.id }, change: null });
  if (checked.verdict !== 'accepted') return connection;
  return deps.db.prisma.connection.update({ where: { id: connection.id }, data: { lastVerifiedAt: new Date() } });
}
