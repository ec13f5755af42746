// openid-client Configuration for an integration: OpenID Connect discovery when it has an issuer,
// explicit metadata otherwise. Token endpoint answers that are not conformant are normalised in a
// custom fetch before openid-client sees them.
import * as oidc from 'openid-client';
import { config } from '../config.js';
import { revealClientSecret, type Integration } from '../domain/integrations.js';
import { ProviderError, UpstreamUnavailableError } from '../errors.js';

const TIMEOUT_SECONDS = 15;

interface Cached {
  version: number;
  configuration: Promise<oidc.Configuration>;
}
const cache = new Map<string, Cached>();

/** The integration's openid-client Configuration, cached until the integration changes. */
export function providerConfiguration(integration: Integration): Promise<oidc.Configuration> {
  const version = integration.updatedAt.getTime();
  const cached = cache.get(integration.id);
  if (cached && cached.version === version) return cached.configuration;
  const configuration = createConfiguration(integration);
  cache.set(integration.id, { version, configuration });
  // A failed discovery is not cached: the next attempt tries again.
  configuration.catch(() => {
    if (cache.get(integration.id)?.configuration === configuration) cache.delete(integration.id);
  });
  return configuration;
}

function clientAuthentication(integration: Integration, supported?: string[]): oidc.ClientAuth {
  const secret = revealClientSecret(integration);
  const method =
    integration.tokenEndpointAuthMethod ??
    (!secret ? 'none' : supported && !supported.includes('client_secret_basic') && supported.includes('client_secret_post') ? 'client_secret_post' : 'client_secret_basic');
  if (method === 'none') return oidc.None();
  if (!secret) throw new ProviderError(`The integration "${integration.slug}" has no client secret for ${method}.`);
  return method === 'client_secret_post' ? oidc.ClientSecretPost(secret) : oidc.ClientSecretBasic(secret);
}

async function createConfiguration(integration: Integration): Promise<oidc.Configuration> {
  if (!integration.clientId) throw new ProviderError(`The integration "${integration.slug}" has no client id.`);
  let configuration: oidc.Configuration;
  if (integration.issuer) {
    const issuer = new URL(integration.issuer);
    try {
      configuration = await oidc.discovery(
        issuer,
        integration.clientId,
        undefined,
        // Discovery happens before we know the methods; the real choice is made just below.
        oidc.None(),
        {
          execute: issuer.protocol === 'http:' && config.allowLocalProviders ? [oidc.allowInsecureRequests] : [],
          timeout: TIMEOUT_SECONDS,
        },
      );
    } catch (error) {
      throw new UpstreamUnavailableError(`OpenID Connect discovery failed for ${issuer.origin}: ${describe(error)}`);
    }
    const { supportsPKCE: _supportsPKCE, ...metadata } = configuration.serverMetadata();
    configuration = new oidc.Configuration(
      {
        ...metadata,
        authorization_endpoint: integration.authorizationUrl ?? metadata.authorization_endpoint,
        token_endpoint: integration.tokenUrl ?? metadata.token_endpoint,
        revocation_endpoint: integration.revocationUrl ?? metadata.revocation_endpoint,
      },
      integration.clientId,
      undefined,
      clientAuthentication(integration, metadata.token_endpoint_auth_methods_supported),
    );
  } else {
    if (!integration.authorizationUrl || !integration.tokenUrl) {
      throw new ProviderError(`The integration "${integration.slug}" has no authorization or token URL.`);
    }
    configuration = new oidc.Configuration(
      {
        // Plain OAuth 2.0 has no issuer; an `iss` in a response must then come from the same origin.
        issuer: new URL(integration.authorizationUrl).origin,
        authorization_endpoint: integration.authorizationUrl,
        token_endpoint: integration.tokenUrl,
        revocation_endpoint: integration.revocationUrl ?? undefined,
      },
      integration.clientId,
      undefined,
      clientAuthentication(integration),
    );
  }
  if (config.allowLocalProviders) oidc.allowInsecureRequests(configuration);
  configuration.timeout = TIMEOUT_SECONDS;
  configuration[oidc.customFetch] = normalizingFetch(configuration.serverMetadata().token_endpoint);
  return configuration;
}

/**
 * Some providers answer the token endpoint with HTTP 200 and an `error` field (GitHub), or a
 * `token_type` other than Bearer (Slack's "bot"), or an expiry as a string. Turn those into what
 * RFC 6749 says, so openid-client's strict checks accept good answers and report bad ones.
 */
function normalizingFetch(tokenEndpoint: string | undefined): oidc.CustomFetch {
  return async (url, options) => {
    const response = await fetch(url, options as RequestInit);
    if (!tokenEndpoint || url !== tokenEndpoint) return response;
    if (!(response.headers.get('content-type') ?? '').includes('json')) return response;
    let body: Record<string, unknown>;
    try {
      body = (await response.clone().json()) as Record<string, unknown>;
    } catch {
      return response;
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) return response;
    let status = response.status;
    if (status === 200 && typeof body.error === 'string') status = 400;
    if (status === 200) {
      if (typeof body.token_type === 'string' && !/^(bearer|dpop)$/i.test(body.token_type)) {
        body.provider_token_type = body.token_type;
        body.token_type = 'bearer';
      }
      if (body.token_type === undefined && typeof body.access_token === 'string') body.token_type = 'bearer';
      if (typeof body.expires_in === 'string' && /^\d+$/.test(body.expires_in)) body.expires_in = Number(body.expires_in);
    }
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    headers.delete('content-encoding');
    return new Response(JSON.stringify(body), { status, statusText: response.statusText, headers });
  };
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
  const status = error instanceof Error && error.cause instanceof Response ? error.cause.status : undefined;
  return new ProviderError(`The provider's answer could not be used to ${action}${code ? ` (${code})` : ''}.`, {
    providerStatus: status,
    providerError: code,
  });
}
