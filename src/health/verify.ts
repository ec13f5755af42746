// verifyConnection and the scheduled health checks: run the credential check with the stored
// credentials (refreshed per AUTO first), store the verdict, and announce it once. A 401/403 that one
// refresh does not fix marks the connection ERROR (with the reason); a later accepted check brings a
// connection that a check had marked ERROR back to HEALTHY.
//
// No transaction is held across the check: the verdict is stored with a compare-and-set on the
// connection's sequence, so a reconnect that happened meanwhile is never overwritten.
import type { Database } from '../db/database.js';
import type { ConnectionLookup } from '../domain/connection-lookup.js';
import type { ConnectionChange } from '../domain/changes.js';
import {
  changeOf,
  writeIdentity,
  type Connection,
  type ConnectionIdentity,
  type ConnectionStore,
  type ConnectionWithIntegration,
  type UsableCredentials,
} from '../domain/connections.js';
import type { DomainEventBus, Operation } from '../domain/events.js';
import type { Viewer } from '../domain/viewer.js';
import { ProviderError, publicMessageOf, SwitchboardError, ValidationError } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import { connectionConfigOf } from '../provider/templates.js';
import type { Refresher } from '../tokens/refresher.js';
import { identityFromAnswer, identitySettingsOf } from './identity.js';
import { credentialCheckFor, runCredentialCheck, type CheckDeps, type CheckResult, type CredentialCheck } from './check.js';

/** statusMessage of a connection that a credential check marked ERROR (a later accepted check may clear it). */
export const CHECK_REJECTED_PREFIX = 'Credential check failed';

export interface VerifyOutcome {
  connection: Connection;
  ok: boolean;
  providerStatus: number | null;
}

export interface VerifierDeps {
  db: Database;
  checks: CheckDeps;
  lookup: Pick<ConnectionLookup, 'find'>;
  store: ConnectionStore;
  refresher: Pick<Refresher, 'usableCredentials' | 'usableCredentialsOf'>;
  events: DomainEventBus;
  logger: Logger;
}

export type Verifier = ReturnType<typeof createVerifier>;

export function createVerifier(deps: VerifierDeps) {
  const { prisma } = deps.db;

  /**
   * Checks a stored connection. Returns ok: false when the provider refused the credentials; throws
   * ProviderError when the check says nothing either way (unreachable, 5xx, 429…), ValidationError when
   * no check is known, and what the refresh throws when the credentials cannot be made usable.
   */
  async function verifyStored(connection: ConnectionWithIntegration, options: { actingUserId?: string } = {}): Promise<VerifyOutcome> {
    const started = performance.now();
    const ownerId = connection.ownerId ?? options.actingUserId ?? null;
    const announce = (fields: Omit<Operation, 'kind' | 'connectionId' | 'integrationSlug' | 'ownerId'>, change: ConnectionChange | null = null) =>
      deps.events.emit('connection.checked', {
        operation: {
          kind: 'VERIFY',
          connectionId: connection.id,
          integrationSlug: connection.integration.slug,
          ownerId,
          durationMs: performance.now() - started,
          ...fields,
        },
        change,
      });
    let check: CredentialCheck | null;
    try {
      check = await credentialCheckFor(deps.checks, connection.integration, {
        apiBaseUrl: connection.apiBaseUrl,
        connectionConfig: connectionConfigOf(connection),
      });
    } catch (error) {
      const failure = error instanceof SwitchboardError ? error : new ProviderError("The provider's configuration could not be loaded for a credential check.");
      announce({ outcome: 'FAILURE', error: failure.message });
      throw failure;
    }
    if (!check) throw ValidationError.field('connectionId', `No credential check is known for integration "${connection.integration.slug}".`);

    let usable: UsableCredentials;
    let result: CheckResult;
    try {
      usable = await deps.refresher.usableCredentialsOf(connection, { policy: 'AUTO' });
      // The answer names the account where the catalog's identity says so (read, never logged).
      const options = { readAnswer: identitySettingsOf(connection.integration)?.from === check.source };
      result = await runCredentialCheck(deps.checks, check, usable.credentials, connection.integration, options);
      const credentials = usable.credentials;
      if (result.verdict === 'rejected' && credentials?.type === 'OAUTH2' && credentials.refreshToken) {
        // The access token may have been revoked or rotated away: one refresh, one more check.
        usable = await deps.refresher.usableCredentials(usable, { policy: 'AUTO', rejectedAccessToken: credentials.accessToken });
        result = await runCredentialCheck(deps.checks, check, usable.credentials, connection.integration, options);
      }
    } catch (error) {
      // The refresh stored its own outcome (ERROR on invalid_grant, with its event).
      announce({ outcome: 'FAILURE', method: check.method, path: check.url.pathname, error: publicMessageOf(error) });
      throw error;
    }

    const verdict = {
      outcome: result.verdict === 'accepted' ? ('SUCCESS' as const) : ('FAILURE' as const),
      method: result.method,
      path: result.path,
      providerStatus: result.providerStatus,
      error: result.reason,
    };
    if (result.verdict === 'inconclusive') {
      announce(verdict);
      deps.logger.info(
        { connectionId: connection.id, integration: connection.integration.slug, status: result.providerStatus },
        'credential check inconclusive',
      );
      throw new ProviderError(result.reason ?? 'The credential check was inconclusive.', { providerStatus: result.providerStatus });
    }
    const identity = result.verdict === 'accepted' ? identityFromAnswer(connection.integration, check.source, result.answer) : null;
    const stored = await storeVerdict(usable.connection, result, identity);
    announce(verdict, stored.change);
    return { connection: stored.connection, ok: result.verdict === 'accepted', providerStatus: result.providerStatus ?? null };
  }

  async function storeVerdict(
    seen: ConnectionWithIntegration,
    result: CheckResult,
    identity: ConnectionIdentity | null,
  ): Promise<{ connection: Connection; change: ConnectionChange | null }> {
    const now = new Date();
    // The account's name as the provider gives it now (never over one the app set).
    const named = await writeIdentity(prisma, seen.id, identity);
    const accepted = result.verdict === 'accepted';
    const changeStatus = accepted ? seen.status === 'ERROR' && (seen.statusMessage ?? '').startsWith(CHECK_REJECTED_PREFIX) : seen.status !== 'ERROR';
    if (changeStatus) {
      const written = await deps.store.writeChange(
        { id: seen.id, sequence: seen.sequence },
        accepted
          ? { status: 'HEALTHY', statusMessage: null, lastVerifiedAt: now }
          : { status: 'ERROR', statusMessage: `${CHECK_REJECTED_PREFIX}: ${result.reason}`, lastVerifiedAt: now, nextRefreshAt: null },
        { previousStatus: seen.status, reason: accepted ? 'credential check passed' : null, integration: seen.integration },
      );
      if (written) {
        deps.logger.info(
          { connectionId: seen.id, integration: seen.integration.slug, status: written.connection.status },
          'credential check changed the status',
        );
        return { connection: { ...written.connection, ...named }, change: changeOf(written.connection, written.statusEvent) };
      }
      // Changed meanwhile (reconnected, refreshed): what was checked is no longer what is stored.
    }
    const updated = await prisma.connection.updateMany({ where: { id: seen.id }, data: { lastVerifiedAt: now } });
    if (!updated.count) return { connection: { ...seen, ...named, lastVerifiedAt: now }, change: null };
    return { connection: await prisma.connection.findUniqueOrThrow({ where: { id: seen.id } }), change: null };
  }

  return {
    verifyStored,
    /** verifyConnection: the viewer's connection, checked on their behalf. */
    async verify(viewer: Viewer, connectionId: string): Promise<VerifyOutcome> {
      const connection = await deps.lookup.find(viewer, { connectionId });
      return verifyStored(connection, { actingUserId: viewer.userId });
    },
  };
}
