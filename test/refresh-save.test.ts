// Saving a refresh's answer: a HEALTHY connection's new tokens are written with one compare-and-set
// UPDATE on the lease owner, which reads back exactly as the row is stored; a lease lost to another
// instance that stored newer tokens is never overwritten; two instances refreshing at once send one
// token request.
import { describe, expect, it } from 'vitest';
import { Prisma } from '../src/generated/prisma/client.js';
import { sealCredentials, type StoredCredentials } from '../src/domain/connections.js';
import { newId } from '../src/kernel/ids.js';
import { createHealthyTokenSaves, healthyTokenSaveStatement, loadConnection } from '../src/tokens/lease.js';
import { credentialsOf, database, keyring, prisma, withScratchDatabase } from './helpers/database.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { testApp } from './helpers/server.js';
import { json, startUpstream } from './helpers/upstream.js';

/** A node of PostgreSQL's EXPLAIN (FORMAT JSON). */
interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

describe('saving a refresh', async () => {
  const upstream = await startUpstream();
  const app = testApp();
  const otherInstance = testApp();
  /** What the token endpoint does before it answers (the test's moment to change the row meanwhile). */
  let beforeAnswer: (refreshToken: string) => Promise<void> = async () => {};
  upstream.routes.set('/token', async (_req, res, body) => {
    const presented = new URLSearchParams(body.toString()).get('refresh_token')!;
    await beforeAnswer(presented);
    // Enough latency for a second instance to arrive while the first one's request is out.
    await new Promise((resolve) => setTimeout(resolve, 100));
    json(res, 200, { access_token: `access-after-${presented}`, refresh_token: `${presented}-next`, token_type: 'Bearer', expires_in: 3600 });
  });

  async function healthyConnection(): Promise<string> {
    const integration = await app.services.integrations.create({
      slug: uniqueSlug('save'),
      provider: 'custom',
      clientId: 'client',
      clientSecret: 'secret',
      authorizationUrl: `${upstream.url}/authorize`,
      tokenUrl: `${upstream.url}/token`,
    });
    const id = newId();
    const expiresAt = new Date(Date.now() + 30_000);
    const credentials: StoredCredentials = { type: 'OAUTH2', accessToken: 'access-0', refreshToken: `refresh-${id}`, expiresAt: expiresAt.toISOString() };
    await prisma.connection.create({
      data: {
        id,
        integrationId: integration.id,
        ownerId: 'user-1',
        ownerKey: 'user-1',
        name: 'default',
        credentialsEnc: sealCredentials(keyring, id, credentials),
        hasRefreshToken: true,
        tokenExpiresAt: expiresAt,
        scopes: ['read'],
        metadata: { team: 'a' },
        tags: { plan: 'pro' },
      },
    });
    return id;
  }

  it('writes new tokens of a HEALTHY connection in one statement, returning the row as stored', async () => {
    beforeAnswer = async () => {};
    const id = await healthyConnection();
    const before = (await loadConnection(prisma, id))!;
    let statements = 0;
    const stop = database.onQuery((query) => {
      if (/^\s*UPDATE "Connection"/i.test(query) && !/"refreshLeaseUntil" = \(/.test(query.split('WHERE')[0]!)) statements++;
    });
    let refreshed;
    try {
      refreshed = await app.services.refresher.refreshConnectionTokens(id, before.sequence, { policy: 'FORCE' });
    } finally {
      stop();
    }
    // The claim writes the lease; the save is the one UPDATE after it.
    expect(statements).toBe(1);
    const stored = (await loadConnection(prisma, id))!;
    expect(refreshed.connection).toEqual(stored);
    expect(stored).toMatchObject({
      status: 'HEALTHY',
      sequence: before.sequence + 1,
      refreshOwner: null,
      refreshLeaseUntil: null,
      refreshOutcomeUnknown: false,
    });
    expect(stored.metadata).toEqual({ team: 'a' });
    expect(stored.tags).toEqual({ plan: 'pro' });
    expect(refreshed.credentials).toEqual(credentialsOf(stored));
    expect(credentialsOf(stored)).toMatchObject({ accessToken: `access-after-refresh-${id}`, refreshToken: `refresh-${id}-next` });
  });

  it('group-commits saves that arrive while one is written: one statement for them, each row its own compare-and-set on its lease', async () => {
    const ids = [await healthyConnection(), await healthyConnection(), await healthyConnection(), await healthyConnection()];
    for (const [index, id] of ids.entries()) await prisma.connection.update({ where: { id }, data: { refreshOwner: `owner-${index}` } });
    const saves = createHealthyTokenSaves(prisma);
    const written = [0, 1, 2, 3].map((index) => ({
      credentialsEnc: sealCredentials(keyring, ids[index]!, { type: 'OAUTH2', accessToken: `grouped-${index}`, refreshToken: `r-${index}` }),
      hasRefreshToken: true,
      tokenExpiresAt: new Date(Date.now() + 3600_000),
      scopes: ['read', `scope-${index}`],
      refreshedAt: new Date(),
    }));
    let statements = 0;
    const stop = database.onQuery((query) => {
      if (/^\s*UPDATE "Connection"/i.test(query)) statements++;
    });
    let saved;
    try {
      // The first goes at once; the others arrive while it is written and go together; the last one's lease is someone else's.
      saved = await Promise.all([
        saves.save(ids[0]!, 'owner-0', written[0]!),
        saves.save(ids[1]!, 'owner-1', written[1]!),
        saves.save(ids[2]!, 'owner-2', written[2]!),
        saves.save(ids[3]!, 'not-the-owner', written[3]!),
      ]);
    } finally {
      stop();
    }
    expect(statements).toBe(2);
    expect(saved[3]).toBeNull();
    for (const index of [0, 1, 2]) {
      const stored = (await prisma.connection.findUniqueOrThrow({ where: { id: ids[index] } }))!;
      expect(saved[index]).toEqual(stored);
      expect(stored).toMatchObject({ refreshOwner: null, scopes: ['read', `scope-${index}`], tokenExpiresAt: written[index]!.tokenExpiresAt });
      expect(credentialsOf(stored)!.accessToken).toBe(`grouped-${index}`);
    }
    const untouched = await prisma.connection.findUniqueOrThrow({ where: { id: ids[3] } });
    expect(untouched.refreshOwner).toBe('owner-3');
    expect(credentialsOf(untouched)!.accessToken).toBe('access-0');
  });

  it('does not overwrite tokens another instance stored after taking over the lease', async () => {
    const id = await healthyConnection();
    const before = (await loadConnection(prisma, id))!;
    const newer = sealCredentials(keyring, id, { type: 'OAUTH2', accessToken: 'newer', refreshToken: 'newer-refresh' });
    // While the request is out, the lease "expires" and another instance claims it and stores newer tokens.
    beforeAnswer = async () => {
      await prisma.connection.update({ where: { id }, data: { refreshOwner: 'another-instance:1', credentialsEnc: newer, sequence: { increment: 1 } } });
    };
    const refreshed = await app.services.refresher.refreshConnectionTokens(id, before.sequence, { policy: 'FORCE' });
    const stored = (await loadConnection(prisma, id))!;
    expect(stored.credentialsEnc).toBe(newer);
    expect(stored.refreshOwner).toBe('another-instance:1');
    expect(refreshed.credentials).toMatchObject({ accessToken: 'newer' });
  });

  it('still saves the answer when the lease was lost but nobody stored other tokens', async () => {
    const id = await healthyConnection();
    const before = (await loadConnection(prisma, id))!;
    beforeAnswer = async () => {
      await prisma.connection.update({ where: { id }, data: { refreshOwner: 'another-instance:2' } });
    };
    await app.services.refresher.refreshConnectionTokens(id, before.sequence, { policy: 'FORCE' });
    const stored = (await loadConnection(prisma, id))!;
    expect(credentialsOf(stored)).toMatchObject({ accessToken: `access-after-refresh-${id}` });
    expect(stored.refreshOwner).toBeNull();
  });

  it('sends one token request when two instances refresh the same connection at once', async () => {
    beforeAnswer = async () => {};
    const id = await healthyConnection();
    const before = (await loadConnection(prisma, id))!;
    const sent = upstream.hits('/token');
    const results = await Promise.all([
      app.services.refresher.refreshConnectionTokens(id, before.sequence, { policy: 'FORCE' }),
      otherInstance.services.refresher.refreshConnectionTokens(id, before.sequence, { policy: 'FORCE' }),
    ]);
    expect(upstream.hits('/token') - sent).toBe(1);
    expect(results[0].credentials?.accessToken).toBe(`access-after-refresh-${id}`);
    expect(results[1].credentials?.accessToken).toBe(`access-after-refresh-${id}`);
    expect((await loadConnection(prisma, id))!.sequence).toBe(before.sequence + 1);
  });

  it('finds the rows a save writes by their ids even before the table has statistics (imported connections): no scan of every connection', async () => {
    await withScratchDatabase(async (db) => {
      await db.prisma.integration.create({ data: { id: 'integration', slug: 'plan', name: 'Plan', provider: 'custom' } });
      // Written in one statement and never analysed, as after a large import.
      await db.prisma.$executeRaw`
        INSERT INTO "Connection" ("id", "integrationId", "ownerId", "ownerKey", "name", "credentialsEnc", "hasRefreshToken", "tokenExpiresAt", "updatedAt", "scopes")
        SELECT 'c' || n, 'integration', 'user-' || n, 'user-' || n, 'default', repeat('x', 400), true, now(), now(), '{}'
        FROM generate_series(1, 5000) AS n`;
      const tokens = { credentialsEnc: 'sealed', hasRefreshToken: true, tokenExpiresAt: new Date(), scopes: [], refreshedAt: new Date() };
      const group = ['c1', 'c2500', 'c4999'].map((connectionId) => ({ connectionId, owner: 'owner', tokens }));
      const [explained] = await db.prisma.$queryRaw<Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>>(
        Prisma.sql`EXPLAIN (FORMAT JSON) ${healthyTokenSaveStatement(group)}`,
      );
      // How the plan reaches "Connection" (the row it updates aside): an index scan by id per record.
      const reads: string[] = [];
      const visit = (node: PlanNode) => {
        if (node['Node Type'] !== 'ModifyTable' && node['Relation Name'] === 'Connection')
          reads.push(`${node['Node Type']} ${node['Index Name'] ?? ''}`.trim());
        for (const child of node.Plans ?? []) visit(child);
      };
      visit(explained!['QUERY PLAN'][0]!.Plan);
      expect(reads).toEqual(['Index Scan Connection_pkey']);
    });
  });
});
