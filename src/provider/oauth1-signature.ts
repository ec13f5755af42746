// OAuth 1.0a request signing (RFC 5849 §3.4), HMAC-SHA1, HMAC-SHA256 (NetSuite TBA) and PLAINTEXT, with the oauth-1.0a library
// doing the normalisation and the signature base string. Two things are done here because the
// library does them loosely: the base string URI is normalised by the URL parser (§3.4.1.2: lower-case
// scheme and host, no default port), and query and form parameters are decoded with
// application/x-www-form-urlencoded rules, duplicates kept (§3.4.1.3.1), before the library re-encodes
// and sorts them. Nonces come from crypto, not Math.random.
import { createHmac, randomBytes } from 'node:crypto';
import OAuth from 'oauth-1.0a';
import type { Keyring } from '../crypto/envelope.js';
import { integrationSettings, revealClientSecret, type Integration } from '../domain/integrations.js';
import { ProviderError } from '../kernel/errors.js';
import { fillUrl, type ConnectionConfig } from './templates.js';

export type OAuth1SignatureMethod = 'HMAC-SHA1' | 'HMAC-SHA256' | 'PLAINTEXT';

/** The hash behind each HMAC method; PLAINTEXT signs with the key itself. */
const HMAC_HASHES: Partial<Record<OAuth1SignatureMethod, string>> = { 'HMAC-SHA1': 'sha1', 'HMAC-SHA256': 'sha256' };

export interface OAuth1Secrets {
  consumerKey: string;
  consumerSecret: string;
  /** The request token or access token, and its secret (absent when asking for a request token). */
  token?: string;
  tokenSecret?: string;
  signatureMethod: OAuth1SignatureMethod;
  /** The Authorization header's realm, not signed (NetSuite wants its account id there). */
  realm?: string;
}

export interface OAuth1Request {
  method: string;
  url: string | URL;
  /** The body's parameters, when it is application/x-www-form-urlencoded (they are signed too). */
  formBody?: string;
}

function client(secrets: OAuth1Secrets): OAuth {
  const hash = HMAC_HASHES[secrets.signatureMethod];
  return new OAuth({
    consumer: { key: secrets.consumerKey, secret: secrets.consumerSecret },
    signature_method: secrets.signatureMethod,
    ...(secrets.realm ? { realm: secrets.realm } : {}),
    hash_function: hash ? (base: string, key: string) => createHmac(hash, key).update(base).digest('base64') : (_base: string, key: string) => key,
  });
}

/** The request's own parameters (query and form body), decoded, with repeated names as arrays. */
function requestParameters(url: URL, formBody: string | undefined): Record<string, string | string[]> {
  const parameters: Record<string, string | string[]> = {};
  const add = (name: string, value: string) => {
    const existing = parameters[name];
    parameters[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  };
  for (const [name, value] of url.searchParams) add(name, value);
  if (formBody) for (const [name, value] of new URLSearchParams(formBody)) add(name, value);
  return parameters;
}

/** §3.4.1.2 base string URI: what the URL parser keeps of scheme, host, port and path. */
function baseStringUri(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/**
 * The signature for a request whose protocol parameters (oauth_consumer_key, oauth_nonce…) are
 * given; with the base string it was made from (tests compare both with RFC 5849's examples).
 */
export function oauth1Signature(
  request: OAuth1Request,
  secrets: OAuth1Secrets,
  protocolParameters: Record<string, string>,
  oauth: OAuth = client(secrets),
): { signature: string; baseString: string } {
  const url = new URL(request.url);
  const libraryRequest = { method: request.method.toUpperCase(), url: baseStringUri(url), data: requestParameters(url, request.formBody) };
  const data = protocolParameters as unknown as OAuth.Data;
  return { signature: oauth.getSignature(libraryRequest, secrets.tokenSecret, data), baseString: oauth.getBaseString(libraryRequest, data) };
}

/**
 * The Authorization header for a request: fresh nonce and timestamp, the token if any, and extra
 * protocol parameters (oauth_callback when asking for a request token, oauth_verifier for the access token).
 */
export function oauth1AuthorizationHeader(request: OAuth1Request, secrets: OAuth1Secrets, extra: Record<string, string> = {}): string {
  const protocolParameters: Record<string, string> = {
    oauth_consumer_key: secrets.consumerKey,
    oauth_nonce: randomBytes(16).toString('hex'),
    oauth_signature_method: secrets.signatureMethod,
    oauth_timestamp: String(Math.floor(Date.now() / 1000)),
    oauth_version: '1.0',
    ...(secrets.token !== undefined ? { oauth_token: secrets.token } : {}),
    ...extra,
  };
  const oauth = client(secrets);
  const { signature } = oauth1Signature(request, secrets, protocolParameters, oauth);
  return oauth.toHeader({ ...protocolParameters, oauth_signature: signature } as unknown as OAuth.Authorization).Authorization;
}

/**
 * The consumer's half of an integration's signing secrets (consumer key = clientId, secret =
 * clientSecret), with the realm its template gives for this connection's config (NetSuite's account id).
 */
export function consumerSecrets(
  keyring: Keyring,
  integration: Pick<Integration, 'id' | 'slug' | 'clientId' | 'clientSecretEnc' | 'settings'>,
  connectionConfig: ConnectionConfig = {},
): OAuth1Secrets {
  const consumerSecret = revealClientSecret(keyring, integration);
  if (!integration.clientId || consumerSecret === undefined) throw new ProviderError(`The integration "${integration.slug}" has no consumer key or secret.`);
  const settings = integrationSettings(integration);
  const realm = settings.realm ? fillUrl(settings.realm, { connectionConfig }) : undefined;
  return { consumerKey: integration.clientId, consumerSecret, signatureMethod: settings.signatureMethod ?? 'HMAC-SHA1', ...(realm ? { realm } : {}) };
}
