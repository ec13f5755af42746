// openid-client Configuration for an integration: OpenID Connect discovery when it has an issuer,
// explicit metadata otherwise. Token endpoint answers that are not conformant are normalised in a
// custom fetch before openid-client sees them. Every request goes through the app's outbound layer.
import { LRUCache } from 'lru-cache';
import * as oidc from 'openid-client';
import type { Keyring } from '../crypto/envelope.js';
import {
  integrationSettings,
  revealClientSecret,
  revealPrivateKey,
  type Integration,
  type IntegrationSettings,
  type UrlPolicy,
} from '../domain/integrations.js';
import { ProviderError, ReauthorizationRequiredError, UpstreamUnavailableError, ValidationError } from '../kernel/errors.js';
import type { Outbound } from '../net/outbound.js';
import { traced } from '../telemetry/tracing.js';
import { privateKeyJwtAuth } from './client-assertion.js';
import type { ProviderSettings } from './settings.js';
import { checkedConnectionConfig, connectionConfigFields, fillProviderUrl, isTemplated, valueAt, type ConnectionConfig } from './templates.js';

interface Cached {
  version: number;
  configuration: Promise<oidc.Configuration>;
}
const MAX_CACHED = 10_000;

/** The integration's endpoints with a connection's config filled in (templated hosts, tenants…). */
interface Endpoints {
  issuer?: string;
  authorizationUrl?: string;
  tokenUrl?: string;
  refreshTokenUrl?: string;
  revocationUrl?: string;
}

function endpointsFor(integration: Integration, connectionConfig: ConnectionConfig, urls: UrlPolicy): Endpoints {
  const settings = integrationSettings(integration);
  const fields = connectionConfigFields(integration);
  const fill = (value: string | null | undefined, field: string) => (value ? fillProviderUrl(value, { connectionConfig }, field, urls, fields) : undefined);
  return {
    issuer: fill(integration.issuer, 'issuer'),
    authorizationUrl: fill(integration.authorizationUrl, 'authorizationUrl'),
    tokenUrl: fill(integration.tokenUrl, 'tokenUrl'),
    refreshTokenUrl: fill(settings.refreshTokenUrl, 'refreshTokenUrl'),
    revocationUrl: fill(integration.revocationUrl, 'revocationUrl'),
  };
}

export interface ProviderClientDeps {
  outbound: Outbound;
  keyring: Keyring;
  urls: UrlPolicy;
  settings: Pick<ProviderSettings, 'allowLocalProviders' | 'timeoutMs' | 'rotatingTimeoutMs'>;
}

export type ProviderClient = ReturnType<typeof createProviderClient>;

export function createProviderClient(deps: ProviderClientDeps) {
  const { settings } = deps;
  const cache = new LRUCache<string, Cached>({ max: MAX_CACHED });

  /** openid-client's timeout (seconds) for an integration's token requests: longer where refresh tokens rotate. */
  function timeoutSeconds(integration: Integration): number {
    const rotating = integrationSettings(integration).refresh?.rotating === true;
    return Math.ceil((rotating ? settings.rotatingTimeoutMs : settings.timeoutMs) / 1000);
  }

  /**
   * The openid-client Configuration for an integration (and, for templated endpoints, a connection's
   * config), cached until the integration changes.
   */
  function configuration(integration: Integration, given: ConnectionConfig = {}): Promise<oidc.Configuration> {
    const version = integration.updatedAt.getTime();
    // Every token request (exchange, refresh, revocation, an imported token's check) passes here: the
    // values are judged again, whatever was stored, so a client secret only goes to a host fixed by an
    // admin or allowed by the catalog.
    let connectionConfig: ConnectionConfig;
    try {
      connectionConfig = checkedConnectionConfig(integration, given, deps.urls, { source: 'stored' });
    } catch (error) {
      // Values checked when they were given and refused now (rules tightened, or a row from before the
      // rules): the connection has to be made again; nothing is sent.
      if (error instanceof ValidationError) {
        const fields = error.fieldErrors.map((problem) => problem.message).join(' ');
        return Promise.reject(new ReauthorizationRequiredError(`The connection's stored connection config is not allowed (${fields}): connect again.`));
      }
      return Promise.reject(error);
    }
    // Every endpoint endpointsFor fills: if any is templated, the configuration is per connection config.
    const templated = [
      integration.issuer,
      integration.authorizationUrl,
      integration.tokenUrl,
      integration.revocationUrl,
      integrationSettings(integration).refreshTokenUrl,
    ].some(isTemplated);
    const key = templated ? `${integration.id}\u0000${JSON.stringify(Object.entries(connectionConfig).sort())}` : integration.id;
    const cached = cache.get(key);
    if (cached && cached.version === version) return cached.configuration;
    let created: Promise<oidc.Configuration>;
    try {
      created = createConfiguration(integration, endpointsFor(integration, connectionConfig, deps.urls), connectionConfig);
    } catch (error) {
      return Promise.reject(error);
    }
    cache.set(key, { version, configuration: created });
    // A failed discovery is not cached: the next attempt tries again.
    created.catch(() => {
      if (cache.get(key)?.configuration === created) cache.delete(key);
    });
    return created;
  }

  function clientAuthentication(integration: Integration, connectionConfig: ConnectionConfig, supported?: string[]): oidc.ClientAuth {
    if (integration.tokenEndpointAuthMethod === 'private_key_jwt') {
      const pem = revealPrivateKey(deps.keyring, integration);
      if (!pem) throw new ProviderError(`The integration "${integration.slug}" has no private key for private_key_jwt.`, { providerError: 'no_private_key' });
      const settings = integrationSettings(integration);
      return privateKeyJwtAuth(pem, { clientAssertion: settings.clientAssertion, privateKeyId: settings.privateKeyId, connectionConfig });
    }
    const secret = revealClientSecret(deps.keyring, integration);
    const method =
      integration.tokenEndpointAuthMethod ??
      (!secret
        ? 'none'
        : supported && !supported.includes('client_secret_basic') && supported.includes('client_secret_post')
          ? 'client_secret_post'
          : 'client_secret_basic');
    if (method === 'none') return oidc.None();
    if (!secret) throw new ProviderError(`The integration "${integration.slug}" has no client secret for ${method}.`);
    return method === 'client_secret_post' ? oidc.ClientSecretPost(secret) : oidc.ClientSecretBasic(secret);
  }

  async function createConfiguration(integration: Integration, endpoints: Endpoints, connectionConfig: ConnectionConfig): Promise<oidc.Configuration> {
    if (!integration.clientId) throw new ProviderError(`The integration "${integration.slug}" has no client id.`);
    const fetchThroughProxyRules = safeFetch();
    let configuration: oidc.Configuration;
    if (endpoints.issuer) {
      const issuer = new URL(endpoints.issuer);
      try {
        configuration = await oidc.discovery(
          issuer,
          integration.clientId,
          undefined,
          // Discovery happens before we know the methods; the real choice is made just below.
          oidc.None(),
          {
            execute:
              issuer.protocol === 'http:' && (settings.allowLocalProviders || deps.outbound.isSandboxEndpoint(issuer)) ? [oidc.allowInsecureRequests] : [],
            timeout: Math.ceil(settings.timeoutMs / 1000),
            [oidc.customFetch]: fetchThroughProxyRules,
          },
        );
      } catch (error) {
        throw new UpstreamUnavailableError(`OpenID Connect discovery failed for ${issuer.origin}: ${describe(error)}`);
      }
      const { supportsPKCE: _supportsPKCE, ...metadata } = configuration.serverMetadata();
      configuration = new oidc.Configuration(
        {
          ...metadata,
          authorization_endpoint: endpoints.authorizationUrl ?? metadata.authorization_endpoint,
          token_endpoint: endpoints.tokenUrl ?? metadata.token_endpoint,
          revocation_endpoint: endpoints.revocationUrl ?? metadata.revocation_endpoint,
        },
        integration.clientId,
        undefined,
        clientAuthentication(integration, connectionConfig, metadata.token_endpoint_auth_methods_supported),
      );
    } else {
      // Client credentials needs only a token endpoint; the authorization code flow needs both.
      const needsAuthorizationUrl = integration.authType !== 'OAUTH2_CLIENT_CREDENTIALS';
      if ((needsAuthorizationUrl && !endpoints.authorizationUrl) || !endpoints.tokenUrl) {
        throw new ProviderError(`The integration "${integration.slug}" has no authorization or token URL.`);
      }
      configuration = new oidc.Configuration(
        {
          // Plain OAuth 2.0 has no issuer; an `iss` in a response must then come from the same origin.
          issuer: new URL(endpoints.authorizationUrl ?? endpoints.tokenUrl).origin,
          authorization_endpoint: endpoints.authorizationUrl,
          token_endpoint: endpoints.tokenUrl,
          revocation_endpoint: endpoints.revocationUrl,
        },
        integration.clientId,
        undefined,
        clientAuthentication(integration, connectionConfig),
      );
    }
    const tokenEndpoint = configuration.serverMetadata().token_endpoint;
    if (settings.allowLocalProviders || (tokenEndpoint && deps.outbound.isSandboxEndpoint(tokenEndpoint))) oidc.allowInsecureRequests(configuration);
    configuration.timeout = timeoutSeconds(integration);
    configuration[oidc.customFetch] = normalizingFetch(
      configuration.serverMetadata().token_endpoint,
      endpoints.refreshTokenUrl,
      integrationSettings(integration),
      fetchThroughProxyRules,
      tracedTokenRequests(integration.slug, fetchThroughProxyRules),
    );
    return configuration;
  }

  /**
   * fetch through the outbound layer: outside development, provider endpoints (discovery, token,
   * revocation) are refused at connect time when their address is not public, as API calls are.
   */
  function safeFetch(): oidc.CustomFetch {
    return (url, options) => deps.outbound.fetch(url, options as unknown as Record<string, unknown>);
  }

  return {
    configuration,
    /** How long a token request of this integration may take (the refresh lease outlives it). */
    tokenRequestTimeoutMs: (integration: Integration): number => timeoutSeconds(integration) * 1000,
  };
}

/** Token requests (any grant) get a span. Attributes: the grant type, the host, the status; never the form (codes, tokens). */
function tracedTokenRequests(
  integration: string,
  send: oidc.CustomFetch,
): (url: string, options: oidc.CustomFetchOptions, grantType: string | null) => Promise<Response> {
  return (url, options, grantType) =>
    traced(
      'oauth.token_request',
      { 'switchboard.integration': integration, 'oauth.grant_type': grantType ?? 'unknown', 'server.address': new URL(url).host },
      async (span) => {
        const response = await send(url, options);
        span?.setAttribute('http.response.status_code', response.status);
        return response;
      },
    );
}

/**
 * Some providers answer the token endpoint with HTTP 200 and an `error` field (GitHub), or a
 * `token_type` other than Bearer (Slack's "bot"), or an expiry as a string. Turn those into what
 * RFC 6749 says, so openid-client's strict checks accept good answers and report bad ones.
 */
function normalizingFetch(
  tokenEndpoint: string | undefined,
  refreshTokenUrl: string | undefined,
  settings: IntegrationSettings,
  send: oidc.CustomFetch,
  sendTokenRequest: (url: string, options: oidc.CustomFetchOptions, grantType: string | null) => Promise<Response>,
): oidc.CustomFetch {
  return async (url, options) => {
    if (!tokenEndpoint || url !== tokenEndpoint) return send(url, options);
    let target = url;
    const request = { ...options, headers: { ...(options.headers as Record<string, string>) } };
    const form = new URLSearchParams(options.body as string | URLSearchParams);
    // Some providers refresh at another URL, or want the token request as JSON.
    if (refreshTokenUrl && form.get('grant_type') === 'refresh_token') target = refreshTokenUrl;
    if (settings.tokenRequestFormat === 'json') {
      request.body = JSON.stringify(Object.fromEntries(form));
      for (const name of Object.keys(request.headers)) if (name.toLowerCase() === 'content-type') delete request.headers[name];
      request.headers['content-type'] = 'application/json';
    }
    const response = await sendTokenRequest(target, request as typeof options, form.get('grant_type'));
    if (!(response.headers.get('content-type') ?? '').includes('json')) return response;
    // Read once; an answer that is not a JSON object goes on as it came.
    const text = await response.text();
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    headers.delete('content-encoding');
    const unchanged = () => new Response(text, { status: response.status, statusText: response.statusText, headers });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return unchanged();
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) return unchanged();
    let status = response.status;
    if (status === 200 && typeof body.error === 'string') status = 400;
    if (status === 200) normalizeTokenResponse(body, settings);
    return new Response(JSON.stringify(body), { status, statusText: response.statusText, headers });
  };
}

/** Brings a successful token response to RFC 6749's shape, in place. */
export function normalizeTokenResponse(body: Record<string, unknown>, settings: IntegrationSettings = {}): void {
  // Tokens that sit elsewhere in the provider's answer (dotted paths from the template).
  const paths = settings.tokenResponse ?? {};
  const fields = { accessToken: 'access_token', refreshToken: 'refresh_token', expiresIn: 'expires_in', scope: 'scope' } as const;
  for (const [setting, field] of Object.entries(fields)) {
    const path = paths[setting as keyof typeof fields];
    if (path) body[field] = valueAt(body, path);
  }
  if (typeof body.token_type === 'string' && !/^(bearer|dpop)$/i.test(body.token_type)) {
    body.provider_token_type = body.token_type;
    body.token_type = 'bearer';
  }
  if (body.token_type === undefined && typeof body.access_token === 'string') body.token_type = 'bearer';
  if (typeof body.expires_in === 'string' && /^\d+$/.test(body.expires_in)) body.expires_in = Number(body.expires_in);
  // Twitch sends the scope as an array.
  if (Array.isArray(body.scope)) body.scope = body.scope.join(' ');
  if (body.refresh_token === null) delete body.refresh_token;
}

/** A short, secret-free description of an openid-client error (its `cause` may hold the token response). */
export function describe(error: unknown): string {
  if (error instanceof oidc.ResponseBodyError) return `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`;
  if (error instanceof oidc.AuthorizationResponseError) return error.error;
  if (error instanceof Error) return 'code' in error && typeof error.code === 'string' ? `${error.code}: ${error.message}` : error.message;
  return 'unknown error';
}

/** Maps an openid-client failure at the token endpoint to a typed, secret-free ProviderError. */
export function providerErrorFrom(error: unknown, action: string): ProviderError {
  if (error instanceof oidc.ResponseBodyError) {
    return new ProviderError(`The provider refused to ${action}: ${error.error}.`, {
      providerStatus: error.status,
      providerError: error.error,
      providerErrorDescription: error.error_description,
    });
  }
  if (error instanceof oidc.WWWAuthenticateChallengeError) {
    return new ProviderError(`The provider refused to ${action}.`, {
      providerStatus: error.status,
      providerError: error.cause[0]?.parameters.error,
    });
  }
  const code = error instanceof Error && 'code' in error ? String(error.code) : undefined;
  // The cause is a fetch Response (undici's, not necessarily the global class).
  const cause = error instanceof Error ? (error.cause as { status?: unknown } | undefined) : undefined;
  const status = cause && typeof cause === 'object' && typeof cause.status === 'number' ? cause.status : undefined;
  return new ProviderError(`The provider's answer could not be used to ${action}${code ? ` (${code})` : ''}.`, {
    providerStatus: status,
    providerError: code,
  });
}
