// Connect sessions end after their first successful connect unless created with `reusable: true`: a
// token sits in a URL (history, logs, a forwarded link) and, once the user has connected, nothing
// legitimate needs it again, while a live one could replace the connection's credentials. A connect
// claims the session's use before the provider's answer is spent and gives it back if the connect fails.
import { sessionTags } from '../domain/tags.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { ForbiddenError } from '../kernel/errors.js';

/** A claimed use carries the session's tags, which the connection it makes gets (none without a session). */
export type ConnectSessionUse = { ok: true; sessionId: string | null; claimedAt: Date | null; tags: Record<string, string> | undefined } | { ok: false };

/** Claims the session's use (no session: nothing to claim); not ok when it was used already or revoked. */
export async function claimConnectSessionUse(prisma: PrismaClient, sessionId: string | null): Promise<ConnectSessionUse> {
  if (!sessionId) return { ok: true, sessionId: null, claimedAt: null, tags: undefined };
  const now = new Date();
  const claimed = await prisma.connectSession.updateManyAndReturn({
    where: { id: sessionId, revokedAt: null, OR: [{ reusable: true }, { usedAt: null }] },
    data: { usedAt: now },
    select: { tags: true },
  });
  if (claimed.length !== 1) return { ok: false };
  return { ok: true, sessionId, claimedAt: now, tags: sessionTags(claimed[0]!.tags) };
}

/** Gives back a claimed use after a failed connect (a single-use session stays usable). */
export async function releaseConnectSessionUse(prisma: PrismaClient, use: ConnectSessionUse): Promise<void> {
  if (!use.ok || !use.sessionId || !use.claimedAt) return;
  await prisma.connectSession.updateMany({ where: { id: use.sessionId, reusable: false, usedAt: use.claimedAt }, data: { usedAt: null } });
}

/** Runs a connect made with a connect-session token (createConnection) as the session's use: claimed first, given back if it fails. */
export async function asConnectSessionUse<T>(prisma: PrismaClient, sessionId: string | null | undefined, connect: () => Promise<T>): Promise<T> {
  if (!sessionId) return connect();
  const use = await claimConnectSessionUse(prisma, sessionId);
  if (!use.ok) throw new ForbiddenError('This connect session was already used or revoked.');
  try {
    return await connect();
  } catch (error) {
    await releaseConnectSessionUse(prisma, use);
    throw error;
  }
}
