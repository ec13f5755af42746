// Who is calling: a user (JWT), a server holding an API key (admin, or a user via X-User-Id),
// or, in development with no auth configured, the admin user "dev".
import { timingSafeEqual, createHash } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { findConnectSessionGrant, isConnectSessionToken } from '../connect-sessions/token.js';
import { API_KEY_ADMIN_ID, isReservedUserId } from '../domain/identities.js';
import { USER_ID_PATTERN, type Authenticate, type Viewer } from '../domain/viewer.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { AuthenticationError } from '../kernel/errors.js';
import type { AuthSettings } from './settings.js';
import { isDatabaseApiKey, type ApiKeys, type StoredApiKey } from './api-keys.js';

const DEV_VIEWER: Viewer = Object.freeze({ userId: 'dev', isAdmin: true, via: 'dev' });

export function createAuthenticator(auth: AuthSettings, prisma: PrismaClient, apiKeys?: Pick<ApiKeys, 'verify'>): Authenticate {
  const secret = auth.jwtSecret ? new TextEncoder().encode(auth.jwtSecret) : undefined;
  const jwks: JWTVerifyGetKey | undefined = auth.jwksUrl ? createRemoteJWKSet(new URL(auth.jwksUrl)) : undefined;
  // Compare digests so that neither the length nor the content of a key leaks through timing.
  const apiKeyDigests = auth.apiKeys.map(digest);
  // Keys already proved valid skip the digest (the hot path sees the same few keys on every call).
  // Only configured keys ever enter this set, and a hash-set lookup reveals nothing about near misses.
  const verifiedApiKeys = new Set<string>();

  async function verifyJwt(token: string): Promise<JWTPayload> {
    // A token without exp would be valid forever: refused (exp and nbf get a small leeway for clock skew).
    const options = { issuer: auth.issuer, audience: auth.audience, requiredClaims: ['exp'], clockTolerance: auth.clockToleranceSeconds ?? 30 };
    try {
      if (secret) return (await jwtVerify(token, secret, { ...options, algorithms: ['HS256'] })).payload;
      if (jwks) return (await jwtVerify(token, jwks, options)).payload;
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new AuthenticationError('The token has expired.');
      if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'exp') throw new AuthenticationError('The token must carry an expiry (exp).');
      if (error instanceof joseErrors.JOSEError) throw new AuthenticationError('The token is not valid.');
      throw error;
    }
    throw new AuthenticationError('Bearer tokens are not accepted: JWT authentication is not configured.');
  }

  return async function authenticate(headers) {
    const authorization = headers.get('authorization');
    const apiKey = headers.get('x-api-key');

    if (apiKey !== null) {
      // A key of the configuration is an admin; a key of the database (sbk_…) has its scopes.
      let stored: StoredApiKey | undefined;
      if (!verifiedApiKeys.has(apiKey)) {
        const presented = digest(apiKey);
        const configured = apiKeyDigests.some((known) => timingSafeEqual(known, presented));
        if (configured) verifiedApiKeys.add(apiKey);
        else {
          stored = apiKeys && isDatabaseApiKey(apiKey) ? ((await apiKeys.verify(apiKey)) ?? undefined) : undefined;
          if (!stored) throw new AuthenticationError('The API key is not valid.');
        }
      }
      const limits = stored ? { scopes: stored.scopes, apiKey: { id: stored.id, name: stored.name } } : {};
      const actingFor = headers.get('x-user-id');
      if (actingFor === null) return { userId: API_KEY_ADMIN_ID, isAdmin: true, via: 'api-key', ...limits };
      if (!USER_ID_PATTERN.test(actingFor)) throw new AuthenticationError('X-User-Id is not a valid user id.');
      if (isReservedUserId(actingFor)) throw reservedUserId('X-User-Id');
      return { userId: actingFor, isAdmin: false, via: 'api-key', ...limits };
    }

    if (authorization !== null) {
      const match = /^Bearer\s+([A-Za-z0-9\-_.~+/]+=*)\s*$/i.exec(authorization);
      if (!match) throw new AuthenticationError('The Authorization header must be "Bearer <token>".');
      // Recognised by prefix before any JWT parsing: a session token is looked up, never verified as a JWT.
      if (isConnectSessionToken(match[1]!)) return connectSessionViewer(prisma, match[1]!);
      const payload = await verifyJwt(match[1]!);
      if (typeof payload.sub !== 'string' || !USER_ID_PATTERN.test(payload.sub)) {
        throw new AuthenticationError('The token has no usable subject (sub).');
      }
      if (isReservedUserId(payload.sub)) throw reservedUserId("The token's subject (sub)");
      return {
        userId: payload.sub,
        isAdmin: isAdminClaim(payload[auth.adminClaim]),
        via: 'jwt',
        expiresAt: (payload.exp! + (auth.clockToleranceSeconds ?? 30)) * 1000,
      };
    }

    if (auth.devMode) return DEV_VIEWER;
    throw new AuthenticationError('Authentication required: send a Bearer token or an X-Api-Key.');
  };
}

/** The end user of a live connect session, limited to what the session grants. */
async function connectSessionViewer(prisma: PrismaClient, token: string): Promise<Viewer> {
  const grant = await findConnectSessionGrant(prisma, token);
  if (!grant) throw new AuthenticationError('The connect session is not valid or has expired.');
  return { userId: grant.endUserId, isAdmin: false, via: 'connect-session', connectSession: grant, expiresAt: grant.expiresAt.getTime() };
}

/** A user id in Switchboard's reserved namespace (src/domain/identities.ts): never a user. */
function reservedUserId(what: string): AuthenticationError {
  return new AuthenticationError(`${what} is a reserved id (switchboard:… and api-key belong to Switchboard's own actors).`, 'RESERVED_USER_ID');
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function isAdminClaim(value: unknown): boolean {
  if (value === true || value === 'true') return true;
  if (value === 'admin') return true;
  return Array.isArray(value) && value.includes('admin');
}
