// MCP authorization as a client (authType MCP_OAUTH2): from a remote MCP server's URL alone, find
// its protected-resource metadata (RFC 9728: the resource_metadata of a 401's WWW-Authenticate, or
// the well-known path), its authorization server's metadata (RFC 8414, or OpenID discovery), and
// register a client (RFC 7591) when no client id is given. The result is an OAuth 2.0 integration
// like any other (PKCE, refresh), whose requests name the server as `resource` (RFC 8707); the
// registration is stored on it and reused by every connection.
import type { Dispatcher } from 'undici';
import { providerUrlProblem, type CreateIntegrationInput, type UrlPolicy } from '../domain/integrations.js';
import { ProviderError, ValidationError } from '../kernel/errors.js';
import type { Outbound } from '../net/outbound.js';

export interface McpAuthorizationDeps {
  outbound: Pick<Outbound, 'request'>;
  urls: UrlPolicy;
  /** The OAuth callback registered for the client. */
  redirectUri: string;
  timeoutMs: number;
}

export type McpIntegrationInput = Omit<CreateIntegrationInput, 'authType'>;

interface ProtectedResourceMetadata {
  resource?: string;
  authorization_servers?: string[];
  scopes_supported?: string[];
}

interface AuthorizationServerMetadata {
  issuer?: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  registration_endpoint?: string;
  revocation_endpoint?: string;
  scopes_supported?: string[];
  code_challenge_methods_supported?: string[];
  token_endpoint_auth_methods_supported?: string[];
}

const MAX_METADATA_BYTES = 256 * 1024;

/** An OAuth 2.0 integration for the MCP server at input.mcpServerUrl, discovered and (without a client id) registered. */
export async function discoverMcpIntegration(
  deps: McpAuthorizationDeps,
  input: McpIntegrationInput,
): Promise<CreateIntegrationInput & { mcpServerUrl: string }> {
  const serverUrl = input.mcpServerUrl;
  if (!serverUrl) throw ValidationError.field('mcpServerUrl', "An MCP_OAUTH2 integration needs mcpServerUrl: the MCP server's URL.");
  const problem = providerUrlProblem(serverUrl, deps.urls);
  if (problem) throw ValidationError.field('mcpServerUrl', `mcpServerUrl ${problem}`);
  const server = new URL(serverUrl);

  const resourceMetadata = await protectedResourceMetadata(deps, server);
  const resource = resourceMetadata.resource ?? serverUrl;
  const issuer = resourceMetadata.authorization_servers?.[0];
  if (!issuer)
    throw new ProviderError("The MCP server's protected-resource metadata names no authorization server.", { providerError: 'no_authorization_server' });
  checkUrl(deps, issuer, 'authorization server');
  const metadata = await authorizationServerMetadata(deps, new URL(issuer));
  if (!metadata.authorization_endpoint || !metadata.token_endpoint) {
    throw new ProviderError("The authorization server's metadata has no authorization or token endpoint.", { providerError: 'incomplete_metadata' });
  }
  for (const url of [metadata.authorization_endpoint, metadata.token_endpoint, metadata.registration_endpoint, metadata.revocation_endpoint]) {
    if (url) checkUrl(deps, url, 'authorization server endpoint');
  }
  if (metadata.code_challenge_methods_supported && !metadata.code_challenge_methods_supported.includes('S256')) {
    throw new ProviderError('The authorization server does not support PKCE with S256, which MCP authorization requires.', { providerError: 'no_pkce' });
  }
  const scopes = input.scopes ?? resourceMetadata.scopes_supported ?? [];

  let clientId = input.clientId ?? undefined;
  let clientSecret = input.clientSecret ?? undefined;
  let tokenEndpointAuthMethod = input.tokenEndpointAuthMethod ?? undefined;
  if (!clientId) {
    if (!metadata.registration_endpoint) {
      throw ValidationError.field('clientId', 'The authorization server does not offer dynamic client registration: give a clientId (and clientSecret).');
    }
    const registered = await registerClient(deps, metadata);
    clientId = registered.client_id;
    clientSecret = registered.client_secret ?? undefined;
    tokenEndpointAuthMethod = (registered.token_endpoint_auth_method as CreateIntegrationInput['tokenEndpointAuthMethod']) ?? tokenEndpointAuthMethod;
  }

  return {
    ...input,
    authType: 'OAUTH2',
    mcpServerUrl: serverUrl,
    clientId,
    clientSecret,
    tokenEndpointAuthMethod: tokenEndpointAuthMethod ?? (clientSecret ? 'client_secret_basic' : 'none'),
    scopes,
    authorizationUrl: metadata.authorization_endpoint,
    tokenUrl: metadata.token_endpoint,
    revocationUrl: metadata.revocation_endpoint ?? input.revocationUrl ?? undefined,
    apiBaseUrl: input.apiBaseUrl ?? serverUrl,
    // RFC 8707: the authorization request names the MCP server (the token requests do too: see mcpTokenParameters).
    authorizationParams: { ...(input.authorizationParams ?? {}), resource },
  };
}

function checkUrl(deps: McpAuthorizationDeps, url: string, what: string): void {
  const problem = providerUrlProblem(url, deps.urls);
  if (problem) throw new ProviderError(`The MCP server's ${what} (${url}) ${problem}`, { providerError: 'bad_metadata_url' });
}

/** RFC 9728: the 401's resource_metadata first, then the well-known path (with the server's path, then without). */
async function protectedResourceMetadata(deps: McpAuthorizationDeps, server: URL): Promise<ProtectedResourceMetadata> {
  const candidates: string[] = [];
  const probe = await send(deps, server, 'POST', {
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'switchboard', version: '0.1.0' } },
    }),
  });
  await probe.body.dump();
  const challenge = String(probe.headers['www-authenticate'] ?? '');
  const named = /resource_metadata="([^"]+)"/i.exec(challenge)?.[1];
  if (named) candidates.push(new URL(named, server).toString());
  const path = server.pathname.replace(/\/$/, '');
  if (path) candidates.push(`${server.origin}/.well-known/oauth-protected-resource${path}`);
  candidates.push(`${server.origin}/.well-known/oauth-protected-resource`);
  for (const candidate of candidates) {
    checkUrl(deps, candidate, 'protected-resource metadata');
    const found = await getJson<ProtectedResourceMetadata>(deps, new URL(candidate));
    if (found) return found;
  }
  throw new ProviderError('The MCP server publishes no protected-resource metadata (RFC 9728): it may not require OAuth.', {
    providerError: 'no_resource_metadata',
  });
}

/** RFC 8414 (path inserted after the well-known prefix), then OpenID discovery (appended, then inserted). */
async function authorizationServerMetadata(deps: McpAuthorizationDeps, issuer: URL): Promise<AuthorizationServerMetadata> {
  const path = issuer.pathname.replace(/\/$/, '');
  const candidates = [
    `${issuer.origin}/.well-known/oauth-authorization-server${path}`,
    `${issuer.origin}${path}/.well-known/openid-configuration`,
    ...(path ? [`${issuer.origin}/.well-known/openid-configuration${path}`] : []),
  ];
  for (const candidate of candidates) {
    const found = await getJson<AuthorizationServerMetadata>(deps, new URL(candidate));
    if (found) return found;
  }
  throw new ProviderError("The authorization server's metadata was not found (RFC 8414 or OpenID discovery).", { providerError: 'no_server_metadata' });
}

/** RFC 7591: a client for Switchboard's callback, with the code and refresh grants (no `scope`: servers may refuse resource scopes there). */
async function registerClient(
  deps: McpAuthorizationDeps,
  metadata: AuthorizationServerMetadata,
): Promise<{ client_id: string; client_secret?: string; token_endpoint_auth_method?: string }> {
  const methods = metadata.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
  const method = ['client_secret_basic', 'client_secret_post', 'none'].find((candidate) => methods.includes(candidate)) ?? 'client_secret_basic';
  const response = await send(deps, new URL(metadata.registration_endpoint!), 'POST', {
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      client_name: 'Switchboard',
      redirect_uris: [deps.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: method,
    }),
  });
  const text = await readText(response);
  let answer: { client_id?: unknown; client_secret?: unknown; token_endpoint_auth_method?: unknown; error?: unknown; error_description?: unknown } = {};
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {
    // judged below
  }
  if (response.statusCode !== 201 && response.statusCode !== 200) {
    throw new ProviderError('The authorization server refused to register Switchboard as a client.', {
      providerStatus: response.statusCode,
      providerError: typeof answer.error === 'string' ? answer.error : 'registration_failed',
      providerErrorDescription: typeof answer.error_description === 'string' ? answer.error_description.slice(0, 300) : undefined,
    });
  }
  if (typeof answer.client_id !== 'string' || !answer.client_id) {
    throw new ProviderError('The client registration answer has no client_id.', { providerError: 'registration_failed' });
  }
  return {
    client_id: answer.client_id,
    client_secret: typeof answer.client_secret === 'string' ? answer.client_secret : undefined,
    token_endpoint_auth_method: typeof answer.token_endpoint_auth_method === 'string' ? answer.token_endpoint_auth_method : method,
  };
}

async function getJson<T>(deps: McpAuthorizationDeps, url: URL): Promise<T | undefined> {
  const response = await send(deps, url, 'GET', { headers: { accept: 'application/json' } });
  if (response.statusCode !== 200) {
    await response.body.dump();
    return undefined;
  }
  try {
    const parsed = JSON.parse(await readText(response)) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as T) : undefined;
  } catch {
    return undefined;
  }
}

async function send(deps: McpAuthorizationDeps, url: URL, method: Dispatcher.HttpMethod, options: { headers: Record<string, string>; body?: string }) {
  try {
    return await deps.outbound.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method,
      headers: options.headers,
      body: options.body,
      headersTimeout: deps.timeoutMs,
      bodyTimeout: deps.timeoutMs,
    });
  } catch {
    throw new ProviderError(`${url.host} could not be reached.`, { providerError: 'unreachable' });
  }
}

async function readText(response: Dispatcher.ResponseData): Promise<string> {
  const text = await response.body.text();
  if (text.length > MAX_METADATA_BYTES) throw new ProviderError('The metadata answer is too large.', { providerError: 'too_large' });
  return text;
}
