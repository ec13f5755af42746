// "Get new tokens for this connection": the one seam the lease, cooldown and breaker machinery of
// src/tokens/ calls. An OAuth 2.0 connection renews with the refresh_token grant; the machine grants
// (client credentials, JWT bearer, GitHub App installation tokens) are TokenGrants for their auth
// types and get the same exactly-once, cooldown and crash handling.
import * as oidc from 'openid-client';
import type { ConnectionWithIntegration, StoredCredentials } from '../../domain/connections.js';
import { mcpTokenParameters } from '../../domain/integrations.js';
import { ProviderError, SwitchboardError, UpstreamUnavailableError } from '../../kernel/errors.js';
import { describe, providerErrorFrom } from '../../provider/provider-client.js';
import { connectionConfigOf } from '../../provider/templates.js';
import { mintMachineTokens } from './mint.js';
import { CredentialRefusedError, ProviderAnswerError, type GrantContext } from './token-request.js';

export type { GrantContext };

/** New tokens, merged into the connection's credentials. */
export interface GrantedTokens {
  credentials: StoredCredentials;
  /** Scopes granted, when the provider said (otherwise the connection keeps its own). */
  scopes?: string[];
}

export interface TokenGrant {
  /** Whether new tokens can be requested at all with what is stored (e.g. a refresh token exists). */
  canRequest(connection: ConnectionWithIntegration, credentials: StoredCredentials): boolean;
  /** Sends the token request; throws what classifyGrantFailure understands. */
  request(connection: ConnectionWithIntegration, credentials: StoredCredentials): Promise<GrantedTokens>;
  /** The longest a request may take (the refresh lease outlives it). */
  timeoutMs(connection: ConnectionWithIntegration): number;
}

export type TokenGrants = ReturnType<typeof createTokenGrants>;

/** The grants by auth type of the integration, over the app's provider client and outbound layer. */
export function createTokenGrants(context: GrantContext) {
  const refreshTokenGrant: TokenGrant = {
    canRequest: (_connection, credentials) => Boolean(credentials.refreshToken),
    async request(connection, credentials) {
      const configuration = await context.providerClient.configuration(connection.integration, connectionConfigOf(connection));
      const tokens = await oidc.refreshTokenGrant(configuration, credentials.refreshToken!, mcpTokenParameters(connection.integration));
      return {
        credentials: credentialsFromRefresh(credentials, tokens),
        scopes: tokens.scope ? tokens.scope.split(/[\s,]+/).filter(Boolean) : undefined,
      };
    },
    // Discovery may come first (cached afterwards), then the token request.
    timeoutMs: (connection) => context.providerClient.tokenRequestTimeoutMs(connection.integration) * 2,
  };

  const machineGrant = (canRequest: TokenGrant['canRequest']): TokenGrant => ({
    canRequest: (connection, credentials) => credentials.type === connection.integration.authType && canRequest(connection, credentials),
    async request(connection, credentials): Promise<GrantedTokens> {
      const minted = await mintMachineTokens(context, connection, credentials);
      return { credentials: minted, scopes: minted.scope ? minted.scope.split(/[\s,]+/).filter(Boolean) : undefined };
    },
    timeoutMs: (connection) => context.providerClient.tokenRequestTimeoutMs(connection.integration),
  });

  const grants = new Map<string, TokenGrant>([
    ['OAUTH2', refreshTokenGrant],
    ['OAUTH2_CLIENT_CREDENTIALS', machineGrant(() => true)],
    ['JWT_BEARER', machineGrant((connection, credentials) => Boolean(credentials.privateKey || connection.integration.privateKeyEnc))],
    ['GITHUB_APP', machineGrant((_connection, credentials) => Boolean(credentials.installationId))],
    ['TWO_STEP', machineGrant(() => true)],
    ['SELF_SIGNED_JWT', machineGrant((connection, credentials) => Boolean(credentials.privateKey || connection.integration.privateKeyEnc))],
  ]);

  /** The grant that renews this connection's tokens, if its kind of credentials can be renewed. */
  function grantFor(connection: ConnectionWithIntegration, credentials: StoredCredentials | null): TokenGrant | undefined {
    if (!credentials) return undefined;
    return grants.get(connection.integration.authType);
  }

  return {
    grantFor,
    /** Gets new tokens for the connection with its grant. */
    request(connection: ConnectionWithIntegration, credentials: StoredCredentials): Promise<GrantedTokens> {
      const grant = grantFor(connection, credentials);
      if (!grant) return Promise.reject(new ProviderError('These credentials cannot be renewed.', { providerError: 'not_renewable' }));
      return grant.request(connection, credentials);
    },
    /** New credentials for a machine-grant connection being created. */
    mint: (connection: Parameters<typeof mintMachineTokens>[1], credentials: StoredCredentials) => mintMachineTokens(context, connection, credentials),
  };
}

export type GrantFailure =
  /** The provider refused the grant (invalid_grant): only connecting again helps. */
  | { kind: 'rejected'; reason: string; error: ProviderError }
  /** Anything that may pass (network, timeout, 5xx, an unusable answer, invalid_client…). */
  | { kind: 'transient'; reason: string; error: ProviderError; outcomeUnknown: boolean }
  /** Nothing was sent: our own configuration cannot make the request (no client id, a bad template value…). */
  | { kind: 'local'; reason: string; error: SwitchboardError };

/** Connect-level failures: the request never left, so the provider did nothing. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'ERR_BLOCKED_ADDRESS']);

function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const { code, name } = current as { code?: unknown; name?: unknown };
    if (typeof code === 'string') codes.push(code);
    if (typeof name === 'string') codes.push(name);
  }
  return codes;
}

/** Sorts a failed token request into "connect again" or "may pass", and whether the provider may have acted on it. */
export function classifyGrantFailure(error: unknown, action = 'refresh the token'): GrantFailure {
  const reason = describe(error);
  // The machine grants (grants/) say themselves whether the provider refused the credential or answered otherwise.
  if (error instanceof CredentialRefusedError) return { kind: 'rejected', reason, error };
  if (error instanceof ProviderAnswerError) return { kind: 'transient', reason, error, outcomeUnknown: false };
  if (error instanceof oidc.ResponseBodyError && error.error === 'invalid_grant') {
    return { kind: 'rejected', reason, error: providerErrorFrom(error, action) };
  }
  // Discovery failed: the token request was never sent.
  if (error instanceof UpstreamUnavailableError)
    return { kind: 'transient', reason, error: new ProviderError(error.message, { providerError: 'discovery_failed' }), outcomeUnknown: false };
  if (error instanceof SwitchboardError) return { kind: 'local', reason, error };
  const codes = errorCodes(error);
  // The provider answered (an OAuth error, 5xx, HTML…): what it did is known.
  const answered =
    error instanceof oidc.ResponseBodyError ||
    error instanceof oidc.WWWAuthenticateChallengeError ||
    codes.includes('OAUTH_RESPONSE_IS_NOT_CONFORM') ||
    codes.includes('OAUTH_INVALID_RESPONSE');
  const notSent = codes.some((code) => NOT_SENT.has(code));
  return { kind: 'transient', reason, error: providerErrorFrom(error, action), outcomeUnknown: !answered && !notSent };
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
