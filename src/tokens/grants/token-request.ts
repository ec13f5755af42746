// One token request for the machine grants (JWT bearer, GitHub App installation tokens): a POST
// through the outbound agent (connect-time address check, timeouts, no redirects), the answer read
// with a size cap, and failures sorted into "the provider refused this credential" (the connection
// needs a new one) and everything else (retried with backoff).
import { errors as undiciErrors } from 'undici';
import type { StoredCredentials } from '../../domain/connections.js';
import type { IntegrationSettings } from '../../domain/integrations.js';
import { ProviderError, UpstreamUnavailableError } from '../../kernel/errors.js';
import { readBody } from '../../net/body.js';
import type { Outbound } from '../../net/outbound.js';
import { BlockedAddressError } from '../../net/upstream-agent.js';
import { normalizeTokenResponse } from '../../provider/provider-client.js';
import { fillUrl, type ConnectionConfig } from '../../provider/templates.js';
import type { ProviderClient } from '../../provider/provider-client.js';
import type { Keyring } from '../../crypto/envelope.js';
import type { UrlPolicy } from '../../domain/integrations.js';

const MAX_RESPONSE_BYTES = 256 * 1024;

/** What the grants need to ask a provider for tokens. */
export interface GrantContext {
  providerClient: ProviderClient;
  outbound: Outbound;
  keyring: Keyring;
  urls: UrlPolicy;
}

/**
 * The provider refused the credential itself (invalid_grant, invalid_client, a GitHub 401/404): no
 * retry helps until someone supplies a new one, so the connection is marked ERROR.
 */
export class CredentialRefusedError extends ProviderError {
  override name = 'ProviderError';
}

/**
 * The provider answered but gave no token (5xx, an OAuth error other than a refusal, an unusable
 * answer): it may pass, and the provider did nothing irreversible.
 */
export class ProviderAnswerError extends ProviderError {
  override name = 'ProviderError';
}

/**
 * OAuth error codes that mean "this credential will not work": invalid_grant (a revoked key, an
 * unknown account). invalid_client is the integration's to fix and then works again, as for refresh tokens.
 */
const REFUSAL_CODES = new Set(['invalid_grant']);

function isRefusalCode(code: string | undefined): boolean {
  return code !== undefined && REFUSAL_CODES.has(code);
}

export interface TokenRequest {
  url: string;
  /** POST unless said (a two-step entry may GET). */
  method?: 'GET' | 'POST' | 'PUT';
  headers?: Record<string, string>;
  form?: URLSearchParams;
  /** A JSON body instead of a form (two-step entries). */
  json?: unknown;
  /** What was being done, for messages: "mint an installation token". */
  action: string;
  settings?: IntegrationSettings;
  /** TOKENS_PROVIDER_TIMEOUT_MS, or the integration's own (tokenRequestTimeoutMs). */
  timeoutMs: number;
  /** HTTP statuses that mean the credential was refused even without an OAuth error code (GitHub: 401, 404). */
  refusedStatuses?: number[];
}

/** POSTs a token request and returns the JSON answer, normalised to RFC 6749's field names. */
export async function postTokenRequest(outbound: Outbound, request: TokenRequest): Promise<Record<string, unknown>> {
  const target = new URL(request.url);
  let response;
  try {
    response = await outbound.request({
      origin: target.origin,
      path: target.pathname + target.search,
      method: request.method ?? 'POST',
      headers: {
        accept: 'application/json',
        'user-agent': 'Switchboard',
        ...(request.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...(request.json !== undefined ? { 'content-type': 'application/json' } : {}),
        ...request.headers,
      },
      body: request.json !== undefined ? JSON.stringify(request.json) : request.form?.toString(),
      headersTimeout: request.timeoutMs,
      bodyTimeout: request.timeoutMs,
    });
  } catch (error) {
    if (error instanceof BlockedAddressError)
      throw new ProviderError(`The token endpoint ${target.host} resolves to an address that is not public (blocked).`, { providerError: 'blocked_address' });
    // A connect timeout reads like a refused connection: the words never tell which kind of port it was.
    const timedOut = error instanceof undiciErrors.HeadersTimeoutError;
    throw new UpstreamUnavailableError(
      timedOut ? `The provider did not answer in time (${target.host}).` : `Could not connect to the provider (${target.host}).`,
    );
  }
  const read = await readBody(response.body, MAX_RESPONSE_BYTES);
  if (!read.complete)
    throw new ProviderAnswerError(`The token endpoint's answer exceeds ${MAX_RESPONSE_BYTES} bytes.`, { providerError: 'response_too_large' });
  const text = read.bytes.toString('utf8');
  let body: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  const status = response.statusCode;
  const code = typeof body?.error === 'string' ? body.error : undefined;
  if (status >= 400 || code !== undefined || !body) {
    const description = typeof body?.error_description === 'string' ? body.error_description : typeof body?.message === 'string' ? body.message : undefined;
    const details = {
      providerStatus: status,
      providerError: code ?? (body ? `http_${status}` : 'invalid_response'),
      providerErrorDescription: description?.slice(0, 500),
    };
    const refused = isRefusalCode(code) || (request.refusedStatuses ?? []).includes(status);
    const message = `The provider refused to ${request.action}${code ? `: ${code}` : ` (HTTP ${status})`}.`;
    if (refused) throw new CredentialRefusedError(message, details);
    if (status < 400 && !body) throw new ProviderAnswerError(`The provider's answer could not be used to ${request.action} (not JSON).`, details);
    throw new ProviderAnswerError(message, details);
  }
  normalizeTokenResponse(body, request.settings);
  if (typeof body.access_token !== 'string' || !body.access_token) {
    throw new ProviderAnswerError(`The provider's answer could not be used to ${request.action}: no access_token.`, {
      providerStatus: status,
      providerError: 'invalid_response',
    });
  }
  return body;
}

/** The integration's extra token parameters, with ${connectionConfig.x} filled (Zoom's account_id). */
export function tokenParamsFor(settings: IntegrationSettings, connectionConfig: ConnectionConfig): Record<string, string> {
  return Object.fromEntries(Object.entries(settings.tokenParams ?? {}).map(([name, value]) => [name, fillUrl(value, { connectionConfig })]));
}

/** New stored credentials from a token answer: the tokens replace the old ones, everything else is kept. */
export function credentialsFromTokenAnswer(previous: StoredCredentials, body: Record<string, unknown>, expiresAt?: Date): StoredCredentials {
  const { access_token, refresh_token, id_token, token_type, expires_in, scope, ...raw } = body;
  void id_token;
  const expiry = expiresAt ?? (typeof expires_in === 'number' && expires_in > 0 ? new Date(Date.now() + expires_in * 1000) : undefined);
  return {
    ...previous,
    accessToken: access_token as string,
    refreshToken: typeof refresh_token === 'string' ? refresh_token : previous.refreshToken,
    tokenType: typeof token_type === 'string' ? token_type : 'bearer',
    expiresAt: expiry?.toISOString(),
    scope: typeof scope === 'string' ? scope : previous.scope,
    raw: Object.fromEntries(Object.entries(raw).filter(([, value]) => typeof value !== 'function')),
  };
}
