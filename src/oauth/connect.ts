// The connect flow (RFC 6749 authorization code + PKCE, per the OAuth 2.0 Security BCP, RFC 9700):
// startConnect records a pending authorization and builds the authorize URL; the callback consumes
// it exactly once and exchanges the code.
import * as oidc from 'openid-client';
import { connectionFromTokens } from '../connections/from-tokens.js';
import { fetchIdentity } from '../health/identity.js';
import { mayConnectIntegration } from '../domain/access.js';
import { CONNECTION_NAME_PATTERN, type Connection } from '../domain/connections.js';
import { connectFailed } from '../domain/events.js';
import { integrationSettings, mcpTokenParameters } from '../domain/integrations.js';
import type { Viewer } from '../domain/viewer.js';
import { ForbiddenError, NotFoundError, ValidationError, type FieldError } from '../kernel/errors.js';
import { describe, providerErrorFrom } from '../provider/provider-client.js';
import { connectionConfigFor, connectionConfigFromCallback, type ConnectionConfig } from '../provider/templates.js';
import type { FlowDeps } from './flow-deps.js';
import { completeGitHubAppInstall, startGitHubAppInstall } from './github-app-install.js';
import { startOAuth1Connect } from './oauth1.js';
import { flowLink } from './browser-binding.js';
import {
  connectFlowCap,
  consumePendingAuthorization,
  flowIdOf,
  hashState,
  recordPendingAuthorization,
  refusalMessage,
  revealPendingSecret,
} from './pending.js';
import { claimConnectSessionUse, releaseConnectSessionUse } from './session-use.js';

export type { FlowDeps };
/** Auth types whose connections start with startConnect (a browser round trip). */
const REDIRECT_AUTH_TYPES = new Set(['OAUTH2', 'GITHUB_APP', 'OAUTH1']);
const SCOPE_PATTERN = /^[\x21\x23-\x5B\x5D-\x7E]{1,200}$/;

function callbackUrl(publicUrl: string): string {
  return `${publicUrl}/oauth2/callback`;
}

/**
 * Whether a post-connect redirect target is on an allowed origin. Only absolute http(s) URLs whose
 * origin is listed exactly; anything a browser might read differently (backslashes, control
 * characters, credentials, scheme-relative or scheme-only forms) is refused outright.
 */
export function isAllowedRedirect(value: string, allowedOrigins: string[]): boolean {
  if (value.length > 2000 || /[\\\s\u0000-\u001f\u007f]/.test(value)) return false;
  if (!/^https?:\/\/[^/?#]/i.test(value)) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  // The text before the path must be exactly the origin: rejects "https://good.com@evil" forms.
  if (!value.toLowerCase().startsWith(url.origin.toLowerCase())) return false;
  return allowedOrigins.includes(url.origin);
}

export interface StartConnectInput {
  integration: string;
  connectionName?: string | null;
  scopes?: string[] | null;
  redirectTo?: string | null;
  connectionConfig?: Record<string, unknown> | null;
}

export interface StartConnectResult {
  authorizeUrl: string;
  state: string;
  /** Names this flow in the callback's answer (not a secret): the app checks it is one it started. */
  flowId: string;
  expiresAt: Date;
}

export interface StartConnectOptions {
  /** For Switchboard's own pages (the hosted connect page returns to itself); the API always checks against ALLOWED_REDIRECT_ORIGINS. */
  allowedRedirectOrigins?: string[];
  /** The hash of the nonce the caller gives the starting browser (the hosted page); without it, authorizeUrl is a begin link that binds one. */
  browserBindingHash?: string;
}

/**
 * The one cap check for every browser flow kind (OAuth 2.0, OAuth 1.0a, GitHub App installs), run
 * before any upstream call: one user cannot keep an unbounded number of flows alive (rows, signed
 * upstream calls, states to guess against). Each aliased startConnect in a document counts.
 */
/**
 * Refuses a start past the cap before any call to the provider; recordPendingAuthorization checks it
 * again where the row is written, under a per-user lock, so concurrent starts cannot pass it together.
 */
async function checkConnectFlowCap(deps: Pick<FlowDeps, 'db' | 'settings'>, viewer: Viewer): Promise<void> {
  const { limit, refusal } = connectFlowCap(deps.settings.maxPendingAuthorizationsPerUser);
  const pending = await deps.db.prisma.pendingAuthorization.count({ where: { viewerId: viewer.userId, consumedAt: null, expiresAt: { gt: new Date() } } });
  if (pending >= limit) throw refusal();
}

export async function startConnect(
  deps: FlowDeps,
  viewer: Viewer,
  input: StartConnectInput,
  { allowedRedirectOrigins = deps.settings.allowedRedirectOrigins, browserBindingHash }: StartConnectOptions = {},
): Promise<StartConnectResult> {
  const integration = await deps.integrations.find(input.integration);
  // An integration a connect session does not offer is as missing to it as an unknown one.
  if (!integration || !mayConnectIntegration(viewer, integration)) throw new NotFoundError(`No integration "${input.integration}".`);
  if (integration.isShared && !viewer.isAdmin) throw new ForbiddenError('Only an admin can connect a shared integration.');

  const problems: FieldError[] = [];
  // A connect session connects under the name it was created with.
  const connectionName = viewer.connectSession?.connectionName ?? input.connectionName ?? 'default';
  if (!CONNECTION_NAME_PATTERN.test(connectionName)) {
    problems.push({ field: 'connectionName', message: 'connectionName is 1-64 of A-Z a-z 0-9 . _ - and starts with a letter or digit.' });
  }
  if (!REDIRECT_AUTH_TYPES.has(integration.authType))
    problems.push({ field: 'integration', message: `The integration uses ${integration.authType}: use createConnection.` });
  const extraScopes = input.scopes ?? [];
  extraScopes.forEach((scope, index) => {
    if (!SCOPE_PATTERN.test(scope)) problems.push({ field: `scopes.${index}`, message: 'Scopes are non-empty and contain no spaces or quotes.' });
  });
  if (input.redirectTo != null && !isAllowedRedirect(input.redirectTo, allowedRedirectOrigins)) {
    problems.push({ field: 'redirectTo', message: 'redirectTo must be an absolute URL on an allowed origin (ALLOWED_REDIRECT_ORIGINS).' });
  }
  let connectionConfig: ConnectionConfig = {};
  try {
    connectionConfig = connectionConfigFor(integration, input.connectionConfig, deps.urls);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problems.push(...error.fieldErrors);
  }
  if (problems.length) throw new ValidationError('The connect request is not valid.', problems);
  const flow = {
    connectionName,
    redirectTo: input.redirectTo ?? null,
    connectionConfig,
    scopes: [...new Set([...integration.scopes, ...extraScopes])],
    browserBindingHash: browserBindingHash ?? null,
    connectSessionId: viewer.connectSession?.id ?? null,
  };
  await checkConnectFlowCap(deps, viewer);
  if (integration.authType === 'GITHUB_APP') return startGitHubAppInstall(deps, viewer, integration, flow);
  if (integration.authType === 'OAUTH1') return startOAuth1Connect(deps, viewer, integration, flow);

  const settings = integrationSettings(integration);
  const configuration = await deps.providerClient.configuration(integration, connectionConfig);
  const authorizationEndpoint = configuration.serverMetadata().authorization_endpoint;
  if (!authorizationEndpoint) throw ValidationError.field('integration', 'The integration has no authorization endpoint.');

  const state = oidc.randomState(); // 32 random bytes, base64url: 256 bits
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const codeChallenge = await oidc.calculatePKCECodeChallenge(codeVerifier);
  const scopes = flow.scopes;
  const isOpenIdConnect = Boolean(integration.issuer) && scopes.includes('openid');
  const nonce = isOpenIdConnect ? oidc.randomNonce() : null;

  const parameters: Record<string, string> = {
    ...(integration.authorizationParams as Record<string, string>),
    redirect_uri: callbackUrl(deps.publicUrl),
    response_type: 'code',
    state,
  };
  // S256 always, unless the provider is known to refuse PKCE; never "plain".
  if (settings.pkce !== 'unsupported') Object.assign(parameters, { code_challenge: codeChallenge, code_challenge_method: 'S256' });
  if (scopes.length) parameters.scope = scopes.join(settings.scopeSeparator ?? ' ');
  if (nonce) parameters.nonce = nonce;
  const providerUrl = oidc.buildAuthorizationUrl(configuration, parameters).href;
  const expiresAt = await recordPendingAuthorization(deps, viewer, integration, flow, state, codeVerifier, {
    nonce,
    authorizeUrl: providerUrl,
    cap: connectFlowCap(deps.settings.maxPendingAuthorizationsPerUser),
  });
  return { authorizeUrl: flowLink(deps, flow, state, providerUrl), state, flowId: flowIdOf(hashState(state)), expiresAt };
}

export type CallbackOutcome =
  | { ok: true; connection: Connection; redirectTo: string | null; flowId: string }
  | { ok: false; error: string; message: string; redirectTo: string | null; flowId?: string };

/** Error codes the callback reports; the provider's own `error` is passed on only if it is a plain token. */
function safeErrorCode(value: string | undefined | null): string {
  return value && /^[a-z_]{1,64}$/.test(value) ? value : 'provider_error';
}

/**
 * Handles the provider's redirect to /oauth2/callback. `callback` is the URL as the provider sent the
 * browser to it (built from PUBLIC_URL, never from request headers).
 */
export async function completeAuthorization(deps: FlowDeps, callback: URL, bindingHash: string | null): Promise<CallbackOutcome> {
  const state = callback.searchParams.get('state');
  if (!state) return { ok: false, error: 'invalid_request', message: 'The callback has no state.', redirectTo: null };

  const stateHash = hashState(state);
  // Single use, even when the same callback arrives twice at once: only one UPDATE matches; and only
  // for an OAuth 2.0 flow or a GitHub App install (whose Setup URL this is) started in this browser.
  const claimed = await consumePendingAuthorization(deps.db.prisma, state, { authTypes: ['OAUTH2', 'GITHUB_APP'], bindingHash });
  const started = performance.now();
  if (!claimed.ok) {
    const { error, pending } = claimed;
    deps.logger.warn({ error }, 'callback refused before any token request');
    // An unknown state names no integration: nothing to attribute it to (the server log has it).
    if (pending)
      connectFailed(deps.events, {
        integrationSlug: pending.integration.slug,
        ownerId: pending.viewerId,
        error: `${error}: ${refusalMessage(error)}`,
      });
    // An unknown state gives no redirect target; a known one keeps its own.
    return { ok: false, error, message: refusalMessage(error), redirectTo: pending?.redirectTo ?? null, flowId: pending ? flowIdOf(stateHash) : undefined };
  }
  const { pending } = claimed;
  const { integration } = pending;
  const flowId = flowIdOf(stateHash);
  // A single-use connect session ends with its first successful connect: claimed before the code is
  // spent, given back if the connect fails.
  const sessionUse = await claimConnectSessionUse(deps.db.prisma, pending.connectSessionId);
  const fail = async (error: string, message: string, providerStatus?: number): Promise<CallbackOutcome> => {
    await releaseConnectSessionUse(deps.db.prisma, sessionUse);
    connectFailed(deps.events, {
      integrationSlug: integration.slug,
      ownerId: pending.viewerId,
      providerStatus,
      durationMs: performance.now() - started,
      error: `${error}: ${message}`,
    });
    return { ok: false, error, message, redirectTo: pending.redirectTo, flowId };
  };
  if (!sessionUse.ok) return fail('session_ended', 'This connect link was already used or revoked. Go back to the app and start again.');

  if (integration.authType === 'GITHUB_APP') return completeGitHubAppInstall(deps, pending, callback, sessionUse.tags);

  let connectionConfig = pending.connectionConfig as ConnectionConfig;
  try {
    connectionConfig = connectionConfigFromCallback(integration, connectionConfig, callback.searchParams);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    deps.logger.warn({ integration: integration.slug, reason: error.message }, 'callback value refused');
    return fail('invalid_request', error.message);
  }
  const settings = integrationSettings(integration);
  let configuration: oidc.Configuration;
  try {
    configuration = await deps.providerClient.configuration(integration, connectionConfig);
  } catch (error) {
    deps.logger.warn({ integration: integration.slug, reason: describe(error) }, 'provider configuration failed');
    return await fail('provider_unavailable', 'The provider could not be reached.');
  }

  const codeVerifier = revealPendingSecret(deps.keyring, pending);
  let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
  try {
    tokens = await oidc.authorizationCodeGrant(
      configuration,
      callback,
      {
        pkceCodeVerifier: settings.pkce === 'unsupported' ? undefined : codeVerifier,
        expectedState: state,
        expectedNonce: pending.nonce ?? undefined,
        idTokenExpected: Boolean(pending.nonce),
      },
      mcpTokenParameters(integration),
    );
  } catch (error) {
    if (error instanceof oidc.AuthorizationResponseError) {
      deps.logger.info({ integration: integration.slug, error: safeErrorCode(error.error) }, 'authorization not granted');
      return await fail(safeErrorCode(error.error), 'The authorization was not granted.');
    }
    const providerError = providerErrorFrom(error, 'exchange the code');
    deps.logger.warn({ integration: integration.slug, reason: describe(error) }, 'code exchange failed');
    const code =
      error instanceof oidc.ResponseBodyError
        ? safeErrorCode(error.error)
        : error instanceof Error && 'code' in error && error.code === 'OAUTH_INVALID_RESPONSE'
          ? 'invalid_response'
          : 'provider_error';
    return await fail(code, providerError.message, providerError.details.providerStatus);
  }

  const authorized = await connectionFromTokens(deps, integration, tokens, {
    connectionConfig,
    callbackParams: callback.searchParams,
    requestedScopes: pending.scopes,
  });
  const identity =
    authorized.identity ?? (await fetchIdentity(deps.checks, integration, authorized.credentials, { apiBaseUrl: authorized.apiBaseUrl, connectionConfig }));
  const connection = await deps.store.saveAuthorized(
    {
      integration,
      ownerId: integration.isShared ? null : pending.viewerId,
      name: pending.connectionName,
      ...authorized,
      identity,
      tags: sessionUse.tags,
    },
    { userId: pending.viewerId, startedAt: started },
  );
  await deps.db.prisma.pendingAuthorization.delete({ where: { id: pending.id } }).catch(() => {});
  deps.logger.info({ integration: integration.slug, connectionId: connection.id, sequence: connection.sequence }, 'connection authorized');
  return { ok: true, connection, redirectTo: pending.redirectTo, flowId };
}
