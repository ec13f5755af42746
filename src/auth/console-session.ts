// Console sessions: the console signs in with an API key (or as `dev` in development) and gets a
// cookie instead, so that the key never lives in the browser's storage. The cookie holds "sbcon_" and
// 256 random bits; only its SHA-256 is stored, with the SHA-256 of the key it was made from. The key
// is checked again on every request: a key taken out of the configuration, or revoked, ends its sessions.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { newId } from '../kernel/ids.js';
import { AuthenticationError } from '../kernel/errors.js';
import { API_KEY_ADMIN_ID } from '../domain/identities.js';
import type { Authenticate, HeaderSource, Viewer } from '../domain/viewer.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { hashApiKey, isDatabaseApiKey, type ApiKeys, type StoredApiKey } from './api-keys.js';
import type { AuthSettings } from './settings.js';

/** The cookie's name; the `__Host-` prefix (Secure, Path=/, no Domain) is used where the cookie is Secure. */
export function consoleCookieName(secure: boolean): string {
  return secure ? '__Host-switchboard_console' : 'switchboard_console';
}

const TOKEN_PREFIX = 'sbcon_';
const TOKEN_PATTERN = /^sbcon_[A-Za-z0-9_-]{43}$/;

export interface ConsoleSessions {
  /** Signs in with an API key (admin keys) or, in development without authentication, as `dev`. Returns the cookie's token. */
  create(credentials: { apiKey?: string }, ttlSeconds: number): Promise<{ token: string; expiresAt: Date; viewer: Viewer }>;
  /** Ends the session of a token (sign-out); unknown tokens are ignored. */
  end(token: string): Promise<void>;
  /** The viewer of a live session's token, or null. */
  viewerOf(token: string): Promise<Viewer | null>;
}

const DEV_VIEWER: Viewer = Object.freeze({ userId: 'dev', isAdmin: true, via: 'dev' });
const KEY_VIEWER: Viewer = Object.freeze({ userId: API_KEY_ADMIN_ID, isAdmin: true, via: 'api-key' });

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** A key's viewer: an admin for a key of the configuration, its scopes for a key of the database. */
function keyViewer(stored: StoredApiKey | undefined): Viewer {
  return stored ? { ...KEY_VIEWER, scopes: stored.scopes, apiKey: { id: stored.id, name: stored.name } } : KEY_VIEWER;
}

export function createConsoleSessions(auth: AuthSettings, prisma: PrismaClient, apiKeys: ApiKeys): ConsoleSessions {
  const keyDigests = auth.apiKeys.map(sha256);
  const isKnownKeyDigest = (digest: Buffer) => keyDigests.some((known) => timingSafeEqual(known, digest));

  return {
    async create(credentials, ttlSeconds) {
      let kind: 'api-key' | 'dev';
      let keyDigest: string | null = null;
      let stored: StoredApiKey | undefined;
      if (credentials.apiKey) {
        const digest = sha256(credentials.apiKey);
        if (!isKnownKeyDigest(digest)) {
          stored = isDatabaseApiKey(credentials.apiKey) ? ((await apiKeys.verify(credentials.apiKey)) ?? undefined) : undefined;
          if (!stored) throw new AuthenticationError('The API key is not valid.');
        }
        kind = 'api-key';
        keyDigest = hashApiKey(credentials.apiKey);
      } else if (auth.devMode) {
        kind = 'dev';
      } else {
        throw new AuthenticationError('Sign in with an API key.');
      }
      const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
      const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
      await prisma.consoleSession.create({ data: { id: newId(), tokenHash: sha256(token).toString('hex'), kind, keyDigest, expiresAt } });
      return { token, expiresAt, viewer: kind === 'dev' ? DEV_VIEWER : keyViewer(stored) };
    },

    async end(token) {
      if (!TOKEN_PATTERN.test(token)) return;
      await prisma.consoleSession.deleteMany({ where: { tokenHash: sha256(token).toString('hex') } });
    },

    async viewerOf(token) {
      if (!TOKEN_PATTERN.test(token)) return null;
      const session = await prisma.consoleSession.findUnique({ where: { tokenHash: sha256(token).toString('hex') } });
      if (!session || session.expiresAt.getTime() <= Date.now()) return null;
      if (session.kind === 'dev') return auth.devMode ? { ...DEV_VIEWER, expiresAt: session.expiresAt.getTime() } : null;
      if (session.kind !== 'api-key' || !session.keyDigest) return null;
      // The key is checked again each time: one taken out of API_KEYS, or revoked, ends its sessions.
      if (isKnownKeyDigest(Buffer.from(session.keyDigest, 'hex'))) return { ...KEY_VIEWER, expiresAt: session.expiresAt.getTime() };
      const stored = await apiKeys.verifyHash(session.keyDigest);
      return stored ? { ...keyViewer(stored), expiresAt: session.expiresAt.getTime() } : null;
    },
  };
}

/** The console's token from a Cookie header, if any. */
export function consoleTokenFrom(cookieHeader: string | null, secure: boolean): string | undefined {
  if (!cookieHeader) return undefined;
  const name = consoleCookieName(secure);
  for (const part of cookieHeader.split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}

/**
 * GraphQL's authentication: a request with no credentials of its own but the console's cookie acts
 * as the session's viewer. Only GraphQL takes the cookie (its CSRF header check and the WebSocket's
 * Origin check guard it); the path proxy and other routes never do.
 */
export function withConsoleSessions(authenticate: Authenticate, sessions: ConsoleSessions, secure: boolean): Authenticate {
  return async (headers: HeaderSource) => {
    if (headers.get('authorization') === null && headers.get('x-api-key') === null) {
      const token = consoleTokenFrom(headers.get('cookie'), secure);
      if (token !== undefined) {
        const viewer = await sessions.viewerOf(token);
        if (!viewer) throw new AuthenticationError('The console session has ended: sign in again.');
        return viewer;
      }
    }
    return authenticate(headers);
  };
}
