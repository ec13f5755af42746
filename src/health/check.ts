// A credential check: one cheap authenticated request that tells whether the provider accepts the
// stored credentials (Slack's auth.test, GitHub's /user, an OpenID Connect userinfo endpoint…).
// Which request: the integration's `settings.verify` (from the catalog entry's `verify`), else its
// userinfo URL, else the userinfo endpoint its issuer's discovery names; none known, no check.
// It goes through the one outbound agent (address check, timeouts, no redirects followed).
import type { Dispatcher } from 'undici';
import type { ProviderTemplate } from '../catalog/schema.js';
import type { Keyring } from '../crypto/envelope.js';
import type { StoredCredentials } from '../domain/connections.js';
import { integrationSettings, type Integration, type UrlPolicy } from '../domain/integrations.js';
import { readBody } from '../net/body.js';
import type { Outbound } from '../net/outbound.js';
import { BlockedAddressError } from '../net/upstream-agent.js';
import type { ProviderClient } from '../provider/provider-client.js';
import { fillProviderUrl, valueAt, type ConnectionConfig } from '../provider/templates.js';
import { injectCredential, resolveProxyUrl } from '../proxy/rules.js';

/** What a credential check needs from the app. */
export interface CheckDeps {
  providerClient: ProviderClient;
  outbound: Outbound;
  keyring: Keyring;
  urls: UrlPolicy;
  /** VERIFY_TIMEOUT_MS. */
  timeoutMs: number;
}

/** What a catalog entry's (or an integration's settings') `verify` says; see src/catalog/schema.ts. */
export type VerifySettings = NonNullable<ProviderTemplate['verify']>;

export interface CredentialCheck {
  /** Which answer it reads: the integration's verify request, or the userinfo endpoint. */
  source: 'verify' | 'userinfo';
  method: 'GET' | 'POST';
  url: URL;
  expect?: VerifySettings['expect'];
  body?: string;
  headers: Record<string, string>;
  /** Replaces the integration's credential prefix for this request. */
  authPrefix?: string;
  /** The connection's config (an OAuth 1.0a realm may come from it). */
  connectionConfig?: ConnectionConfig;
}

/** accepted: the provider took the credentials; rejected: 401/403 or the expected field failed; inconclusive: anything else. */
export type CheckVerdict = 'accepted' | 'rejected' | 'inconclusive';

export interface CheckResult {
  verdict: CheckVerdict;
  providerStatus?: number;
  method: string;
  /** The path checked, without a query string. */
  path: string;
  durationMs: number;
  /** Why it was not accepted, in words. */
  reason?: string;
  /** The JSON of an accepted answer, when it was read (for the identity; never logged). */
  answer?: unknown;
}

/** Answers read for the expected field are small; a bigger one is read this far only. */
const MAX_CHECK_BODY_BYTES = 256 * 1024;

type ConnectionPlace = { apiBaseUrl: string | null; connectionConfig: ConnectionConfig };

/** The check for an integration and connection, or null when none is known. */
export async function credentialCheckFor(
  deps: Pick<CheckDeps, 'providerClient' | 'urls'>,
  integration: Integration,
  connection: ConnectionPlace,
): Promise<CredentialCheck | null> {
  return verifyCheckFor(deps, integration, connection) ?? userinfoCheckFor(deps, integration, connection);
}

/** The integration's `verify` request, or null when it declares none. */
export function verifyCheckFor(deps: Pick<CheckDeps, 'urls'>, integration: Integration, connection: ConnectionPlace): CredentialCheck | null {
  const verify = integrationSettings(integration).verify;
  if (!verify) return null;
  const url =
    verify.url !== undefined
      ? new URL(fillProviderUrl(verify.url, { connectionConfig: connection.connectionConfig }, 'verify.url', deps.urls))
      : resolveProxyUrl(connection.apiBaseUrl ?? integration.apiBaseUrl, verify.path ?? '');
  // Header names are matched without case, so that a catalog's `Accept` replaces the default instead of adding a second one.
  const headers: Record<string, string> = { accept: 'application/json' };
  for (const [name, value] of Object.entries(verify.headers ?? {})) headers[name.toLowerCase()] = value;
  if (verify.body) headers['content-type'] = 'application/json';
  return {
    source: 'verify',
    method: verify.method ?? 'GET',
    url,
    expect: verify.expect,
    body: verify.body ? JSON.stringify(verify.body) : undefined,
    headers,
    authPrefix: verify.authPrefix,
    connectionConfig: connection.connectionConfig,
  };
}

/** A GET of the OAuth 2.0 integration's userinfo endpoint (its own, or its issuer's), or null when it has none. */
export async function userinfoCheckFor(
  deps: Pick<CheckDeps, 'providerClient' | 'urls'>,
  integration: Integration,
  connection: ConnectionPlace,
): Promise<CredentialCheck | null> {
  if (integration.authType !== 'OAUTH2') return null;
  let userinfo: string | undefined;
  if (integration.userinfoUrl) userinfo = fillProviderUrl(integration.userinfoUrl, { connectionConfig: connection.connectionConfig }, 'userinfoUrl', deps.urls);
  else if (integration.issuer)
    userinfo = (await deps.providerClient.configuration(integration, connection.connectionConfig)).serverMetadata().userinfo_endpoint;
  return userinfo ? { source: 'userinfo', method: 'GET', url: new URL(userinfo), headers: { accept: 'application/json' } } : null;
}

/** Sends the check with the credentials; never throws for what the provider answers. */
export async function runCredentialCheck(
  deps: Pick<CheckDeps, 'outbound' | 'keyring' | 'timeoutMs'>,
  check: CredentialCheck,
  credentials: StoredCredentials | null,
  integration: Integration,
  options: { readAnswer?: boolean } = {},
): Promise<CheckResult> {
  const started = performance.now();
  const url = new URL(check.url);
  const headers = { ...check.headers };
  const presented: Integration =
    check.authPrefix === undefined
      ? integration
      : {
          ...integration,
          settings: {
            ...integrationSettings(integration),
            proxy: { ...integrationSettings(integration).proxy, authPrefix: check.authPrefix },
          } as Integration['settings'],
        };
  injectCredential(deps.keyring, headers, url, credentials, presented, { method: check.method, connectionConfig: check.connectionConfig });
  const base = { method: check.method, path: check.url.pathname };
  let response: Dispatcher.ResponseData;
  try {
    response = await deps.outbound.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: check.method,
      headers,
      body: check.body,
      headersTimeout: deps.timeoutMs,
      bodyTimeout: deps.timeoutMs,
    });
  } catch (error) {
    const reason =
      error instanceof BlockedAddressError ? `${url.host} resolves to an address that is not public.` : `The provider could not be reached (${url.host}).`;
    return { ...base, verdict: 'inconclusive', durationMs: performance.now() - started, reason };
  }
  const status = response.statusCode;
  let body: unknown;
  try {
    if ((check.expect || options.readAnswer) && status >= 200 && status < 300) {
      // Answers read for the expected field are small; a bigger one is not read to its end.
      const read = await readBody(response.body, MAX_CHECK_BODY_BYTES);
      body = read.complete ? JSON.parse(read.bytes.toString('utf8')) : undefined;
    } else {
      await response.body.dump();
    }
  } catch {
    body = undefined;
  }
  const durationMs = performance.now() - started;
  const answered = { ...base, providerStatus: status, durationMs };
  if (status === 401 || status === 403) return { ...answered, verdict: 'rejected', reason: `The provider refused the credentials (HTTP ${status}).` };
  if (status < 200 || status >= 300) return { ...answered, verdict: 'inconclusive', reason: `The provider answered the check with HTTP ${status}.` };
  if (check.expect) {
    const value = valueAt(body, check.expect.field);
    const holds = check.expect.equals !== undefined ? value === check.expect.equals : value !== undefined && value !== null && value !== false;
    if (!holds) {
      // Slack-style: { ok: false, error: "invalid_auth" }. The error code is a plain word, never a secret.
      const code = valueAt(body, 'error');
      const detail = typeof code === 'string' && /^[\w.-]{1,64}$/.test(code) ? `: ${code}` : '';
      const wanted = check.expect.equals !== undefined ? `is not ${String(check.expect.equals)}` : 'is missing';
      return { ...answered, verdict: 'rejected', reason: `The provider refused the credentials (${check.expect.field} ${wanted}${detail}).` };
    }
  }
  return { ...answered, verdict: 'accepted', ...(options.readAnswer ? { answer: body } : {}) };
}
