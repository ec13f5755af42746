// Pending authorizations: what a browser round trip (OAuth 2.0 code, GitHub App install, OAuth 1.0a)
// needs to find and finish its flow exactly once. The state is stored only as a hash; the one secret
// of the flow (a PKCE verifier, an OAuth 1.0a request token secret) is sealed to the row.
import { createHash } from 'node:crypto';
import type { Keyring } from '../crypto/envelope.js';
import type { Database } from '../db/database.js';
import type { Integration } from '../domain/integrations.js';
import type { Viewer } from '../domain/viewer.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { AuthType } from '../generated/prisma/enums.js';
import { QuotaExceededError } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { periodicJob, type Job } from '../kernel/jobs.js';
import type { Logger } from '../kernel/log.js';
import type { ConnectionConfig } from '../provider/templates.js';

const PENDING_AUTHORIZATION_TTL_MS = 10 * 60 * 1000;

export function hashState(state: string): string {
  return createHash('sha256').update(state).digest('hex');
}

/**
 * A flow's public name: derived from the state's hash, so nothing more is stored. The callback hands it
 * back with the outcome (redirect query, popup message), and the app accepts only the flows it started
 * for the current user: a flow started by someone else and completed in this browser is told apart.
 */
export function flowIdOf(stateHash: string): string {
  return stateHash.slice(0, 32);
}

/** The flow id of the flow keyed by `key` (a state, or an OAuth 1.0a request token). */
export const flowIdOfKey = (key: string) => flowIdOf(hashState(key));

/** How a browser round trip ended, as the callback reports it. */
export type FlowOutcome<Connection> =
  | { ok: true; connection: Connection; redirectTo: string | null; flowId: string }
  | { ok: false; error: string; message: string; redirectTo: string | null; flowId?: string };

const verifierContext = (id: string) => ({ table: 'PendingAuthorization', rowId: id, field: 'codeVerifier' });

/** The per-user cap on connect flows in progress, and its refusal. */
export function connectFlowCap(limit: number): { limit: number; refusal: () => Error } {
  return { limit, refusal: () => new QuotaExceededError(`This user has ${limit} connect flows in progress: finish one or wait until they expire.`, limit) };
}

/** What startConnect checked, handed to the flow of the integration's auth type. */
export interface ConnectFlow {
  connectionName: string;
  redirectTo: string | null;
  connectionConfig: ConnectionConfig;
  scopes: string[];
  /** The hash of the starting browser's nonce when it is known at the start (the hosted page); otherwise the begin link binds one. */
  browserBindingHash: string | null;
  /** The connect session whose token started the flow. */
  connectSessionId: string | null;
}

/**
 * Records a flow keyed by `key` (a state, or an OAuth 1.0a request token), with `secret` sealed. With
 * `cap`, the user's unexpired flows are counted and the row inserted under a per-user advisory lock
 * (one short transaction): concurrent starts on every instance cannot together pass the cap.
 */
export async function recordPendingAuthorization(
  deps: { db: Database; keyring: Keyring },
  viewer: Viewer,
  integration: Integration,
  flow: ConnectFlow,
  key: string,
  secret: string,
  extra: { nonce?: string | null; authorizeUrl: string; cap?: { limit: number; refusal: () => Error } },
): Promise<Date> {
  const id = newId();
  const expiresAt = new Date(Date.now() + PENDING_AUTHORIZATION_TTL_MS);
  const data = {
    id,
    stateHash: hashState(key),
    codeVerifierEnc: deps.keyring.encrypt(secret, verifierContext(id)),
    nonce: extra.nonce ?? null,
    viewerId: viewer.userId,
    integrationId: integration.id,
    connectionName: flow.connectionName,
    scopes: flow.scopes,
    redirectTo: flow.redirectTo,
    connectionConfig: flow.connectionConfig,
    browserBindingHash: flow.browserBindingHash,
    // Kept only for the begin link of a flow not yet bound to a browser, without the key (which the begin link carries).
    authorizeUrl: flow.browserBindingHash ? null : withoutKey(extra.authorizeUrl, key),
    connectSessionId: flow.connectSessionId,
    expiresAt,
  };
  const create = (prisma: Pick<PrismaClient, 'pendingAuthorization'>) => prisma.pendingAuthorization.create({ data });
  const cap = extra.cap;
  if (!cap) {
    await create(deps.db.prisma);
    return expiresAt;
  }
  await deps.db.transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`switchboard:pending-authorizations:${viewer.userId}`}))`;
    const pending = await tx.pendingAuthorization.count({ where: { viewerId: viewer.userId, consumedAt: null, expiresAt: { gt: new Date() } } });
    if (pending >= cap.limit) throw cap.refusal();
    await create(tx);
  });
  return expiresAt;
}

function withoutKey(url: string, key: string): string {
  const parsed = new URL(url);
  for (const [name, value] of [...parsed.searchParams]) if (value === key) parsed.searchParams.delete(name);
  return parsed.href;
}

/**
 * Consumes the flow keyed by `key` once (the same callback twice finds it used), and only when it is of
 * one of `authTypes` (the callback route it came back to) and `bindingHash` proves the browser that
 * started it. A flow of another auth type, or a callback from another browser, is refused unconsumed.
 */
export async function consumePendingAuthorization(prisma: PrismaClient, key: string, check: { authTypes: AuthType[]; bindingHash: string | null }) {
  const stateHash = hashState(key);
  const now = new Date();
  const { count } = check.bindingHash
    ? await prisma.pendingAuthorization.updateMany({
        where: {
          stateHash,
          consumedAt: null,
          expiresAt: { gt: now },
          browserBindingHash: check.bindingHash,
          integration: { is: { authType: { in: check.authTypes } } },
        },
        data: { consumedAt: now },
      })
    : { count: 0 };
  const pending = await prisma.pendingAuthorization.findUnique({ where: { stateHash }, include: { integration: true } });
  if (count === 1 && pending) return { ok: true as const, pending };
  const error = !pending
    ? 'invalid_state'
    : !check.authTypes.includes(pending.integration.authType)
      ? 'wrong_callback'
      : pending.consumedAt
        ? 'state_already_used'
        : pending.expiresAt <= now
          ? 'expired_state'
          : 'browser_mismatch';
  return { ok: false as const, error, pending: pending ?? null };
}

/** What a refused callback tells the browser. */
export function refusalMessage(error: string): string {
  if (error === 'browser_mismatch') return 'This sign-in was started in another browser. Go back to the app and start again here.';
  if (error === 'wrong_callback') return 'This sign-in link does not belong here. Start again.';
  return 'This sign-in link is no longer valid. Start again.';
}

export type PendingWithIntegration = Prisma.PendingAuthorizationGetPayload<{ include: { integration: true } }>;

export function revealPendingSecret(keyring: Keyring, pending: { id: string; codeVerifierEnc: string }): string {
  return keyring.decrypt(pending.codeVerifierEnc, verifierContext(pending.id));
}

/** The `pending-authorization-cleanup` job: deletes connect flows that expired (PENDING_AUTHORIZATION_CLEANUP_INTERVAL_SECONDS). */
export function pendingAuthorizationCleanupJob(prisma: PrismaClient, intervalSeconds: number, logger: Logger): Job {
  return periodicJob({
    name: 'pending-authorization-cleanup',
    setting: 'PENDING_AUTHORIZATION_CLEANUP_INTERVAL_SECONDS',
    intervalMs: intervalSeconds * 1000,
    logger,
    run: async () => {
      const { count } = await prisma.pendingAuthorization.deleteMany({ where: { expiresAt: { lt: new Date() } } });
      if (count) logger.debug({ deleted: count }, 'expired connect flows deleted');
    },
  });
}
