// JWT bearer grant (RFC 7523 §2.1): a short-lived assertion signed with the connection's private key
// (RS256 or ES256, via jose) is exchanged for an access token. Google service accounts put the scopes
// in the assertion and use the token URL as audience; Salesforce asserts the consumer key as issuer,
// a user as subject, and the login host as audience.
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { StoredCredentials } from '../../domain/connections.js';
import { integrationSettings, revealClientSecret, revealPrivateKey, type Integration } from '../../domain/integrations.js';
import { ProviderError } from '../../kernel/errors.js';
import { signingKeyOf } from '../../crypto/private-key.js';
import { fillProviderUrl, fillUrl, type ConnectionConfig } from '../../provider/templates.js';
import { credentialsFromTokenAnswer, postTokenRequest, tokenParamsFor, type GrantContext } from './token-request.js';

const JWT_BEARER_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Lifetime of an assertion: Salesforce accepts at most 3 minutes, Google at most an hour. */
const ASSERTION_LIFETIME_SECONDS = 180;

/** The signed assertion for a connection (exported for tests that check its claims). */
async function jwtBearerAssertion(
  context: Pick<GrantContext, 'keyring' | 'urls'>,
  integration: Integration,
  credentials: StoredCredentials,
  connectionConfig: ConnectionConfig,
): Promise<string> {
  const settings = integrationSettings(integration);
  const options = settings.jwtBearer ?? { scopes: 'assertion', issuer: 'clientEmail' };
  const pem = credentials.privateKey ?? revealPrivateKey(context.keyring, integration);
  if (!pem) throw new ProviderError('The connection has no private key to sign the assertion with.', { providerError: 'no_private_key' });
  const issuer = options.issuer === 'clientId' ? integration.clientId : (credentials.clientEmail ?? integration.clientId);
  if (!issuer) throw new ProviderError('The assertion needs an issuer: give clientEmail (or a clientId on the integration).', { providerError: 'no_issuer' });
  const tokenUrl = tokenUrlOf(integration, connectionConfig, context);
  const audience = options.audience ? fillUrl(options.audience, { connectionConfig }) : tokenUrl;
  const { key, alg } = signingKeyOf(pem);
  const claims: Record<string, unknown> = {};
  if (options.scopes === 'assertion' && integration.scopes.length) claims.scope = integration.scopes.join(settings.scopeSeparator ?? ' ');
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg, typ: 'JWT', ...(credentials.keyId ? { kid: credentials.keyId } : {}) })
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt(now)
    .setExpirationTime(now + ASSERTION_LIFETIME_SECONDS)
    .setJti(randomUUID());
  if (credentials.subject) jwt.setSubject(credentials.subject);
  return jwt.sign(key);
}

function tokenUrlOf(integration: Integration, connectionConfig: ConnectionConfig, context: Pick<GrantContext, 'urls'>): string {
  if (!integration.tokenUrl) throw new ProviderError(`The integration "${integration.slug}" has no token URL.`, { providerError: 'no_token_url' });
  return fillProviderUrl(integration.tokenUrl, { connectionConfig }, 'tokenUrl', context.urls);
}

export async function jwtBearerGrant(
  context: GrantContext,
  integration: Integration,
  previous: StoredCredentials,
  connectionConfig: ConnectionConfig,
): Promise<StoredCredentials> {
  const settings = integrationSettings(integration);
  const form = new URLSearchParams({
    ...tokenParamsFor(settings, connectionConfig),
    grant_type: JWT_BEARER_GRANT_TYPE,
    assertion: await jwtBearerAssertion(context, integration, previous, connectionConfig),
  });
  if (settings.jwtBearer?.scopes === 'request' && integration.scopes.length) form.set('scope', integration.scopes.join(settings.scopeSeparator ?? ' '));
  // Most providers authenticate the client by the assertion alone; a client secret, when set, is sent too.
  const headers: Record<string, string> = {};
  const secret = revealClientSecret(context.keyring, integration);
  if (secret && integration.clientId) {
    if (integration.tokenEndpointAuthMethod === 'client_secret_post') {
      form.set('client_id', integration.clientId);
      form.set('client_secret', secret);
    } else {
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(integration.clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
    }
  }
  const body = await postTokenRequest(context.outbound, {
    url: tokenUrlOf(integration, connectionConfig, context),
    form,
    headers,
    action: 'exchange the JWT assertion',
    settings,
    timeoutMs: context.providerClient.tokenRequestTimeoutMs(integration),
  });
  return credentialsFromTokenAnswer(previous, body);
}
