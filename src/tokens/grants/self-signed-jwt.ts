// Self-signed JWTs (Apple's developer tokens, Ghost's Admin API tokens): no token endpoint; the
// server signs a short-lived JWT with the connection's key and presents it as the access token. The
// catalog says the algorithm, the key's form, the lifetime and the header and claims (templates of
// the connection config and the key's id); the token lifecycle signs a new one before expiry.
import { createSecretKey, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import type { StoredCredentials } from '../../domain/connections.js';
import { integrationSettings, revealPrivateKey, type Integration, type IntegrationSettings } from '../../domain/integrations.js';
import { signingKeyOf } from '../../crypto/private-key.js';
import { ProviderError, ValidationError } from '../../kernel/errors.js';
import { fillUrl, type ConnectionConfig } from '../../provider/templates.js';
import type { GrantContext } from './token-request.js';

type SelfSignedJwtSettings = NonNullable<IntegrationSettings['selfSignedJwt']>;

const KEY_ID_PLACEHOLDER = /\$\{keyId\}/g;
const HEX_SECRET = /^(?:[0-9a-fA-F]{2}){16,512}$/;

/** A key as given (PEM, or a hex secret, "id:secret" for Ghost), checked for the entry's algorithm; its id when it carries one. */
export function parseSelfSignedKey(
  jwt: Pick<SelfSignedJwtSettings, 'algorithm' | 'key'>,
  text: string,
  field = 'privateKey',
): { secret: string; keyId?: string } {
  const trimmed = text.trim();
  if (jwt.key === 'hex') {
    const [first, second] = trimmed.split(':');
    const secret = second ?? first!;
    if (!HEX_SECRET.test(secret)) throw ValidationError.field(field, `${field} is a secret written in hex (or "id:secret", as Ghost prints Admin API keys).`);
    return { secret, keyId: second === undefined ? undefined : first };
  }
  const { alg } = signingKeyOf(trimmed, field);
  if (alg !== jwt.algorithm)
    throw ValidationError.field(
      field,
      `${field} must be a key for ${jwt.algorithm} (${jwt.algorithm === 'ES256' ? 'P-256 EC' : 'RSA'}); this one signs ${alg}.`,
    );
  return { secret: trimmed };
}

function signingKey(jwt: SelfSignedJwtSettings, secret: string): KeyObject {
  return jwt.key === 'hex' ? createSecretKey(Buffer.from(secret, 'hex')) : signingKeyOf(secret).key;
}

/** Fills a header or claim template: ${connectionConfig.x} and ${keyId}. */
function filled(template: string, connectionConfig: ConnectionConfig, keyId: string | undefined): string {
  const withKeyId = template.replace(KEY_ID_PLACEHOLDER, () => {
    if (!keyId) throw ValidationError.field('keyId', 'This provider needs the key id (keyId) given with the key.');
    return keyId;
  });
  return fillUrl(withKeyId, { connectionConfig });
}

/** Signs a new token for the connection; stored like a minted access token, with its expiry. */
export async function selfSignedJwtGrant(
  context: Pick<GrantContext, 'keyring'>,
  integration: Integration,
  previous: StoredCredentials,
  connectionConfig: ConnectionConfig,
): Promise<StoredCredentials> {
  const jwt = integrationSettings(integration).selfSignedJwt;
  if (!jwt)
    throw new ProviderError(`The integration "${integration.slug}" does not say how to sign its tokens (selfSignedJwt).`, { providerError: 'no_jwt_settings' });
  const secret = previous.privateKey ?? revealPrivateKey(context.keyring, integration);
  if (!secret) throw new ProviderError('The connection has no key to sign its token with.', { providerError: 'no_private_key' });
  const header = Object.fromEntries(Object.entries(jwt.header).map(([name, value]) => [name, filled(value, connectionConfig, previous.keyId)]));
  const claims = Object.fromEntries(Object.entries(jwt.claims).map(([name, value]) => [name, filled(value, connectionConfig, previous.keyId)]));
  const now = Math.floor(Date.now() / 1000);
  const expiresAt = now + jwt.lifetimeSeconds;
  const token = await new SignJWT(claims)
    .setProtectedHeader({ ...header, alg: jwt.algorithm, typ: 'JWT' })
    .setIssuedAt(now)
    .setExpirationTime(expiresAt)
    .sign(signingKey(jwt, secret));
  return { ...previous, type: 'SELF_SIGNED_JWT', accessToken: token, tokenType: 'bearer', expiresAt: new Date(expiresAt * 1000).toISOString() };
}
