// OAuth 1.0a three-legged flow (RFC 5849 §2): startConnect asks for temporary credentials (a request
// token) with our callback, records them as a pending authorization keyed by the request token (its
// secret sealed), and sends the browser to the provider; the provider returns it to
// PUBLIC_URL/oauth1/callback with the token and a verifier, which buy the access token once.
import { apiBaseUrlFor } from '../connections/from-tokens.js';
import type { Connection, StoredCredentials } from '../domain/connections.js';
import { connectFailed } from '../domain/events.js';
import { integrationSettings, type Integration, type UrlPolicy } from '../domain/integrations.js';
import { fetchIdentity, identityFromAnswer } from '../health/identity.js';
import type { Viewer } from '../domain/viewer.js';
import { ProviderError, UpstreamUnavailableError } from '../kernel/errors.js';
import { readBody } from '../net/body.js';
import type { Outbound } from '../net/outbound.js';
import { consumerSecrets, oauth1AuthorizationHeader, type OAuth1Secrets } from '../provider/oauth1-signature.js';
import { fillProviderUrl, type ConnectionConfig } from '../provider/templates.js';
import type { FlowDeps } from './flow-deps.js';
import { flowLink } from './browser-binding.js';
import {
  connectFlowCap,
  consumePendingAuthorization,
  recordPendingAuthorization,
  refusalMessage,
  revealPendingSecret,
  type ConnectFlow,
  flowIdOf,
  flowIdOfKey,
  type FlowOutcome,
} from './pending.js';
import { claimConnectSessionUse, releaseConnectSessionUse } from './session-use.js';

const TIMEOUT_MS = 15_000;
const MAX_ANSWER_BYTES = 64 * 1024;

function oauth1CallbackUrl(publicUrl: string): string {
  return `${publicUrl}/oauth1/callback`;
}

/** A signed POST to a credentials endpoint; the answer is form-encoded (RFC 5849 §2.1, §2.3). */
async function credentialsRequest(
  outbound: Outbound,
  url: string,
  secrets: OAuth1Secrets,
  extra: Record<string, string>,
  action: string,
): Promise<URLSearchParams> {
  const target = new URL(url);
  let response;
  try {
    response = await outbound.request({
      origin: target.origin,
      path: target.pathname + target.search,
      method: 'POST',
      headers: {
        authorization: oauth1AuthorizationHeader({ method: 'POST', url: target }, secrets, extra),
        accept: 'application/x-www-form-urlencoded, */*',
        'user-agent': 'Switchboard',
      },
      headersTimeout: TIMEOUT_MS,
      bodyTimeout: TIMEOUT_MS,
    });
  } catch {
    throw new UpstreamUnavailableError(`The provider could not be reached (${target.host}).`);
  }
  const read = await readBody(response.body, MAX_ANSWER_BYTES);
  if (!read.complete) throw new ProviderError(`The provider's answer to ${action} is too large.`, { providerError: 'response_too_large' });
  const answer = new URLSearchParams(read.bytes.toString('utf8').trim());
  if (response.statusCode >= 400 || !answer.get('oauth_token') || answer.get('oauth_token_secret') === null) {
    const problem = answer.get('oauth_problem') ?? undefined;
    throw new ProviderError(`The provider refused to ${action}${problem ? `: ${problem}` : ` (HTTP ${response.statusCode})`}.`, {
      providerStatus: response.statusCode,
      providerError: problem && /^[a-z_]{1,64}$/.test(problem) ? problem : 'oauth1_refused',
    });
  }
  return answer;
}

function endpoint(
  urls: UrlPolicy,
  integration: Integration,
  field: 'requestTokenUrl' | 'authorizationUrl' | 'tokenUrl',
  connectionConfig: ConnectionConfig,
): string {
  const value = integration[field];
  if (!value) throw new ProviderError(`The integration "${integration.slug}" has no ${field}.`);
  return fillProviderUrl(value, { connectionConfig }, field, urls);
}

export async function startOAuth1Connect(deps: FlowDeps, viewer: Viewer, integration: Integration, flow: ConnectFlow) {
  const secrets = consumerSecrets(deps.keyring, integration, flow.connectionConfig);
  let temporary: URLSearchParams;
  try {
    temporary = await credentialsRequest(
      deps.outbound,
      endpoint(deps.urls, integration, 'requestTokenUrl', flow.connectionConfig),
      secrets,
      { oauth_callback: oauth1CallbackUrl(deps.publicUrl) },
      'issue a request token',
    );
  } catch (error) {
    if (error instanceof UpstreamUnavailableError) throw new ProviderError(error.message, { providerError: 'unreachable' });
    throw error;
  }
  // 1.0a: the provider must confirm it took the callback (otherwise it is OAuth 1.0, open to session fixation).
  if (temporary.get('oauth_callback_confirmed') !== 'true') {
    throw new ProviderError('The provider did not confirm the callback (oauth_callback_confirmed): it does not speak OAuth 1.0a.', {
      providerError: 'callback_not_confirmed',
    });
  }
  const requestToken = temporary.get('oauth_token')!;
  const authorizeUrl = new URL(endpoint(deps.urls, integration, 'authorizationUrl', flow.connectionConfig));
  for (const [name, value] of Object.entries(integration.authorizationParams as Record<string, string>)) authorizeUrl.searchParams.set(name, value);
  if (flow.scopes.length) authorizeUrl.searchParams.set('scope', flow.scopes.join(integrationSettings(integration).scopeSeparator ?? ' '));
  authorizeUrl.searchParams.set('oauth_token', requestToken);
  const expiresAt = await recordPendingAuthorization(deps, viewer, integration, flow, requestToken, temporary.get('oauth_token_secret')!, {
    authorizeUrl: authorizeUrl.href,
    cap: connectFlowCap(deps.settings.maxPendingAuthorizationsPerUser),
  });
  return { authorizeUrl: flowLink(deps, flow, requestToken, authorizeUrl.href), state: requestToken, flowId: flowIdOfKey(requestToken), expiresAt };
}

type Outcome = FlowOutcome<Connection>;

/** GET /oauth1/callback?oauth_token=…&oauth_verifier=… */
export async function completeOAuth1Authorization(deps: FlowDeps, callback: URL, bindingHash: string | null): Promise<Outcome> {
  const requestToken = callback.searchParams.get('oauth_token');
  if (!requestToken) return { ok: false, error: 'invalid_request', message: 'The callback has no oauth_token.', redirectTo: null };
  // Only an OAuth 1.0a flow, started in this browser: an OAuth 2.0 state here would skip its code exchange, PKCE and iss checks.
  const claimed = await consumePendingAuthorization(deps.db.prisma, requestToken, { authTypes: ['OAUTH1'], bindingHash });
  if (!claimed.ok) {
    deps.logger.warn({ error: claimed.error }, 'OAuth 1.0a callback refused before any token request');
    const known = claimed.pending;
    return {
      ok: false,
      error: claimed.error,
      message: refusalMessage(claimed.error),
      redirectTo: known?.redirectTo ?? null,
      flowId: known ? flowIdOf(known.stateHash) : undefined,
    };
  }
  const { pending } = claimed;
  const { integration } = pending;
  const flowId = flowIdOf(pending.stateHash);
  const started = performance.now();
  const sessionUse = await claimConnectSessionUse(deps.db.prisma, pending.connectSessionId);
  const fail = async (error: string, message: string): Promise<Outcome> => {
    await releaseConnectSessionUse(deps.db.prisma, sessionUse);
    connectFailed(deps.events, {
      integrationSlug: integration.slug,
      ownerId: pending.viewerId,
      durationMs: performance.now() - started,
      error: `${error}: ${message}`,
    });
    return { ok: false, error, message, redirectTo: pending.redirectTo, flowId };
  };
  if (!sessionUse.ok) return fail('session_ended', 'This connect link was already used or revoked. Go back to the app and start again.');
  const verifier = callback.searchParams.get('oauth_verifier');
  // Providers send the user back without a verifier (or with `denied`) when they refuse.
  if (!verifier) return fail('access_denied', 'The authorization was not granted.');

  const connectionConfig = pending.connectionConfig as ConnectionConfig;
  let answer: URLSearchParams;
  try {
    const secrets = {
      ...consumerSecrets(deps.keyring, integration, connectionConfig),
      token: requestToken,
      tokenSecret: revealPendingSecret(deps.keyring, pending),
    };
    answer = await credentialsRequest(
      deps.outbound,
      endpoint(deps.urls, integration, 'tokenUrl', connectionConfig),
      secrets,
      { oauth_verifier: verifier },
      'issue an access token',
    );
  } catch (error) {
    deps.logger.warn({ integration: integration.slug, reason: (error as Error).message }, 'OAuth 1.0a access token request failed');
    return await fail(error instanceof UpstreamUnavailableError ? 'provider_unavailable' : 'provider_error', (error as Error).message);
  }
  // Whatever else the provider sent (a user id, a screen name) is kept, without the tokens.
  const raw = Object.fromEntries([...answer].filter(([name]) => name !== 'oauth_token' && name !== 'oauth_token_secret'));
  const metadata = Object.keys(connectionConfig).length ? { connectionConfig } : {};
  const credentials: StoredCredentials = {
    type: 'OAUTH1',
    accessToken: answer.get('oauth_token')!,
    tokenSecret: answer.get('oauth_token_secret')!,
    raw,
  };
  const apiBaseUrl = apiBaseUrlFor(deps, integration, connectionConfig, metadata);
  // The access token answer often names the account (user_id, screen_name); else the verify answer may.
  const identity =
    identityFromAnswer(integration, 'tokenResponse', raw) ?? (await fetchIdentity(deps.checks, integration, credentials, { apiBaseUrl, connectionConfig }));
  const connection = await deps.store.saveAuthorized(
    {
      integration,
      ownerId: integration.isShared ? null : pending.viewerId,
      name: pending.connectionName,
      credentials,
      scopes: pending.scopes,
      tokenExpiresAt: null,
      apiBaseUrl,
      metadata,
      tags: sessionUse.tags,
      identity,
    },
    { userId: pending.viewerId, startedAt: started },
  );
  await deps.db.prisma.pendingAuthorization.delete({ where: { id: pending.id } }).catch(() => {});
  deps.logger.info({ integration: integration.slug, connectionId: connection.id }, 'OAuth 1.0a connection authorized');
  return { ok: true, connection, redirectTo: pending.redirectTo, flowId };
}
