// Connect sessions: a backend (an admin) creates one for an end user, or a user for themselves; the
// browser gets a token that can only connect that user to the offered integrations, until it expires.
import { auditActorOf, recordAudit, type AuditActor } from '../domain/audit.js';
import type { Database } from '../db/database.js';
import { CONNECTION_NAME_PATTERN } from '../domain/connections.js';
import { validTags } from '../domain/tags.js';
import type { Integrations } from '../domain/integrations.js';
import { isReservedUserId } from '../domain/identities.js';
import { USER_ID_PATTERN, type Viewer } from '../domain/viewer.js';
import { ForbiddenError, NotFoundError, QuotaExceededError, ValidationError, type FieldError } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { periodicJob, type Job } from '../kernel/jobs.js';
import type { Logger } from '../kernel/log.js';
import { isAllowedRedirect } from '../oauth/connect.js';
import type { ConnectSessionSettings } from './settings.js';
import { hashConnectSessionToken, newConnectSessionToken, type ConnectSessionGrant } from './token.js';

export interface SessionDeps {
  db: Database;
  integrations: Pick<Integrations, 'find'>;
  settings: ConnectSessionSettings;
  allowedRedirectOrigins: string[];
  publicUrl: string;
}

export interface CreateConnectSessionInput {
  endUserId?: string | null;
  integrations?: string[] | null;
  connectionName?: string | null;
  redirectTo?: string | null;
  expiresInSeconds?: number | null;
  /** AGENT: an agent session, for /mcp (see docs/agents.md). */
  purpose?: 'CONNECT' | 'AGENT' | null;
  /** Keep the session after its first successful connect (default: it ends then). */
  reusable?: boolean | null;
  /** Copied to every connection the session makes (validated as Connection.tags). */
  tags?: Record<string, unknown> | null;
}

export interface CreatedConnectSession {
  token: string;
  connectUrl: string;
  expiresAt: Date;
  session: ConnectSessionGrant;
}

/** Largest number of integrations one session may offer by name. */
const CONNECT_SESSION_MAX_INTEGRATIONS = 100;

/** The hosted connect page for a token. The token rides in the query (the page is served without a referrer). */
function connectUrlFor(publicUrl: string, token: string): string {
  return `${publicUrl}/connect?token=${encodeURIComponent(token)}`;
}

export async function createConnectSession(
  deps: SessionDeps,
  viewer: Viewer,
  input: CreateConnectSessionInput,
  actor: AuditActor = auditActorOf(viewer),
): Promise<CreatedConnectSession> {
  // A session token never makes another session, whatever reaches this function.
  if (viewer.connectSession) throw new ForbiddenError('A connect session cannot create sessions.');
  const endUserId = input.endUserId ?? (viewer.isAdmin ? null : viewer.userId);
  if (!viewer.isAdmin && endUserId !== viewer.userId) throw new ForbiddenError('A user may create a connect session for themselves only.');

  const problems: FieldError[] = [];
  if (endUserId === null) problems.push({ field: 'endUserId', message: 'endUserId is required for an admin: the user the connections will belong to.' });
  else if (!USER_ID_PATTERN.test(endUserId)) problems.push({ field: 'endUserId', message: 'endUserId is 1-200 of letters, digits and . @ : | + - _' });
  else if (isReservedUserId(endUserId))
    problems.push({ field: 'endUserId', message: "endUserId is a reserved id (switchboard:… and api-key belong to Switchboard's own actors)." });
  const connectionName = input.connectionName ?? 'default';
  if (!CONNECTION_NAME_PATTERN.test(connectionName)) {
    problems.push({ field: 'connectionName', message: 'connectionName is 1-64 of A-Z a-z 0-9 . _ - and starts with a letter or digit.' });
  }
  if (input.redirectTo != null && !isAllowedRedirect(input.redirectTo, deps.allowedRedirectOrigins)) {
    problems.push({ field: 'redirectTo', message: 'redirectTo must be an absolute URL on an allowed origin (ALLOWED_REDIRECT_ORIGINS).' });
  }
  const { ttlSeconds, maxTtlSeconds } = deps.settings;
  const lifetime = input.expiresInSeconds ?? ttlSeconds;
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > maxTtlSeconds) {
    problems.push({ field: 'expiresInSeconds', message: `expiresInSeconds is a whole number from 1 to ${maxTtlSeconds}.` });
  }
  const references = input.integrations ?? null;
  if (references !== null && references.length === 0)
    problems.push({ field: 'integrations', message: 'Offer at least one integration, or omit integrations to offer all.' });
  if (references !== null && references.length > CONNECT_SESSION_MAX_INTEGRATIONS) {
    problems.push({ field: 'integrations', message: `A session offers at most ${CONNECT_SESSION_MAX_INTEGRATIONS} integrations by name.` });
  }
  let tags: Record<string, string> = {};
  if (input.tags != null) {
    try {
      tags = validTags(input.tags);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problems.push(...error.fieldErrors);
    }
  }
  if (problems.length) throw new ValidationError('The connect session is not valid.', problems);

  const integrationIds: string[] = [];
  if (references !== null) {
    for (const reference of new Set(references)) {
      const integration = await deps.integrations.find(reference);
      if (!integration) throw new NotFoundError(`No integration "${reference}".`);
      // A shared integration is connected by admins only: an end user's session cannot offer it.
      if (integration.isShared) throw ValidationError.field('integrations', `"${reference}" is shared: only an admin can connect it.`);
      if (!integrationIds.includes(integration.id)) integrationIds.push(integration.id);
    }
  }

  const limit = deps.settings.maxSessionsPerUser;

  const token = newConnectSessionToken();
  const id = newId();
  const expiresAt = new Date(Date.now() + lifetime * 1000);
  const purpose = input.purpose ?? 'CONNECT';
  // An agent session goes on calling APIs after the user connected: it is reusable unless told otherwise.
  const reusable = input.reusable ?? purpose === 'AGENT';
  await deps.db.transaction(async (tx) => {
    // One user cannot hold an unbounded number of live sessions (rows, and tokens that can connect):
    // counted and inserted under a per-user advisory lock, so the cap holds under concurrent creates
    // on every instance of the deployment.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`switchboard:connect-sessions:${endUserId!}`}))`;
    const live = await tx.connectSession.count({ where: liveSessionsWhere(endUserId!) });
    if (live >= limit) throw new QuotaExceededError(`This user has ${limit} live connect sessions: revoke one or wait until they expire.`, limit);
    await tx.connectSession.create({
      data: {
        id,
        tokenHash: hashConnectSessionToken(token),
        endUserId: endUserId!,
        integrationIds,
        allIntegrations: references === null,
        connectionName,
        redirectTo: input.redirectTo ?? null,
        createdBy: viewer.userId,
        expiresAt,
        purpose,
        reusable,
        tags,
      },
    });
    await recordAudit(tx, actor, {
      action: 'connect_session.created',
      target: ['ConnectSession', id],
      changes: {
        endUserId: { new: endUserId },
        integrationIds: { new: references === null ? null : integrationIds },
        connectionName: { new: connectionName },
        ...(Object.keys(tags).length ? { tags: { new: tags } } : {}),
      },
    });
  });
  const session: ConnectSessionGrant = {
    id,
    endUserId: endUserId!,
    integrationIds: references === null ? null : integrationIds,
    connectionName,
    redirectTo: input.redirectTo ?? null,
    expiresAt,
    purpose,
    reusable,
    tags,
  };
  return { token, connectUrl: connectUrlFor(deps.publicUrl, token), expiresAt, session };
}

/** Sessions that can still connect: not expired, not revoked, and reusable or not yet used. */
function liveSessionsWhere(endUserId: string) {
  return { endUserId, expiresAt: { gt: new Date() }, revokedAt: null, OR: [{ reusable: true }, { usedAt: null }] };
}

export interface RevokeConnectSessionInput {
  /** The session's id (createConnectSession's session.id). */
  id?: string | null;
  /** Or its token. */
  token?: string | null;
}

/**
 * Ends a session at once: its token stops working, and flows it started cannot complete. Admins revoke
 * any session; a user the sessions made for them or by them. Others' sessions are as missing ones.
 */
export async function revokeConnectSession(
  deps: Pick<SessionDeps, 'db'>,
  viewer: Viewer,
  input: RevokeConnectSessionInput,
): Promise<{ id: string; revokedAt: Date }> {
  if (viewer.connectSession) throw new ForbiddenError('A connect session cannot revoke sessions.');
  if (!input.id === !input.token) throw ValidationError.field('id', 'Give the session id or its token (one of them).');
  const where = input.id ? { id: input.id } : { tokenHash: hashConnectSessionToken(input.token!) };
  const session = await deps.db.prisma.connectSession.findUnique({ where });
  const mayRevoke = session && (viewer.isAdmin || session.endUserId === viewer.userId || session.createdBy === viewer.userId);
  if (!session || !mayRevoke) throw new NotFoundError('No such connect session.');
  const revokedAt = session.revokedAt ?? new Date();
  if (!session.revokedAt) await deps.db.prisma.connectSession.updateMany({ where: { id: session.id, revokedAt: null }, data: { revokedAt } });
  return { id: session.id, revokedAt };
}

/** The `connect-session-cleanup` job: deletes sessions that expired (CONNECT_SESSION_CLEANUP_INTERVAL_SECONDS). */
export function connectSessionCleanupJob(db: Database, settings: ConnectSessionSettings, logger: Logger): Job {
  return periodicJob({
    name: 'connect-session-cleanup',
    setting: 'CONNECT_SESSION_CLEANUP_INTERVAL_SECONDS',
    intervalMs: settings.cleanupIntervalSeconds * 1000,
    logger,
    run: async () => {
      const { count } = await db.prisma.connectSession.deleteMany({ where: { expiresAt: { lt: new Date() } } });
      if (count) logger.debug({ deleted: count }, 'expired connect sessions deleted');
    },
  });
}
