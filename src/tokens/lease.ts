// The refresh lease, in SQL: who may send a connection's token request now. A lease is an owner token
// and an expiry written into the row by one conditional UPDATE (never a lock held across the
// provider's answer); its holder saves the outcome with a compare-and-set on the owner, and a crashed
// holder's lease simply expires.
import type { Connection, ConnectionWithIntegration } from '../domain/connections.js';
import { DATABASE_NOW, databaseNowPlus } from '../db/clock.js';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { withJitter } from '../kernel/backoff.js';
import type { Logger } from '../kernel/log.js';

/** A held lease: the owner token written into the row. */
export interface Lease {
  owner: string;
  /**
   * performance.now() by which its token request must have started, so that the lease outlives the
   * request (elapsed time from just before the claim: no clock is compared with the database's).
   */
  startBy: number;
  /** Whether the attempt before this claim had an unknown outcome (the claim itself overwrote the flag). */
  previousUnknown?: boolean;
}

/** How often a caller polls the row while another instance holds the lease. */
const POLL_INTERVAL_MS = 100;

export function loadConnection(prisma: PrismaClient, connectionId: string): Promise<ConnectionWithIntegration | null> {
  return prisma.connection.findUnique({ where: { id: connectionId }, include: { integration: true } });
}

/**
 * Claims the refresh lease with one conditional UPDATE: only if no unexpired lease exists and the
 * row is still as read. It also records that a token request is about to be sent. The lease is taken
 * and judged on the database's clock (an instance whose clock runs ahead would otherwise see every
 * other instance's lease as expired and present the same refresh token again).
 */
export async function claimLease(
  prisma: PrismaClient,
  row: Connection,
  owner: string,
  options: { leaseMs: number; startWithinMs: number },
): Promise<Lease | null> {
  const startBy = performance.now() + options.startWithinMs;
  const { leaseMs } = options;
  const claimed = await prisma.$executeRaw`
    UPDATE "Connection"
    SET "refreshOwner" = ${owner}, "refreshLeaseUntil" = ${databaseNowPlus(leaseMs)}, "refreshAttemptAt" = ${DATABASE_NOW},
        "refreshOutcomeUnknown" = true, "updatedAt" = ${DATABASE_NOW}
    WHERE "id" = ${row.id} AND "sequence" = ${row.sequence} AND "refreshOutcomeUnknown" = ${row.refreshOutcomeUnknown}
      AND ("refreshLeaseUntil" IS NULL OR "refreshLeaseUntil" < ${DATABASE_NOW})`;
  return claimed === 1 ? { owner, startBy } : null;
}

/** What a successful refresh writes; the rest of the row is kept. */
export interface RefreshedTokens {
  credentialsEnc: string;
  hasRefreshToken: boolean;
  tokenExpiresAt: Date | null;
  scopes: string[];
  refreshedAt: Date;
}

/** At most this many saves go in one statement. */
const SAVE_GROUP_MAX = 100;

interface PendingSave {
  connectionId: string;
  owner: string;
  tokens: RefreshedTokens;
  resolve: (saved: Connection | null) => void;
  reject: (error: unknown) => void;
}

/** One statement saving a group (createHealthyTokenSaves), each row a compare-and-set on its lease owner. */
export function healthyTokenSaveStatement(group: Array<Pick<PendingSave, 'connectionId' | 'owner' | 'tokens'>>): Prisma.Sql {
  const values = group.map((save) => ({
    id: save.connectionId,
    owner: save.owner,
    credentialsEnc: save.tokens.credentialsEnc,
    hasRefreshToken: save.tokens.hasRefreshToken,
    tokenExpiresAt: save.tokens.tokenExpiresAt,
    refreshedAt: save.tokens.refreshedAt,
    scopes: save.tokens.scopes,
  }));
  // Timestamps go as UTC ISO strings into timestamp(3) columns (the zone is dropped: stored as UTC, as Prisma does).
  // The LIMIT is the number of records the JSON holds: it tells the planner so. A set-returning function is
  // otherwise estimated at 100 rows, and on a table not yet analysed (connections just imported) that estimate
  // picked a scan of the whole table for every save: 3.8 instead of 0.14 ms per statement at 10,000 rows.
  return Prisma.sql`
    UPDATE "Connection" AS c
    SET "credentialsEnc" = v."credentialsEnc", "hasRefreshToken" = v."hasRefreshToken", "tokenExpiresAt" = v."tokenExpiresAt",
        "lastRefreshedAt" = v."refreshedAt", "scopes" = v."scopes", "statusMessage" = NULL, "refreshFailures" = 0,
        "nextRefreshAt" = NULL, "refreshOwner" = NULL, "refreshLeaseUntil" = NULL, "refreshOutcomeUnknown" = false,
        "sequence" = c."sequence" + 1, "updatedAt" = v."refreshedAt"
    FROM (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(values)}::jsonb) AS v(
        "id" text, "owner" text, "credentialsEnc" text, "hasRefreshToken" boolean, "tokenExpiresAt" timestamp(3), "refreshedAt" timestamp(3), "scopes" text[]
      )
      LIMIT ${Prisma.raw(String(values.length))}
    ) AS v
    WHERE c."id" = v."id" AND c."refreshOwner" = v."owner" AND c."status" = 'HEALTHY'
    RETURNING c.*`;
}

/**
 * Saves new tokens of HEALTHY connections, each a compare-and-set: only while its `owner` still holds
 * the lease and the row is still HEALTHY (a status change has to commit with its outbox rows, which
 * the store's transaction does). Releases the lease in the same statement. A save answers null when
 * the row no longer matches: the caller then takes the general path.
 *
 * Group commit: a save goes at once when none is being written; the saves that arrive meanwhile go
 * together in the next statement (one UPDATE … FROM jsonb_to_recordset … RETURNING), so a busy sweep
 * writes several refreshes per statement and an idle instance adds no wait.
 */
export function createHealthyTokenSaves(prisma: PrismaClient) {
  let queued: PendingSave[] = [];
  let writing = false;

  async function write(group: PendingSave[]): Promise<void> {
    // Rows in id order: concurrent groups take their row locks in the same order.
    group.sort((a, b) => (a.connectionId < b.connectionId ? -1 : 1));
    try {
      const saved = await prisma.$queryRaw<Connection[]>(healthyTokenSaveStatement(group));
      const byId = new Map(saved.map((row) => [row.id, row]));
      for (const save of group) save.resolve(byId.get(save.connectionId) ?? null);
    } catch (error) {
      for (const save of group) save.reject(error);
    }
  }

  async function drain(): Promise<void> {
    writing = true;
    while (queued.length) {
      const group = queued.slice(0, SAVE_GROUP_MAX);
      queued = queued.slice(group.length);
      await write(group);
    }
    writing = false;
  }

  return {
    /** Saves the tokens if `owner` still holds the connection's lease and it is HEALTHY; null otherwise. */
    save(connectionId: string, owner: string, tokens: RefreshedTokens): Promise<Connection | null> {
      return new Promise((resolve, reject) => {
        queued.push({ connectionId, owner, tokens, resolve, reject });
        if (!writing) void drain();
      });
    },
  };
}

export type HealthyTokenSaves = ReturnType<typeof createHealthyTokenSaves>;

/**
 * Polls the row until its lease is released or expires (on the database's clock), or the row
 * changes; `waitUntil` is this instance's own deadline for waiting (elapsed time, any clock).
 */
export async function waitForLeaseHolder(prisma: PrismaClient, row: Connection, waitUntil: number): Promise<void> {
  while (Date.now() < waitUntil) {
    await new Promise((resolve) => setTimeout(resolve, withJitter(POLL_INTERVAL_MS, 0.25)));
    const [current] = await prisma.$queryRaw<Array<{ sequence: number; held: boolean }>>`
      SELECT "sequence", ("refreshOwner" IS NOT NULL AND "refreshLeaseUntil" >= ${DATABASE_NOW}) AS "held"
      FROM "Connection" WHERE "id" = ${row.id}`;
    if (!current || current.sequence !== row.sequence || !current.held) return;
  }
}

/** Hands a lease back (its holder did not send, or is done); a failure only means it expires by itself. */
export async function releaseLease(
  prisma: PrismaClient,
  logger: Logger,
  connectionId: string,
  lease: Pick<Lease, 'owner'>,
  outcomeUnknown?: boolean,
): Promise<void> {
  await prisma.connection
    .updateMany({
      where: { id: connectionId, refreshOwner: lease.owner },
      data: { refreshOwner: null, refreshLeaseUntil: null, refreshOutcomeUnknown: outcomeUnknown },
    })
    .catch((error: unknown) => logger.warn({ connectionId, err: error }, 'could not release a refresh lease; it expires by itself'));
}

/**
 * Claims up to `limit` connections due for a refresh within `lookaheadSeconds`, writing a lease on
 * each in one short statement (UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING), so
 * each connection goes to one instance and no lock outlives the statement. Returns the ids with what
 * the row said about the attempt before (the claim overwrites the flag).
 */
export function claimDueConnections(
  prisma: PrismaClient,
  options: { owner: string; leaseMs: number; lookaheadSeconds: number; limit: number; integrationId?: string },
): Promise<Array<{ id: string; previousUnknown: boolean }>> {
  const ofIntegration = options.integrationId === undefined ? Prisma.empty : Prisma.sql`AND "integrationId" = ${options.integrationId}`;
  return prisma.$queryRaw<Array<{ id: string; previousUnknown: boolean }>>`
    UPDATE "Connection" AS c
    SET "refreshOwner" = ${options.owner}, "refreshLeaseUntil" = ${databaseNowPlus(options.leaseMs)}, "refreshAttemptAt" = ${DATABASE_NOW},
        "refreshOutcomeUnknown" = true
    FROM (
      SELECT "id", "refreshOutcomeUnknown" AS "previousUnknown" FROM "Connection"
      WHERE "status" IN ('HEALTHY', 'EXPIRED') AND "hasRefreshToken"
        AND "tokenExpiresAt" IS NOT NULL AND "tokenExpiresAt" < ${databaseNowPlus(options.lookaheadSeconds * 1000)}
        AND ("nextRefreshAt" IS NULL OR "nextRefreshAt" <= ${DATABASE_NOW})
        AND ("refreshLeaseUntil" IS NULL OR "refreshLeaseUntil" < ${DATABASE_NOW})
        ${ofIntegration}
      ORDER BY "tokenExpiresAt"
      LIMIT ${options.limit}
      FOR UPDATE SKIP LOCKED
    ) AS due
    WHERE c."id" = due."id"
    RETURNING c."id", due."previousUnknown"`;
}
