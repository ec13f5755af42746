// Connect-session tokens: "sbcs_" and 256 random bits, base64url. Only their SHA-256 is stored; a
// token names one end user, the integrations offered and an expiry, and can do nothing but connect.
import { createHash, randomBytes } from 'node:crypto';
import type { ConnectSessionGrant } from '../domain/viewer.js';
import type { PrismaClient } from '../generated/prisma/client.js';

export type { ConnectSessionGrant };

const CONNECT_SESSION_TOKEN_PREFIX = 'sbcs_';
const TOKEN_PATTERN = /^sbcs_[A-Za-z0-9_-]{43}$/;

export function newConnectSessionToken(): string {
  return `${CONNECT_SESSION_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function hashConnectSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function isConnectSessionToken(token: string): boolean {
  return token.startsWith(CONNECT_SESSION_TOKEN_PREFIX);
}

/**
 * The grant of a live session token; null when it is malformed, unknown, expired, revoked, or single-use
 * and used already (`afterUse` still finds a used one: the hosted page shows the outcome of its connect).
 */
export async function findConnectSessionGrant(prisma: PrismaClient, token: string, { afterUse = false } = {}): Promise<ConnectSessionGrant | null> {
  if (!TOKEN_PATTERN.test(token)) return null;
  const session = await prisma.connectSession.findUnique({ where: { tokenHash: hashConnectSessionToken(token) } });
  if (!session || session.expiresAt.getTime() <= Date.now() || session.revokedAt) return null;
  if (!session.reusable && session.usedAt && !afterUse) return null;
  return {
    id: session.id,
    endUserId: session.endUserId,
    integrationIds: session.allIntegrations ? null : session.integrationIds,
    connectionName: session.connectionName,
    redirectTo: session.redirectTo,
    expiresAt: session.expiresAt,
    purpose: session.purpose,
    reusable: session.reusable,
    tags: session.tags as Record<string, string>,
  };
}
