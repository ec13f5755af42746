// Two-step token requests (authType TWO_STEP): what the user typed (a username and password, an API
// key and secret) buys a session token at a provider-specific endpoint, described in the catalog's
// `tokenRequest`. The typed values are stored sealed with the connection's credentials; renewing
// repeats the request with them before the token expires, through the token lifecycle's leases.
import type { StoredCredentials } from '../../domain/connections.js';
import { integrationSettings, type Integration, type IntegrationSettings } from '../../domain/integrations.js';
import { ProviderError, ValidationError } from '../../kernel/errors.js';
import { connectionConfigFields, fillProviderUrl, fillUrl, valueAt, type ConnectionConfig } from '../../provider/templates.js';
import { credentialsFromTokenAnswer, postTokenRequest, type GrantContext } from './token-request.js';

type TokenRequestSettings = NonNullable<IntegrationSettings['tokenRequest']>;

const TYPED_INPUTS = ['username', 'password', 'apiKey'] as const;
type TypedInput = (typeof TYPED_INPUTS)[number];
const INPUT_PLACEHOLDER = /\$\{credentials\.(username|password|apiKey)\}/g;

/** Which typed inputs a token request uses (each is then required when connecting). */
export function typedInputsOf(request: TokenRequestSettings): TypedInput[] {
  const text = JSON.stringify([request.body ?? {}, request.headers, request.basicAuth ?? {}]);
  return TYPED_INPUTS.filter((name) => text.includes(`\${credentials.${name}}`));
}

/** Fills a template: the connection config first, then the typed values (never read as templates themselves). */
function filled(template: string, connectionConfig: ConnectionConfig, credentials: StoredCredentials): string {
  return fillUrl(template, { connectionConfig }).replace(INPUT_PLACEHOLDER, (_match, name: TypedInput) => {
    const value = credentials[name];
    if (value === undefined) throw ValidationError.field(name, `This provider needs ${name}.`);
    return value;
  });
}

function filledDeep(value: unknown, connectionConfig: ConnectionConfig, credentials: StoredCredentials): unknown {
  if (typeof value === 'string') return filled(value, connectionConfig, credentials);
  if (Array.isArray(value)) return value.map((item) => filledDeep(item, connectionConfig, credentials));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, filledDeep(item, connectionConfig, credentials)]));
  }
  return value;
}

/** When the token expires: from the answer (seconds, a date or Unix seconds), else the entry's lifetime. */
function expiryOf(request: TokenRequestSettings, body: Record<string, unknown>): Date | undefined {
  const expiresIn = request.expiresIn ? Number(valueAt(body, request.expiresIn)) : NaN;
  if (Number.isFinite(expiresIn) && expiresIn > 0) return new Date(Date.now() + expiresIn * 1000);
  const expiresAt = request.expiresAt ? valueAt(body, request.expiresAt) : undefined;
  if (typeof expiresAt === 'number' && expiresAt > 0) return new Date(expiresAt < 1e12 ? expiresAt * 1000 : expiresAt);
  if (typeof expiresAt === 'string' && !Number.isNaN(Date.parse(expiresAt))) return new Date(expiresAt);
  return request.lifetimeSeconds ? new Date(Date.now() + request.lifetimeSeconds * 1000) : undefined;
}

export async function twoStepGrant(
  context: GrantContext,
  integration: Integration,
  previous: StoredCredentials,
  connectionConfig: ConnectionConfig,
): Promise<StoredCredentials> {
  const settings = integrationSettings(integration);
  const request = settings.tokenRequest;
  if (!request)
    throw new ProviderError(`The integration "${integration.slug}" does not say how to request its tokens (tokenRequest).`, {
      providerError: 'no_token_request',
    });
  // The URL is checked like any token URL: https on a public host, template values by their kinds.
  // An admin may point the integration's tokenUrl elsewhere (a self-hosted server); else the catalog's.
  const url = fillProviderUrl(integration.tokenUrl ?? request.url, { connectionConfig }, 'tokenRequest.url', context.urls, connectionConfigFields(integration));
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), filled(value, connectionConfig, previous)]));
  if (request.basicAuth) {
    const pair = `${filled(request.basicAuth.username, connectionConfig, previous)}:${filled(request.basicAuth.password, connectionConfig, previous)}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  }
  const body = request.body === undefined ? undefined : (filledDeep(request.body, connectionConfig, previous) as Record<string, unknown>);
  const answer = await postTokenRequest(context.outbound, {
    url,
    method: request.method,
    headers,
    ...(body === undefined ? {} : request.format === 'form' ? { form: new URLSearchParams(body as Record<string, string>) } : { json: body }),
    action: 'sign in',
    // The token sits where the entry says; 401 and 403 mean the typed credentials were refused.
    settings: { tokenResponse: { accessToken: request.token } },
    refusedStatuses: [401, 403],
    timeoutMs: context.providerClient.tokenRequestTimeoutMs(integration),
  });
  const expiresAt = expiryOf(request, answer);
  const { expires_in: _expiresIn, ...rest } = answer;
  return credentialsFromTokenAnswer({ ...previous, type: 'TWO_STEP' }, rest, expiresAt);
}
