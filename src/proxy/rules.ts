// What the proxy lets through (OWASP SSRF prevention): the target URL must stay on the API base URL's
// origin and under its path; caller headers pass an allow-list; response headers lose cookies and
// hop-by-hop fields; the credential is injected per integration.
import type { Keyring } from '../crypto/envelope.js';
import { ValidationError } from '../kernel/errors.js';
import { memoize } from '../kernel/memo.js';
import type { StoredCredentials } from '../domain/connections.js';
import type { Integration } from '../domain/integrations.js';
import { consumerSecrets, oauth1AuthorizationHeader } from '../provider/oauth1-signature.js';
import type { ConnectionConfig } from '../provider/templates.js';
import { delayMs, providerLimitRules, type ProviderLimitRules } from './provider-limits.js';
import { NOTHING_INJECTED, type InjectedSecrets } from './scrub.js';

/**
 * Resolves the caller's `url` against the API base URL. A relative path (with or without a leading
 * slash) is appended to the base path; an absolute URL must have the base's origin and path prefix.
 */
function refuse(why: string): ValidationError {
  return ValidationError.field('url', `url ${why}`);
}

export function resolveProxyUrl(baseUrl: string | null | undefined, input: string): URL {
  if (!baseUrl) throw ValidationError.field('url', 'The connection has no API base URL: set apiBaseUrl on the integration.');
  if (input.length > 8000) throw refuse('is too long.');
  // Backslashes, control characters and whitespace are read differently by different parsers.
  if (/[\\\u0000-\u0020\u007f]/.test(input)) throw refuse('must not contain backslashes, spaces or control characters.');
  if (input.startsWith('//')) throw refuse('must not be scheme-relative.');
  if (input.startsWith('@')) throw refuse('must not start with "@".');

  const { origin, basePath, baseHref, exactHref } = parsedBase(baseUrl);
  const isAbsolute = /^[a-z][a-z0-9+.-]*:/i.test(input);
  const relative = input.replace(/^\/+/, '');
  let target: URL;
  try {
    // An empty path (or a query alone) means the base URL itself: `…/graphql`, not `…/graphql/`.
    target = isAbsolute ? new URL(input) : new URL(relative, relative === '' || relative.startsWith('?') ? exactHref : baseHref);
  } catch {
    throw refuse('is not a valid URL.');
  }
  if (target.username || target.password) throw refuse('must not contain credentials.');
  if (target.origin !== origin) throw refuse(`must stay on ${origin}.`);
  const path = target.pathname.endsWith('/') ? target.pathname : `${target.pathname}/`;
  if (!path.startsWith(basePath)) throw refuse(`must stay under ${basePath}.`);
  // Encoded dot segments and slashes that an upstream might decode into a traversal (the URL parser
  // has already resolved the plain ones).
  if (target.pathname.includes('%')) checkEncodedSegments(target.pathname);
  target.hash = '';
  return target;
}

/** The API base URL, parsed once: it is the same for every call of a connection. */
const parsedBase = memoize((baseUrl: string) => {
  const base = new URL(baseUrl);
  const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  // A plain relative path may be joined to it as text: an http(s) base whose path needs no decoding.
  const joinable = (base.protocol === 'https:' || base.protocol === 'http:') && !base.pathname.includes('%');
  return {
    origin: base.origin,
    host: base.host,
    pathname: base.pathname,
    basePath,
    baseHref: `${base.origin}${basePath}`,
    exactHref: `${base.origin}${base.pathname}`,
    joinable,
  };
}, 10_000);

/** The parts of a resolved proxy target the proxy reads (a URL's fields, without a URL object). */
export interface ProxyTarget {
  href: string;
  origin: string;
  host: string;
  pathname: string;
  search: string;
}

/** Path characters the URL parser keeps as written (no percent sign, colon or backslash). */
const PLAIN_PATH = /^[A-Za-z0-9._~!$&()*+,;=@/-]*$/;
/** Query characters the URL parser keeps as written (no quote, no fragment). */
const PLAIN_QUERY = /^\?[A-Za-z0-9._~!$&()*+,;=:@/?%-]+$/;
const DOT_SEGMENT = /(?:^|\/)\.{1,2}(?:\/|$)/;

/**
 * resolveProxyUrl's answer as strings. A plain relative path (the common call: `users/me?page=2`) is
 * joined to the base as text, which the URL parser would leave as it is; anything else (absolute
 * URLs, dot segments, percent-encoding, unusual characters) goes through resolveProxyUrl and its rules.
 */
export function resolveProxyTarget(baseUrl: string | null | undefined, input: string): ProxyTarget {
  if (baseUrl && input.length <= 8000 && !input.startsWith('//') && !input.startsWith('@')) {
    const base = parsedBase(baseUrl);
    const relative = input.startsWith('/') ? input.replace(/^\/+/, '') : input;
    const queryAt = relative.indexOf('?');
    const path = queryAt === -1 ? relative : relative.slice(0, queryAt);
    const search = queryAt === -1 ? '' : relative.slice(queryAt);
    if (base.joinable && PLAIN_PATH.test(path) && !DOT_SEGMENT.test(path) && (search === '' || PLAIN_QUERY.test(search))) {
      const pathname = path === '' ? base.pathname : `${base.basePath}${path}`;
      return { href: `${base.origin}${pathname}${search}`, origin: base.origin, host: base.host, pathname, search };
    }
  }
  const { href, origin, host, pathname, search } = resolveProxyUrl(baseUrl, input);
  return { href, origin, host, pathname, search };
}

function checkEncodedSegments(pathname: string): void {
  for (const segment of pathname.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw refuse('has a malformed percent-encoding.');
    }
    if (decoded === '.' || decoded === '..' || /[/\\]/.test(decoded)) throw refuse('must not contain encoded dot segments or slashes.');
  }
}

/** Caller headers that pass through, besides `x-*` ones (see below) and an integration's own list. */
const ALLOWED_REQUEST_HEADERS = new Set([
  'accept',
  'accept-language',
  'cache-control',
  'content-type',
  'content-language',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'if-range',
  'range',
  'prefer',
  'idempotency-key',
  'user-agent',
  // Common provider API versioning and context headers.
  'notion-version',
  'linkedin-version',
  'dropbox-api-arg',
  'dropbox-api-path-root',
  'xero-tenant-id',
  'stripe-account',
  'stripe-version',
]);

/** `x-*` headers that say who the caller is to us, or that proxies trust: never forwarded. */
const REFUSED_X_HEADERS =
  /^x-(forwarded-|real-ip$|api-key$|user-id$|connection-|switchboard-|http-method-override$|original-url$|rewrite-url$|graphql-yoga-csrf$)/;

export type HeaderInput = Record<string, unknown> | null | undefined;

/**
 * Caller headers filtered by the allow-list. Authorization, Host, Cookie, hop-by-hop and proxy headers
 * are dropped; values must be strings without line breaks.
 */
export function forwardedRequestHeaders(input: HeaderInput, integration: Pick<Integration, 'settings'>): Record<string, string> {
  const extra = proxySettings(integration).allowedHeaders;
  const headers: Record<string, string> = {};
  for (const rawName in input ?? {}) {
    const value = input![rawName];
    const name = rawName.toLowerCase();
    const allowed = ALLOWED_REQUEST_HEADERS.has(name) || (name.startsWith('x-') && !REFUSED_X_HEADERS.test(name)) || extra.includes(name);
    if (!allowed || value === undefined || value === null) continue;
    const text = Array.isArray(value) ? value.join(', ') : String(value);
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name) || /[\r\n\u0000]/.test(text) || text.length > 8000) {
      throw ValidationError.field(`headers.${rawName}`, `Header ${rawName} has an invalid name or value.`);
    }
    headers[name] = text;
  }
  return headers;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'set-cookie',
  'set-cookie2',
]);

function trimmed(text: string): string {
  return text.trim();
}

/** Response headers a caller may see: no cookies and no hop-by-hop fields (and none of `drop`). */
export function filteredResponseHeaders(headers: Record<string, string | string[] | undefined>, drop: ReadonlySet<string> = new Set()): Record<string, string> {
  // Headers the Connection header names are hop-by-hop too (RFC 9110 §7.6.1); usually it names none.
  const connection = typeof headers.connection === 'string' ? headers.connection.toLowerCase() : '';
  const connectionListed = connection && connection !== 'keep-alive' && connection !== 'close' ? connection.split(',').map(trimmed) : undefined;
  const result: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    const lower = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(lower) || drop.has(lower) || connectionListed?.includes(lower)) continue;
    result[lower] = Array.isArray(value) ? value.join(', ') : value;
  }
  return result;
}

interface ProxySettings {
  /** Header carrying the credential (default Authorization) and its prefix (default "Bearer "). */
  authHeader: string;
  authPrefix: string;
  /** Send the credential as this query parameter instead of a header. */
  authQueryParam?: string;
  allowedHeaders: string[];
  /** The provider's rate-limit headers and statuses (provider-limits.ts). */
  limits: ProviderLimitRules;
}

const settingsCache = new WeakMap<object, ProxySettings>();

/** The integration's proxy settings (cached per loaded integration: the hot path asks on every call). */
export function proxySettings(integration: Pick<Integration, 'settings'>): ProxySettings {
  let settings = settingsCache.get(integration);
  if (!settings) settingsCache.set(integration, (settings = readProxySettings(integration)));
  return settings;
}

function readProxySettings(integration: Pick<Integration, 'settings'>): ProxySettings {
  const proxy = ((integration.settings ?? {}) as { proxy?: Partial<Omit<ProxySettings, 'limits'>> & Parameters<typeof providerLimitRules>[0] }).proxy ?? {};
  return {
    authHeader: (proxy.authHeader ?? 'authorization').toLowerCase(),
    authPrefix: proxy.authPrefix ?? 'Bearer ',
    authQueryParam: proxy.authQueryParam,
    allowedHeaders: (proxy.allowedHeaders ?? []).map((name) => name.toLowerCase()),
    limits: providerLimitRules(proxy),
  };
}

/** Whether injectCredential needs the target as a URL: to sign it (OAuth 1) or to put the credential in its query. */
export function credentialNeedsUrl(credentials: StoredCredentials | null, integration: Pick<Integration, 'settings'>): boolean {
  if (!credentials || credentials.type === 'BASIC') return false;
  return credentials.type === 'OAUTH1' || Boolean(proxySettings(integration).authQueryParam);
}

/**
 * Puts the connection's credential on the request (header, or query parameter where configured).
 * `target` may be null only when credentialNeedsUrl() says no.
 */
export function injectCredential(
  keyring: Keyring,
  headers: Record<string, string>,
  target: URL | null,
  credentials: StoredCredentials | null,
  integration: Integration,
  request?: { method: string; body?: string | Buffer; contentType?: string; connectionConfig?: ConnectionConfig },
): InjectedSecrets {
  if (!credentials) return NOTHING_INJECTED;
  if (credentials.type === 'OAUTH1') {
    // Each attempt is signed afresh (nonce, timestamp) over the method, URL and any form body.
    const form = request?.body !== undefined && /^application\/x-www-form-urlencoded/i.test(request.contentType ?? '') ? request.body.toString() : undefined;
    const secrets = {
      ...consumerSecrets(keyring, integration, request?.connectionConfig),
      token: credentials.accessToken,
      tokenSecret: credentials.tokenSecret ?? '',
    };
    headers.authorization = oauth1AuthorizationHeader({ method: request?.method ?? 'GET', url: urlToUse(target), formBody: form }, secrets);
    return { values: [headers.authorization, credentials.accessToken ?? '', credentials.tokenSecret ?? ''] };
  }
  if (credentials.type === 'BASIC') {
    const pair = Buffer.from(`${credentials.username ?? ''}:${credentials.password ?? ''}`).toString('base64');
    headers.authorization = `Basic ${pair}`;
    return { values: [pair, credentials.password ?? ''] };
  }
  const secret = credentials.type === 'API_KEY' ? credentials.apiKey : credentials.accessToken;
  if (!secret) return NOTHING_INJECTED;
  const settings = proxySettings(integration);
  if (settings.authQueryParam) {
    urlToUse(target).searchParams.set(settings.authQueryParam, secret);
    return { values: [secret], queryParam: settings.authQueryParam };
  }
  headers[settings.authHeader] = `${settings.authPrefix}${secret}`;
  return { values: [secret] };
}

function urlToUse(target: URL | null): URL {
  if (!target) throw new Error('This credential is placed by URL: injectCredential needs the target (credentialNeedsUrl).');
  return target;
}

/** Seconds to wait from a Retry-After header (delay-seconds or an HTTP-date), or undefined. */
export function retryAfterSeconds(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\s*\d+\s*$/.test(text)) return Number(text);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * How long a provider asks to wait: Retry-After, or else the integration's rate-limit reset header
 * (e.g. GitHub's x-ratelimit-reset, an epoch time), read in its declared format.
 */
export function waitAskedFor(
  headers: Record<string, string | string[] | undefined>,
  integration: Pick<Integration, 'settings'>,
  now = Date.now(),
): number | undefined {
  const asked = retryAfterSeconds(headers['retry-after'], now);
  if (asked !== undefined) return asked;
  const { resetHeader, resetFormat } = proxySettings(integration).limits;
  const value = resetHeader ? headers[resetHeader] : undefined;
  const text = Array.isArray(value) ? value[0] : value;
  const ms = text ? delayMs(text, resetFormat, now) : undefined;
  return ms === undefined ? undefined : Math.ceil(ms / 1000);
}

export const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
