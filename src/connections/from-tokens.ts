// What a token response becomes on a connection: credentials, expiry, granted scopes, and the
// metadata the provider's template says to keep (token response fields, callback parameters, a
// post-connect call such as Xero's tenants), and the API base URL filled from it. The callback and
// createConnection both use this, so a provider's quirks apply the same way to either.
import type * as oidc from 'openid-client';
import { hostMatchesPattern, METADATA_PLACEHOLDER, placeholderPlacementProblems } from '../catalog/schema.js';
import type { ConnectionIdentity, StoredCredentials } from '../domain/connections.js';
import { identityFromAnswer } from '../health/identity.js';
import { integrationSettings, providerUrlProblem, type Integration, type UrlPolicy } from '../domain/integrations.js';
import type { Logger } from '../kernel/log.js';
import type { Outbound } from '../net/outbound.js';
import { checkedConnectionConfig, connectionConfigFields, fillProviderUrl, fillUrl, valueAt, type ConnectionConfig } from '../provider/templates.js';
import { credentialsFromRefresh } from '../tokens/grants/index.js';

/** What turning an answer into a connection needs from the app. */
export interface FromTokensDeps {
  outbound: Outbound;
  urls: UrlPolicy;
  logger: Logger;
}

type TokenResponse = oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;

export interface ConnectionFromTokens {
  credentials: StoredCredentials;
  scopes: string[];
  tokenExpiresAt: Date | null;
  apiBaseUrl: string | null;
  metadata: Record<string, unknown>;
  /** The connected account, where the catalog says the token response or the ID token names it. */
  identity: ConnectionIdentity | null;
}

const POST_CONNECT_TIMEOUT_MS = 10_000;
const POST_CONNECT_MAX_BYTES = 1024 * 1024;

export async function connectionFromTokens(
  deps: FromTokensDeps,
  integration: Integration,
  tokens: TokenResponse,
  context: { connectionConfig?: ConnectionConfig; callbackParams?: URLSearchParams; requestedScopes?: string[]; previous?: StoredCredentials },
): Promise<ConnectionFromTokens> {
  const settings = integrationSettings(integration);
  const credentials = credentialsFromRefresh(context.previous ?? { type: 'OAUTH2' }, tokens);
  const connectionConfig = context.connectionConfig ?? {};
  const metadata: Record<string, unknown> = {};
  if (Object.keys(connectionConfig).length) metadata.connectionConfig = connectionConfig;
  for (const [name, path] of Object.entries(settings.metadataFromTokenResponse ?? {})) {
    const value = valueAt(tokens, path);
    if (value !== undefined) metadata[name] = value;
  }
  for (const name of settings.metadataFromCallback ?? []) {
    const value = context.callbackParams?.get(name);
    if (value) metadata[name] = value;
  }
  const claims = tokens.claims();
  if (claims) {
    const identity: Record<string, unknown> = {};
    for (const key of ['iss', 'sub', 'email', 'email_verified', 'name', 'preferred_username']) if (claims[key] !== undefined) identity[key] = claims[key];
    metadata.idToken = identity;
  }
  if (settings.postConnect && credentials.accessToken) {
    const answer = await postConnect(
      deps,
      fillProviderUrl(settings.postConnect.url, { connectionConfig }, 'postConnect.url', deps.urls, connectionConfigFields(integration)),
      credentials.accessToken,
      integration.slug,
      settings.postConnect.body,
    );
    if (answer !== undefined) metadata[settings.postConnect.metadataKey] = answer;
  }
  return {
    credentials,
    scopes: tokens.scope ? tokens.scope.split(/[\s,]+/).filter(Boolean) : (context.requestedScopes ?? integration.scopes),
    tokenExpiresAt: credentials.expiresAt ? new Date(credentials.expiresAt) : null,
    apiBaseUrl: apiBaseUrlFor(deps, integration, connectionConfig, metadata),
    metadata,
    identity: identityFromAnswer(integration, 'tokenResponse', tokens) ?? identityFromAnswer(integration, 'idToken', claims),
  };
}

/** The connection's API base URL: the integration's, filled; null (and a warning) when that fails. */
export function apiBaseUrlFor(
  deps: Pick<FromTokensDeps, 'urls' | 'logger'>,
  integration: Pick<Integration, 'apiBaseUrl' | 'slug' | 'settings'>,
  connectionConfig: ConnectionConfig,
  metadata: Record<string, unknown>,
): string | null {
  if (!integration.apiBaseUrl) return null;
  try {
    const placement = placeholderPlacementProblems(integration.apiBaseUrl, connectionConfigFields(integration));
    if (placement.length) throw new Error(`apiBaseUrl: ${placement.join('; ')}`);
    const filled = fillUrl(integration.apiBaseUrl, {
      connectionConfig: checkedConnectionConfig(integration, connectionConfig, deps.urls, { source: 'stored' }),
      metadata,
    });
    // A host that came from the provider's answer is held to the same rules as a configured one.
    const problem = filled === integration.apiBaseUrl ? undefined : providerUrlProblem(filled, deps.urls);
    if (problem) throw new Error(`apiBaseUrl ${problem}`);
    const hostProblem = returnedHostProblem(integration.apiBaseUrl, filled, integrationSettings(integration).metadataHosts ?? {});
    if (hostProblem) throw new Error(`apiBaseUrl ${hostProblem}`);
    return filled;
  } catch (error) {
    deps.logger.warn({ integration: integration.slug, reason: (error as Error).message }, 'no API base URL for the connection');
    return null;
  }
}

/**
 * A returned value that fills a host (metadataHosts) must leave a URL on a host of this provider: no
 * credentials or port, and a host name matching one of the patterns of the values it used. Else the
 * token would go wherever a tampered answer pointed.
 */
function returnedHostProblem(template: string, filled: string, metadataHosts: Record<string, string[]>): string | undefined {
  const patterns = [...template.matchAll(METADATA_PLACEHOLDER)].flatMap((match) => metadataHosts[match[1]!] ?? []);
  if (!patterns.length) return undefined;
  const url = new URL(filled);
  if (url.username || url.password || url.port || !patterns.some((pattern) => hostMatchesPattern(url.hostname, pattern))) {
    return `host ${url.host} is not one of this provider's hosts (${patterns.join(', ')})`;
  }
  return undefined;
}

/** GET a provider URL (POST `body` as JSON when given) with the new token; its JSON answer becomes metadata. Failures only warn. */
async function postConnect(
  deps: Pick<FromTokensDeps, 'outbound' | 'logger'>,
  url: string,
  accessToken: string,
  slug: string,
  body?: Record<string, unknown>,
): Promise<unknown> {
  try {
    const response = await deps.outbound.request({
      origin: new URL(url).origin,
      path: new URL(url).pathname + new URL(url).search,
      method: body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      headersTimeout: POST_CONNECT_TIMEOUT_MS,
      bodyTimeout: POST_CONNECT_TIMEOUT_MS,
    });
    const text = await response.body.text();
    if (response.statusCode !== 200 || text.length > POST_CONNECT_MAX_BYTES) {
      deps.logger.warn({ integration: slug, status: response.statusCode }, 'post-connect call refused');
      return undefined;
    }
    return JSON.parse(text) as unknown;
  } catch (error) {
    deps.logger.warn({ integration: slug, reason: (error as Error).name }, 'post-connect call failed');
    return undefined;
  }
}
