// private_key_jwt token endpoint authentication (RFC 7523 §2.2, OpenID Connect Core §9): instead of
// a client secret, each token request carries a short-lived JWT signed with the integration's private
// key (write-only, sealed). What the provider wants in it comes from the catalog: the audience (the
// token endpoint by default; Auth0 its tenant URL, ZITADEL its issuer), the algorithm (Epic: RS384,
// Microsoft: PS256) and how the key is named (kid, or Microsoft's certificate thumbprint x5t#S256).
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type * as oidc from 'openid-client';
import { signingKeyOf } from '../crypto/private-key.js';
import type { IntegrationSettings } from '../domain/integrations.js';
import { fillUrl, type ConnectionConfig } from './templates.js';

const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** An assertion is for one request: a minute covers clock skew (Auth0 accepts at most five). */
const ASSERTION_LIFETIME_SECONDS = 60;

type ClientAssertionSettings = NonNullable<IntegrationSettings['clientAssertion']>;

/** The openid-client ClientAuth that signs a fresh assertion for each token request. */
export function privateKeyJwtAuth(
  pem: string,
  options: { clientAssertion?: ClientAssertionSettings; privateKeyId?: string; connectionConfig: ConnectionConfig },
): oidc.ClientAuth {
  const { key, alg: keyAlgorithm } = signingKeyOf(pem);
  const settings = options.clientAssertion;
  const alg = settings?.algorithm ?? keyAlgorithm;
  // openid-client types ClientAuth as returning void but awaits it (oauth4webapi's ClientAuth may return a Promise).
  const auth = async (as: oidc.ServerMetadata, client: oidc.ClientMetadata, body: URLSearchParams): Promise<void> => {
    const audience = settings?.audience ? fillUrl(settings.audience, { connectionConfig: options.connectionConfig }) : as.token_endpoint!;
    const header: Record<string, string> = { alg, typ: 'JWT' };
    if (options.privateKeyId) header[settings?.keyIdHeader ?? 'kid'] = options.privateKeyId;
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader(header as { alg: string })
      .setIssuer(client.client_id)
      .setSubject(client.client_id)
      .setAudience(audience)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + ASSERTION_LIFETIME_SECONDS)
      .setJti(randomUUID())
      .sign(key);
    body.set('client_id', client.client_id);
    body.set('client_assertion_type', CLIENT_ASSERTION_TYPE);
    body.set('client_assertion', assertion);
  };
  return auth as oidc.ClientAuth;
}
