// Connecting a GitHub App installation through the browser: startConnect sends an admin to the app's
// install page with a state; GitHub sends them back to the app's Setup URL (PUBLIC_URL/oauth2/callback)
// with installation_id and the state, and the first installation token is minted before the
// connection is stored. Only admins: an installation id names any account's installation of the app,
// and GitHub's redirect alone does not prove that the user who comes back installed it. So the setup
// callback needs the admin's browser (the flow's binding cookie) and asks GitHub, with the app's JWT,
// whether the installation exists and belongs to this app; a callback with no matching flow is refused.
import * as oidc from 'openid-client';
import { apiBaseUrlFor } from '../connections/from-tokens.js';
import type { Connection } from '../domain/connections.js';
import { connectFailed } from '../domain/events.js';
import type { Integration } from '../domain/integrations.js';
import { fetchIdentity } from '../health/identity.js';
import type { Viewer } from '../domain/viewer.js';
import { ForbiddenError, ValidationError } from '../kernel/errors.js';
import { INSTALLATION_ID_PATTERN, verifyGitHubInstallation } from '../tokens/grants/github-app.js';
import { flowLink } from './browser-binding.js';
import type { FlowDeps } from './flow-deps.js';
import {
  connectFlowCap,
  recordPendingAuthorization,
  type ConnectFlow,
  type PendingWithIntegration,
  flowIdOf,
  flowIdOfKey,
  type FlowOutcome,
} from './pending.js';

export async function startGitHubAppInstall(deps: FlowDeps, viewer: Viewer, integration: Integration, flow: ConnectFlow) {
  if (!viewer.isAdmin) throw new ForbiddenError('Only an admin can connect a GitHub App installation.');
  if (!integration.authorizationUrl) {
    throw ValidationError.field(
      'integration',
      "Set the integration's authorizationUrl to the app's install page (https://github.com/apps/APP-SLUG/installations/new).",
    );
  }
  const state = oidc.randomState();
  const url = new URL(integration.authorizationUrl);
  url.searchParams.set('state', state);
  const expiresAt = await recordPendingAuthorization(deps, viewer, integration, flow, state, '', {
    authorizeUrl: url.href,
    cap: connectFlowCap(deps.settings.maxPendingAuthorizationsPerUser),
  });
  return { authorizeUrl: flowLink(deps, flow, state, url.href), state, flowId: flowIdOfKey(state), expiresAt };
}

type Outcome = FlowOutcome<Connection>;

/** `tags`: the connect session's, for the connection (undefined: none, or keep the existing connection's). */
export async function completeGitHubAppInstall(
  deps: FlowDeps,
  pending: PendingWithIntegration,
  callback: URL,
  tags: Record<string, string> | undefined,
): Promise<Outcome> {
  const { integration } = pending;
  const flowId = flowIdOf(pending.stateHash);
  const started = performance.now();
  const fail = (error: string, message: string): Outcome => {
    connectFailed(deps.events, {
      integrationSlug: integration.slug,
      ownerId: pending.viewerId,
      durationMs: performance.now() - started,
      error: `${error}: ${message}`,
    });
    return { ok: false, error, message, redirectTo: pending.redirectTo, flowId };
  };
  const installationId = callback.searchParams.get('installation_id');
  if (!installationId || !INSTALLATION_ID_PATTERN.test(installationId)) {
    // setup_action=request: an organization owner has yet to approve the installation.
    if (callback.searchParams.get('setup_action') === 'request')
      return fail('installation_requested', 'The installation awaits approval by an organization owner.');
    return fail('invalid_request', 'GitHub did not send an installation id.');
  }
  try {
    await verifyGitHubInstallation(
      { outbound: deps.outbound, keyring: deps.keyring, timeoutMs: deps.providerClient.tokenRequestTimeoutMs(integration) },
      integration,
      installationId,
    );
  } catch (error) {
    deps.logger.warn({ integration: integration.slug, reason: (error as Error).message }, 'installation not confirmed by GitHub');
    return fail('installation_unconfirmed', 'GitHub did not confirm this installation of the app.');
  }
  const metadata = { installationId };
  let credentials;
  try {
    credentials = await deps.grants.mint({ integration, metadata, apiBaseUrl: null }, { type: 'GITHUB_APP', installationId });
  } catch (error) {
    deps.logger.warn({ integration: integration.slug, reason: (error as Error).message }, 'installation token refused');
    return fail('provider_error', 'GitHub refused an installation token for this installation.');
  }
  const apiBaseUrl = apiBaseUrlFor(deps, integration, {}, metadata);
  const identity = await fetchIdentity(deps.checks, integration, credentials, { apiBaseUrl, connectionConfig: {} });
  const connection = await deps.store.saveAuthorized(
    {
      integration,
      ownerId: integration.isShared ? null : pending.viewerId,
      name: pending.connectionName,
      credentials,
      scopes: integration.scopes,
      tokenExpiresAt: credentials.expiresAt ? new Date(credentials.expiresAt) : null,
      apiBaseUrl,
      metadata,
      tags,
      identity,
    },
    { userId: pending.viewerId, startedAt: started },
  );
  await deps.db.prisma.pendingAuthorization.delete({ where: { id: pending.id } }).catch(() => {});
  deps.logger.info({ integration: integration.slug, connectionId: connection.id }, 'GitHub App installation connected');
  return { ok: true, connection, redirectTo: pending.redirectTo, flowId };
}
